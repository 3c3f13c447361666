/**
 * What users do with their secrets, over any SecretStore: store a password or TOTP seed, forget a
 * server, list which servers have which kinds of secret. Listing never reads or returns values.
 */
import { UsageError } from '../errors';
import type { ServerAddress } from '../profiles/types';
import { serverUrl } from '../profiles/serverAddress';
import { parseTotpSeed, serializeTotpSeed, type TotpSeed } from '../totp/seed';
import { totpCode, totpSecondsLeft } from '../totp/code';
import { parseSecretKey, SECRET_KINDS, secretKey, type SecretKind, type SecretStore } from './secretStore';

const KIND_NAMES: Readonly<Record<SecretKind, string>> = {
  password: 'password',
  passphrase: 'private-key passphrase',
  totp: 'TOTP seed',
};

export function describeKind(kind: SecretKind): string {
  return KIND_NAMES[kind];
}

function requireNonEmpty(value: string, kind: SecretKind, server: ServerAddress): void {
  if (value === '') throw new UsageError(`The ${KIND_NAMES[kind]} for ${serverUrl(server)} is empty: provide a non-empty value.`, 'empty-secret');
}

export async function setPassword(store: SecretStore, server: ServerAddress, password: string): Promise<void> {
  requireNonEmpty(password, 'password', server);
  await store.set(secretKey(server, 'password'), password);
}

export async function setPassphrase(store: SecretStore, server: ServerAddress, passphrase: string): Promise<void> {
  requireNonEmpty(passphrase, 'passphrase', server);
  await store.set(secretKey(server, 'passphrase'), passphrase);
}

export interface StoredTotp {
  seed: TotpSeed;
  /** The code valid now, for the user to compare with their authenticator app. */
  code: string;
  secondsLeft: number;
}

/** Validates a seed (base32 or otpauth:// URI), stores it normalised and returns the current code. */
export async function setTotpSeed(store: SecretStore, server: ServerAddress, text: string, now = Date.now() / 1000): Promise<StoredTotp> {
  const seed = parseTotpSeed(text);
  await store.set(secretKey(server, 'totp'), serializeTotpSeed(seed));
  return { seed, code: totpCode(seed, now), secondsLeft: Math.ceil(totpSecondsLeft(seed, now)) };
}

export async function getSecret(store: SecretStore, server: ServerAddress, kind: SecretKind): Promise<string | undefined> {
  return store.get(secretKey(server, kind));
}

/** The stored seed of a server, parsed; undefined when none is stored. */
export async function getTotpSeed(store: SecretStore, server: ServerAddress): Promise<TotpSeed | undefined> {
  const text = await getSecret(store, server, 'totp');
  return text === undefined ? undefined : parseTotpSeed(text);
}

/** Deletes every kind of secret of one server; returns the kinds that were stored. */
export async function forgetServer(store: SecretStore, server: ServerAddress): Promise<SecretKind[]> {
  const known = new Set(await store.keys());
  const forgotten: SecretKind[] = [];
  for (const kind of SECRET_KINDS) {
    const key = secretKey(server, kind);
    // Delete by key even when the index does not list it: an entry missed by the index must still go.
    if (known.has(key) || (await store.get(key)) !== undefined) forgotten.push(kind);
    await store.delete(key);
  }
  return forgotten;
}

export interface ServerSecrets {
  server: ServerAddress;
  kinds: SecretKind[];
}

/** Which servers have which kinds of secret (from the key index; values are never read). */
export async function listServers(store: SecretStore): Promise<ServerSecrets[]> {
  const byServer = new Map<string, ServerSecrets>();
  for (const key of await store.keys()) {
    const parsed = parseSecretKey(key);
    if (!parsed) continue;
    const id = serverUrl(parsed.server);
    const entry = byServer.get(id) ?? { server: parsed.server, kinds: [] };
    entry.kinds.push(parsed.kind);
    byServer.set(id, entry);
  }
  const ordered = [...byServer.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([, e]) => e);
  for (const e of ordered) e.kinds.sort((a, b) => SECRET_KINDS.indexOf(a) - SECRET_KINDS.indexOf(b));
  return ordered;
}
