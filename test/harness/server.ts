/**
 * Starting and stopping one server process: spawn with its output in a log file, wait until THIS
 * process listens on its port and answers with its banner, stop by PID. Every server is registered
 * so stopAll() (also run at process exit) leaves none behind.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import * as net from 'node:net';
import * as tls from 'node:tls';
import type { CertFiles } from './certs';
import { derFingerprint } from './certs';
import { isAlive, onExit, sleepSync } from './common';
import type { ServerKey } from './keys';
import { reapOrphans } from './reaper';

export type ServerProtocol = 'sftp' | 'ftpes' | 'ftps' | 'ftp';
/** What the harness runs that is not a file server (test/harness/proxy.ts). */
export type ProxyProtocol = 'socks5' | 'http';

export interface RunningServer<P extends ServerProtocol | ProxyProtocol = ServerProtocol> {
  name: string; // e.g. 'sshd', 'vsftpd-explicit'
  protocol: P;
  host: '127.0.0.1';
  port: number;
  pid: number;
  logFile: string;
  readLog(): Promise<string>;
  hostKeys?: ServerKey[]; // SSH servers
  cert?: CertFiles; // TLS servers
  dir: string; // the server's private temp dir (configs, keys, logs)
  stop(): Promise<void>;
}

/** How readiness is proven: the first line the server sends, in the clear or inside implicit TLS. */
type Banner = { kind: 'ssh' } | { kind: 'ftp' } | { kind: 'ftp-implicit-tls'; cert: CertFiles } | { kind: 'none' };

/** Servers that wait for the client to speak (proxies): listening on the port is the proof. */
type SpeakingBanner = Exclude<Banner, { kind: 'none' }>;

const BANNER_PATTERN: Record<SpeakingBanner['kind'], RegExp> = {
  ssh: /^SSH-2\.0-/,
  ftp: /^220[ -]/,
  'ftp-implicit-tls': /^220[ -]/,
};

export interface LaunchSpec<P extends ServerProtocol | ProxyProtocol = ServerProtocol> {
  name: string;
  protocol: P;
  command: string;
  args: string[];
  argv0?: string;
  port: number;
  dir: string;
  logFile: string;
  banner: Banner;
  hostKeys?: ServerKey[];
  cert?: CertFiles;
  /** Synchronous clean-up after the process ended (e.g. a PAM service file outside the temp dir). */
  afterStop?: () => void;
  readyTimeoutMs?: number;
}

const running = new Map<number, { child: ChildProcess; stop: () => Promise<void> }>();
let exitHookInstalled = false;

export async function launch<P extends ServerProtocol | ProxyProtocol = ServerProtocol>(spec: LaunchSpec<P>): Promise<RunningServer<P>> {
  installExitHook();
  const logFd = openSync(spec.logFile, 'a');
  // One log fd as stdin too: vsftpd writes its startup errors to fd 0.
  const child = spawn(spec.command, spec.args, { argv0: spec.argv0, stdio: [logFd, logFd, logFd], detached: true });
  closeSync(logFd);
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.once('error', () => resolve());
  });
  child.unref(); // a forgotten server must not keep the test process alive; the exit hook stops it
  const readLog = () => readFile(spec.logFile, 'utf8');
  const pid = child.pid;
  if (pid === undefined) {
    await exited;
    throw new Error(`${spec.name}: could not start ${spec.command}. Log:\n${await readLog().catch(() => '')}`);
  }

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      if (child.exitCode === null && child.signalCode === null) {
        signalGroup(pid, 'SIGTERM');
        const killTimer = setTimeout(() => signalGroup(pid, 'SIGKILL'), 5000);
        await exited;
        clearTimeout(killTimer);
      }
      running.delete(pid);
      spec.afterStop?.();
    })());
  running.set(pid, { child, stop });
  if (spec.afterStop) onExit(spec.afterStop);

  try {
    await waitUntilListening(pid, spec.port, exited, spec.readyTimeoutMs ?? 10_000);
    if (spec.banner.kind !== 'none') {
      const line = await readFirstLine(spec.port, spec.banner);
      if (!BANNER_PATTERN[spec.banner.kind].test(line)) throw new Error(`answered "${line}" instead of its banner`);
    }
  } catch (err) {
    await stop();
    const log = await readLog().catch(() => '');
    throw new Error(`${spec.name} on 127.0.0.1:${spec.port} did not get ready: ${(err as Error).message}. Log ${spec.logFile}:\n${log.slice(-4000)}`);
  }

  return {
    name: spec.name,
    protocol: spec.protocol,
    host: '127.0.0.1',
    port: spec.port,
    pid,
    logFile: spec.logFile,
    readLog,
    hostKeys: spec.hostKeys,
    cert: spec.cert,
    dir: spec.dir,
    stop,
  };
}

/** Stops every server this process started. */
export async function stopAllServers(): Promise<void> {
  await Promise.all([...running.values()].map((s) => s.stop()));
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  // detached: the server leads its own process group, so its forked workers get the signal too.
  for (const target of [-pid, pid]) {
    try {
      process.kill(target, signal);
      return;
    } catch {
      // group gone: try the PID alone
    }
  }
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  reapOrphans();
  onExit(() => {
    const pids = [...running.keys()];
    for (const pid of pids) signalGroup(pid, 'SIGTERM');
    for (let waited = 0; waited < 3000 && pids.some(isAlive); waited += 50) sleepSync(50);
    for (const pid of pids.filter(isAlive)) signalGroup(pid, 'SIGKILL');
  });
}

/** True when `pid` itself holds the listening socket on 127.0.0.1:port (not some other process). */
export function isListeningBy(pid: number, port: number): boolean {
  const portHex = port.toString(16).toUpperCase().padStart(4, '0');
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const row of text.split('\n').slice(1)) {
      const cols = row.trim().split(/\s+/);
      if (cols.length > 9 && cols[1].endsWith(`:${portHex}`) && cols[3] === '0A') inodes.add(cols[9]);
    }
  }
  if (inodes.size === 0) return false;
  try {
    return readdirSync(`/proc/${pid}/fd`).some((fd) => {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
        return m !== null && inodes.has(m[1]);
      } catch {
        return false;
      }
    });
  } catch {
    return false;
  }
}

async function waitUntilListening(pid: number, port: number, exited: Promise<void>, timeoutMs: number): Promise<void> {
  let hasExited = false;
  void exited.then(() => (hasExited = true));
  const deadline = Date.now() + timeoutMs;
  while (!isListeningBy(pid, port)) {
    if (hasExited) throw new Error('the process exited during startup');
    if (Date.now() > deadline) throw new Error(`no listening socket after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Connects and returns the first line the server sends (inside TLS for implicit FTPS). */
export function readFirstLine(port: number, banner: SpeakingBanner, timeoutMs = 5000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = banner.kind === 'ftp-implicit-tls' ? connectPinnedTls(port, banner.cert) : net.connect({ host: '127.0.0.1', port });
    let data = '';
    const finish = (err: Error | null, line?: string) => {
      clearTimeout(timer);
      socket.destroy();
      if (err) reject(err);
      else resolve(line ?? '');
    };
    const timer = setTimeout(() => finish(new Error(`no banner line within ${timeoutMs} ms (got "${data}")`)), timeoutMs);
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      data += chunk;
      const end = data.indexOf('\n');
      if (end >= 0) finish(null, data.slice(0, end).replace(/\r$/, ''));
    });
    socket.on('error', (err: NodeJS.ErrnoException) => {
      // Node cannot verify an expired certificate at all; reaching that verdict proves the TLS
      // listener answered with it, which is as close to the banner as a pinned client gets.
      if (banner.kind === 'ftp-implicit-tls' && err.code === 'CERT_HAS_EXPIRED') finish(null, '220 (banner behind an expired certificate)');
      else finish(err);
    });
    socket.on('close', () => finish(new Error(`connection closed before a banner line (got "${data}")`)));
  });
}

/**
 * TLS pinned to the server's own certificate: trusted as the only CA, identity checked by fingerprint
 * instead of hostname (the harness also serves deliberately mismatching certificates).
 */
function connectPinnedTls(port: number, cert: CertFiles): tls.TLSSocket {
  const pem = readFileSync(cert.certFile, 'utf8');
  return tls.connect({
    host: '127.0.0.1',
    port,
    ca: pem,
    checkServerIdentity: (_host, peer) =>
      derFingerprint(peer.raw) === cert.fingerprint ? undefined : new Error('implicit TLS answered with a different certificate'),
  });
}
