/**
 * Runs a real VS Code (code-server 4.100.3 = VS Code 1.100) headless for extension-host tests and UI
 * tests, and drives it with playwright-core + Debian's chromium. Recipe: docs/testing-in-vscode.md.
 * Everything lives in a per-run temp folder; the server runs in its own process group, which stop()
 * kills whole (otherwise extension hosts linger).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync, createWriteStream } from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { format } from 'node:util';
import type { Browser, Page } from 'playwright-core';
import { REPO_ROOT } from './common';

export const CODE_SERVER_ENTRY = path.join(REPO_ROOT, '.cache', 'code-server', 'node_modules', 'code-server', 'out', 'node', 'entry.js');
export const CHROMIUM = '/usr/bin/chromium';

export interface CodeServerOptions {
  /** Folder opened as the workspace. */
  workspace: string;
  /** Extra environment for the server (reaches the extension host). */
  env?: NodeJS.ProcessEnv;
  /** User settings.json content. */
  settings?: Record<string, unknown>;
  /** Keep Workspace Trust on (default off, so tests don't meet the trust dialog). */
  workspaceTrust?: boolean;
}

export interface CodeServer {
  port: number;
  baseUrl: string;
  runDir: string;
  logFile: string;
  /** The workbench URL with an optional test payload (extension under development, test suite). */
  workbenchUrl(payload?: { extensionDevelopmentPath?: string; extensionTestsPath?: string }): string;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

export async function startCodeServer(opts: CodeServerOptions): Promise<CodeServer> {
  if (!existsSync(CODE_SERVER_ENTRY)) {
    throw new Error(`code-server is not installed in ${path.dirname(CODE_SERVER_ENTRY)}: run scripts/setup-code-server.sh first.`);
  }
  const runDir = mkdtempSync(path.join(os.tmpdir(), 'st-code-server-'));
  const dirs = Object.fromEntries(['ud', 'ext', 'config', 'data', 'cache', 'tmp'].map((d) => [d, path.join(runDir, d)]));
  for (const d of Object.values(dirs)) mkdirSync(d, { recursive: true });
  mkdirSync(path.join(dirs.ud, 'User'), { recursive: true });
  writeFileSync(
    path.join(dirs.ud, 'User', 'settings.json'),
    JSON.stringify({ 'workbench.startupEditor': 'none', 'security.workspace.trust.enabled': !!opts.workspaceTrust, ...opts.settings }, null, 2),
  );
  const port = await freePort();
  const logFile = path.join(runDir, 'code-server.log');
  const log = createWriteStream(logFile);
  const args = [
    CODE_SERVER_ENTRY, '--auth', 'none', '--bind-addr', `127.0.0.1:${port}`,
    '--user-data-dir', dirs.ud, '--extensions-dir', dirs.ext,
    '--disable-telemetry', '--disable-update-check', '--disable-getting-started-override',
    ...(opts.workspaceTrust ? [] : ['--disable-workspace-trust']),
    opts.workspace,
  ];
  const child: ChildProcess = spawn(process.execPath, args, {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...opts.env, XDG_CONFIG_HOME: dirs.config, XDG_DATA_HOME: dirs.data, XDG_CACHE_HOME: dirs.cache, TMPDIR: dirs.tmp },
  });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  const baseUrl = `http://127.0.0.1:${port}`;
  await waitForHttp(baseUrl + '/healthz', child, 30_000);

  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.pid) {
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      try { process.kill(-child.pid, 'SIGTERM'); } catch { /* already gone */ }
      const timer = setTimeout(() => { try { process.kill(-child.pid!, 'SIGKILL'); } catch { /* gone */ } }, 3000);
      await exited;
      clearTimeout(timer);
    }
    if (!process.env.KEEP_CODE_SERVER_DIR) rmSync(runDir, { recursive: true, force: true });
  };

  return {
    port,
    baseUrl,
    runDir,
    logFile,
    stop,
    workbenchUrl(payload) {
      const remote = (p: string): string => `vscode-remote://127.0.0.1:${port}${p}`;
      const entries: [string, string][] = [];
      if (payload?.extensionDevelopmentPath) entries.push(['extensionDevelopmentPath', remote(payload.extensionDevelopmentPath)]);
      if (payload?.extensionTestsPath) entries.push(['extensionTestsPath', remote(payload.extensionTestsPath)]);
      entries.push(['skipWelcome', 'true']);
      return `${baseUrl}/?folder=${encodeURIComponent(opts.workspace)}&payload=${encodeURIComponent(JSON.stringify(entries))}`;
    },
  };
}

async function waitForHttp(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`code-server exited with code ${child.exitCode} before it was ready.`);
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch { /* not listening yet */ }
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(`code-server did not answer on ${url} within ${timeoutMs / 1000} s.`);
}

/** Headless chromium that can only reach loopback (the workbench tries the extension gallery). */
export async function launchBrowser(): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  });
}

export async function newLoopbackPage(browser: Browser, viewport = { width: 1400, height: 900 }): Promise<Page> {
  const context = await browser.newContext({ viewport });
  await context.route('**/*', (route) => {
    const host = new URL(route.request().url()).hostname;
    return host === '127.0.0.1' || host === 'localhost' ? route.continue() : route.abort();
  });
  return context.newPage();
}

/**
 * Runs the extension-host mocha suite inside code-server and resolves with its exit code.
 * Mocha's output is forwarded to `onLog` (the workbench calls codeAutomationLog for it).
 */
export async function runExtensionHostTests(
  server: CodeServer,
  extensionDevelopmentPath: string,
  extensionTestsPath: string,
  opts: { timeoutMs: number; onLog: (line: string) => void; screenshotOnTimeout?: string },
): Promise<number> {
  const browser = await launchBrowser();
  try {
    const page = await newLoopbackPage(browser);
    let finish!: (code: number) => void;
    const done = new Promise<number>((r) => (finish = r));
    await page.exposeFunction('codeAutomationExit', (code: number) => finish(code));
    // The workbench forwards console calls as (format, ...args), printf-style: format them like Node does.
    await page.exposeFunction('codeAutomationLog', (_type: string, args: unknown[]) => opts.onLog(format(...args)));
    await page.goto(server.workbenchUrl({ extensionDevelopmentPath, extensionTestsPath }));
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<number>((r) => {
      timer = setTimeout(() => {
        opts.onLog(`The extension-host tests did not finish within ${opts.timeoutMs / 1000} s.`);
        r(1);
      }, opts.timeoutMs);
    });
    const code = await Promise.race([done, timeout]);
    clearTimeout(timer);
    if (code !== 0 && opts.screenshotOnTimeout) await page.screenshot({ path: opts.screenshotOnTimeout }).catch(() => undefined);
    return code;
  } finally {
    await browser.close();
  }
}
