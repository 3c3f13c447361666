/**
 * Secrets live only in the OS keychain. This interface is implemented by VS Code's SecretStorage
 * (extension) and @napi-rs/keyring (CLI). There is deliberately no file-backed implementation.
 */
import type { Protocol, ServerAddress } from '../profiles/types';
import { hostPort } from '../profiles/serverAddress';

export type SecretKind = 'password' | 'passphrase' | 'totp';

/** Every kind, in the order they are listed to users. */
export const SECRET_KINDS: readonly SecretKind[] = ['password', 'passphrase', 'totp'];

export interface SecretStore {
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string): Promise<void>;
  delete(key: string): Promise<void>;
  /** Every key this store holds for Secure Transfer (never values). */
  keys(): Promise<string[]>;
}

/**
 * Secrets are keyed by what they protect — protocol, host, port, user — never by profile name, so a
 * shared profile edited to point elsewhere never receives a stored password.
 */
export function secretKey(server: ServerAddress, kind: SecretKind): string {
  // Persisted (the OS keychain's account name): the text must never change. test/unit/secret.test.ts pins it.
  return `${kind}:${server.protocol}://${encodeURIComponent(server.username)}@${hostPort(server)}`;
}

const KEY_PATTERN = /^(password|passphrase|totp):(sftp|ftpes|ftps):\/\/([^@]*)@(\[[^\]]+\]|[^:[\]]+):(\d+)$/;

/** The inverse of secretKey(); undefined for a key that secretKey() cannot have produced. */
export function parseSecretKey(key: string): { server: ServerAddress; kind: SecretKind } | undefined {
  const m = KEY_PATTERN.exec(key);
  if (!m) return undefined;
  const [, kind, protocol, user, host, port] = m;
  let username: string;
  try {
    username = decodeURIComponent(user);
  } catch {
    return undefined;
  }
  return {
    kind: kind as SecretKind,
    server: { protocol: protocol as Protocol, host: host.replace(/^\[(.*)\]$/, '$1'), port: Number(port), username },
  };
}
