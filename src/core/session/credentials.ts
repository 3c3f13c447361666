/**
 * How a session obtains secrets and answers for authentication. Sessions call these only AFTER the
 * server's identity is verified, so nothing is asked for (and nothing is sent) before that.
 * The extension implements it over SecretStorage and input boxes; the CLI over the OS keychain,
 * stdin and a TTY prompt; tests over fixed values.
 */
import type { ServerAddress } from '../profiles/types';

export interface InteractivePrompt {
  prompt: string;
  /** Whether the answer may be shown while typed. */
  echo: boolean;
}

export interface CredentialProvider {
  /** The password for this server, or undefined if there is none (then password auth is skipped). */
  password(server: ServerAddress): Promise<string | undefined>;
  /** The passphrase of an encrypted private key, or undefined. */
  passphrase(server: ServerAddress, keyFile: string): Promise<string | undefined>;
  /**
   * Answers to SSH keyboard-interactive prompts (one answer per prompt, in order).
   * Reject to abort authentication.
   */
  keyboardInteractive(
    server: ServerAddress,
    name: string,
    instructions: string,
    prompts: InteractivePrompt[],
  ): Promise<string[]>;
  /** Called when the server rejected what was offered, so a cached answer can be dropped. */
  onAuthFailure?(server: ServerAddress): void;
  /**
   * After a keyboard-interactive round failed: true to try keyboard-interactive once more (a one-time
   * code rejected near the end of its 30-s window is retried with the next code).
   */
  retryKeyboardInteractive?(server: ServerAddress): boolean;
  /**
   * What a keyboard-interactive prompt asks for, as this provider judges it when answering (its
   * one-time-code phrases): the session counts a round with an `otp` prompt that the server accepted
   * as a second factor (LoginFacts.secondFactorAnswered). Optional: without it no round counts.
   */
  promptKind?(prompt: string): 'otp' | 'password' | 'other';
  /**
   * FTPS: password() returns the password with a one-time code appended (profile appendTotpToPassword
   * with mfa totp/prompt), so a login it made proved a second factor.
   */
  readonly appendsCodeToPassword?: boolean;
}

/** A provider with fixed answers: the CLI's `--password-stdin` and tests. */
export function staticCredentials(password?: string, passphrase?: string): CredentialProvider {
  return {
    password: async () => password,
    passphrase: async () => passphrase,
    keyboardInteractive: async (_s, _n, _i, prompts) =>
      prompts.map((p) => (/pass(word|phrase)?/i.test(p.prompt) && password !== undefined ? password : '')),
  };
}
