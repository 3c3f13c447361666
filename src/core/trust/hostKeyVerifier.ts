/**
 * Decides whether an SSH host key is trusted, BEFORE any credential is sent. StrictHostKeyChecking-
 * like semantics (as in VS Code's own fix, microsoft/vscode PR #329462):
 *   - profile pins, when given, are the only authority: a match trusts, anything else is CHANGED;
 *   - otherwise a match in known_hosts or our trust store trusts;
 *   - a different key of the same type for this host in either source is CHANGED;
 *   - a key marked @revoked is refused;
 *   - only a key nobody knows is put to the user (`decide`), never a changed one.
 */
import { SecurityRefusal } from '../errors';
import type { ServerAddress } from '../profiles/types';
import { hostPort } from '../profiles/serverAddress';
import { normalizeFingerprint } from '../syntax/fingerprint';
import { sha256Fingerprint } from './fingerprint';
import { keyTypeOfBlob, loadKnownHosts, lookupHost } from './knownHosts';
import type { TrustStore } from './trustStore';
import type { TrustDecider, TrustQuestion } from './types';

export type HostKeySource = 'pinned' | 'known_hosts' | 'trust-store' | 'user-once' | 'user-remember';

export interface HostKeyCheck {
  server: Pick<ServerAddress, 'protocol' | 'host' | 'port'>;
  /** Algorithm name; the name inside the blob wins when the blob has one. */
  keyType?: string;
  keyBlob: Uint8Array;
  pinned?: string[];
  knownHostsFiles?: string[];
  trustStore: TrustStore;
  decide: TrustDecider;
  /** A jump host: its place on the route, shown in the trust question (TrustQuestion.via). */
  via?: string;
}

export interface HostKeyVerdict {
  trusted: true;
  source: HostKeySource;
}

/** What a message or the CLI shows about a presented key. */
export interface HostKeyInfo {
  keyType: string;
  fingerprint: string;
}

export function hostKeyInfo(keyBlob: Uint8Array, keyType?: string): HostKeyInfo {
  return { keyType: keyTypeOfBlob(keyBlob) ?? keyType ?? 'unknown', fingerprint: sha256Fingerprint(keyBlob) };
}

export function hostKeyChangedError(server: HostKeyCheck['server'], presented: HostKeyInfo, expected: string[], source: string): SecurityRefusal<'host-key-changed'> {
  return new SecurityRefusal(
    `The SSH host key of ${hostPort(server)} has CHANGED: ${source} expects ${expected.join(' or ')}, but the server presented ${presented.keyType} ${presented.fingerprint} — ` +
      `this may be an attack, so nothing was sent; verify the new fingerprint with the server's administrator, then trust it with --fingerprint ${presented.fingerprint} or "Replace Pinned Key…".`,
    'host-key-changed',
    { details: { server: { host: server.host, port: server.port }, keyType: presented.keyType, expected, presented: presented.fingerprint } },
  );
}

export function hostKeyUnknownError(server: HostKeyCheck['server'], presented: HostKeyInfo): SecurityRefusal<'host-key-unknown'> {
  return new SecurityRefusal(
    `The SSH host key of ${hostPort(server)} is not trusted yet (${presented.keyType} ${presented.fingerprint}): verify it with the server's administrator, ` +
      `then pin it with --fingerprint ${presented.fingerprint} (or the profile's "fingerprints"), or accept it on first use with --accept-new.`,
    'host-key-unknown',
    { details: { server: { host: server.host, port: server.port }, keyType: presented.keyType, presented: presented.fingerprint } },
  );
}

function revokedError(server: HostKeyCheck['server'], presented: HostKeyInfo, file: string, line: number): SecurityRefusal {
  return new SecurityRefusal(
    `The SSH host key presented by ${hostPort(server)} (${presented.keyType} ${presented.fingerprint}) is marked @revoked in ${file} line ${line}: refusing to connect; ask the server's administrator for its current key.`,
    'host-key-revoked',
    { details: { server: { host: server.host, port: server.port }, keyType: presented.keyType, presented: presented.fingerprint } },
  );
}

interface SourceKey {
  keyType: string;
  fingerprint: string;
}

/** 'match' trusts, 'changed' refuses, 'unknown' falls through to the next source. */
function judge(keys: SourceKey[], presented: HostKeyInfo): { verdict: 'match' | 'unknown' } | { verdict: 'changed'; expected: string[] } {
  if (keys.some((k) => k.fingerprint === presented.fingerprint)) return { verdict: 'match' };
  const sameType = keys.filter((k) => k.keyType === presented.keyType);
  return sameType.length ? { verdict: 'changed', expected: sameType.map((k) => `${k.keyType} ${k.fingerprint}`) } : { verdict: 'unknown' };
}

export async function verifyHostKey(check: HostKeyCheck): Promise<HostKeyVerdict> {
  const { server, trustStore, decide } = check;
  const presented = hostKeyInfo(check.keyBlob, check.keyType);

  const known = await loadKnownHosts(check.knownHostsFiles);
  const fromKnownHosts = lookupHost(known, server.host, server.port);
  const revoked = fromKnownHosts.revoked.find((e) => e.fingerprint === presented.fingerprint);
  if (revoked) throw revokedError(server, presented, revoked.file, revoked.line);

  const pins = (check.pinned ?? []).map((p) => normalizeFingerprint(p, 'the pinned fingerprint'));
  if (pins.length) {
    if (pins.includes(presented.fingerprint)) return { trusted: true, source: 'pinned' };
    throw hostKeyChangedError(server, presented, pins, 'the pinned fingerprint list');
  }

  const knownHostsJudgement = judge(fromKnownHosts.keys, presented);
  if (knownHostsJudgement.verdict === 'match') return { trusted: true, source: 'known_hosts' };
  const stored = await trustStore.find('host-key', server.host, server.port);
  const storeJudgement = judge(stored, presented);
  if (storeJudgement.verdict === 'match') return { trusted: true, source: 'trust-store' };

  if (knownHostsJudgement.verdict === 'changed') {
    const file = fromKnownHosts.keys.find((k) => k.keyType === presented.keyType)?.file ?? 'known_hosts';
    throw hostKeyChangedError(server, presented, knownHostsJudgement.expected, file);
  }
  if (storeJudgement.verdict === 'changed') {
    throw hostKeyChangedError(server, presented, storeJudgement.expected, `the trust store ${trustStore.file}`);
  }

  const question: TrustQuestion = {
    kind: 'host-key',
    server: { protocol: server.protocol, host: server.host, port: server.port },
    fingerprint: presented.fingerprint,
    keyType: presented.keyType,
    reason: 'This host key is not in your known_hosts, the Secure Transfer trust store, or the profile\'s pinned fingerprints.',
    ...(check.via ? { via: check.via } : {}),
  };
  const decision = await decide(question);
  if (decision === 'once') return { trusted: true, source: 'user-once' };
  if (decision === 'remember') {
    await trustStore.remember({
      kind: 'host-key',
      protocol: server.protocol,
      host: server.host,
      port: server.port,
      fingerprint: presented.fingerprint,
      keyType: presented.keyType,
    });
    return { trusted: true, source: 'user-remember' };
  }
  throw hostKeyUnknownError(server, presented);
}
