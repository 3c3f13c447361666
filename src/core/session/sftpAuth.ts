/**
 * SSH user authentication as an ssh2 `authHandler`. It only runs after the host key was verified
 * (ssh2 calls it once the handshake is complete), so no credential is ever asked for before that.
 *
 * Order: agent → publickey → keyboard-interactive → password, each only if the server lists it.
 * Multi-step logins (`AuthenticationMethods publickey,keyboard-interactive`) work because a partial
 * success simply leaves the next method in the server's list.
 */
import { utils, type AnyAuthMethod, type AuthenticationType, type AuthHandlerMiddleware, type ParsedKey, type Prompt } from 'ssh2';
import { SecureTransferError, UsageError } from '../errors';
import { expandHome, IDENTITY_FILE, readBoundedFile } from '../fsutil';
import type { ServerAddress } from '../profiles/types';
import { serverLabel } from '../profiles/serverAddress';
import type { CredentialProvider } from './credentials';
import { keyNeedsPassphrase } from './sftpErrors';
import { serverLines, serverText } from '../displayText';

type Method = 'agent' | 'publickey' | 'keyboard-interactive' | 'password';

/** Which entry of the server's method list each of our methods needs. */
const SERVER_METHOD: Readonly<Record<Method, AuthenticationType>> = {
  agent: 'publickey',
  publickey: 'publickey',
  'keyboard-interactive': 'keyboard-interactive',
  password: 'password',
};

const ORDER: readonly Method[] = ['agent', 'publickey', 'keyboard-interactive', 'password'];

export interface AuthOptions {
  server: ServerAddress;
  credentials: CredentialProvider;
  identityFile?: string;
  agent?: boolean | string;
  env?: NodeJS.ProcessEnv;
  /** Told when the handler waits for the user (so the connect timeout can pause meanwhile). */
  onWaiting?: (waiting: boolean) => void;
}

export interface AuthSession {
  handler: AuthHandlerMiddleware;
  /** A reason authentication cannot go on (bad key file, provider refused): connect rejects with it. */
  fatal?: Error;
  /** The error for "the server accepted nothing we offered". */
  failedError(): SecureTransferError;
}

async function loadPrivateKey(opts: AuthOptions, file: string): Promise<ParsedKey | undefined> {
  let data: Buffer;
  try {
    data = await readBoundedFile(expandHome(file), IDENTITY_FILE);
  } catch (err) {
    if (err instanceof SecureTransferError) throw err;
    throw new UsageError(`The identity file ${file} cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'}): fix identityFile in the profile.`, 'bad-identity-file');
  }
  let parsed = utils.parseKey(data);
  if (parsed instanceof Error && keyNeedsPassphrase(parsed)) {
    opts.onWaiting?.(true);
    const passphrase = await opts.credentials.passphrase(opts.server, file).finally(() => opts.onWaiting?.(false));
    if (passphrase === undefined) return undefined;
    parsed = utils.parseKey(data, passphrase);
    if (parsed instanceof Error) {
      opts.credentials.onAuthFailure?.(opts.server);
      throw new SecureTransferError(`The passphrase for the key ${file} is wrong: enter it again (a stored one has been forgotten).`, 'failure', 'bad-passphrase');
    }
  }
  if (parsed instanceof Error) {
    throw new UsageError(`${file} is not a private key Secure Transfer can read (${serverText(parsed.message)}): point identityFile at an OpenSSH, PEM or PuTTY private key.`, 'bad-identity-file');
  }
  return Array.isArray(parsed) ? parsed[0] : parsed;
}

export function createAuthSession(opts: AuthOptions): AuthSession {
  const { server, credentials } = opts;
  const username = server.username;
  const env = opts.env ?? process.env;
  const attempted = new Set<Method>();
  const tried: string[] = [];
  let serverMethods: AuthenticationType[] = [];
  let lastList: AuthenticationType[] | null = null;
  let last: Method | undefined;
  let keyboardRetried = false;

  const agentSocket = (): string | undefined =>
    typeof opts.agent === 'string' ? opts.agent : opts.agent === true ? env.SSH_AUTH_SOCK || undefined : undefined;

  const keyboardPrompt = (name: string, instructions: string, _lang: string, prompts: Prompt[], finish: (answers: string[]) => void) => {
    opts.onWaiting?.(true);
    // Everything here is the server's text: escaped once, here, before any prompter or error sees it.
    credentials
      .keyboardInteractive(server, serverText(name), serverLines(instructions), prompts.map((p) => ({ prompt: serverText(p.prompt), echo: p.echo === true })))
      .then(finish, (err: unknown) => {
        session.fatal = err instanceof Error ? err : new Error(String(err));
        // Answering nothing fails this round; the fatal error then ends the login.
        finish(prompts.map(() => ''));
      })
      .finally(() => opts.onWaiting?.(false));
  };

  /** Builds the ssh2 method for `m`, or undefined when we have nothing to offer for it. */
  const BUILDERS: Readonly<Record<Method, () => Promise<AnyAuthMethod | undefined>>> = {
    agent: async () => {
      const socket = agentSocket();
      return socket ? { type: 'agent', username, agent: socket } : undefined;
    },
    publickey: async () => {
      if (!opts.identityFile) return undefined;
      const key = await loadPrivateKey(opts, opts.identityFile);
      return key ? { type: 'publickey', username, key } : undefined;
    },
    'keyboard-interactive': async () => ({ type: 'keyboard-interactive', username, prompt: keyboardPrompt }),
    password: async () => {
      opts.onWaiting?.(true);
      const password = await credentials.password(server).finally(() => opts.onWaiting?.(false));
      return password === undefined ? undefined : { type: 'password', username, password };
    },
  };

  const describe = (m: Method): string => (m === 'publickey' && opts.identityFile ? `publickey (${opts.identityFile})` : m);

  async function pickNext(): Promise<AnyAuthMethod | false> {
    for (const m of ORDER) {
      if (attempted.has(m) || !serverMethods.includes(SERVER_METHOD[m])) continue;
      attempted.add(m);
      const method = await BUILDERS[m]();
      if (method) {
        last = m;
        tried.push(describe(m));
        return method;
      }
    }
    return false;
  }

  const handler: AuthHandlerMiddleware = (methodsLeft, partialSuccess, next) => {
    const proceed = next as (m: AnyAuthMethod | AuthenticationType | false) => void;
    if (session.fatal) return proceed(false);
    if (methodsLeft === null) {
      // "none" asks the server which methods it takes, without offering anything.
      return proceed({ type: 'none', username });
    }
    // ssh2 passes the previous list again after an agent failure: only a new list carries news.
    const fresh = methodsLeft !== lastList;
    lastList = methodsLeft;
    serverMethods = methodsLeft;
    const failedKeyboard = last === 'keyboard-interactive' && !(fresh && partialSuccess);
    if (failedKeyboard && !keyboardRetried && serverMethods.includes('keyboard-interactive') && credentials.retryKeyboardInteractive?.(server)) {
      keyboardRetried = true;
      tried.push('keyboard-interactive (again)');
      return proceed({ type: 'keyboard-interactive', username, prompt: keyboardPrompt });
    }
    pickNext().then(proceed, (err: unknown) => {
      session.fatal = err instanceof Error ? err : new Error(String(err));
      proceed(false);
    });
  };

  const session: AuthSession = {
    handler,
    failedError: () => {
      credentials.onAuthFailure?.(server);
      const who = serverLabel(server);
      const accepts = serverMethods.length ? serverMethods.join(', ') : 'nothing it told us';
      return tried.length
        ? new SecureTransferError(`Authentication as ${who} failed (tried ${tried.join(', ')}; the server accepts ${accepts}): check the user name and credentials.`, 'failure', 'auth-failed')
        : new SecureTransferError(`Authentication as ${who} failed: the server accepts ${accepts}, and no matching credential was configured (set identityFile, agent or a password).`, 'failure', 'auth-failed');
    },
  };
  return session;
}
