/**
 * SSH user authentication as an ssh2 `authHandler`. It only runs after the host key was verified
 * (ssh2 calls it once the handshake is complete), so no credential is ever asked for before that.
 *
 * Order: publickey (keys from the agent and from files, one per attempt, planned by sshKeys.ts) →
 * keyboard-interactive → password, each only if the server lists it. Multi-step logins
 * (`AuthenticationMethods publickey,keyboard-interactive`) work because a partial success simply
 * leaves the next method in the server's list.
 *
 * Keys and agents are found like OpenSSH (docs/keys-and-agents.md): the agent (sshAgent.ts) and, when
 * no identity is named, ~/.ssh/id_ed25519, id_ecdsa, id_rsa. Only a key the profile or --identity
 * names is an error when it can't be used; keys found automatically are skipped with a log line.
 */
import { existsSync } from 'node:fs';
import * as os from 'node:os';
import { utils, type AnyAuthMethod, type AuthenticationType, type AuthHandlerMiddleware, type BaseAgent, type ParsedKey, type Prompt } from 'ssh2';
import { SecureTransferError, UsageError, describeError } from '../errors';
import { IDENTITY_FILE, readBoundedFile } from '../fsutil';
import { silentLogger, type Logger } from '../log';
import type { SshHostConfig } from '../sshconfig/types';
import { sha256Fingerprint } from '../trust/fingerprint';
import type { ServerAddress } from '../profiles/types';
import { serverLabel } from '../profiles/serverAddress';
import type { CredentialProvider } from './credentials';
import type { LoginMethod } from './remoteFileSystem';
import { keyNeedsPassphrase } from './sftpErrors';
import { serverLines, serverText } from '../displayText';
import { chooseAgent, listAgentKeys, OneKeyAgent } from './sshAgent';
import {
  certificatesPresent,
  fileExists,
  identityFiles,
  KEY_OFFERS_BEFORE_FALLBACK,
  mayOfferAutomaticKey,
  planKeyOffers,
  publicBlobOfKeyFile,
  type IdentityFileRef,
  type KeyOffer,
} from './sshKeys';

export type Method = 'publickey' | 'keyboard-interactive' | 'password';

const ORDER: readonly Method[] = ['publickey', 'keyboard-interactive', 'password'];

export interface AuthOptions {
  server: ServerAddress;
  credentials: CredentialProvider;
  /** The profile's identityFile or --identity: tried first; the only key whose problems are errors. */
  identityFile?: string;
  /** The profile's `agent`: undefined/true = find one (SSH_AUTH_SOCK…), false = none, a string = this socket. */
  agent?: boolean | string;
  /** What ~/.ssh/config says: IdentityFile, IdentitiesOnly, IdentityAgent, CertificateFile. */
  sshConfig?: Pick<SshHostConfig, 'identityFiles' | 'identitiesOnly' | 'identityAgent' | 'certificateFiles'>;
  /** For SSH_AUTH_SOCK and IdentityAgent's `$VAR`; default process.env. */
  env?: NodeJS.ProcessEnv;
  /** Where ~/.ssh lives (default keys); default os.homedir(). */
  home?: string;
  /** Default process.platform (Windows finds its OpenSSH agent pipe or Pageant). */
  platform?: NodeJS.Platform;
  log?: Logger;
  /** Told when the handler waits for the user (so the connect timeout can pause meanwhile). */
  onWaiting?: (waiting: boolean) => void;
}

export interface AuthSession {
  handler: AuthHandlerMiddleware;
  /** A reason authentication cannot go on (bad key file, provider refused): connect rejects with it. */
  fatal?: Error;
  /**
   * True for a client error that must not end the login: an agent that refused to sign one key
   * (ssh2 reports it, then goes on with the next method by itself), as OpenSSH goes on.
   */
  ignorable(err: Error): boolean;
  /** The error for "the server accepted nothing we offered". */
  failedError(): SecureTransferError;
  /** After a successful login: how it succeeded (RemoteFileSystem.loginMethod). */
  loginMethod(): LoginMethod | undefined;
  /**
   * After a successful login: the methods that completed, in order (each partial success, then the
   * one that let the user in), and whether a keyboard-interactive round that completed answered a
   * one-time-code prompt (LoginFacts.authMethods / secondFactorAnswered).
   */
  completed(): { methods: Method[]; secondFactorAnswered: boolean };
}

/**
 * Reads and decrypts a key file. The profile's key: every problem is an error (the user named it).
 * A key from ~/.ssh/config or a default key: problems are logged and the key is skipped (undefined),
 * as OpenSSH does, so a stray old id_rsa can't stop a login another key or a password would make.
 */
async function loadPrivateKey(opts: AuthOptions, ref: IdentityFileRef, log: Logger): Promise<ParsedKey | undefined> {
  const file = ref.written;
  const named = ref.origin === 'profile';
  const skip = (why: string): undefined => {
    log.debug(`Key ${file} skipped: ${why}.`);
    return undefined;
  };
  let data: Buffer;
  try {
    data = await readBoundedFile(ref.file, IDENTITY_FILE);
  } catch (err) {
    if (!named) return skip(describeError(err));
    if (err instanceof SecureTransferError) throw err;
    throw new UsageError(`The identity file ${file} cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'}): fix identityFile in the profile.`, 'bad-identity-file');
  }
  let parsed = utils.parseKey(data);
  if (parsed instanceof Error && keyNeedsPassphrase(parsed)) {
    opts.onWaiting?.(true);
    const passphrase = await opts.credentials.passphrase(opts.server, file).finally(() => opts.onWaiting?.(false));
    if (passphrase === undefined) return named ? undefined : skip('it is encrypted and its passphrase is neither stored nor can be asked');
    parsed = utils.parseKey(data, passphrase);
    if (parsed instanceof Error) {
      // The one passphrase stored for a server may belong to another of its keys: not fatal for keys found automatically.
      if (!named) {
        log.warn(`The passphrase for ${file} is wrong: that key was skipped.`);
        return undefined;
      }
      opts.credentials.onAuthFailure?.(opts.server);
      throw new SecureTransferError(`The passphrase for the key ${file} is wrong: enter it again (a stored one has been forgotten).`, 'failure', 'bad-passphrase');
    }
  }
  if (parsed instanceof Error) {
    if (!named) return skip(`not a private key ssh2 can read (${serverText(parsed.message)})`);
    throw new UsageError(`${file} is not a private key Secure Transfer can read (${serverText(parsed.message)}): point identityFile at an OpenSSH, PEM or PuTTY private key.`, 'bad-identity-file');
  }
  return Array.isArray(parsed) ? parsed[0] : parsed;
}

/** `ssh-ed25519 SHA256:… (comment)` — the comment is the agent's text, escaped. */
function describeAgentKey(key: ParsedKey): string {
  const comment = key.comment ? ` (${serverText(key.comment).slice(0, 80)})` : '';
  return `agent key ${key.type} ${sha256Fingerprint(key.getPublicSSH())}${comment}`;
}

interface KeyQueue {
  offers: KeyOffer[];
  agent?: BaseAgent;
  /** Why the agent gave nothing (unreachable…), for the final error. */
  agentProblem?: string;
}

/** Everything to offer for publickey, worked out once, when the server first says it takes publickey. */
async function prepareKeys(opts: AuthOptions, env: NodeJS.ProcessEnv, log: Logger): Promise<KeyQueue> {
  const home = opts.home ?? os.homedir();
  const platform = opts.platform ?? process.platform;
  const config = opts.sshConfig;
  const choice = chooseAgent({ agent: opts.agent, identityAgent: config?.identityAgent, env, platform, exists: existsSync });
  let agentKeys: ParsedKey[] = [];
  let agent: BaseAgent | undefined;
  let agentProblem: string | undefined;
  if (choice.socket) {
    try {
      const listed = await listAgentKeys(choice.socket);
      agent = listed.agent;
      agentKeys = listed.keys;
      log.debug(`SSH agent (${choice.source}): ${agentKeys.length} key(s)${listed.skipped ? `, ${listed.skipped} certificate(s) or unsupported key(s) left out` : ''}.`);
    } catch (err) {
      agentProblem = `the SSH agent at ${choice.socket} (${choice.source}) could not be reached: ${serverText(describeError(err))}`;
      log.debug(`Not using ${agentProblem}.`);
    }
  } else {
    log.debug(`No SSH agent: ${choice.source}.`);
  }
  const refs = identityFiles({ identityFile: opts.identityFile, sshConfig: config, home });
  // Default keys that don't exist are simply not considered; named ones are (a missing one is an error later).
  const present = (await Promise.all(refs.map(async (r) => (r.origin === 'default' && !(await fileExists(r.file)) ? undefined : r)))).filter((r): r is IdentityFileRef => r !== undefined);
  const files = await Promise.all(present.map(async (r) => ({ ...r, publicBlob: await publicBlobOfKeyFile(r.file) })));
  const certificates = await certificatesPresent(present, config?.certificateFiles ?? [], home);
  if (certificates.length > 0) {
    log.info(`Certificate ${certificates.join(', ')} not used: ssh2 (the SSH library) cannot authenticate with OpenSSH certificates; the key itself is offered.`);
  }
  const offers = planKeyOffers({ files, agentKeys, identitiesOnly: config?.identitiesOnly === true, describeAgentKey });
  return { offers, agent, agentProblem };
}

export function createAuthSession(opts: AuthOptions): AuthSession {
  const { server, credentials } = opts;
  const username = server.username;
  const env = opts.env ?? process.env;
  const log = opts.log ?? silentLogger;
  const attempted = new Set<Method>();
  const tried: string[] = [];
  let serverMethods: AuthenticationType[] = [];
  let lastList: AuthenticationType[] | null = null;
  let last: Method | undefined;
  /** The last attempt was an agent key: ssh2 then hands back the list it had before (see handler). */
  let lastWasAgent = false;
  let refreshed = false;
  let keyboardRetried = false;
  let keys: KeyQueue | undefined;
  let keysOffered = 0;
  let keysHeldBack = 0;
  /** A step succeeded partly (AuthenticationMethods): the login then took more than a key alone. */
  let partlyDone = false;
  /** Methods the server accepted as one step of the login (partial successes), in order. */
  const stepsDone: Method[] = [];
  /** The keyboard-interactive attempt under way asked (and we answered) a one-time-code prompt. */
  let roundAskedCode = false;
  /** A completed keyboard-interactive step answered a one-time code. */
  let codeAccepted = false;
  /** Our `none` re-ask after a stale list (an agent key): the list before it, to see what changed. */
  let refreshFrom: string | undefined;

  const keyboardPrompt = (name: string, instructions: string, _lang: string, prompts: Prompt[], finish: (answers: string[]) => void) => {
    opts.onWaiting?.(true);
    if (prompts.some((p) => credentials.promptKind?.(serverText(p.prompt)) === 'otp')) roundAskedCode = true;
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

  /** The next key to offer, or undefined when none is left (or the cap holds the automatic ones back). */
  const nextKey = async (): Promise<AnyAuthMethod | undefined> => {
    keys ??= await prepareKeys(opts, env, log);
    while (keys.offers.length > 0) {
      const offer = keys.offers.shift()!;
      if (offer.auto && !mayOfferAutomaticKey(keysOffered, serverMethods)) {
        // More rejected keys could use up the server's MaxAuthTries before the password or code.
        keysHeldBack = keys.offers.filter((o) => o.auto).length + 1;
        keys.offers = keys.offers.filter((o) => !o.auto);
        log.info(`${keysHeldBack} more key(s) not offered: ${KEY_OFFERS_BEFORE_FALLBACK} were tried and the server also takes ${serverMethods.filter((m) => m !== 'publickey').join(', ')}; name the right key with identityFile (or IdentityFile and IdentitiesOnly yes in ~/.ssh/config).`);
        continue;
      }
      let method: AnyAuthMethod | undefined;
      if (offer.kind === 'agent') {
        method = keys.agent ? { type: 'agent', username, agent: new OneKeyAgent(keys.agent, offer.key) } : undefined;
      } else {
        const key = await loadPrivateKey(opts, offer.ref, log);
        method = key ? { type: 'publickey', username, key } : undefined;
      }
      if (!method) continue;
      keysOffered++;
      lastWasAgent = offer.kind === 'agent';
      log.debug(`Offering ${offer.label} to ${serverLabel(server)}.`);
      tried.push(offer.kind === 'agent' && offer.auto ? 'agent key' : `publickey (${offer.label})`);
      return method;
    }
    return undefined;
  };

  /** Builds the ssh2 method for `m`, or undefined when we have nothing (more) to offer for it. */
  const BUILDERS: Readonly<Record<Method, () => Promise<AnyAuthMethod | undefined>>> = {
    publickey: nextKey,
    'keyboard-interactive': async () => ({ type: 'keyboard-interactive', username, prompt: keyboardPrompt }),
    password: async () => {
      opts.onWaiting?.(true);
      const password = await credentials.password(server).finally(() => opts.onWaiting?.(false));
      return password === undefined ? undefined : { type: 'password', username, password };
    },
  };

  /** publickey is offered again and again (one key each) until the keys run out; the others once. */
  const REPEATS: ReadonlySet<Method> = new Set(['publickey']);

  async function pickNext(): Promise<AnyAuthMethod | false> {
    for (const m of ORDER) {
      if (attempted.has(m) || !serverMethods.includes(m)) continue;
      const method = await BUILDERS[m]();
      if (!REPEATS.has(m) || !method) attempted.add(m);
      if (method) {
        last = m;
        roundAskedCode = false;
        if (m !== 'publickey') {
          lastWasAgent = false;
          tried.push(m);
        }
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
    // ssh2 passes the previous list again after an agent key failed (or partly succeeded): only a new list carries news.
    const fresh = methodsLeft !== lastList;
    // The step just tried succeeded partly: it is one factor of the login (AuthenticationMethods).
    if (partialSuccess && fresh && last !== undefined) stepDone(last);
    else if (refreshFrom !== undefined && methodsLeft.join(',') !== refreshFrom && last === 'publickey') stepDone(last);
    refreshFrom = undefined;
    lastList = methodsLeft;
    serverMethods = methodsLeft;
    if (partialSuccess) partlyDone = true;
    const staleAfterAgent = lastWasAgent && !fresh;
    if (fresh) refreshed = false;
    const failedKeyboard = last === 'keyboard-interactive' && !(fresh && partialSuccess);
    if (failedKeyboard && !keyboardRetried && serverMethods.includes('keyboard-interactive') && credentials.retryKeyboardInteractive?.(server)) {
      keyboardRetried = true;
      tried.push('keyboard-interactive (again)');
      roundAskedCode = false;
      return proceed({ type: 'keyboard-interactive', username, prompt: keyboardPrompt });
    }
    pickNext().then(
      (method) => {
        // An agent key may have been a partial success (AuthenticationMethods publickey,…) that ssh2
        // does not report: before giving up on a stale list, ask the server once what it takes now.
        if (method === false && staleAfterAgent && !refreshed) {
          refreshed = true;
          lastWasAgent = false;
          // ssh2 hides an agent key's partial success: a list that changes after this shows it.
          refreshFrom = serverMethods.join(',');
          return proceed({ type: 'none', username });
        }
        proceed(method);
      },
      (err: unknown) => {
        session.fatal = err instanceof Error ? err : new Error(String(err));
        proceed(false);
      },
    );
  };

  function stepDone(m: Method): void {
    stepsDone.push(m);
    if (m === 'keyboard-interactive' && roundAskedCode) codeAccepted = true;
    roundAskedCode = false;
  }

  const session: AuthSession = {
    handler,
    // ssh2 calls no handler after the final success: the last method tried is the one that let us in.
    completed: () => ({
      methods: last === undefined ? [...stepsDone] : [...stepsDone, last],
      secondFactorAnswered: codeAccepted || (last === 'keyboard-interactive' && roundAskedCode),
    }),
    // A key alone only when nothing partly succeeded before it; else the last step names the method.
    loginMethod: () => (last === undefined ? undefined : last === 'publickey' ? (partlyDone ? undefined : 'key') : last),
    ignorable: (err) => (err as { level?: string }).level === 'agent' && session.fatal === undefined,
    failedError: () => {
      credentials.onAuthFailure?.(server);
      const who = serverLabel(server);
      const accepts = serverMethods.length ? serverMethods.join(', ') : 'nothing it told us';
      const notes = [
        ...(keysHeldBack > 0 ? [`${keysHeldBack} more key(s) were not offered so as not to exceed the server's MaxAuthTries: name the right one with identityFile`] : []),
        ...(keys?.agentProblem ? [keys.agentProblem] : []),
      ];
      const extra = notes.length ? `; ${notes.join('; ')}` : '';
      return tried.length
        ? new SecureTransferError(`Authentication as ${who} failed (tried ${summarize(tried)}; the server accepts ${accepts}${extra}): check the user name and credentials.`, 'failure', 'auth-failed')
        : new SecureTransferError(`Authentication as ${who} failed: the server accepts ${accepts}, and no matching credential was configured (set identityFile, agent or a password)${extra}.`, 'failure', 'auth-failed');
    },
  };
  return session;
}

/** "agent key, agent key, password" → "2 agent keys, password" (the list stays one readable line). */
function summarize(tried: string[]): string {
  const agentKeys = tried.filter((t) => t === 'agent key').length;
  const rest = tried.filter((t) => t !== 'agent key');
  return [...(agentKeys ? [agentKeys === 1 ? 'an agent key' : `${agentKeys} agent keys`] : []), ...rest].join(', ');
}
