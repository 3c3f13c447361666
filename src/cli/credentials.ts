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

/** The OS keychain, loaded on first use: the native binding is not needed for --help or usage errors. */
export async function cliSecretStore(ctx: CliContext): Promise<SecretStore> {
  const { KeyringSecretStore } = await import('./keyringStore');
  return new KeyringSecretStore(ctx.env);
}

export async function cliCredentials(ctx: CliContext, profile: Profile, password?: string): Promise<CredentialProvider> {
  return credentialsFor(profile, await cliSecretStore(ctx), {
    passwordOverride: password,
    prompter: ctx.interactive ? { ask: (q) => askLine(ctx, q.message, q.echo) } : undefined,
  });
}
