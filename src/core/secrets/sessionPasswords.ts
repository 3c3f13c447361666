/**
 * Passwords typed during one editor session, kept in memory only (never in a file, the log or
 * VS Code state) and keyed by server like the keychain (protocol, user, host, port; never a profile
 * name): a reconnect, or another profile of the same server, is not asked again. A password the
 * server rejected is forgotten (the credential provider calls forget()), so the next try asks.
 */
import type { ServerAddress } from '../profiles/types';
import { secretKey } from './secretStore';

const keyOf = (server: ServerAddress) => secretKey(server, 'password');

export class SessionPasswords {
  private readonly passwords = new Map<string, string>();
  /** Typed and not yet offered for the keychain (the offer comes once, after a successful login). */
  private readonly unoffered = new Set<string>();

  get(server: ServerAddress): string | undefined {
    return this.passwords.get(keyOf(server));
  }

  /** A password the user just typed. */
  set(server: ServerAddress, password: string): void {
    this.passwords.set(keyOf(server), password);
    this.unoffered.add(keyOf(server));
  }

  forget(server: ServerAddress): void {
    this.passwords.delete(keyOf(server));
    this.unoffered.delete(keyOf(server));
  }

  clear(): void {
    this.passwords.clear();
    this.unoffered.clear();
  }

  /** The typed password to offer for the keychain, once: undefined if none or already offered. */
  takeUnoffered(server: ServerAddress): string | undefined {
    const key = keyOf(server);
    if (!this.unoffered.delete(key)) return undefined;
    return this.passwords.get(key);
  }
}
