/**
 * Shared plumbing of the test harness: the repo root, running commands, per-process temp dirs and
 * the clean-up that runs when the test process exits (so no server or folder outlives the tests).
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { chmod } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';

/** The repo root, found from this file's location (works from test/harness and out/test/harness). */
export const REPO_ROOT = findRepoRoot(__dirname);

function findRepoRoot(start: string): string {
  for (let dir = start; ; dir = path.dirname(dir)) {
    const pkg = path.join(dir, 'package.json');
    if (existsSync(pkg) && JSON.parse(readFileSync(pkg, 'utf8')).name === 'secure-transfer') return dir;
    if (path.dirname(dir) === dir) throw new Error(`test harness: no secure-transfer package.json above ${start}`);
  }
}

/** proftpd and pure-ftpd are unpacked here by the setup script (they conflict with vsftpd in apt). */
export const SERVERS_ROOT = path.join(REPO_ROOT, '.cache', 'servers', 'root');

export function requireBinary(file: string): string {
  if (!existsSync(file)) {
    throw new Error(`${file} is missing: run \`npm run setup:test-servers\` (as root) to install the test servers.`);
  }
  return file;
}

export interface RunResult { stdout: string; stderr: string }

/** Runs a command to completion; the error names the command and carries its stderr. */
export function run(cmd: string, args: string[], opts: { input?: string; timeoutMs?: number } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(cmd, args, { timeout: opts.timeoutMs ?? 30_000, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
          reject(new Error(`${cmd} is not installed: run \`npm run setup:test-servers\` (as root).`));
        } else {
          reject(new Error(`${cmd} ${args.join(' ')} failed: ${String(stderr || err.message).trim()}`));
        }
        return;
      }
      resolve({ stdout: String(stdout), stderr: String(stderr) });
    });
    if (opts.input !== undefined) child.stdin?.end(opts.input);
  });
}

/** Every temp dir name carries the owning PID so leftovers of a crashed run can be told apart. */
export const TEMP_PREFIX = `st-harness-${process.pid}-`;

/** A fresh private temp dir, removed at process exit. mode 0755 lets servers that drop privileges read it. */
export async function tempDir(label: string, mode = 0o755): Promise<string> {
  const dir = mkdtempSync(path.join(os.tmpdir(), `${TEMP_PREFIX}${label}-`));
  await chmod(dir, mode);
  onExit(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

// ---- exit clean-up -------------------------------------------------------------------------------
// Synchronous hooks, run in reverse order of registration on exit and on SIGINT/SIGTERM/SIGHUP.

const exitHooks: Array<() => void> = [];
let hooksInstalled = false;

export function onExit(hook: () => void): void {
  exitHooks.push(hook);
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on('exit', runExitHooks);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      runExitHooks();
      // Re-raise so the process still dies of the signal (exit status as without the hook).
      process.kill(process.pid, signal);
    });
  }
}

export function runExitHooks(): void {
  while (exitHooks.length > 0) {
    const hook = exitHooks.pop();
    try {
      hook?.();
    } catch {
      // Best effort: one failed clean-up must not stop the others.
    }
  }
}

/** A blocking sleep for exit hooks, which cannot await. */
export function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** True while the process runs; a zombie (exited, not yet reaped) counts as ended. */
export function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}
