/**
 * One audit of one server: probe (read-only, no credentials), then judge the facts against the rules.
 * The lead's connect() calls this with `worstSeverity` to enforce `blockOnSeverity`; the CLI's
 * `audit` command and the extension's panel call it directly.
 */
import { SecureTransferError, describeError } from '../errors';
import { loadKnownHosts, lookupHost } from '../trust/knownHosts';
import type { TrustRecord } from '../trust/types';
import { serverOrigin } from '../profiles/serverAddress';
import { probeFtp } from './probes/ftpProbe';
import { probeSsh } from './probes/sshProbe';
import * as net from 'node:net';
import { proxiedDialer } from '../session/proxy';
import { evaluate } from './rules/evaluate';
import { gradeOf } from './rules/grades';
import { identifyProduct } from './rules/products';
import type { AuditFacts, AuditReport, AuditTarget, KnownIdentity, ProbeDial } from './types';

/** A bound for each probe connection, not the expected time: a whole audit takes well under 3 s on loopback. */
export const DEFAULT_PROBE_TIMEOUT_MS = 6000;
export const PLAINTEXT_FTP_PORT = 21;

export interface AuditOptions {
  /** Per probe connection (default 6 s). */
  timeoutMs?: number;
  /**
   * Try an anonymous FTP login (USER anonymous only; it lists, never writes). Default true: anonymous
   * FTP is the most common FTP misconfiguration; `false` (CLI --no-anonymous) skips it.
   */
  anonymous?: boolean;
  /** Opt-in: check whether plaintext FTP answers on this port of the same host (`true`: port 21). */
  checkPlaintextPort?: boolean | number;
  /** Fingerprints the user vouched for (pins, trust store, known_hosts): a mismatch is critical. */
  known?: KnownIdentity[];
  now?: () => number;
  /**
   * Opens every probe connection (FTP data connections included) instead of a direct TCP connect: the
   * way the session itself will go — a SOCKS/HTTP proxy (`proxiedDialer`), a ProxyCommand spawned once
   * per connection, a jump host's `direct-tcpip` channel. Default: direct TCP. Wins over `proxy`.
   */
  dial?: ProbeDial;
  /**
   * A proxy URL (session/proxy.ts), shorthand for `dial: proxiedDialer(proxy)`: every probe connection
   * goes through it, as the session's would (callers pass `proxyFor(…)`).
   */
  proxy?: string;
}

export async function auditServer(target: AuditTarget, options: AuditOptions = {}): Promise<AuditReport> {
  const now = options.now ?? Date.now;
  const started = now();
  const timeoutMs = options.timeoutMs ?? DEFAULT_PROBE_TIMEOUT_MS;
  const plaintextPort = options.checkPlaintextPort === true ? PLAINTEXT_FTP_PORT : options.checkPlaintextPort || undefined;
  const facts: AuditFacts = {};
  const dial = options.dial ?? (options.proxy ? proxiedDialer(options.proxy, { timeoutMs }) : undefined);
  try {
    if (target.protocol === 'sftp') facts.ssh = await probeSsh(target, { timeoutMs, dial });
    else facts.ftp = await probeFtp(target, { timeoutMs, anonymous: options.anonymous ?? true, plaintextPort, dial: dial && tcpOnly(dial) });
  } catch (err) {
    throw new SecureTransferError(
      `Could not audit ${serverOrigin(target)}: ${describeError(err)}; check the host, the port and that the server is running.`,
      'failure',
      'audit-unreachable',
      { cause: err },
    );
  }
  const product = identifyProduct(facts);
  const findings = evaluate({ target, facts, known: options.known ?? [], now: now() }, product?.id);
  return {
    server: serverOrigin(target),
    target,
    probedAt: new Date(started).toISOString(),
    durationMs: now() - started,
    findings,
    facts,
    ...(product ? { product } : {}),
    grade: gradeOf(findings),
  };
}

/**
 * The FTP probe needs TCP sockets (it upgrades them to TLS and opens data connections): FTPS is only
 * ever reached directly or through a SOCKS/HTTP proxy, both of which give one.
 */
function tcpOnly(dial: ProbeDial): (host: string, port: number) => Promise<net.Socket> {
  return async (host, port) => {
    const stream = await dial(host, port);
    if (stream instanceof net.Socket) return stream;
    stream.destroy();
    throw new Error('an FTP server can only be audited over TCP (directly or through a SOCKS/HTTP proxy)');
  };
}

/**
 * A dial that keeps at most `max` of its streams open at once (a slot is freed when a stream closes
 * or the dial fails): routed probes (a ProxyCommand per connection, a jump host's channels) must not
 * hit the route with every probe connection at the same moment.
 */
export function boundedDial(dial: ProbeDial, max: number): ProbeDial {
  let open = 0;
  const waiting: Array<() => void> = [];
  const release = () => {
    open--;
    waiting.shift()?.();
  };
  return async (host, port) => {
    if (open >= max) await new Promise<void>((resolve) => waiting.push(resolve));
    open++;
    let stream;
    try {
      stream = await dial(host, port);
    } catch (err) {
      release();
      throw err;
    }
    if (stream.destroyed) release();
    else stream.once('close', release);
    return stream;
  };
}

/** The identities the trust store and explicit pins hold for this server, in the form the rules use. */
export function knownIdentities(target: AuditTarget, records: readonly TrustRecord[], pins: readonly string[] = []): KnownIdentity[] {
  const kind = target.protocol === 'sftp' ? 'host-key' : 'certificate';
  const host = target.host.toLowerCase();
  const fromStore = records
    .filter((r) => r.kind === kind && r.host === host && r.port === target.port)
    .map((r) => ({ fingerprint: r.fingerprint, keyType: kind === 'host-key' ? r.keyType : undefined, source: 'the trust store' }));
  return [...pins.map((fingerprint) => ({ fingerprint, source: 'the pinned fingerprint' })), ...fromStore];
}

/** The keys OpenSSH known_hosts files hold for host:port (default files when `files` is undefined), in the form the rules use. */
export async function knownHostsIdentities(files: string[] | undefined, host: string, port: number): Promise<KnownIdentity[]> {
  const entries = lookupHost(await loadKnownHosts(files), host, port).keys;
  return entries.map((e) => ({ fingerprint: e.fingerprint, keyType: e.keyType, source: `${e.file}:${e.line}` }));
}
