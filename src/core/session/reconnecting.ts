/**
 * A RemoteFileSystem that survives dropped connections: when the link is gone it runs the whole
 * connect again (so the server's host key or certificate is verified again, exactly as the first
 * time), with exponential backoff and a bounded number of attempts.
 *
 * Retrying is deliberately narrow. Only reads that change nothing (list, stat, realpath, readFile)
 * are repeated, once, after a reconnect. Writes, renames, deletes and transfers are never repeated
 * behind the user's back: if the link drops mid-way they fail with one clear sentence, and the
 * caller (the transfer engine's partial files, the user) decides whether to resume.
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { Readable } from 'node:stream';
import { CancelledError, SecureTransferError, UsageError, describeError, throwIfAborted, type ErrorCode } from '../errors';
import { silentLogger, type Logger } from '../log';
import type { Protocol } from '../profiles/types';
import type {
  FileTransferOptions,
  HashOptions,
  LoginMethod,
  OpOptions,
  RangeOptions,
  ReadOptions,
  RemoteEntry,
  RemoteFileSystem,
  RemoteHash,
  ServerCapabilities,
  WriteFileOptions,
  WriteOptions,
} from './remoteFileSystem';
import type { LoginFacts, LoginFactsOptions } from './loginFacts';

export type SessionOpener = () => Promise<RemoteFileSystem>;

export type LinkState = 'connected' | 'reconnecting' | 'disconnected';

export interface ReconnectOptions {
  /** Connection attempts per reconnect (the first included). Default 4. */
  maxAttempts?: number;
  /** Wait before the second attempt; doubled each time. Default 500 ms. */
  initialDelayMs?: number;
  /** Upper bound of one wait. Default 8 s. */
  maxDelayMs?: number;
  /** Told when the link goes down, is being restored, or is back (for status bars and trees). */
  onStateChange?: (state: LinkState, err?: Error) => void;
  /** Names the server in messages, e.g. `sftp://host:22`. */
  where?: string;
  log?: Logger;
}

const DEFAULTS = { maxAttempts: 4, initialDelayMs: 500, maxDelayMs: 8_000 };

/** Error codes (see sftpErrors.ts, ftpsErrors.ts) meaning "the connection is gone", not "the server said no". */
const CONNECTION_LOSS_CODES: ReadonlySet<ErrorCode> = new Set(['connection-lost', 'connection-closed', 'disconnected', 'connection', 'connect-failed']);

/** Failures of kind 'failure' that another attempt cannot fix (security and usage errors never retry either). */
const PERMANENT_CODES: ReadonlySet<ErrorCode> = new Set(['auth-failed', 'bad-passphrase', 'cancelled']);

/** A refused identity, bad input or a rejected login won't get better by waiting. */
function isPermanent(err: unknown): boolean {
  if (!(err instanceof SecureTransferError)) return false;
  return err.kind !== 'failure' || PERMANENT_CODES.has(err.code);
}

/** The delay before attempt `attempt` (0-based; attempt 0 starts at once). */
export function backoffDelay(attempt: number, opts: { initialDelayMs: number; maxDelayMs: number }): number {
  if (attempt <= 0) return 0;
  return Math.min(opts.maxDelayMs, opts.initialDelayMs * 2 ** (attempt - 1));
}

export class ReconnectingFileSystem implements RemoteFileSystem {
  private current: RemoteFileSystem;
  private reconnecting?: Promise<RemoteFileSystem>;
  private isClosed = false;
  private readonly closeListeners: Array<(err?: Error) => void> = [];
  private readonly settings: typeof DEFAULTS;
  private readonly log: Logger;
  /** How many times the link was restored (for tests and status). */
  reconnects = 0;

  private constructor(
    private readonly open: SessionOpener,
    first: RemoteFileSystem,
    private readonly opts: ReconnectOptions,
  ) {
    this.current = first;
    this.settings = { ...DEFAULTS, ...definedOnly(opts) };
    this.log = opts.log ?? silentLogger;
    this.watch(first);
    if (first.downloadRange) this.downloadRange = (remotePath, fd, start, end, o) => this.once(o?.signal, (s) => s.downloadRange!(remotePath, fd, start, end, o));
    if (first.uploadRange) this.uploadRange = (localPath, remotePath, start, end, o) => this.once(o?.signal, (s) => s.uploadRange!(localPath, remotePath, start, end, o));
  }

  /** Connects once (no retry: a first connection that fails is the user's to see) and wraps it. */
  static async connect(open: SessionOpener, opts: ReconnectOptions = {}): Promise<ReconnectingFileSystem> {
    return new ReconnectingFileSystem(open, await open(), opts);
  }

  get protocol(): Protocol {
    return this.current.protocol;
  }

  get homeDir(): string {
    return this.current.homeDir;
  }

  get capabilities(): ServerCapabilities {
    return this.current.capabilities;
  }

  /** The current connection's verified identity (a reconnect verifies it again). */
  get identity(): string | undefined {
    return this.current.identity;
  }

  /** How the current connection logged in (a reconnect may log in differently). */
  get loginMethod(): LoginMethod | undefined {
    return this.current.loginMethod;
  }

  lstat(path: string, opts?: OpOptions): Promise<RemoteEntry> {
    return this.retryOnce(opts?.signal, (s) => (s.lstat ? s.lstat(path, opts) : s.stat(path, opts)));
  }

  creationMask(dir: string, opts?: OpOptions): Promise<number | undefined> {
    return this.once(opts?.signal, async (s) => s.creationMask?.(dir, opts));
  }

  /** True until close(): a dropped link is restored by the next operation. */
  get connected(): boolean {
    return !this.isClosed;
  }

  /** Whether the underlying connection is up right now. */
  get linkUp(): boolean {
    return !this.isClosed && this.current.connected;
  }

  /**
   * The connection itself while its link is up (undefined while down or being restored): for
   * background work that must never reconnect, and so never ask for a password or a trust decision
   * (the remote watcher's listings). A request on it that meets a dropped link fails, no retry.
   */
  get liveLink(): RemoteFileSystem | undefined {
    return this.linkUp && !this.reconnecting ? this.current : undefined;
  }

  onClose(listener: (err?: Error) => void): void {
    if (this.isClosed) queueMicrotask(() => listener());
    else this.closeListeners.push(listener);
  }

  async close(): Promise<void> {
    if (this.isClosed) return;
    this.isClosed = true;
    await this.current.close().catch(() => undefined);
    for (const l of this.closeListeners.splice(0)) l();
  }

  // ---- idempotent: retried once after a reconnect ----

  list(path: string, opts?: OpOptions): Promise<RemoteEntry[]> {
    return this.retryOnce(opts?.signal, (s) => s.list(path, opts));
  }

  stat(path: string, opts?: OpOptions): Promise<RemoteEntry> {
    return this.retryOnce(opts?.signal, (s) => s.stat(path, opts));
  }

  realpath(path: string, opts?: OpOptions): Promise<string> {
    return this.retryOnce(opts?.signal, (s) => s.realpath(path, opts));
  }

  readFile(path: string, opts?: OpOptions): Promise<Buffer> {
    return this.retryOnce(opts?.signal, (s) => s.readFile(path, opts));
  }

  // ---- not idempotent (or not safely repeatable mid-way): a live link first, never a silent retry ----

  createReadStream(path: string, opts?: ReadOptions): Promise<Readable> {
    return this.once(opts?.signal, (s) => s.createReadStream(path, opts));
  }

  writeFromStream(path: string, source: Readable, opts?: WriteOptions): Promise<void> {
    return this.once(opts?.signal, (s) => s.writeFromStream(path, source, opts));
  }

  writeFile(path: string, data: Uint8Array, opts?: WriteFileOptions): Promise<void> {
    return this.once(opts?.signal, (s) => s.writeFile(path, data, opts));
  }

  downloadFile(remotePath: string, localPath: string, opts?: FileTransferOptions): Promise<void> {
    return this.once(opts?.signal, (s) => s.downloadFile(remotePath, localPath, opts));
  }

  uploadFile(localPath: string, remotePath: string, opts?: FileTransferOptions): Promise<void> {
    return this.once(opts?.signal, (s) => s.uploadFile(localPath, remotePath, opts));
  }

  /**
   * Ranged transfers, where the session offers them (checked on the first session: a reconnect opens
   * the same kind). Never repeated after a drop: the engine's range record says what is missing.
   */
  downloadRange?: (remotePath: string, fd: number, start: number, end: number, opts?: RangeOptions) => Promise<void>;
  uploadRange?: (localPath: string, remotePath: string, start: number, end: number, opts?: RangeOptions) => Promise<void>;

  mkdir(path: string, opts?: OpOptions): Promise<void> {
    return this.once(opts?.signal, (s) => s.mkdir(path, opts));
  }

  delete(path: string, opts?: OpOptions): Promise<void> {
    return this.once(opts?.signal, (s) => s.delete(path, opts));
  }

  rmdir(path: string, opts?: OpOptions & { recursive?: boolean }): Promise<void> {
    return this.once(opts?.signal, (s) => s.rmdir(path, opts));
  }

  rename(from: string, to: string, opts?: OpOptions & { overwrite?: boolean }): Promise<void> {
    return this.once(opts?.signal, (s) => s.rename(from, to, opts));
  }

  /** Not repeated after a reconnect either: the caller decides (a transfer notes a false). */
  setTimes(path: string, mtimeMs: number, opts?: OpOptions): Promise<boolean> {
    return this.once(opts?.signal, async (s) => (s.setTimes ? s.setTimes(path, mtimeMs, opts) : false));
  }

  /**
   * The server's own hash, asked once (a hash is read-only, but a reconnect may land on a session
   * that offers none): undefined where the session has no hashFile. Without this pass-through the
   * extension's resumed transfers were never checked against the server's hash, and a sync plan
   * could not compare by checksum.
   */
  hashFile(path: string, opts?: HashOptions): Promise<RemoteHash | undefined> {
    return this.once(opts?.signal, async (s) => s.hashFile?.(path, opts));
  }

  /**
   * The login stage's facts of the current connection (asked once, read-only). Never reconnects for
   * them: the login stage makes no login of its own, so a link that is down is an error (the caller
   * logs it). A session without loginFacts gives none (empty facts). Without this pass-through the
   * extension, whose sessions are all wrapped, would see nothing.
   */
  async loginFacts(opts?: LoginFactsOptions): Promise<LoginFacts> {
    throwIfAborted(opts?.signal);
    const s = this.current;
    if (this.isClosed || this.reconnecting || !s.connected) {
      throw new SecureTransferError(`The connection to ${this.describe()} is down: what its login shows was not checked (no login is made for that).`, 'failure', 'disconnected');
    }
    return s.loginFacts ? s.loginFacts(opts) : {};
  }

  chmod(path: string, mode: number, opts?: OpOptions): Promise<void> {
    return this.once(opts?.signal, async (s) => {
      if (!s.chmod) throw new UsageError(`This ${s.protocol.toUpperCase()} session cannot change permissions.`);
      await s.chmod(path, mode, opts);
    });
  }

  // ---- internals ----

  private async once<T>(signal: AbortSignal | undefined, fn: (s: RemoteFileSystem) => Promise<T>): Promise<T> {
    return fn(await this.session(signal));
  }

  private async retryOnce<T>(signal: AbortSignal | undefined, fn: (s: RemoteFileSystem) => Promise<T>): Promise<T> {
    const session = await this.session(signal);
    try {
      return await fn(session);
    } catch (err) {
      if (!this.lostConnection(session, err) || signal?.aborted) throw err;
      this.log.info(`${this.describe()}: the connection dropped during a read-only request; reconnecting and asking again.`);
      return fn(await this.session(signal));
    }
  }

  private lostConnection(session: RemoteFileSystem, err: unknown): boolean {
    if (err instanceof CancelledError) return false;
    return !session.connected || (err instanceof SecureTransferError && CONNECTION_LOSS_CODES.has(err.code));
  }

  /** The live session, reconnecting (once for all concurrent callers) when the link is down. */
  private async session(signal?: AbortSignal): Promise<RemoteFileSystem> {
    throwIfAborted(signal);
    if (this.isClosed) {
      throw new SecureTransferError(`The session to ${this.describe()} was closed: connect again to continue.`, 'failure', 'disconnected');
    }
    if (this.current.connected && !this.reconnecting) return this.current;
    this.reconnecting ??= this.reconnect().finally(() => (this.reconnecting = undefined));
    return abortable(this.reconnecting, signal);
  }

  private async reconnect(): Promise<RemoteFileSystem> {
    await this.current.close().catch(() => undefined);
    this.opts.onStateChange?.('reconnecting');
    let last: unknown;
    for (let attempt = 0; attempt < this.settings.maxAttempts; attempt++) {
      const wait = backoffDelay(attempt, this.settings);
      if (wait > 0) await delay(wait);
      if (this.isClosed) throw new CancelledError('The session was closed while reconnecting.');
      try {
        const next = await this.open();
        if (this.isClosed) {
          await next.close().catch(() => undefined);
          throw new CancelledError('The session was closed while reconnecting.');
        }
        this.current = next;
        this.watch(next);
        this.reconnects++;
        this.log.info(`${this.describe()}: reconnected (attempt ${attempt + 1}).`);
        this.opts.onStateChange?.('connected');
        return next;
      } catch (err) {
        last = err;
        this.log.warn(`${this.describe()}: reconnect attempt ${attempt + 1} of ${this.settings.maxAttempts} failed: ${describeError(err)}`);
        // A changed host key, a refused certificate or a rejected login won't get better by waiting.
        if (isPermanent(err)) break;
      }
    }
    const error = isPermanent(last)
      ? (last as Error)
      : new SecureTransferError(
          `The connection to ${this.describe()} dropped and could not be restored after ${this.settings.maxAttempts} attempts (${describeError(last).replace(/\.$/, '')}); check the network and the server, then try again.`,
          'failure',
          'reconnect-failed',
          { cause: last },
        );
    this.opts.onStateChange?.('disconnected', error);
    throw error;
  }

  private watch(session: RemoteFileSystem): void {
    session.onClose((err) => {
      if (session === this.current && !this.isClosed) this.opts.onStateChange?.('disconnected', err);
    });
  }

  private describe(): string {
    return this.opts.where ?? `the ${this.current.protocol} server`;
  }
}

function definedOnly(opts: ReconnectOptions): Partial<typeof DEFAULTS> {
  const out: Partial<typeof DEFAULTS> = {};
  for (const key of Object.keys(DEFAULTS) as Array<keyof typeof DEFAULTS>) {
    const v = opts[key];
    if (typeof v === 'number' && Number.isFinite(v) && v >= 0) out[key] = key === 'maxAttempts' ? Math.max(1, Math.floor(v)) : v;
  }
  return out;
}

/** Lets one caller stop waiting for a shared reconnect without cancelling it for the others. */
function abortable<T>(p: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (!signal) return p;
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new CancelledError());
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}
