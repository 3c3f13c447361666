/**
 * The one code-server launcher: `npm start` (scripts/start.mjs, which bundles this file with esbuild,
 * so no tsc build is needed) and the test harness (test/harness/codeServer.ts → tsc's out/) both start
 * VS Code in the browser through here. The code-server version is package.json's
 * `config.codeServerVersion` (scripts/setup-code-server.sh installs that one). Everything lives in a
 * run folder; the server runs in its own process group, which stop() kills whole (otherwise extension
 * hosts linger). Recipe: docs/testing-in-vscode.md.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

interface PackageJson {
  name?: string;
  config?: { codeServerVersion?: string };
}

/** The repo root: the folder of the secure-transfer package.json above this file (scripts/, out/scripts/ or dist/). */
function findRepo(start: string): { root: string; pkg: PackageJson } {
  for (let dir = start; ; dir = path.dirname(dir)) {
    const file = path.join(dir, 'package.json');
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as PackageJson;
      if (pkg.name === 'secure-transfer') return { root: dir, pkg };
    }
    if (path.dirname(dir) === dir) throw new Error(`no secure-transfer package.json above ${start}`);
  }
}

const repo = findRepo(__dirname);
export const REPO = repo.root;

/** The code-server release the extension is tested and demoed in (package.json `config.codeServerVersion`). */
export const CODE_SERVER_VERSION: string = (() => {
  const version = repo.pkg.config?.codeServerVersion;
  if (!version) throw new Error('package.json has no config.codeServerVersion');
  return version;
})();

export const CODE_SERVER_DIR = path.join(REPO, '.cache', 'code-server');
export const CODE_SERVER_ENTRY = path.join(CODE_SERVER_DIR, 'node_modules', 'code-server', 'out', 'node', 'entry.js');

/** Whether this version is installed (setup-code-server.sh leaves a marker per version). */
export function codeServerInstalled(): boolean {
  return existsSync(CODE_SERVER_ENTRY) && existsSync(path.join(CODE_SERVER_DIR, `.installed-${CODE_SERVER_VERSION}`));
}

/** Installs code-server with scripts/setup-code-server.sh unless this version is there; throws if that fails. */
export function ensureCodeServer(log: (line: string) => void = console.log): void {
  if (codeServerInstalled()) return;
  log(`code-server ${CODE_SERVER_VERSION} is not installed yet: installing it into .cache/code-server (about 80 s, once)…`);
  if (spawnSync('bash', [path.join(REPO, 'scripts', 'setup-code-server.sh')], { cwd: REPO, stdio: 'inherit' }).status !== 0) {
    throw new Error('installing code-server failed (see above); run `bash scripts/setup-code-server.sh` and try again');
  }
}

export interface CodeServerOptions {
  /** Folder opened as the workspace. */
  workspace: string;
  /** Extra environment for the server (reaches the extension host). */
  env?: NodeJS.ProcessEnv;
  /** User settings.json content, on top of the defaults (no start editor, Workspace Trust as below). */
  settings?: Record<string, unknown>;
  /** Keep Workspace Trust on (default off, so nobody meets the trust dialog for a folder we made). */
  workspaceTrust?: boolean;
  /** Ask for this password on the login page (a shared machine: any local user could reach the port); default no login. */
  password?: string;
  /** Port on 127.0.0.1; default a free one. */
  port?: number;
  /** Where its state goes; default a new temp folder, removed by stop() (unless KEEP_CODE_SERVER_DIR is set). */
  runDir?: string;
  readyTimeoutMs?: number;
  /** Called as soon as the process exists, with its stop(): so an interrupt during startup can stop it. */
  onSpawn?: (stop: () => Promise<void>) => void;
}

export interface CodeServer {
  port: number;
  baseUrl: string;
  runDir: string;
  /** code-server's stdout and stderr. */
  logFile: string;
  /** The workbench URL with an optional payload (extension under development, test suite). */
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

function tail(file: string, chars = 4000): string {
  try {
    return readFileSync(file, 'utf8').slice(-chars);
  } catch {
    return '';
  }
}

/** Starts code-server (VS Code in the browser) and resolves once it answers /healthz. */
export async function startCodeServer(opts: CodeServerOptions): Promise<CodeServer> {
  if (!existsSync(CODE_SERVER_ENTRY)) {
    throw new Error(`code-server is not installed in ${path.dirname(CODE_SERVER_ENTRY)}: run scripts/setup-code-server.sh first.`);
  }
  const ownRunDir = opts.runDir === undefined;
  const runDir = opts.runDir ?? mkdtempSync(path.join(os.tmpdir(), 'st-code-server-'));
  const dirs = Object.fromEntries(['user-data', 'extensions', 'config', 'data', 'cache', 'tmp'].map((d) => [d, path.join(runDir, d)]));
  for (const d of Object.values(dirs)) mkdirSync(d, { recursive: true, mode: 0o700 });
  mkdirSync(path.join(dirs['user-data'], 'User'), { recursive: true });
  writeFileSync(
    path.join(dirs['user-data'], 'User', 'settings.json'),
    JSON.stringify({ 'workbench.startupEditor': 'none', 'security.workspace.trust.enabled': !!opts.workspaceTrust, ...opts.settings }, null, 2),
  );
  const port = opts.port ?? (await freePort());
  const logFile = path.join(runDir, 'code-server.log');
  const log = createWriteStream(logFile);
  const args = [
    CODE_SERVER_ENTRY, '--auth', opts.password === undefined ? 'none' : 'password', '--bind-addr', `127.0.0.1:${port}`,
    '--user-data-dir', dirs['user-data'], '--extensions-dir', dirs.extensions,
    '--disable-telemetry', '--disable-update-check', '--disable-getting-started-override',
    ...(opts.workspaceTrust ? [] : ['--disable-workspace-trust']),
    opts.workspace,
  ];
  const child: ChildProcess = spawn(process.execPath, args, {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      ...opts.env,
      ...(opts.password === undefined ? {} : { PASSWORD: opts.password }),
      XDG_CONFIG_HOME: dirs.config, XDG_DATA_HOME: dirs.data, XDG_CACHE_HOME: dirs.cache, TMPDIR: dirs.tmp,
    },
  });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);

  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopped ??= (async () => {
      if (child.exitCode === null && child.signalCode === null && child.pid) {
        const exited = new Promise<void>((r) => child.once('exit', () => r()));
        try { process.kill(-child.pid, 'SIGTERM'); } catch { /* already gone */ }
        const timer = setTimeout(() => { try { process.kill(-child.pid!, 'SIGKILL'); } catch { /* gone */ } }, 3000);
        await exited;
        clearTimeout(timer);
      }
      if (ownRunDir && !process.env.KEEP_CODE_SERVER_DIR) rmSync(runDir, { recursive: true, force: true });
    })());
  opts.onSpawn?.(stop);

  const baseUrl = `http://127.0.0.1:${port}`;
  try {
    await waitForHttp(baseUrl + '/healthz', child, opts.readyTimeoutMs ?? 60_000);
  } catch (err) {
    const output = tail(logFile);
    await stop();
    throw new Error(`${(err as Error).message}${output ? ` Its last output:\n${output}` : ''}`);
  }

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
