/**
 * A real OS keychain for tests: gnome-keyring's Secret Service in a private D-Bus session, with a
 * private HOME and XDG_RUNTIME_DIR (mode 700). The keychain only exists inside that session, so the
 * Node code under test runs INSIDE it: runInKeychain() spawns
 *   dbus-run-session -- sh -c '<start gnome-keyring-daemon, unlocking with the password>; <command>'
 * and returns its output and exit code. The same home + password reopens the same keyring (a
 * "restart of the daemon"); a different password leaves it locked.
 */
import { spawn } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import * as path from 'node:path';
import { REPO_ROOT, tempDir } from './common';

export interface KeychainHome {
  /** Private HOME: the keyring files live under .local/share/keyrings. */
  home: string;
  /** Private XDG_RUNTIME_DIR (mode 700). */
  runtimeDir: string;
  /** The login keyring's password (what unlocks it). */
  password: string;
}

export interface ProcessResult {
  stdout: string;
  /** stderr without the D-Bus/prompter noise of the headless session. */
  stderr: string;
  code: number | null;
}

export async function createKeychainHome(password = 'keyring-pass-for-tests'): Promise<KeychainHome> {
  const dir = await tempDir('keychain', 0o700);
  const home = path.join(dir, 'home');
  const runtimeDir = path.join(dir, 'run');
  await mkdir(home, { mode: 0o700 });
  await mkdir(runtimeDir, { mode: 0o700 });
  return { home, runtimeDir, password };
}

/**
 * Starts the daemon in the foreground (so the shell knows its PID and stops it at the end), waits
 * until it owns the Secret Service name on the bus, then runs the command.
 */
const SESSION_SCRIPT = `
printf %s "$ST_KEYRING_UNLOCK" | gnome-keyring-daemon --foreground --unlock --components=secrets >/dev/null 2>&1 &
keyring_pid=$!
unset ST_KEYRING_UNLOCK
i=0
until dbus-send --session --print-reply --dest=org.freedesktop.DBus / org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null | grep -q 'boolean true'; do
  i=$((i+1)); if [ $i -gt 500 ]; then echo 'test harness: gnome-keyring-daemon did not start' >&2; kill $keyring_pid; exit 70; fi
  sleep 0.02
done
"$@"
rc=$?
kill $keyring_pid 2>/dev/null
wait $keyring_pid 2>/dev/null
exit $rc
`;

const NOISE = [/^dbus-daemon\[\d+\]/, /Gtk-WARNING|gcr-prompter|^\s*$/];

function cleanStderr(text: string): string {
  return text
    .split('\n')
    .filter((line) => !NOISE.some((n) => n.test(line)))
    .join('\n');
}

function baseEnv(kc: KeychainHome, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, HOME: kc.home, XDG_RUNTIME_DIR: kc.runtimeDir, ...extra };
  // Nothing of the caller's own session may leak in: no bus, no display, no other keyring.
  for (const name of ['DBUS_SESSION_BUS_ADDRESS', 'DISPLAY', 'WAYLAND_DISPLAY', 'GNOME_KEYRING_CONTROL', 'XDG_STATE_HOME', 'XDG_CONFIG_HOME', 'XDG_DATA_HOME']) {
    if (!(name in extra)) delete env[name];
  }
  return env;
}

function runProcess(cmd: string, args: string[], env: NodeJS.ProcessEnv, opts: { stdin?: string; timeoutMs?: number; cwd?: string }): Promise<ProcessResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env, cwd: opts.cwd ?? REPO_ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 30_000);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`${cmd} could not be started (${err.message}): install dbus and gnome-keyring (npm run setup:test-servers).`));
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ stdout, stderr: cleanStderr(stderr), code });
    });
    child.stdin.end(opts.stdin ?? '');
  });
}

export interface RunOptions {
  stdin?: string;
  /** Unlock with this instead of the keyring's password (a wrong one leaves it locked). */
  unlockPassword?: string;
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
  cwd?: string;
}

/** Runs `argv` inside a D-Bus session with the keychain's daemon started and unlocked. */
export function runInKeychain(kc: KeychainHome, argv: string[], opts: RunOptions = {}): Promise<ProcessResult> {
  const env = baseEnv(kc, { ...opts.env, ST_KEYRING_UNLOCK: opts.unlockPassword ?? kc.password });
  return runProcess('dbus-run-session', ['--', 'sh', '-c', SESSION_SCRIPT, 'sh', ...argv], env, opts);
}

/** Runs `argv` with no D-Bus session at all (a server, a container, an SSH login without a desktop). */
export function runWithoutDbus(kc: KeychainHome, argv: string[], opts: Omit<RunOptions, 'unlockPassword'> = {}): Promise<ProcessResult> {
  return runProcess(argv[0], argv.slice(1), baseEnv(kc, opts.env), opts);
}

const OUT = path.join(REPO_ROOT, 'out');

/**
 * argv that runs `secure-transfer secret <args>` from the compiled command, formatting errors as
 * main.ts does (one sentence on stderr, the kind's exit code). It loads only the secret command, so
 * these tests do not depend on every other command compiling.
 */
export function secretCliArgv(args: string[]): string[] {
  const script = `
const { secretCommand } = require(${JSON.stringify(path.join(OUT, 'src/cli/commands/secret.js'))});
const { describeError, exitCodeFor } = require(${JSON.stringify(path.join(OUT, 'src/core/errors.js'))});
const ctx = { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env, cwd: process.cwd(), interactive: false, verbose: false };
secretCommand(ctx, process.argv.slice(1)).then(
  (code) => { process.exitCode = code; },
  (err) => { process.stderr.write('secure-transfer secret: ' + describeError(err) + '\\n'); process.exitCode = exitCodeFor(err); },
);`;
  return [process.execPath, '-e', script, ...args];
}

/** argv that runs a CommonJS snippet with `out` (the compiled tree) as a variable and extra args in `args`. */
export function nodeSnippetArgv(code: string, args: string[] = []): string[] {
  return [process.execPath, '-e', `const out = ${JSON.stringify(OUT)}; const args = process.argv.slice(1);\n${code}`, ...args];
}
