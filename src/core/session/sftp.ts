/**
 * SFTP over raw ssh2 (not ssh2-sftp-client), for control over request size, pipelining and
 * posix-rename. The host key is verified inside ssh2's handshake (`hostVerifier`), before the
 * authentication service is even requested; credentials are asked for only after that.
 */
import { randomBytes } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import * as posix from 'node:path/posix';
import type { Duplex, Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Client, type Algorithms, type FileEntryWithStats, type SFTPWrapper, type Stats } from 'ssh2';
import { CancelledError, SecureTransferError, describeError, throwIfAborted } from '../errors';
import { silentLogger, type Logger } from '../log';
import type { ServerAddress } from '../profiles/types';
import type { SshHostConfig } from '../sshconfig/types';
import { hostPort, serverLabel, sessionIdentity } from '../profiles/serverAddress';
import { hostKeyInfo, verifyHostKey, type HostKeySource } from '../trust/hostKeyVerifier';
import type { TrustStore } from '../trust/trustStore';
import type { TrustDecider } from '../trust/types';
import type { CredentialProvider } from './credentials';
import type {
  EntryType,
  FileTransferOptions,
  HashOptions,
  LoginMethod,
  RemoteHash,
  OpOptions,
  RangeOptions,
  ReadOptions,
  RemoteEntry,
  RemoteFileSystem,
  ServerCapabilities,
  WriteFileOptions,
  WriteOptions,
} from './remoteFileSystem';
import { LISTING_LIMITS } from './remoteFileSystem';
import { RequestDeadlines, formatSeconds } from './requestDeadline';
import { DEFAULT_CONNECT_TIMEOUT, DEFAULT_REQUEST_TIMEOUT } from '../profiles/defaults';
import { CHECK_FILE_ALGORITHMS, advertisesCheckFile, checkFileHash, mayOfferCheckFile } from './sftpCheckFile';
import { createAuthSession } from './sftpAuth';
import { folderFacts, type LoginFacts, type LoginFactsOptions } from './loginFacts';
import { serverText } from '../displayText';
import { mapConnectError, mapSftpError, recordOffer, type AlgorithmOffers } from './sftpErrors';
import { CONCURRENCY, OPENSSH_MAX_REQUEST, SAFE_REQUEST, uploadBytesInFlight } from './sftpTransfer';
import {
  InFlightBudget,
  PartialTransferError,
  createExclusive,
  pipelinedDownload,
  pipelinedDownloadRange,
  pipelinedUpload,
  pipelinedUploadRange,
  setFinalMode,
  type PipelineOptions,
  type SftpChannel,
} from './sftpPipeline';

export interface SftpTrustOptions {
  pinned?: string[];
  knownHostsFiles?: string[];
  trustStore: TrustStore;
  decide: TrustDecider;
  /** A jump host's place on the route, shown in the trust question. */
  via?: string;
}

export interface SftpConnectOptions {
  server: ServerAddress;
  credentials: CredentialProvider;
  trust: SftpTrustOptions;
  /** A key file (profile identityFile / --identity); tried first. See docs/keys-and-agents.md. */
  identityFile?: string;
  /** undefined/true: find the agent like OpenSSH (IdentityAgent, SSH_AUTH_SOCK, Windows pipe/Pageant); false: none; a string: this socket. */
  agent?: boolean | string;
  /** Where SSH_AUTH_SOCK is read (default process.env); tests pass their own. */
  env?: NodeJS.ProcessEnv;
  /** The home folder whose ~/.ssh default keys are tried when no key is named (default os.homedir()). */
  home?: string;
  /** Connecting, the handshake and the login. Default: the profile default (20 s). */
  connectTimeoutMs?: number;
  /**
   * After login: a connection whose server stops answering (keepalives unanswered) for about this
   * long is closed, failing every pending request, so nothing hangs. Default 120 s.
   */
  idleTimeoutMs?: number;
  /**
   * ssh config ServerAliveInterval/CountMax: keepalives every `intervalMs`, the connection dropped after
   * `countMax` unanswered ones (instead of the idleTimeoutMs split). Never disables keepalives.
   */
  keepalive?: { intervalMs: number; countMax: number };
  /**
   * After login: how long the server may leave a request unanswered (see requestDeadline.ts) before
   * it fails and the connection is closed. Default: the profile default (30 s).
   */
  requestTimeoutMs?: number;
  signal?: AbortSignal;
  /**
   * An already-open stream to the server (a jump host's forwarded channel, a proxy's tunnel, a
   * ProxyCommand's stdio) instead of a TCP connection to server.host:port. The host key is verified
   * on it exactly as on a direct connection.
   */
  sock?: Duplex;
  /**
   * The jump-host route `sock` runs over: closing the session closes every hop, and a hop that drops
   * becomes the session's close error (one sentence naming the hop).
   */
  route?: { close(): void; lostReason(): Error | undefined };
  /** What the user's ~/.ssh/config says about this server (keys, agent, algorithms); informative. */
  sshConfig?: SshHostConfig;
  /** Told once the host key is verified (before any credential is asked for): Test Connection's step. */
  onHostKey?: (hostKey: SftpHostKey) => void;
  /** Told once the login succeeded (connectSftp: before the SFTP channel opens). */
  onLoggedIn?: () => void;
  /** ssh2 algorithm overrides (audit tests, legacy servers); default: ssh2's modern list, AES-GCM first. */
  algorithms?: Algorithms;
  log?: Logger;
}

/** The host key the session was opened with and why it was trusted (for status bars and audits). */
export interface SftpHostKey {
  keyType: string;
  fingerprint: string;
  source: HostKeySource;
}

const DEFAULT_TIMEOUT_MS = DEFAULT_CONNECT_TIMEOUT * 1000;
/** close() waits this long at most for the server's goodbye, then drops the connection. */
const CLOSE_WAIT_MS = 5_000;
/** READDIR requests kept in flight on one folder handle (list()). */
const READDIR_IN_FLIGHT = 8;
const SFTP_EOF = 1; // SSH_FX_EOF
const DEFAULT_IDLE_TIMEOUT_MS = 120_000;
/** ssh2 gives up after this many unanswered keepalives, i.e. after (count + 1) intervals. */
const KEEPALIVE_COUNT_MAX = 3;
/** AES-GCM is the fastest choice with AES-NI and an AEAD (no separate MAC). */
const PREFERRED_ALGORITHMS: Algorithms = { cipher: { prepend: ['aes128-gcm@openssh.com'] } } as unknown as Algorithms;

const TYPE_BY_MODE: ReadonlyArray<[number, EntryType]> = [
  [0o040000, 'directory'],
  [0o100000, 'file'],
  [0o120000, 'symlink'],
];
const S_IFMT = 0o170000;

function entryType(mode: number | undefined): EntryType {
  if (mode === undefined) return 'other';
  return TYPE_BY_MODE.find(([bits]) => (mode & S_IFMT) === bits)?.[1] ?? 'other';
}

/** Hostile servers may send names that would escape the folder or confuse path handling. */
function isSafeName(name: string): boolean {
  return name !== '' && name !== '.' && name !== '..' && !name.includes('/') && !name.includes('\0');
}

function toEntry(name: string, attrs: Partial<Stats>): RemoteEntry {
  // Assigned, not spread: one object per entry (a listing makes 100,000 of them), same key order.
  const mode = attrs.mode;
  const e: RemoteEntry = { name, type: entryType(mode), size: attrs.size ?? 0, mtime: (attrs.mtime ?? 0) * 1000 };
  if (mode !== undefined) {
    e.permissions = mode & 0o777;
    if ((mode & 0o7000) !== 0) e.specialBits = mode & 0o7000;
  }
  if (attrs.uid !== undefined && attrs.gid !== undefined) {
    e.uid = attrs.uid;
    e.gid = attrs.gid;
  }
  return e;
}

/** A timer that pauses while the user is being asked something (trust, passwords, codes). */
class ConnectTimer {
  private handle?: NodeJS.Timeout;
  constructor(
    private readonly ms: number,
    private readonly onTimeout: () => void,
  ) {}
  start(): void {
    this.stop();
    if (this.ms > 0) this.handle = setTimeout(this.onTimeout, this.ms);
  }
  stop(): void {
    if (this.handle) clearTimeout(this.handle);
    this.handle = undefined;
  }
}

/** An authenticated SSH connection without any channel yet: a jump host, or the start of an SFTP session. */
export interface SshConnection {
  client: Client;
  hostKey: SftpHostKey;
  /** What each side offered during key exchange (for "no common algorithm" sentences). */
  offers: AlgorithmOffers;
  /** How the login succeeded (RemoteFileSystem.loginMethod). */
  loginMethod?: LoginMethod;
  /** The methods that completed, in order, and whether a one-time code was answered (LoginFacts). */
  auth?: { methods: string[]; secondFactorAnswered: boolean };
}

/**
 * Connects, verifies the host key (before the authentication service is requested) and logs in.
 * Used for every jump host and, under connectSftp, for the target. On failure the client is closed.
 */
export async function connectSsh(opts: SftpConnectOptions): Promise<SshConnection> {
  throwIfAborted(opts.signal);
  const { server } = opts;
  const log = opts.log ?? silentLogger;
  const timeoutMs = opts.connectTimeoutMs ?? DEFAULT_TIMEOUT_MS;
  const offers: AlgorithmOffers = new Map();
  const client = new Client();
  let hostKey: SftpHostKey | undefined;

  const auth = createAuthSession({
    server,
    credentials: opts.credentials,
    identityFile: opts.identityFile,
    agent: opts.agent,
    ...(opts.sshConfig ? { sshConfig: opts.sshConfig } : {}),
    ...(opts.env ? { env: opts.env } : {}),
    ...(opts.home ? { home: opts.home } : {}),
    log,
    onWaiting: (waiting) => (waiting ? timer.stop() : timer.start()),
  });

  let settle!: { resolve: () => void; reject: (err: Error) => void };
  const ready = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
  let done = false;
  const fail = (err: Error): void => {
    if (done) return;
    done = true;
    timer.stop();
    client.end();
    // A server that never answers would keep a half-closed socket (and the process) alive.
    setTimeout(() => client.destroy(), 2000).unref();
    settle.reject(err);
  };
  const timer = new ConnectTimer(timeoutMs, () =>
    fail(mapConnectError(Object.assign(new Error('timeout'), { level: 'client-timeout' }), { server, timeoutMs, offers })),
  );
  const onAbort = () => fail(new CancelledError('Connecting was cancelled.'));
  opts.signal?.addEventListener('abort', onAbort, { once: true });

  client.on('connect', () => {
    if (!opts.sock) client.setNoDelay(true);
  });
  client.on('ready', () => {
    if (done) return;
    done = true;
    timer.stop();
    settle.resolve();
  });
  client.on('error', (err) => auth.ignorable(err) ? log.debug(`SSH agent: ${describeError(err)}`) : fail(auth.fatal ?? (isAuthFailure(err) ? auth.failedError() : mapConnectError(err, { server, timeoutMs, offers }))));
  client.on('close', () => fail(new SecureTransferError(`${hostPort(server)} closed the connection during login: try again, and check the server's log if it keeps happening.`, 'failure', 'connection-closed')));

  // HostKeyAlias (ssh config): the name known_hosts and the trust store know this server's key by,
  // used verbatim (no port), as OpenSSH does. The connection itself still goes to server.host:port.
  const alias = opts.sshConfig?.hostKeyAlias;
  const trustServer: ServerAddress = alias ? { ...server, host: alias, port: 22 } : server;

  let handshakeDone = false;
  client.on('handshake', (negotiated) => {
    handshakeDone = true;
    log.debug(`SSH handshake with ${hostPort(server)}: ${negotiated.kex}, ${negotiated.serverHostKey}, ${negotiated.cs.cipher}`);
  });

  timer.start();
  client.connect({
    host: server.host,
    port: server.port,
    ...(opts.sock ? { sock: opts.sock } : {}),
    username: server.username,
    readyTimeout: 0, // our own timer, which pauses while the user answers questions
    keepaliveInterval: Math.max(250, opts.keepalive?.intervalMs ?? Math.round((opts.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS) / (KEEPALIVE_COUNT_MAX + 1))),
    keepaliveCountMax: Math.max(1, opts.keepalive?.countMax ?? KEEPALIVE_COUNT_MAX),
    algorithms: opts.algorithms ?? PREFERRED_ALGORITHMS,
    // With `hostHash` unset ssh2 hands over the raw key blob; the callback form lets us ask the user.
    hostVerifier: (key: Buffer, verify: (ok: boolean) => void) => {
      timer.stop();
      verifyHostKey({ server: trustServer, keyBlob: key, ...opts.trust })
        .then((verdict) => {
          hostKey = { ...hostKeyInfo(key), source: verdict.source };
          log.info(`Host key of ${hostPort(server)} trusted (${verdict.source}): ${hostKey.fingerprint}`);
          opts.onHostKey?.(hostKey);
          timer.start();
          verify(true);
        })
        .catch((err: unknown) => {
          fail(err instanceof Error ? err : new Error(String(err)));
          verify(false);
        });
    },
    authHandler: auth.handler,
    debug: (line: string) => {
      if (!handshakeDone) recordOffer(offers, line);
    },
  });

  try {
    await ready;
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
  }
  return { client, hostKey: hostKey!, offers, loginMethod: auth.loginMethod(), auth: auth.completed() };
}

export async function connectSftp(opts: SftpConnectOptions): Promise<SftpFileSystem> {
  const { server } = opts;
  const log = opts.log ?? silentLogger;
  const timeoutMs = opts.connectTimeoutMs ?? DEFAULT_TIMEOUT_MS;
  const { client, hostKey, offers, loginMethod, auth } = await connectSsh(opts);
  opts.onLoggedIn?.();

  try {
    // A server that never confirms the SFTP channel would leave connect() waiting for ever.
    let channelTimer: NodeJS.Timeout | undefined;
    const sftp = await Promise.race([
      new Promise<SFTPWrapper>((resolve, reject) => client.sftp((err, s) => (err ? reject(err) : resolve(s)))),
      new Promise<never>((_, reject) => {
        if (timeoutMs > 0) channelTimer = setTimeout(() => reject(Object.assign(new Error('timeout'), { level: 'client-timeout' })), timeoutMs);
      }),
    ]).finally(() => clearTimeout(channelTimer));
    const fs = new SftpFileSystem(client, sftp, server, hostKey, log, opts.requestTimeoutMs, opts.route);
    fs.loginMethod = loginMethod;
    fs.auth = auth;
    await fs.init();
    return fs;
  } catch (err) {
    client.end();
    throw mapConnectError(err, { server, timeoutMs, offers });
  }
}

function isAuthFailure(err: Error & { level?: string }): boolean {
  return err.level === 'client-authentication';
}

/** ssh2 internals the typings don't show: negotiated request limits and offered extensions. */
interface SftpInternals {
  _extensions: Record<string, string>;
  _maxReadLen: number;
  _maxWriteLen: number;
  maxOpenHandles?: number;
  /** What the server still lets us send; right after the channel opened, its initial window. */
  outgoing?: { window?: number };
}

export class SftpFileSystem implements RemoteFileSystem {
  readonly protocol = 'sftp' as const;
  homeDir = '/';
  capabilities: ServerCapabilities = { atomicRename: false, hashes: [] };
  /** How the login succeeded (RemoteFileSystem.loginMethod); set by connectSftp. */
  loginMethod?: LoginMethod;
  /** Which auth methods completed and whether a one-time code was answered; set by connectSftp. */
  auth?: { methods: string[]; secondFactorAnswered: boolean };
  /** Bytes per read/write request in whole-file transfers. */
  chunkSize = SAFE_REQUEST;
  /** Upload bytes in flight on this connection, shared by all its uploads. */
  private uploadBudget = new InFlightBudget(uploadBytesInFlight(undefined));
  private isConnected = true;
  private closeError?: Error;
  private readonly closeListeners: Array<(err?: Error) => void> = [];
  private readonly connectionLost = new AbortController();
  /** Every request's deadline; an expired one closes the connection (see requestDeadline.ts). */
  private readonly deadlines: RequestDeadlines;

  constructor(
    private readonly client: Client,
    private readonly sftp: SFTPWrapper,
    readonly server: ServerAddress,
    readonly hostKey: SftpHostKey,
    private readonly log: Logger,
    requestTimeoutMs = DEFAULT_REQUEST_TIMEOUT * 1000,
    private readonly route?: { close(): void; lostReason(): Error | undefined },
  ) {
    this.deadlines = new RequestDeadlines({
      timeoutMs: requestTimeoutMs,
      error: (what, ms) => requestTimeoutError(server, what, ms),
      onExpired: (err) => this.abandon(err),
    });
    // Every answer on the SFTP channel is progress for a request made of several round trips.
    const channel = sftp as unknown as { push(data: Buffer | null): unknown };
    const push = channel.push.bind(channel);
    channel.push = (data) => {
      this.deadlines.touch();
      return push(data);
    };
    client.on('error', (err) => (this.closeError ??= err));
    client.on('close', () => {
      this.deadlines.dispose();
      this.connectionLost.abort(); // pipelined transfers stop waiting for requests ssh2 won't answer
      if (!this.isConnected) return;
      this.isConnected = false;
      const notify = () => {
        // A jump host that dropped is the real reason; it may report just after the target's channel closed.
        const hopLost = this.route?.lostReason();
        if (hopLost) this.closeError = hopLost;
        this.route?.close();
        for (const l of this.closeListeners.splice(0)) l(this.closeError);
      };
      if (this.route) setImmediate(notify);
      else notify();
    });
  }

  /** Reads what the server offers and where the login folder is. */
  async init(): Promise<void> {
    const internals = this.sftp as unknown as SftpInternals;
    const ext = internals._extensions ?? {};
    // ssh2 sets maxOpenHandles only after the server answered limits@openssh.com.
    const limitsKnown = internals.maxOpenHandles !== undefined;
    const maxRequest = limitsKnown ? Math.min(internals._maxReadLen, internals._maxWriteLen) : undefined;
    this.chunkSize = maxRequest ? Math.min(maxRequest, OPENSSH_MAX_REQUEST) : SAFE_REQUEST;
    this.uploadBudget = new InFlightBudget(uploadBytesInFlight(internals.outgoing?.window));
    this.capabilities = {
      atomicRename: ext['posix-rename@openssh.com'] === '1',
      ...(maxRequest ? { maxRequestBytes: maxRequest } : {}),
      hashes: advertisesCheckFile(Object.keys(ext)) ? [...CHECK_FILE_ALGORITHMS] : [],
    };
    this.homeDir = await this.call('find the login folder of', '.', (cb) => this.sftp.realpath('.', cb));
    this.log.debug(`SFTP ready: home ${serverText(this.homeDir)}, chunk ${this.chunkSize}, extensions ${serverText(Object.keys(ext).join(' '))}`);
  }

  get connected(): boolean {
    return this.isConnected && !this.deadlines.expired;
  }

  /**
   * A request went unanswered past its deadline: the server can no longer be trusted to answer later
   * requests in order, so the connection is dropped at once (every pending request fails, the
   * reconnecting wrapper opens a fresh one on the next operation).
   */
  private abandon(err: Error): void {
    this.log.info(err.message);
    this.closeError ??= err;
    // After the expired request's rejection has reached its caller, so that is the error reported.
    setImmediate(() => {
      this.connectionLost.abort();
      this.client.destroy();
    });
  }

  /** The verified host key with the address and user (see RemoteFileSystem.identity). */
  get identity(): string {
    return sessionIdentity(this.server, this.hostKey.fingerprint);
  }

  onClose(listener: (err?: Error) => void): void {
    if (!this.isConnected) queueMicrotask(() => listener(this.closeError));
    else this.closeListeners.push(listener);
  }

  async close(): Promise<void> {
    if (!this.isConnected) return;
    await new Promise<void>((resolve) => {
      // A server that ignores the goodbye must not keep close() (and the process) waiting.
      const timer = setTimeout(() => {
        this.client.destroy();
        resolve();
      }, Math.min(CLOSE_WAIT_MS, Math.max(1, this.deadlines.timeoutMs)));
      this.client.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      this.sftp.end();
      this.client.end();
    });
  }

  /**
   * Runs one SFTP request, mapping its error, honouring the signal and the request's deadline.
   * `composite`: ssh2 makes several round trips (readFile, writeFile); the deadline then counts
   * from the last answer the channel delivered.
   */
  private call<T>(op: string, path: string, fn: (cb: (err: Error | null | undefined, value: T) => void) => void, signal?: AbortSignal, composite = false): Promise<T> {
    throwIfAborted(signal);
    if (!this.connected) return Promise.reject(mapSftpError(Object.assign(new Error('not connected'), { code: 6 }), op, path, this.server));
    return new Promise<T>((resolve, reject) => {
      const onAbort = () => reject(new CancelledError());
      // ssh2 never answers a request made after its channel closed (e.g. the CLOSE readFile sends
      // after a failed READ): a lost connection fails the call here instead of hanging forever.
      const onLost = () => reject(mapSftpError(Object.assign(new Error('connection lost'), { code: 7 }), op, path, this.server));
      const lost = this.connectionLost.signal;
      setMaxListeners(0, lost); // one listener per request in flight, and many may be
      signal?.addEventListener('abort', onAbort, { once: true });
      lost.addEventListener('abort', onLost, { once: true });
      const ticket = this.deadlines.track(`${op} ${path}`, reject, composite);
      fn((err, value) => {
        ticket.done();
        signal?.removeEventListener('abort', onAbort);
        lost.removeEventListener('abort', onLost);
        if (err) reject(mapSftpError(err, op, path, this.server));
        else resolve(value);
      });
    });
  }

  async list(path: string, opts?: OpOptions): Promise<RemoteEntry[]> {
    const entries = await this.readFolder(path, opts?.signal);
    await Promise.all(
      entries
        .filter((e) => e.type === 'symlink')
        .map(async (e) => {
          e.target = await this.call<string>('read the link', posix.join(path, e.name), (cb) => this.sftp.readlink(posix.join(path, e.name), cb)).catch(() => undefined);
          if (e.target === undefined) delete e.target;
        }),
    );
    return entries;
  }

  /**
   * A folder's safe entries: OPENDIR once, then up to READDIR_IN_FLIGHT READDIR requests pipelined
   * on the handle (ssh2's readdir(path) waits for each batch before asking for the next: one round
   * trip per ~100 names). Batches are taken in whatever order they come (the listing is sorted by
   * its users); the first EOF stops new requests, the ones in flight are drained, and one last
   * READDIR confirms the end, so a server that answers a pipelined request with an early EOF loses
   * no names. Each request has the connection's deadline; names are filtered as they arrive.
   */
  private async readFolder(path: string, signal?: AbortSignal): Promise<RemoteEntry[]> {
    const handle = await this.call<Buffer>('list', path, (cb) => this.sftp.opendir(path, cb), signal);
    const entries: RemoteEntry[] = [];
    const take = (items: FileEntryWithStats[] | null): boolean => {
      if (items === null) return false;
      for (const i of items) if (isSafeName(i.filename)) entries.push(toEntry(i.filename, i.attrs));
      if (entries.length > LISTING_LIMITS.entries) {
        throw new SecureTransferError(
          `${serverText(path)} on the server listed more than ${LISTING_LIMITS.entries.toLocaleString('en-US')} entries, so the listing was stopped: list a subfolder, or check the server.`,
          'failure',
          'listing-too-large',
        );
      }
      return true;
    };
    // null: EOF. ssh2 drops '.' and '..' itself; isSafeName drops them again.
    const readdir = () =>
      this.call<FileEntryWithStats[] | null>('list', path, (cb) => this.sftp.readdir(handle, (err, list) => (err && (err as { code?: unknown }).code === SFTP_EOF ? cb(undefined, null) : cb(err, list))), signal);
    try {
      let more = true;
      let failure: unknown;
      const worker = async (): Promise<void> => {
        while (more && failure === undefined) {
          try {
            if (!take(await readdir())) more = false;
          } catch (err) {
            failure ??= err;
          }
        }
      };
      for (;;) {
        await Promise.all(Array.from({ length: READDIR_IN_FLIGHT }, worker));
        if (failure !== undefined) throw failure;
        // Every request in flight is answered: a last one asked alone says whether the end was real.
        // A server that refuses a READDIR after its EOF ends the listing as the one-at-a-time loop did.
        const last = await readdir().catch((err: unknown) => {
          if (signal?.aborted || !this.connected) throw err;
          return null;
        });
        if (!take(last)) break;
        more = true;
      }
    } finally {
      await this.call<void>('list', path, (cb) => this.sftp.close(handle, (err) => cb(err, undefined))).catch(() => undefined);
    }
    return entries;
  }

  async stat(path: string, opts?: OpOptions): Promise<RemoteEntry> {
    const attrs = await this.call<Stats>('inspect', path, (cb) => this.sftp.stat(path, cb), opts?.signal);
    return toEntry(posix.basename(path) || '/', attrs);
  }

  /**
   * The login stage's facts (loginFacts.ts): how the login went (recorded by the auth handler while
   * logging in) and the login folder's (realpath '.') and the start folder's mode and owner, one
   * stat each. Asks nothing of the user and changes nothing.
   */
  async loginFacts(opts: LoginFactsOptions = {}): Promise<LoginFacts> {
    const folders = await folderFacts((p, o) => this.stat(p, o), this.homeDir, opts, describeError);
    return {
      ...(this.auth ? { authMethods: [...this.auth.methods], secondFactorAnswered: this.auth.secondFactorAnswered } : {}),
      ...folders,
    };
  }

  async lstat(path: string, opts?: OpOptions): Promise<RemoteEntry> {
    const attrs = await this.call<Stats>('inspect', path, (cb) => this.sftp.lstat(path, cb), opts?.signal);
    return toEntry(posix.basename(path) || '/', attrs);
  }

  private umask?: Promise<number | undefined>;
  /**
   * The server's umask, learned once per session the only way SFTP allows: an empty file created
   * exclusively in `dir` with mode 0777 shows what the server kept; it is deleted at once. It never
   * holds a byte, so its brief wider mode exposes nothing.
   */
  creationMask(dir: string, opts?: OpOptions): Promise<number | undefined> {
    this.umask ??= (async () => {
      const probe = posix.join(dir, `.st-umask-${randomBytes(6).toString('hex')}`);
      try {
        const handle = await this.call<Buffer>('create', probe, (cb) => this.sftp.open(probe, 'wx', { mode: 0o777 }, cb), opts?.signal);
        try {
          const st = await this.call<Stats>('inspect', probe, (cb) => this.sftp.fstat(handle, cb));
          return st.mode === undefined ? undefined : 0o777 & ~st.mode;
        } finally {
          await this.call<void>('close', probe, (cb) => this.sftp.close(handle, (err) => cb(err, undefined))).catch(() => undefined);
          await this.delete(probe).catch(() => undefined);
        }
      } catch {
        return undefined;
      }
    })();
    return this.umask;
  }

  async realpath(path: string, opts?: OpOptions): Promise<string> {
    const expanded =
      path === '~' ? this.homeDir : path.startsWith('~/') ? posix.join(this.homeDir, path.slice(2)) : posix.resolve(this.homeDir, path);
    return this.call<string>('resolve', path, (cb) => this.sftp.realpath(expanded, cb), opts?.signal);
  }

  private open(path: string, flags: 'r' | 'r+' | 'w', op: string, signal?: AbortSignal): Promise<Buffer> {
    return this.call<Buffer>(op, path, (cb) => this.sftp.open(path, flags, cb), signal);
  }

  async createReadStream(path: string, opts?: ReadOptions): Promise<Readable> {
    // Opening first turns "no such file" into a rejected promise, not a later stream error.
    const handle = await this.open(path, 'r', 'read', opts?.signal);
    const stream = this.sftp.createReadStream(path, { handle, start: opts?.offset, autoClose: true, highWaterMark: 256 * 1024 });
    if (opts?.signal) {
      const signal = opts.signal;
      const onAbort = () => stream.destroy(new CancelledError());
      signal.addEventListener('abort', onAbort, { once: true });
      stream.once('close', () => signal.removeEventListener('abort', onAbort));
    }
    return stream;
  }

  async writeFromStream(path: string, source: Readable, opts?: WriteOptions): Promise<void> {
    const offset = opts?.offset ?? 0;
    const handle = await this.open(path, offset > 0 ? 'r+' : 'w', 'write', opts?.signal);
    const sink = this.sftp.createWriteStream(path, { handle, start: offset, autoClose: true });
    // ssh2 closes the handle after 'finish' and then emits 'close': the server has it all by then.
    const closed = new Promise<void>((resolve) => sink.once('close', () => resolve()));
    try {
      await pipeline(source, sink, { signal: opts?.signal });
      await closed;
    } catch (err) {
      if (opts?.signal?.aborted) throw new CancelledError();
      throw mapSftpError(err, 'write', path, this.server);
    }
  }

  async readFile(path: string, opts?: OpOptions): Promise<Buffer> {
    return this.call<Buffer>('read', path, (cb) => this.sftp.readFile(path, cb), opts?.signal, true);
  }

  async writeFile(path: string, data: Uint8Array, opts?: WriteFileOptions): Promise<void> {
    const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    if (opts?.mode === undefined) {
      await this.call<void>('write', path, (cb) => this.sftp.writeFile(path, buf, (err) => cb(err, undefined)), opts?.signal, true);
      return;
    }
    // Exclusive and 0600 while written, the final mode set on the handle before CLOSE (as uploads).
    const ch = this.sftp as unknown as SftpChannel;
    const lost = { lost: this.connectionLost.signal, deadlines: this.deadlines, path };
    const mode = opts.mode;
    try {
      const handle = await createExclusive(ch, path, lost);
      let modeSet = false;
      try {
        for (let pos = 0; pos < buf.length; pos += this.chunkSize) {
          throwIfAborted(opts.signal);
          const len = Math.min(this.chunkSize, buf.length - pos);
          await this.call<void>('write', path, (cb) => this.sftp.write(handle, buf, pos, len, pos, (err) => cb(err, undefined)), opts.signal);
        }
        modeSet = await setFinalMode(ch, handle, mode, opts.gid, lost);
      } finally {
        await this.call<void>('write', path, (cb) => this.sftp.close(handle, (err) => cb(err, undefined)));
      }
      if (!modeSet) opts.onNote?.(`${hostPort(this.server)} refused to set the permissions of ${path}, so it was left readable by you only (0600).`);
    } catch (err) {
      throw err instanceof SecureTransferError ? err : mapSftpError(err, 'write', path, this.server);
    }
  }

  /**
   * Pipelined (many requests in flight) from any offset. On failure the local file is cut back to
   * its completely written prefix, so its size is a safe offset to resume from.
   */
  async downloadFile(remotePath: string, localPath: string, opts?: FileTransferOptions): Promise<void> {
    throwIfAborted(opts?.signal);
    try {
      await pipelinedDownload(this.sftp as unknown as SftpChannel, remotePath, localPath, this.pipelineOptions(opts));
    } catch (err) {
      const cause = err instanceof PartialTransferError ? err.reason : err;
      throw mapLocalOr(cause, () => mapSftpError(cause, 'download', remotePath, this.server), localPath);
    }
  }

  async uploadFile(localPath: string, remotePath: string, opts?: FileTransferOptions): Promise<void> {
    throwIfAborted(opts?.signal);
    try {
      const { modeSet } = await pipelinedUpload(this.sftp as unknown as SftpChannel, localPath, remotePath, {
        ...this.pipelineOptions(opts),
        budget: this.uploadBudget,
        ...(opts?.mode !== undefined ? { mode: opts.mode, ...(opts.gid !== undefined ? { gid: opts.gid } : {}) } : {}),
      });
      if (!modeSet) opts?.onNote?.(`${hostPort(this.server)} refused to set the permissions of uploaded files, so they were left readable by you only (0600).`);
    } catch (err) {
      const cause = err instanceof PartialTransferError ? err.reason : err;
      throw mapLocalOr(cause, () => mapSftpError(cause, 'upload to', remotePath, this.server), localPath);
    }
  }

  /** Ranged parallel transfers (transfer/ranged.ts): see RemoteFileSystem.downloadRange. */
  async downloadRange(remotePath: string, fd: number, start: number, end: number, opts?: RangeOptions): Promise<void> {
    throwIfAborted(opts?.signal);
    try {
      await pipelinedDownloadRange(this.sftp as unknown as SftpChannel, remotePath, fd, start, end, this.rangeOptions(opts));
    } catch (err) {
      throw this.rangeError(err, 'download', remotePath);
    }
  }

  /** See RemoteFileSystem.uploadRange: the remote file exists (the engine created it exclusively). */
  async uploadRange(localPath: string, remotePath: string, start: number, end: number, opts?: RangeOptions): Promise<void> {
    throwIfAborted(opts?.signal);
    try {
      await pipelinedUploadRange(this.sftp as unknown as SftpChannel, localPath, remotePath, start, end, { ...this.rangeOptions(opts), budget: this.uploadBudget });
    } catch (err) {
      throw this.rangeError(err, 'upload to', remotePath, localPath);
    }
  }

  private rangeOptions(opts?: RangeOptions): PipelineOptions {
    return {
      chunkSize: this.chunkSize,
      // Half a whole file's: several ranges run at once, and a range's session is window-bound
      // anyway (ranged.ts RANGED_RULES), so this keeps a 1 GiB transfer's memory flat.
      inFlight: CONCURRENCY / 2,
      signal: opts?.signal,
      connectionLost: this.connectionLost.signal,
      deadlines: this.deadlines,
      onProgress: (bytes) => opts?.onProgress?.(bytes),
    };
  }

  /** A range's failure keeps its committed bytes (the resume record needs them), with the usual sentence. */
  private rangeError(err: unknown, op: string, remotePath: string, localPath = ''): PartialTransferError {
    const committed = err instanceof PartialTransferError ? err.committed : 0;
    const cause = err instanceof PartialTransferError ? err.reason : err;
    return new PartialTransferError(mapLocalOr(cause, () => mapSftpError(cause, op, remotePath, this.server), localPath), committed);
  }

  private pipelineOptions(opts?: FileTransferOptions): PipelineOptions {
    return {
      chunkSize: this.chunkSize,
      inFlight: CONCURRENCY,
      offset: opts?.offset ?? 0,
      ...(opts?.size !== undefined ? { size: opts.size } : {}),
      signal: opts?.signal,
      connectionLost: this.connectionLost.signal,
      deadlines: this.deadlines,
      onProgress: (bytes, total) => opts?.onProgress?.({ bytes, total }),
    };
  }

  async mkdir(path: string, opts?: OpOptions): Promise<void> {
    throwIfAborted(opts?.signal);
    try {
      await this.call<void>('create the folder', path, (cb) => this.sftp.mkdir(path, (err) => cb(err, undefined)), opts?.signal);
      return;
    } catch (err) {
      if ((err as SecureTransferError).code === 'not-found' && posix.dirname(path) !== path) {
        await this.mkdir(posix.dirname(path), opts);
        return this.mkdir(path, opts);
      }
      // OpenSSH answers a plain FAILURE for "exists": fine if it is a folder already.
      const existing = await this.stat(path, opts).catch(() => undefined);
      if (existing?.type === 'directory') return;
      if (existing) throw new SecureTransferError(`Cannot create the folder ${path} on ${hostPort(this.server)}: a file with that name exists.`, 'failure', 'not-a-directory');
      throw err;
    }
  }

  async delete(path: string, opts?: OpOptions): Promise<void> {
    await this.call<void>('delete', path, (cb) => this.sftp.unlink(path, (err) => cb(err, undefined)), opts?.signal);
  }

  async rmdir(path: string, opts?: OpOptions & { recursive?: boolean }): Promise<void> {
    if (opts?.recursive) {
      // list() reports symlinks as links (lstat), so a link to a folder is unlinked, never followed.
      for (const entry of await this.list(path, opts)) {
        const child = posix.join(path, entry.name);
        if (entry.type === 'directory') await this.rmdir(child, opts);
        else await this.delete(child, opts);
      }
    }
    await this.call<void>('remove the folder', path, (cb) => this.sftp.rmdir(path, (err) => cb(err, undefined)), opts?.signal);
  }

  /**
   * SETSTAT with the times (whole seconds; the access time becomes now: SFTP v3 sets both at once).
   * Follows a final symlink, as utimes(2). False when the server refuses (no failure: see the interface).
   */
  async setTimes(path: string, mtimeMs: number, opts?: OpOptions): Promise<boolean> {
    const mtime = Math.floor(mtimeMs / 1000);
    // The wire format is an unsigned 32-bit count of seconds.
    if (!Number.isFinite(mtime) || mtime < 0 || mtime > 0xffffffff) return false;
    const atime = Math.floor(Date.now() / 1000);
    try {
      await this.call<void>('set the modification time of', path, (cb) => this.sftp.utimes(path, atime, mtime, (err) => cb(err, undefined)), opts?.signal);
      return true;
    } catch (err) {
      if (err instanceof SecureTransferError && SETSTAT_REFUSALS.has(err.code)) return false;
      throw err;
    }
  }

  /** SETSTAT with the permission bits (follows a final symlink, as chmod(2) and OpenSSH's sftp). */
  async chmod(path: string, mode: number, opts?: OpOptions): Promise<void> {
    await this.call<void>('change the permissions of', path, (cb) => this.sftp.chmod(path, mode & 0o7777, (err) => cb(err, undefined)), opts?.signal);
  }

  /** check-file on a side channel (see sftpCheckFile.ts); undefined on servers without it (OpenSSH). */
  async hashFile(path: string, opts?: HashOptions): Promise<RemoteHash | undefined> {
    if (!this.isConnected || !mayOfferCheckFile((this.sftp as unknown as SftpInternals)._extensions ?? {})) return undefined;
    const result = await checkFileHash(this.client, path, { algorithms: opts?.algorithms, signal: opts?.signal, connectionLost: this.connectionLost.signal, timeoutMs: this.deadlines.timeoutMs });
    this.capabilities.hashes = result.offered ? [...CHECK_FILE_ALGORITHMS] : [];
    return result.hash;
  }

  async rename(from: string, to: string, opts?: OpOptions & { overwrite?: boolean }): Promise<void> {
    const op = `rename ${from} to`;
    if (opts?.overwrite && this.capabilities.atomicRename) {
      await this.call<void>(op, to, (cb) => this.sftp.ext_openssh_rename(from, to, (err) => cb(err, undefined)), opts?.signal);
      return;
    }
    if (opts?.overwrite) {
      // No atomic replace on this server: remove the target first (a short window without it).
      await this.delete(to, opts).catch((err: SecureTransferError) => {
        if (err.code !== 'not-found') throw err;
      });
    }
    await this.call<void>(op, to, (cb) => this.sftp.rename(from, to, (err) => cb(err, undefined)), opts?.signal);
  }
}

/** What a server answers a SETSTAT it won't do: "can't", not a failure (a missing file or a lost link still fails). */
const SETSTAT_REFUSALS: ReadonlySet<string> = new Set(['permission-denied', 'unsupported', 'sftp-failure']);

/** The one sentence for a request the server left unanswered past its deadline. */
function requestTimeoutError(server: ServerAddress, what: string, ms: number): SecureTransferError {
  const transfer = /^(READ|WRITE|OPEN|FSTAT|CLOSE) /.test(what);
  return new SecureTransferError(
    `${serverLabel(server)} sent no answer to ${what} for ${formatSeconds(ms)}, so the connection was closed: try again, or raise the profile's requestTimeout (--request-timeout) if the server is just slow${transfer ? '; what was transferred is kept and a re-run resumes it' : ''}.`,
    'failure',
    'request-timeout',
  );
}

/** Local file errors (ENOENT, EACCES on the local side) deserve their own sentence. */
function mapLocalOr(err: unknown, remote: () => Error, localPath: string): Error {
  if (err instanceof CancelledError || err instanceof SecureTransferError) return err;
  const code = (err as NodeJS.ErrnoException).code;
  if (typeof code === 'string' && /^E[A-Z]+$/.test(code) && (err as NodeJS.ErrnoException).path === localPath) {
    return new SecureTransferError(`The local file ${localPath} cannot be used (${code}): check that it exists and is readable/writable.`, 'failure', 'local-file');
  }
  return remote();
}
