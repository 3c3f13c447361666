/**
 * Secrets live only in the OS keychain. This interface is implemented by VS Code's SecretStorage
 * (extension) and @napi-rs/keyring (CLI). There is deliberately no file-backed implementation.
 */
import type { Protocol, ServerAddress } from '../profiles/types';

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
  const host = server.host.toLowerCase();
  return `${kind}:${server.protocol}://${encodeURIComponent(server.username)}@${host.includes(':') ? `[${host}]` : host}:${server.port}`;
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

/** How a server is shown to users (and in lists): `sftp://user@host:22`. Never includes a secret. */
export function describeServer(server: ServerAddress): string {
  return secretKey(server, 'password').slice('password:'.length);
}
