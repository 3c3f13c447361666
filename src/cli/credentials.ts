/**
 * The CLI's answers for authentication: --password-stdin, then the OS keychain (passwords, key
 * passphrases, TOTP seeds), then a TTY prompt when there is a terminal. Nothing is asked before
 * the server's identity is verified: sessions call this provider only after that.
 */
import type { CredentialProvider } from '../core/session/credentials';
import type { Profile } from '../core/profiles/types';
import type { SecretStore } from '../core/secrets/secretStore';
import { credentialsFor } from '../core/mfa/provider';
import type { CliContext } from './context';
import { askLine } from './tty';

/**
 * The OS keychain, its native binding loaded on the first question: not for --help, usage errors, nor
 * a login with a key that needs no passphrase.
 */
export async function cliSecretStore(ctx: CliContext): Promise<SecretStore> {
  let loaded: Promise<SecretStore> | undefined;
  const store = (): Promise<SecretStore> => (loaded ??= import('./keyringStore').then(({ KeyringSecretStore }) => new KeyringSecretStore(ctx.env)));
  return {
    get: async (key) => (await store()).get(key),
    set: async (key, value) => (await store()).set(key, value),
    delete: async (key) => (await store()).delete(key),
    keys: async () => (await store()).keys(),
  };
}

export async function cliCredentials(ctx: CliContext, profile: Profile, password?: string): Promise<CredentialProvider> {
  return credentialsFor(profile, await cliSecretStore(ctx), {
    passwordOverride: password,
    prompter: ctx.interactive ? { ask: (q) => askLine(ctx, q.message, q.echo) } : undefined,
  });
}
