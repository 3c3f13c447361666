/**
 * One audit of one server: probe (read-only, no credentials), then judge the facts against the rules.
 * The lead's connect() calls this with `worstSeverity` to enforce `blockOnSeverity`; the CLI's
 * `audit` command and the extension's panel call it directly.
 */
import { SecureTransferError, describeError } from '../errors';
import type { TrustRecord } from '../trust/types';
import { serverOrigin } from '../profiles/serverAddress';
import { probeFtp } from './probes/ftpProbe';
import { probeSsh } from './probes/sshProbe';
import { proxiedDialer } from '../session/proxy';
import { evaluate } from './rules/evaluate';
import type { AuditFacts, AuditReport, AuditTarget, KnownIdentity } from './types';

/** A bound for each probe connection, not the expected time: a whole audit takes well under 3 s on loopback. */
export const DEFAULT_PROBE_TIMEOUT_MS = 6000;
export const PLAINTEXT_FTP_PORT = 21;

export interface AuditOptions {
  /** Per probe connection (default 6 s). */
  timeoutMs?: number;
  /** Opt-in: try an anonymous FTP login (it logs in). */
  anonymous?: boolean;
  /** Opt-in: check whether plaintext FTP answers on this port of the same host (`true`: port 21). */
  checkPlaintextPort?: boolean | number;
  /** Fingerprints the user vouched for (pins, trust store, known_hosts): a mismatch is critical. */
  known?: KnownIdentity[];
  now?: () => number;
  /**
   * A proxy URL (session/proxy.ts): every probe connection, FTP data connections included, goes through
   * it, as the session's would (callers pass `proxyFor(…)`); default: direct TCP.
   */
  proxy?: string;
}

export async function auditServer(target: AuditTarget, options: AuditOptions = {}): Promise<AuditReport> {
  const now = options.now ?? Date.now;
  const started = now();
  const timeoutMs = options.timeoutMs ?? DEFAULT_PROBE_TIMEOUT_MS;
  const plaintextPort = options.checkPlaintextPort === true ? PLAINTEXT_FTP_PORT : options.checkPlaintextPort || undefined;
  const facts: AuditFacts = {};
  const dial = options.proxy ? proxiedDialer(options.proxy, { timeoutMs }) : undefined;
  try {
    if (target.protocol === 'sftp') facts.ssh = await probeSsh(target, { timeoutMs, dial });
    else facts.ftp = await probeFtp(target, { timeoutMs, anonymous: options.anonymous, plaintextPort, dial });
  } catch (err) {
    throw new SecureTransferError(
      `Could not audit ${serverOrigin(target)}: ${describeError(err)}; check the host, the port and that the server is running.`,
      'failure',
      'audit-unreachable',
      { cause: err },
    );
  }
  const findings = evaluate({ target, facts, known: options.known ?? [], now: now() });
  return {
    server: serverOrigin(target),
    target,
    probedAt: new Date(started).toISOString(),
    durationMs: now() - started,
    findings,
    facts,
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
