/**
 * Runs a real VS Code (code-server, the version in package.json `config.codeServerVersion`) headless
 * for extension-host tests and UI tests, and drives it with playwright-core + Debian's chromium.
 * Starting and stopping code-server is scripts/codeServer.ts, the launcher `npm start` uses too.
 * Recipe: docs/testing-in-vscode.md.
 */
import { format } from 'node:util';
import type { Browser, Page } from 'playwright-core';
import type { CodeServer } from '../../scripts/codeServer';

export { CODE_SERVER_ENTRY, CODE_SERVER_VERSION, freePort, startCodeServer, type CodeServer, type CodeServerOptions } from '../../scripts/codeServer';
export const CHROMIUM = '/usr/bin/chromium';

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
