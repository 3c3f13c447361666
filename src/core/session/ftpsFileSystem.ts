/**
 * RemoteFileSystem over one logged-in basic-ftp Client. basic-ftp runs one request at a time, so
 * every call waits its turn in an internal queue; the transfer engine pools several instances for
 * concurrency.
 *
 * Cancelling (AbortSignal) or destroying a read stream early closes the whole session: FTP has no
 * reliable way to stop one transfer and keep the control connection in a known state. Pools must
 * replace a session whose `connected` turned false.
 */
import { promises as fs, close, createReadStream, createWriteStream } from 'node:fs';
import { promisify } from 'node:util';
import * as posix from 'node:path/posix';
import { PassThrough, Readable, Writable } from 'node:stream';
import { setTimeout as delay } from 'node:timers/promises';
import { finished } from 'node:stream/promises';
import { FTPError, type Client, type FTPResponse } from 'basic-ftp';
import { CancelledError, NotFoundError, SecureTransferError, describeError, throwIfAborted } from '../errors';
import type { Protocol } from '../profiles/types';
import { openLocalPartial } from '../localPartial';
import { serverText } from '../displayText';
import { assertSafeFtpPath, ftpError, ftpTimeoutError, mayBeNotFound, replyText, saysNotFound } from './ftpsErrors';
import { parseMlstReply, parseMlsxTime, tolerantParseList, toRemoteEntries, toRemoteEntry } from './ftpsListing';
import { folderFacts, type LoginFacts, type LoginFactsOptions } from './loginFacts';
import { ftpsLoginChecks } from './ftpsLoginChecks';
import { ShortRangeError, retrRange } from './ftpsRanges';
import { PartialTransferError } from './sftpPipeline';
import { chooseFtpHash, parseFtpCommandHashReply, parseFtpHashReply, type FtpHashPlan, type RemoteHash } from './remoteHash';
import type {
  FileTransferOptions,
  HashOptions,
  OpOptions,
  RangeOptions,
  ReadOptions,
  RemoteEntry,
  RemoteFileSystem,
  ServerCapabilities,
  WriteFileOptions,
  WriteOptions,
} from './remoteFileSystem';

const closeFd = promisify(close);

/** Local write buffer for downloads: 1 MiB measured 1.75× faster than the 64 KiB default. */
const DOWNLOAD_HIGH_WATER_MARK = 1024 * 1024;
/** Local read buffer for uploads: fewer, larger writes into the TLS data connection. */
const UPLOAD_HIGH_WATER_MARK = 1024 * 1024;
/**
 * vsftpd answers a TLS data connection that is closed right after its handshake (an empty upload)
 * with a "decode error" alert, which kills the session. Holding the end of an empty upload briefly
 * lets the server finish accepting the connection first.
 */
const EMPTY_UPLOAD_SETTLE_MS = 100;

/**
 * Passes `source` through lazily (it starts when the upload starts reading); if it turns out
 * empty, its end waits EMPTY_UPLOAD_SETTLE_MS.
 */
function settleIfEmpty(source: Readable): Readable {
  return Readable.from(
    (async function* () {
      let bytes = 0;
      for await (const chunk of source) {
        bytes += (chunk as Buffer).length;
        yield chunk as Buffer;
      }
      if (bytes === 0) await delay(EMPTY_UPLOAD_SETTLE_MS);
    })(),
    { objectMode: false },
  );
}

export interface FtpFeatures {
  mlst: boolean;
  hashes: string[];
  /** `MFMT YYYYMMDDHHMMSS path` sets a file's modification time (ProFTPD, pure-ftpd). */
  mfmt: boolean;
  /** MDTM is listed: vsftpd (mdtm_write, on by default) also sets the time with `MDTM YYYYMMDDHHMMSS path`. */
  mdtm: boolean;
}

/** FEAT lines → what this module uses. `HASH SHA-256;SHA-1*;MD5` lists algorithms; X-commands name one each. */
export function parseFeatures(features: Map<string, string>): FtpFeatures {
  const hashes = new Set<string>();
  const hashList = features.get('HASH');
  if (hashList !== undefined) {
    for (const h of hashList.split(';')) if (h.trim()) hashes.add(h.trim().replace(/\*$/, '').toLowerCase());
  }
  for (const x of ['XSHA256', 'XSHA512', 'XSHA1', 'XMD5', 'XCRC']) if (features.has(x)) hashes.add(x.toLowerCase());
  return { mlst: features.has('MLST'), hashes: [...hashes], mfmt: features.has('MFMT'), mdtm: features.has('MDTM') };
}

/** `YYYYMMDDHHMMSS` in UTC (MFMT, MDTM), whole seconds; undefined outside the years 1970–9999. */
export function ftpTime(mtimeMs: number): string | undefined {
  if (!Number.isFinite(mtimeMs) || mtimeMs < 0) return undefined;
  const d = new Date(Math.floor(mtimeMs / 1000) * 1000);
  if (d.getUTCFullYear() > 9999) return undefined;
  return d.toISOString().slice(0, 19).replace(/[-T:]/g, '');
}

interface Op {
  /** Verb phrase for messages: "list", "download". */
  what: string;
  /** The path(s) named in messages. */
  subject: string;
  /** The path probed when a vague 550 might mean "missing". */
  probe?: string;
  signal?: AbortSignal;
}

export class FtpsFileSystem implements RemoteFileSystem {
  readonly capabilities: ServerCapabilities;
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;
  private readonly closeListeners: ((err?: Error) => void)[] = [];
  /**
   * How the login went, set by connectFtps: whether PASS was sent (a server may let USER alone in)
   * and whether the password carried a one-time code (appendTotpToPassword with mfa totp/prompt).
   */
  login?: { passwordSent: boolean; codeAppended: boolean };

  constructor(
    private readonly client: Client,
    readonly protocol: Protocol,
    readonly homeDir: string,
    private readonly features: FtpFeatures,
    /** `ftpes://host:port`, for messages. */
    private readonly where: string,
    /** sessionIdentity() of the server and its verified certificate; undefined without one. */
    readonly identity?: string,
  ) {
    this.capabilities = { atomicRename: false, hashes: features.hashes };
    // basic-ftp strips all socket listeners when it closes, so observe its single closing path instead.
    const ctx = client.ftp;
    const closeWithError = ctx.closeWithError.bind(ctx);
    ctx.closeWithError = (err: Error) => {
      closeWithError(err);
      this.markClosed(err);
    };
  }

  get connected(): boolean {
    return !this.closed && !this.client.closed;
  }

  onClose(listener: (err?: Error) => void): void {
    if (this.closed) listener();
    else this.closeListeners.push(listener);
  }

  async close(): Promise<void> {
    this.client.close();
    this.markClosed();
  }

  list(path: string, opts?: OpOptions): Promise<RemoteEntry[]> {
    return this.run({ what: 'list', subject: path, probe: path, signal: opts?.signal }, [path], () => this.listNow(path));
  }

  stat(path: string, opts?: OpOptions): Promise<RemoteEntry> {
    return this.run({ what: 'stat', subject: path, signal: opts?.signal }, [path], async () => {
      const entry = await this.statNow(path);
      if (!entry) throw this.notFound(path);
      return entry;
    });
  }

  /**
   * Never follows a final symlink: `STAT <path>` (one LIST line on the control connection) where
   * the server answers it for that path, else the parent's LIST, which shows links as links.
   */
  lstat(path: string, opts?: OpOptions): Promise<RemoteEntry> {
    return this.run({ what: 'stat', subject: path, signal: opts?.signal }, [path], async () => {
      const abs = this.absolute(path);
      const entry = (await this.lstatViaStat(abs)) ?? (await this.statFromParent(abs));
      if (!entry) throw this.notFound(path);
      return entry;
    });
  }

  realpath(path: string, opts?: OpOptions): Promise<string> {
    return this.run({ what: 'resolve', subject: path, signal: opts?.signal }, [path], () => this.realpathNow(this.absolute(path)));
  }

  /** Resolves with the stream once the first bytes (or the end of an empty file) arrived. */
  createReadStream(path: string, opts?: ReadOptions): Promise<Readable> {
    return new Promise((resolve, reject) => {
      const out = new PassThrough({ highWaterMark: DOWNLOAD_HIGH_WATER_MARK });
      let started = false;
      let done = false;
      const start = (): void => {
        if (!started) {
          started = true;
          resolve(out);
        }
      };
      // basic-ftp ends its destination even when the transfer fails; this sink lets only success end `out`.
      const sink = new Writable({
        write(chunk: Buffer, _enc, cb) {
          start();
          if (out.write(chunk)) cb();
          else out.once('drain', () => cb());
        },
        final(cb) {
          cb();
        },
      });
      out.once('close', () => {
        if (!done) this.client.close();
      });
      const op = { what: 'download', subject: path, probe: path, signal: opts?.signal };
      this.run(op, [path], async () => {
        await this.sizeBeforeDownload(path);
        await this.client.downloadTo(sink, path, opts?.offset ?? 0);
      }).then(
        () => {
          done = true;
          start();
          out.end();
        },
        (err: Error) => {
          done = true;
          if (started) out.destroy(err);
          else reject(err);
        },
      );
    });
  }

  writeFromStream(path: string, source: Readable, opts?: WriteOptions): Promise<void> {
    return this.run({ what: 'upload to', subject: path, signal: opts?.signal }, [path], async () => {
      if (opts?.offset) {
        await this.requireSize(path, opts.offset);
        await this.appendOrExplain(path, () => this.client.appendFrom(settleIfEmpty(source), path));
      } else {
        await this.client.uploadFrom(settleIfEmpty(source), path);
      }
    });
  }

  readFile(path: string, opts?: OpOptions): Promise<Buffer> {
    return this.run({ what: 'download', subject: path, probe: path, signal: opts?.signal }, [path], async () => {
      const chunks: Buffer[] = [];
      const sink = new Writable({
        write(chunk: Buffer, _enc, cb) {
          chunks.push(chunk);
          cb();
        },
      });
      await this.sizeBeforeDownload(path);
      await this.client.downloadTo(sink, path);
      return Buffer.concat(chunks);
    });
  }

  writeFile(path: string, data: Uint8Array, opts?: WriteFileOptions): Promise<void> {
    return this.run({ what: 'upload to', subject: path, signal: opts?.signal }, [path], async () => {
      await this.client.uploadFrom(settleIfEmpty(Readable.from([Buffer.from(data)])), path);
      if (opts?.mode !== undefined) await this.chmodNow(path, opts.mode, opts.onNote);
    });
  }

  /** A failed download leaves what arrived in `localPath`, so it can be resumed with `offset`. */
  downloadFile(remotePath: string, localPath: string, opts?: FileTransferOptions): Promise<void> {
    return this.run({ what: 'download', subject: remotePath, probe: remotePath, signal: opts?.signal }, [remotePath], async () => {
      const offset = opts?.offset ?? 0;
      const size = await this.sizeBeforeDownload(remotePath);
      // Opened first: a local error must not reach basic-ftp, which would close the session for it.
      // Never through a planted symlink; a fresh partial is 0600 and exclusively ours (localPartial.ts).
      const fd = await openLocalPartial(localPath, offset);
      if (size !== undefined && size >= offset) {
        // The size is known: REST + RETR to exactly that size, written by batches at their offsets
        // (ftpsRanges.ts; measured faster than basic-ftp's pipe into a write stream).
        const total = size - offset;
        const onProgress = opts?.onProgress;
        try {
          await retrRange(this.client, remotePath, fd, offset, size, { committed: 0 }, onProgress && ((bytes) => onProgress({ bytes, total })));
        } catch (err) {
          if (!(err instanceof ShortRangeError)) throw err;
          throw new SecureTransferError(`Could not download ${remotePath} from ${this.where}: ${err.message}; it changed on the server, so download it again.`, 'failure', 'remote-changed');
        } finally {
          await closeFd(fd);
        }
        return;
      }
      const file = createWriteStream('', { fd, start: offset, highWaterMark: DOWNLOAD_HIGH_WATER_MARK });
      const written = finished(file);
      written.catch(() => undefined);
      try {
        const total = size === undefined ? undefined : Math.max(0, size - offset);
        await this.withProgress(opts?.onProgress, total, () => this.client.downloadTo(file, remotePath, offset));
      } finally {
        file.end();
        await written;
      }
    });
  }

  /**
   * Bytes [start, end) into `fd` at their offsets: `REST start` + `RETR`, the data connection closed
   * once the range has its bytes (ftpsRanges.ts): the server's late replies are consumed, or the
   * session closed when it doesn't answer (the pool then replaces it). No SIZE first: the caller
   * knows the file from a stat.
   */
  downloadRange(remotePath: string, fd: number, start: number, end: number, opts?: RangeOptions): Promise<void> {
    const progress = { committed: 0 };
    return this.run({ what: 'download', subject: remotePath, probe: remotePath, signal: opts?.signal }, [remotePath], async () => {
      if (end <= start) return;
      try {
        await retrRange(this.client, remotePath, fd, start, end, progress, opts?.onProgress);
      } catch (err) {
        if (!(err instanceof ShortRangeError)) throw err;
        throw new SecureTransferError(`Could not download ${remotePath} from ${this.where}: ${err.message}; it changed on the server, so download it again.`, 'failure', 'remote-changed');
      }
    }).catch((err: unknown) => {
      throw new PartialTransferError(err, progress.committed);
    });
  }

  // No uploadRange: `REST n` + `STOR` into one file from several sessions is not safe on the servers
  // tried (2026-12, test/integration/ftps-ranges.test.ts): vsftpd truncates the file at the end of
  // each range (and lock_upload_files, on by default, runs them one after another), pure-ftpd
  // truncates likewise, ProFTPD (AllowStoreRestart on) drops the session for an offset past the end
  // of the file. The engine, finding no uploadRange, uploads in one stream.

  uploadFile(localPath: string, remotePath: string, opts?: FileTransferOptions): Promise<void> {
    return this.run({ what: 'upload to', subject: remotePath, signal: opts?.signal }, [remotePath], async () => {
      const offset = opts?.offset ?? 0;
      const total = Math.max(0, (await fs.stat(localPath)).size - offset);
      // STOR creates files with the server's default mode (typically 0644): a file that must end up
      // private is made 0600 first (empty, or the partial being resumed), then filled; STOR/APPE keep
      // an existing file's mode on vsftpd, ProFTPD and pure-ftpd.
      const isPrivate = opts?.mode !== undefined && (opts.mode & 0o044) !== 0o044;
      if (isPrivate && this.canChmod) {
        if (offset === 0 && total > 0) await this.client.uploadFrom(settleIfEmpty(Readable.from([])), remotePath);
        const res = await this.siteChmod(remotePath, 0o600);
        if (res.code < 200 || res.code >= 300) this.canChmod = false;
      }
      await this.withProgress(opts?.onProgress, total, async () => {
        if (offset > 0 && total === 0) {
          // Nothing left to send (the cut came after the last byte): an empty APPE would only
          // make vsftpd kill the session with a TLS alert.
          await this.requireSize(remotePath, offset);
        } else if (offset > 0) {
          await this.requireSize(remotePath, offset);
          await this.appendOrExplain(remotePath, () => this.client.appendFrom(localPath, remotePath, { localStart: offset }));
        } else if (total === 0) {
          await this.client.uploadFrom(settleIfEmpty(Readable.from([])), remotePath);
        } else {
          // Our own stream for its larger buffer (basic-ftp's default reads 64 KiB at a time).
          const file = createReadStream(localPath, { highWaterMark: Math.min(UPLOAD_HIGH_WATER_MARK, Math.max(total, 16 * 1024)) });
          try {
            await this.client.uploadFrom(file, remotePath);
          } finally {
            file.destroy();
          }
        }
      });
      if (opts?.mode !== undefined) await this.chmodNow(remotePath, opts.mode, opts.onNote);
    });
  }

  /**
   * Sets the permission bits with SITE CHMOD (vsftpd, ProFTPD and pure-ftpd have it); a refusal is an
   * error naming the server's reply (escaped), a missing file a NotFoundError.
   */
  chmod(path: string, mode: number, opts?: OpOptions): Promise<void> {
    return this.run({ what: 'change the permissions of', subject: path, probe: path, signal: opts?.signal }, [path], async () => {
      const res = await this.siteChmod(path, mode & 0o7777);
      // A refusal becomes the one sentence every FTP refusal gets (the reply escaped; "missing" probed).
      if (res.code < 200 || res.code >= 300) throw new FTPError(res);
    });
  }

  /**
   * MFMT where FEAT lists it; else, where FEAT lists MDTM, vsftpd's `MDTM YYYYMMDDHHMMSS path` (its
   * mdtm_write, on by default). Other servers read that as a file name and answer 550, and a reply
   * that is a time (a server that read it) is no success: the first success of the MDTM form is
   * checked by reading the time back. Times are UTC, whole seconds. A server that can't is asked once
   * per session; false then (the caller notes it).
   */
  setTimes(path: string, mtimeMs: number, opts?: OpOptions): Promise<boolean> {
    const when = ftpTime(mtimeMs);
    this.timesVia ??= this.features.mfmt ? 'mfmt' : this.features.mdtm ? 'mdtm?' : 'none';
    if (when === undefined || this.timesVia === 'none') return Promise.resolve(false);
    return this.run({ what: 'set the modification time of', subject: path, probe: path, signal: opts?.signal }, [path], async () => {
      const via = this.timesVia!;
      const res = await this.client.sendIgnoringError(via === 'mfmt' ? `MFMT ${when} ${path}` : `MDTM ${when} ${path}`);
      const ok = res.code >= 200 && res.code < 300 && (via === 'mfmt' || !/^\d{3}[ -]\s*\d{14}(\.\d+)?\s*$/.test(res.message.trim()));
      if (ok && via === 'mdtm?') {
        const back = await this.client.sendIgnoringError('MDTM ' + path);
        this.timesVia = back.code === 213 && this.parseMdtm(back.message) === Math.floor(mtimeMs / 1000) * 1000 ? 'mdtm' : 'none';
        return this.timesVia === 'mdtm';
      }
      if (ok) return true;
      if (await this.isMissing(path)) throw this.notFound(path);
      // "Not implemented" (or, for the MDTM form, any refusal of a file that exists): never asked again.
      if (via === 'mdtm?' || [500, 501, 502, 504].includes(res.code)) this.timesVia = 'none';
      return false;
    });
  }
  /** How this server sets times: MFMT, MDTM with a time (confirmed, or not yet tried), or not at all. */
  private timesVia?: 'mfmt' | 'mdtm' | 'mdtm?' | 'none';

  private siteChmod(path: string, mode: number): Promise<FTPResponse> {
    return this.client.sendIgnoringError(`SITE CHMOD ${mode.toString(8).padStart(3, '0')} ${path}`);
  }

  /**
   * SITE CHMOD on an upload. A server without it (or that refuses) is no failure there: the file
   * keeps the server's default mode, and `onNote` says so once per session.
   */
  private async chmodNow(path: string, mode: number, onNote?: (note: string) => void): Promise<void> {
    const res = await this.siteChmod(path, mode & 0o777);
    if (res.code >= 200 && res.code < 300) return;
    this.canChmod = false;
    if (!this.chmodRefused) onNote?.(`${this.where} cannot set file permissions (SITE CHMOD answered "${replyText(new FTPError(res)).slice(0, 200)}"), so uploaded files have the server's default permissions instead of ${(mode & 0o777).toString(8).padStart(4, '0')}.`);
    this.chmodRefused = true;
  }
  private chmodRefused = false;
  /** Until SITE CHMOD is refused once: then private files aren't pre-created in vain. */
  private canChmod = true;

  mkdir(path: string, opts?: OpOptions): Promise<void> {
    return this.run({ what: 'create the folder', subject: path, signal: opts?.signal }, [path], async () => {
      const abs = this.absolute(path);
      if (await this.isDirectory(abs)) return;
      let lastReply = '';
      let prefix = '';
      // Absolute MKDs, parent first: the working directory never moves.
      for (const part of abs.split('/').filter(Boolean)) {
        prefix += '/' + part;
        lastReply = (await this.client.sendIgnoringError('MKD ' + prefix)).message;
      }
      if (!(await this.isDirectory(abs))) {
        throw new SecureTransferError(`${this.where} could not create the folder ${abs}: ${serverText(lastReply.replace(/\s+/g, ' ').trim())}.`, 'failure', 'mkdir-failed');
      }
    });
  }

  delete(path: string, opts?: OpOptions): Promise<void> {
    return this.run({ what: 'delete', subject: path, probe: path, signal: opts?.signal }, [path], async () => {
      await this.client.remove(path);
    });
  }

  rmdir(path: string, opts?: OpOptions & { recursive?: boolean }): Promise<void> {
    return this.run({ what: 'remove the folder', subject: path, probe: path, signal: opts?.signal }, [path], () =>
      this.rmdirNow(this.absolute(path), opts?.recursive ?? false),
    );
  }

  /**
   * FTP promises no atomic replace (capabilities.atomicRename=false). With `overwrite`, RNTO is tried
   * over the target first: Unix servers (vsftpd, ProFTPD, pure-ftpd) rename(2), which replaces it
   * atomically. Only a server that refuses gets delete-then-rename, with its short window.
   */
  rename(from: string, to: string, opts?: OpOptions & { overwrite?: boolean }): Promise<void> {
    return this.run({ what: 'rename', subject: `${from} to ${to}`, probe: from, signal: opts?.signal }, [from, to], async () => {
      if (opts?.overwrite) {
        const replaced = await this.client.rename(from, to).then(
          () => true,
          (err: unknown) => (err instanceof FTPError ? false : Promise.reject(err)),
        );
        if (replaced) return;
        // Never delete the target when the source is what's missing.
        if (!(await this.statNow(from))) throw this.notFound(from);
        await this.client.sendIgnoringError('DELE ' + to);
      } else if (await this.statNow(to)) {
        throw new SecureTransferError(`Cannot rename ${from} to ${to} on ${this.where}: ${to} already exists (choose another name or overwrite).`, 'failure', 'already-exists');
      }
      await this.client.rename(from, to);
    });
  }

  /**
   * HASH (after `OPTS HASH <algorithm>`) or an X-command such as XSHA256, whichever FEAT offered for
   * the most wanted algorithm. A refusal or an unreadable reply means "no hash", never an error.
   */
  hashFile(path: string, opts?: HashOptions): Promise<RemoteHash | undefined> {
    const plan = chooseFtpHash(this.features.hashes, opts?.algorithms);
    if (!plan) return Promise.resolve(undefined);
    return this.run({ what: 'hash', subject: path, probe: path, signal: opts?.signal }, [path], async () => {
      const hex = await this.hashNow(path, plan);
      return hex === undefined ? undefined : { algorithm: plan.algorithm, hex };
    });
  }

  /**
   * The login stage's facts (loginFacts.ts): `password` (+ `otp` when the accepted password carried
   * a one-time code: FTP has no second prompt, so a code is only ever appended), the login folder
   * (PWD) and the start folder with their modes where a listing tells them (MLST unix.mode, else the
   * parent's LIST line), and the FTPS checks on the logged-in control connection (ftpsLoginChecks.ts,
   * in this session's queue so no other command interleaves). Failures become notes.
   */
  async loginFacts(opts: LoginFactsOptions = {}): Promise<LoginFacts> {
    const { home, startFolder, notes = [] } = await folderFacts((p, o) => this.stat(p, o), this.homeDir, opts, describeError);
    let ftp: LoginFacts['ftp'];
    try {
      ftp = await this.run({ what: 'check the login of', subject: this.homeDir, signal: opts.signal }, [], () => ftpsLoginChecks(this.client, { signal: opts.signal, checkDataSessionReuse: opts.mayEndSession === true }));
    } catch (err) {
      if (opts.signal?.aborted) throw err;
      notes.push(`The FTPS checks after login could not be made: ${describeError(err)}`);
    }
    const login = this.login;
    return {
      ...(login ? { authMethods: login.passwordSent ? (login.codeAppended ? ['password', 'otp'] : ['password']) : [], secondFactorAnswered: login.passwordSent && login.codeAppended } : {}),
      ...(home ? { home } : {}),
      ...(startFolder ? { startFolder } : {}),
      ...(ftp ? { ftp } : {}),
      ...(notes.length ? { notes } : {}),
    };
  }

  // ---- internals (run inside the queue; they throw raw errors, `run` maps them) ----

  /** Serialises calls, validates paths, honours the signal and maps errors to one sentence. */
  private run<T>(op: Op, paths: string[], fn: () => Promise<T>): Promise<T> {
    const task = async (): Promise<T> => {
      paths.forEach((p) => assertSafeFtpPath(p));
      throwIfAborted(op.signal);
      if (!this.connected) {
        throw new SecureTransferError(`The session to ${this.where} is closed: reconnect to ${op.what} ${op.subject}.`, 'failure', 'disconnected');
      }
      const onAbort = (): void => this.client.close();
      op.signal?.addEventListener('abort', onAbort, { once: true });
      try {
        return await fn();
      } catch (err) {
        if (op.signal?.aborted) throw new CancelledError();
        const missing = op.probe !== undefined && mayBeNotFound(err) && !saysNotFound(err) && (await this.isMissing(op.probe));
        throw ftpTimeoutError(err, op.what, op.subject, this.where, this.client.ftp.timeout) ?? ftpError(err, op.what, op.subject, this.where, missing);
      } finally {
        op.signal?.removeEventListener('abort', onAbort);
      }
    };
    const result = this.queue.then(task, task);
    this.queue = result.catch(() => undefined);
    return result;
  }

  private async listNow(path: string): Promise<RemoteEntry[]> {
    const entries = toRemoteEntries(await this.client.list(path));
    // LIST of a missing folder is an empty success on some servers (vsftpd), and so is MLSD on
    // pure-ftpd (a `put -r` into a new folder then never created it): tell the two apart.
    if (entries.length === 0 && !(await this.isDirectory(path))) {
      throw this.notFound(path);
    }
    return entries;
  }

  /** The entry, or undefined when the path does not exist. Follows symlinks where the server lets us. */
  private async statNow(path: string): Promise<RemoteEntry | undefined> {
    const abs = this.absolute(path);
    const name = posix.basename(abs) || '/';
    if (abs === '/') return { name, type: 'directory', size: 0, mtime: 0 };
    if (this.features.mlst) {
      const res = await this.client.sendIgnoringError('MLST ' + abs);
      if (res.code >= 200 && res.code < 300) return parseMlstReply(res.message, name) ?? this.statFromParent(abs);
      if (mayBeNotFound(new FTPError(res))) return undefined;
      throw new FTPError(res);
    }
    // SIZE first: only a file answers it. `STAT <path>` of a folder lists the whole folder on the
    // control connection (vsftpd), so it is asked only once SIZE said this is a file.
    const size = await this.client.sendIgnoringError('SIZE ' + abs);
    if (size.code === 213) {
      const mdtm = await this.client.sendIgnoringError('MDTM ' + abs);
      const mtime = mdtm.code === 213 ? this.parseMdtm(mdtm.message) : 0;
      const permissions = await this.permissionsViaStat(abs);
      return { name, type: 'file', size: parseInt(size.message.slice(4), 10) || 0, mtime, ...(permissions !== undefined ? { permissions } : {}) };
    }
    if (await this.isDirectory(abs)) return { ...((await this.statFromParent(abs)) ?? { name, size: 0, mtime: 0 }), type: 'directory' };
    return this.statFromParent(abs);
  }

  /**
   * A file's mode where MLST is missing (vsftpd): `STAT <file>` answers one LIST line on the control
   * connection (no data connection). Undefined when the server doesn't (a mode is then unknown).
   */
  private async permissionsViaStat(abs: string): Promise<number | undefined> {
    const res = await this.client.sendIgnoringError('STAT ' + abs);
    if (res.code < 200 || res.code >= 300) return undefined;
    const lines = res.message.split(/\r?\n/).slice(1, -1).filter((l) => /^-[rwxsStT-]{9}/.test(l.trim()));
    if (lines.length !== 1) return undefined;
    try {
      const [info] = tolerantParseList(lines[0].trim());
      return info ? toRemoteEntry(info).permissions : undefined;
    } catch {
      return undefined;
    }
  }

  /** The entry itself from `STAT <abs>`, when the one line answered is about that path. */
  private async lstatViaStat(abs: string): Promise<RemoteEntry | undefined> {
    const res = await this.client.sendIgnoringError('STAT ' + abs);
    if (res.code < 200 || res.code >= 300) return undefined;
    const lines = res.message.split(/\r?\n/).slice(1, -1).map((l) => l.trim()).filter((l) => /^[-dl][rwxsStT-]{9}/.test(l));
    if (lines.length !== 1) return undefined;
    try {
      const [info] = tolerantParseList(lines[0]);
      if (!info || (info.name !== abs && info.name !== posix.basename(abs))) return undefined;
      return { ...toRemoteEntry(info), name: posix.basename(abs) };
    } catch {
      return undefined;
    }
  }

  private parseMdtm(message: string): number {
    return parseMlsxTime(message.slice(4));
  }

  private async statFromParent(abs: string): Promise<RemoteEntry | undefined> {
    const parent = posix.dirname(abs);
    const name = posix.basename(abs);
    try {
      return toRemoteEntries(await this.client.list(parent)).find((e) => e.name === name);
    } catch (err) {
      if (mayBeNotFound(err)) return undefined;
      throw err;
    }
  }

  /** For vague 550 replies: true only when a probe shows the path is really absent. */
  private async isMissing(path: string): Promise<boolean> {
    if (!this.connected) return false;
    try {
      return (await this.statNow(path)) === undefined;
    } catch {
      return false;
    }
  }

  /** CWD there and back home, so relative paths keep meaning the login folder. */
  private async isDirectory(abs: string): Promise<boolean> {
    const res = await this.client.sendIgnoringError('CWD ' + abs);
    if (res.code >= 200 && res.code < 300) {
      await this.client.send('CWD ' + this.homeDir);
      return true;
    }
    return false;
  }

  private async realpathNow(abs: string): Promise<string> {
    const res = await this.client.sendIgnoringError('CWD ' + abs);
    if (res.code >= 200 && res.code < 300) {
      try {
        return await this.client.pwd();
      } finally {
        await this.client.send('CWD ' + this.homeDir);
      }
    }
    // Not a folder (a file, or missing): resolve the parent and keep the name.
    if (abs === '/') return abs;
    return posix.join(await this.realpathNow(posix.dirname(abs)), posix.basename(abs));
  }

  private async rmdirNow(abs: string, recursive: boolean): Promise<void> {
    if (recursive) {
      for (const entry of await this.listNow(abs)) {
        const child = posix.join(abs, entry.name);
        if (entry.type === 'directory') await this.rmdirNow(child, true);
        else await this.client.remove(child);
      }
    }
    await this.client.removeEmptyDir(abs);
  }

  /**
   * SIZE before RETR: a missing file then fails on the control connection. Without it, some servers
   * (ProFTPD) reset the already opened TLS data connection, and basic-ftp closes the whole session.
   * Undefined when the server does not implement SIZE.
   */
  private async sizeBeforeDownload(path: string): Promise<number | undefined> {
    const res = await this.client.sendIgnoringError('SIZE ' + path);
    if (res.code === 213) return parseInt(res.message.slice(4), 10) || 0;
    if (res.code === 500 || res.code === 502) return undefined;
    throw new FTPError(res);
  }

  /**
   * A server that refuses APPE (ProFTPD unless AllowStoreRestart is on) resets the TLS data
   * connection before its refusal arrives, and basic-ftp then closes the session: say why.
   */
  private async appendOrExplain(path: string, append: () => Promise<unknown>): Promise<void> {
    try {
      await append();
    } catch (err) {
      if (err instanceof FTPError || !this.client.closed) throw err;
      throw new SecureTransferError(
        `${this.where} dropped the connection when asked to resume the upload to ${path} (${serverText((err as Error).message.trim())}); the server probably does not permit appending (ProFTPD: AllowStoreRestart), so upload the whole file instead.`,
        'failure',
        'resume-refused',
        { cause: err },
      );
    }
  }

  private async hashNow(path: string, plan: FtpHashPlan): Promise<string | undefined> {
    if (plan.via === 'command') {
      const res = await this.client.sendIgnoringError(`${plan.command} ${path}`);
      return parseFtpCommandHashReply(res.message, plan.algorithm);
    }
    const chosen = await this.client.sendIgnoringError(`OPTS HASH ${plan.name}`);
    if (chosen.code < 200 || chosen.code >= 300) return undefined;
    // The reply names the byte range: it must be the whole file, so SIZE says how long that is.
    const size = await this.client.sendIgnoringError(`SIZE ${path}`);
    if (size.code !== 213) return undefined;
    const res = await this.client.sendIgnoringError(`HASH ${path}`);
    return parseFtpHashReply(res.message, plan.algorithm, Number(size.message.slice(4).trim()));
  }

  /** Resuming appends, so the remote file must be exactly `offset` bytes long. */
  private async requireSize(path: string, offset: number): Promise<void> {
    const size = await this.client.size(path);
    if (size !== offset) {
      throw new SecureTransferError(
        `Cannot resume the upload to ${path} at byte ${offset}: the remote file has ${size} bytes on ${this.where}; restart the upload from the beginning.`,
        'failure',
        'resume-mismatch',
      );
    }
  }

  private async withProgress<T>(onProgress: FileTransferOptions['onProgress'], total: number | undefined, fn: () => Promise<T>): Promise<T> {
    if (!onProgress) return fn();
    this.client.trackProgress((info) => onProgress({ bytes: info.bytes, ...(total !== undefined ? { total } : {}) }));
    try {
      return await fn();
    } finally {
      this.client.trackProgress();
    }
  }

  /** "~", "~/x", relative paths → absolute, normalised POSIX paths. */
  private absolute(path: string): string {
    const expanded = path === '~' ? this.homeDir : path.startsWith('~/') ? posix.join(this.homeDir, path.slice(2)) : path;
    const abs = posix.resolve(this.homeDir, expanded);
    return abs.length > 1 ? abs.replace(/\/+$/, '') : abs;
  }

  private notFound(path: string): NotFoundError {
    return new NotFoundError(`${path} does not exist on ${this.where}.`);
  }

  private markClosed(err?: Error): void {
    if (this.closed) return;
    this.closed = true;
    for (const l of this.closeListeners.splice(0)) l(err);
  }
}
