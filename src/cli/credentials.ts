/**
 * The CLI's answers for authentication: --password-stdin, then the OS keychain (passwords, key
 * passphrases, TOTP seeds), then a TTY prompt when there is a terminal. Nothing is asked before
 * the server's identity is verified: sessions call this provider only after that.
 */
import type { CredentialProvider } from '../core/session/credentials';
import type { Profile } from '../core/profiles/types';
import { createCredentialProvider } from '../core/mfa/provider';
import type { CliContext } from './context';
import { askLine } from './tty';

export async function cliCredentials(ctx: CliContext, profile: Profile, password?: string): Promise<CredentialProvider> {
  // Loaded on first use: the native keychain binding is not needed for --help or usage errors.
  const { KeyringSecretStore } = await import('./keyringStore');
  return createCredentialProvider({
    store: new KeyringSecretStore(ctx.env),
    server: profile,
    mfa: profile.mfa ?? 'none',
    appendTotpToPassword: profile.appendTotpToPassword,
    passwordOverride: password,
    prompter: ctx.interactive ? { ask: (q) => askLine(ctx, q.message, q.echo) } : undefined,
  });
}
