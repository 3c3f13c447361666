/**
 * A route of SSH jump hosts (like `ssh -J a,b target`): each hop is a full SSH connection — its host
 * key verified before any credential is asked for, then its own login — and the next hop (or the
 * target) is reached through the previous one's `direct-tcpip` channel (client.forwardOut). The first
 * hop may itself be reached through a stream (a ProxyCommand, a SOCKS/HTTP proxy).
 *
 * Policy is NOT checked here: connect() checks every hop before this runs (before the first packet).
 */
import type { Duplex } from 'node:stream';
import type { Client } from 'ssh2';
import { SecureTransferError } from '../errors';
import { serverText } from '../displayText';
import { hostPort } from '../profiles/serverAddress';
import type { ServerAddress } from '../profiles/types';
import { connectSsh, type SftpConnectOptions, type SftpHostKey } from './sftp';

export interface RouteHop {
  server: ServerAddress;
  /** Everything connectSsh needs but the server and the stream (trust, credentials, keys, timeouts). */
  options: Omit<SftpConnectOptions, 'server' | 'sock'>;
  /** "jump host 1 of 2 (bastion:22)": how messages and steps name this hop. */
  label: string;
}

export interface OpenedHop {
  server: ServerAddress;
  hostKey: SftpHostKey;
  label: string;
}

export interface SshRoute {
  /** The stream to the target (the last hop's forwarded channel). */
  sock: Duplex;
  hops: OpenedHop[];
  /** Ends every hop, last first. */
  close(): void;
  /** When a hop dropped: one sentence naming it (for the session's close error). */
  lostReason(): Error | undefined;
}

/** ssh2's forwardOut as a promise, bounded by `timeoutMs`. */
function forwardOut(client: Client, host: string, port: number, timeoutMs: number): Promise<Duplex> {
  return new Promise<Duplex>((resolve, reject) => {
    const timer = timeoutMs > 0 ? setTimeout(() => reject(new Error('timeout')), timeoutMs) : undefined;
    // The originator address is informative only; OpenSSH logs it. 127.0.0.1:0 says "a local client".
    client.forwardOut('127.0.0.1', 0, host, port, (err, stream) => {
      clearTimeout(timer);
      if (err) reject(err);
      else resolve(stream as unknown as Duplex);
    });
  });
}

/** A channel through an open hop to `next`, or one sentence naming the hop that refused it. */
async function forwardThrough(client: Client, label: string, next: { host: string; port: number }, timeoutMs: number): Promise<Duplex> {
  try {
    return await forwardOut(client, next.host, next.port, timeoutMs);
  } catch (err) {
    const reason = err instanceof Error ? serverText(err.message) : 'no reason given';
    throw new SecureTransferError(
      `${label} refused to open a connection to ${hostPort(next)} (${reason}): check that the name and port are right as seen from the jump host, and that its sshd allows forwarding (AllowTcpForwarding).`,
      'failure',
      'connection-refused',
    );
  }
}

/**
 * Opens the hops in order and returns the stream to `target`. On any failure every hop already open
 * is closed and the error names the hop that failed.
 */
/**
 * Called when hop `index - 1` is open and logged in, before the stream to the next server (hop `index`,
 * or the target when `index === hops.length`) is opened: `dial` opens a fresh channel through that hop,
 * e.g. for the audit's probes. Throwing stops the route (every hop is closed); nothing reached the next
 * server but what `dial` carried.
 */
export type BeforeNextHop = (index: number, next: { host: string; port: number }, dial: (host: string, port: number) => Promise<Duplex>) => Promise<void>;

export async function openSshRoute(
  hops: RouteHop[],
  target: { host: string; port: number },
  firstStream?: Duplex,
  onHopReady?: (hop: OpenedHop, index: number) => void,
  beforeNext?: BeforeNextHop,
): Promise<SshRoute> {
  const clients: Client[] = [];
  let lost: Error | undefined;
  let closing = false;
  const closeAll = () => {
    closing = true;
    for (const c of [...clients].reverse()) c.end();
    firstStream?.destroy();
  };
  const opened: OpenedHop[] = [];
  let sock: Duplex | undefined = firstStream;
  try {
    for (let i = 0; i < hops.length; i++) {
      const hop = hops[i];
      const { client, hostKey } = await connectSsh({ ...hop.options, server: hop.server, ...(sock ? { sock } : {}) });
      clients.push(client);
      const info = { server: hop.server, hostKey, label: hop.label };
      opened.push(info);
      const noteLost = (why: string) => {
        if (closing || lost) return;
        lost = new SecureTransferError(`The connection was lost because ${hop.label} ${why}: check that jump host, then reconnect.`, 'failure', 'connection-closed');
      };
      client.on('error', (err) => noteLost(`failed (${serverText(err.message)})`));
      client.on('end', () => noteLost('closed its connection'));
      client.on('close', () => noteLost('closed its connection'));
      onHopReady?.(info, i);
      const next = hops[i + 1]?.server ?? target;
      const timeoutMs = hop.options.connectTimeoutMs ?? 20_000;
      await beforeNext?.(i + 1, { host: next.host, port: next.port }, (host, port) => forwardThrough(client, hop.label, { host, port }, timeoutMs));
      sock = await forwardThrough(client, hop.label, next, timeoutMs);
    }
  } catch (err) {
    closeAll();
    throw err;
  }
  return { sock: sock!, hops: opened, close: closeAll, lostReason: () => lost };
}
