/**
 * The credential provider sessions use: passwords and one-time codes from the keychain, everything
 * else asked of the user. Keychain lookups use the address of the server actually being
 * authenticated to (protocol, host, port, user), so a profile edited to point at another host never
 * receives a secret stored for the first one.
 */
import { CancelledError, SecureTransferError } from '../errors';
import type { MfaMode, Profile, ServerAddress } from '../profiles/types';
import { serverUrl } from '../profiles/serverAddress';
import type { CredentialProvider, InteractivePrompt } from '../session/credentials';
import { getSecret, getTotpSeed } from '../secrets/secrets';
import type { SecretStore } from '../secrets/secretStore';
import { createPromptClassifier, type PromptKind } from './prompts';
import type { TotpSeed } from '../totp/seed';
import { totpCodeForStep, totpSecondsLeft, totpStep } from '../totp/code';

/** Asks the user one question (CLI: a TTY prompt; extension: an InputBox). Undefined = cancelled. */
export interface Prompter {
  ask(question: { message: string; echo: boolean; server: ServerAddress }): Promise<string | undefined>;
}

/** Memory of typed passwords by server (core/secrets/sessionPasswords.ts is the one in use). */
export interface PasswordMemory {
  get(server: ServerAddress): string | undefined;
  set(server: ServerAddress, password: string): void;
  forget(server: ServerAddress): void;
}

export interface CredentialProviderOptions {
  store: SecretStore;
  /** The server the profile points at; `passwordOverride` applies to it only. */
  server: ServerAddress;
  mfa: MfaMode;
  /** Phrases marking one-time-code prompts; default DEFAULT_OTP_PATTERNS. */
  otpPatterns?: readonly string[];
  /** Absent when nobody can answer (non-interactive): questions then fail with a clear error. */
  prompter?: Prompter;
  /** A password given for this run (e.g. --password-stdin); never stored. */
  passwordOverride?: string;
  /**
   * Passwords typed earlier in this process (the editor's session), asked before the user; what the
   * user types is added, and a rejected one is forgotten on onAuthFailure(). Never persisted.
   */
  remembered?: PasswordMemory;
  /**
   * FTPS servers that take the one-time code appended to the password (e.g. "secret123456"), because
   * FTP has no second prompt: password() then returns password + current code (mfa 'totp'), or
   * password + a code asked of the user (mfa 'prompt').
   */
  appendTotpToPassword?: boolean;
  /** Seconds since the epoch; injectable for tests. */
  now?: () => number;
}

/**
 * The provider for a profile's sessions, built the same way everywhere (extension connections, their
 * extra transfer sessions, the CLI): the keychain first, then `prompter` if there is one. A profile
 * without `mfa` (and a URL connection) is mfa "none": no code is planned, but if the server asks for
 * one anyway, a TOTP seed stored for that server answers it (else the user is asked).
 */
export function credentialsFor(profile: Profile, store: SecretStore, opts: { prompter?: Prompter; passwordOverride?: string; remembered?: PasswordMemory } = {}): CredentialProvider {
  return createCredentialProvider({
    store,
    server: profile,
    mfa: profile.mfa ?? 'none',
    appendTotpToPassword: profile.appendTotpToPassword,
    ...(opts.prompter ? { prompter: opts.prompter } : {}),
    ...(opts.passwordOverride !== undefined ? { passwordOverride: opts.passwordOverride } : {}),
    ...(opts.remembered ? { remembered: opts.remembered } : {}),
  });
}

/** A code generated with less time left than this may expire in transit: if rejected, retry once. */
export const RETRY_IF_SECONDS_LEFT_BELOW = 5;

interface IssuedCode {
  server: string;
  step: number;
  secondsLeft: number;
}

export function createCredentialProvider(options: CredentialProviderOptions): CredentialProvider {
  const { store, mfa, prompter } = options;
  const classify = createPromptClassifier(options.otpPatterns);
  const now = options.now ?? (() => Date.now() / 1000);
  const sameServer = (a: ServerAddress, b: ServerAddress) => serverUrl(a) === serverUrl(b);
  /** Answers typed by the user during this connection, so one password is not asked twice. */
  const typed = new Map<string, string>();
  let lastIssued: IssuedCode | undefined;
  /** Steps that must not be used again after a rejected code (set by retryKeyboardInteractive). */
  let minimumStep = 0;
  let retried = false;

  const ask = async (server: ServerAddress, message: string, echo: boolean, what: string): Promise<string> => {
    if (!prompter) {
      throw new SecureTransferError(
        `${serverUrl(server)} asks for ${what} ("${message.trim()}"), but there is no terminal or window to answer it: store the secret with \`secure-transfer secret\` or run interactively.`,
        'failure',
        'needs-interaction',
      );
    }
    const answer = await prompter.ask({ message, echo, server });
    if (answer === undefined) throw new CancelledError(`Cancelled: no answer was given for ${what} on ${serverUrl(server)}.`);
    return answer;
  };

  const storedPassword = async (server: ServerAddress): Promise<string | undefined> => {
    if (options.passwordOverride !== undefined && sameServer(server, options.server)) return options.passwordOverride;
    return (await getSecret(store, server, 'password')) ?? options.remembered?.get(server) ?? typed.get(`password ${serverUrl(server)}`);
  };

  const passwordOrAsk = async (server: ServerAddress, message: string): Promise<string | undefined> => {
    const known = await storedPassword(server);
    if (known !== undefined || !prompter) return known;
    const answer = await ask(server, message, false, 'a password');
    typed.set(`password ${serverUrl(server)}`, answer);
    if (answer !== '') options.remembered?.set(server, answer);
    return answer;
  };

  const seedFor = async (server: ServerAddress): Promise<TotpSeed> => {
    const seed = await getTotpSeed(store, server);
    if (!seed) {
      throw new SecureTransferError(
        `${serverUrl(server)} asks for a one-time code and its profile says mfa "totp", but no TOTP seed is stored for it: run \`secure-transfer secret set-totp ${serverUrl(server)}\` or set mfa to "prompt".`,
        'failure',
        'no-totp-seed',
      );
    }
    return seed;
  };

  const currentCode = async (server: ServerAddress): Promise<string> => {
    const seed = await seedFor(server);
    const t = now();
    // After a rejected code, never reuse its window: take the next one even if the clock has not moved on.
    const step = Math.max(totpStep(seed, t), minimumStep);
    lastIssued = { server: serverUrl(server), step, secondsLeft: step === totpStep(seed, t) ? totpSecondsLeft(seed, t) : seed.period };
    return totpCodeForStep(seed, step);
  };

  const oneTimeCode = async (server: ServerAddress, message: string, echo: boolean): Promise<string> => {
    // mfa "totp" without a stored seed still works interactively: the user types the code.
    const automatic = mfa === 'totp' && (!prompter || (await getSecret(store, server, 'totp')) !== undefined);
    return automatic ? currentCode(server) : ask(server, message, echo, 'a one-time code');
  };

  /**
   * A code prompt from a server whose profile names no second factor (mfa "none" or absent, and every
   * URL connection): a TOTP seed stored for exactly this server answers it; else the user is asked;
   * with nobody to ask, one sentence says how to store the seed. Only mfa "prompt" never uses a seed.
   */
  const unplannedCode = async (server: ServerAddress, message: string, echo: boolean): Promise<string> => {
    if ((await getSecret(store, server, 'totp')) !== undefined) return currentCode(server);
    if (!prompter) {
      throw new SecureTransferError(
        `${serverUrl(server)} asks for a one-time code ("${message.trim()}"), but no TOTP secret is stored for it and there is no terminal or window to type the code in: store the secret with \`secure-transfer secret set-totp ${serverUrl(server)}\` or run interactively.`,
        'failure',
        'no-totp-seed',
      );
    }
    return ask(server, message, echo, 'a one-time code');
  };

  const answerers: Readonly<Record<PromptKind, (server: ServerAddress, p: InteractivePrompt) => Promise<string>>> = {
    otp: (server, p) => (mfa === 'none' ? unplannedCode(server, p.prompt, p.echo) : oneTimeCode(server, p.prompt, p.echo)),
    password: async (server, p) => {
      const password = await passwordOrAsk(server, p.prompt);
      if (password === undefined) return ask(server, p.prompt, p.echo, 'a password');
      return password;
    },
    other: (server, p) => ask(server, p.prompt, p.echo, 'an answer'),
  };

  return {
    async password(server) {
      const password = await passwordOrAsk(server, `Password for ${serverUrl(server)}: `);
      if (password === undefined || !options.appendTotpToPassword || mfa === 'none') return password;
      return password + (await oneTimeCode(server, `One-time code for ${serverUrl(server)}: `, false));
    },

    async passphrase(server, keyFile) {
      const stored = await getSecret(store, server, 'passphrase');
      if (stored !== undefined || !prompter) return stored;
      return ask(server, `Passphrase for ${keyFile}: `, false, 'a key passphrase');
    },

    async keyboardInteractive(server, _name, _instructions, prompts) {
      const answers: string[] = [];
      // One at a time, in order: the user may be asked several questions and must see them in sequence.
      for (const p of prompts) answers.push(await answerers[classify(p.prompt)](server, p));
      return answers;
    },

    onAuthFailure(server) {
      typed.clear();
      // A rejected password must not be offered again on the next try (nor stored by "Remember").
      options.remembered?.forget(server);
    },

    promptKind: (prompt) => classify(prompt),

    appendsCodeToPassword: options.appendTotpToPassword === true && mfa !== 'none',

    retryKeyboardInteractive(server) {
      const issued = lastIssued;
      if (retried || !issued || issued.server !== serverUrl(server)) return false;
      if (issued.secondsLeft >= RETRY_IF_SECONDS_LEFT_BELOW) return false;
      retried = true;
      minimumStep = issued.step + 1;
      return true;
    },
  };
}
