/**
 * Secrets live only in the OS keychain. This interface is implemented by VS Code's SecretStorage
 * (extension) and @napi-rs/keyring (CLI). There is deliberately no file-backed implementation.
 */
import type { ServerAddress } from '../profiles/types';

export type SecretKind = 'password' | 'passphrase' | 'totp';

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
