/**
 * Whole-file SFTP transfers with many read/write requests in flight, starting at any offset.
 *
 * Unlike ssh2's fastGet/fastPut this knows, at every moment, the length of the prefix that is
 * completely written (requests finish out of order). When a transfer fails, a download's local file
 * is cut back to that prefix, so its size is a safe offset to resume from; an upload reports it.
 * Speed comes from keeping the pipe full: `inFlight` requests of the server's largest size.
 */
import { setMaxListeners } from 'node:events';
import * as fs from 'node:fs';
import { promisify } from 'node:util';
import { CancelledError, SecureTransferError } from '../errors';
import { openLocalPartial } from '../localPartial';

/** The slice of ssh2's SFTPWrapper used here (structural, so this module never loads ssh2). */
export interface SftpChannel {
  open(path: string, flags: string, cb: (err: Error | null | undefined, handle: Buffer) => void): void;
  open(path: string, flags: string, attrs: { mode?: number }, cb: (err: Error | null | undefined, handle: Buffer) => void): void;
  close(handle: Buffer, cb: (err?: Error | null) => void): void;
  fstat(handle: Buffer, cb: (err: Error | null | undefined, stats: { size?: number; uid?: number; gid?: number; mode?: number }) => void): void;
  fsetstat(handle: Buffer, attrs: { mode?: number; uid?: number; gid?: number }, cb: (err?: Error | null) => void): void;
  /** For a fresh upload whose exclusive create failed: what is in the way (never followed). */
  lstat?(path: string, cb: (err: Error | null | undefined, stats: { mode?: number }) => void): void;
  unlink?(path: string, cb: (err?: Error | null) => void): void;
  read(handle: Buffer, buf: Buffer, off: number, len: number, pos: number, cb: (err: Error | null | undefined, bytesRead: number) => void): void;
  write(handle: Buffer, buf: Buffer, off: number, len: number, pos: number, cb: (err?: Error | null) => void): void;
}

export interface PipelineOptions {
  /** Bytes per request: the server's limit (OpenSSH: 255 KiB), 32 KiB when it doesn't say. */
  chunkSize: number;
  /** Requests in flight; 64 × 255 KiB keeps a loopback link busy without hoarding memory. */
  inFlight?: number;
  /** Start here: the first `offset` bytes of the destination are already correct. */
  offset?: number;
  /** Downloads: the remote size when known from a listing (saves a request per file). */
  size?: number;
  signal?: AbortSignal;
  /**
   * Aborted when the connection drops. ssh2 may never answer requests that were in flight then,
   * so the transfer stops waiting for them (but still for local reads and writes).
   */
  connectionLost?: AbortSignal;
  /** Bytes of the contiguous prefix completed in this call, and the bytes this call moves in all. */
  onProgress?: (bytes: number, total: number) => void;
  /** Shared by every transfer on one connection: requests in flight across all of them. */
  budget?: InFlightBudget;
  /** Uploads: the permission bits (and group, best effort) the file gets before it is closed. */
  mode?: number;
  gid?: number;
  /**
   * The connection's request deadlines (session/requestDeadline.ts): a request the server leaves
   * unanswered fails the transfer with the deadline's sentence (and the session closes the link).
   */
  deadlines?: RequestTracker;
}

/** The slice of RequestDeadlines used here (structural, so transfer/ doesn't depend on session/). */
export interface RequestTracker {
  track(what: string, expire: (err: Error) => void): { done(): void };
}

/** What one transfer's requests watch: the connection dropping and the request deadline. */
export interface RequestGuard {
  lost?: AbortSignal;
  deadlines?: RequestTracker;
  path: string;
}

export function guardOf(opts: PipelineOptions, path: string): RequestGuard {
  return { lost: opts.connectionLost, deadlines: opts.deadlines, path };
}

/**
 * Bytes that may be in flight on one connection, shared by all its transfers. Uploads need it:
 * see uploadBytesInFlight in session/sftpTransfer.ts for why and how much. Counting bytes, not
 * requests, lets many small files share what a few large requests would use.
 */
export class InFlightBudget {
  private waiting: Array<() => void> = [];
  private free: number;
  constructor(private readonly total: number) {
    this.free = total;
  }
  /** A request larger than the whole budget still goes, alone, so nothing waits forever. */
  tryTake(bytes: number): boolean {
    if (bytes > this.free && this.free < this.total) return false;
    this.free -= bytes;
    return true;
  }
  /** `wake` runs once, at the next give(); every waiter is woken, so no transfer is left behind. */
  whenFree(wake: () => void): void {
    this.waiting.push(wake);
  }
  give(bytes: number): void {
    this.free += bytes;
    for (const wake of this.waiting.splice(0)) wake();
  }
}

export const DEFAULT_IN_FLIGHT = 64;

/** Thrown on failure: how much of the destination is known good (the resume point). */
export class PartialTransferError extends Error {
  constructor(
    readonly reason: unknown,
    readonly committed: number,
  ) {
    super(reason instanceof Error ? reason.message : String(reason));
    this.name = 'PartialTransferError';
  }
}

const fsOpen = promisify(fs.open);
const fsClose = promisify(fs.close);
const fsFtruncate = promisify(fs.ftruncate);
const fsFstat = promisify(fs.fstat);

/**
 * One request (`request` names it in messages: OPEN, READ…). It fails as soon as the connection
 * drops, or when the server leaves it unanswered past its deadline, instead of waiting forever.
 */
function call<T>(fn: (cb: (err: Error | null | undefined, value: T) => void) => void, guard?: RequestGuard, request = 'request'): Promise<T> {
  const lost = guard?.lost;
  return new Promise((resolve, reject) => {
    if (lost?.aborted) return reject(new ConnectionLostError());
    const onLost = (): void => reject(new ConnectionLostError());
    lost?.addEventListener('abort', onLost, { once: true });
    const ticket = guard?.deadlines?.track(`${request} ${guard.path}`, reject);
    const settle = (): void => {
      ticket?.done();
      lost?.removeEventListener('abort', onLost);
    };
    try {
      fn((err, value) => {
        settle();
        if (err) reject(err);
        else resolve(value);
      });
    } catch (err) {
      settle();
      reject(err);
    }
  });
}

/** The end of the longest fully completed prefix, while pieces complete in any order. */
class ContiguousPrefix {
  private readonly ends = new Map<number, number>();
  constructor(public end: number) {}
  complete(start: number, end: number): void {
    if (start !== this.end) {
      this.ends.set(start, end);
      return;
    }
    this.end = end;
    for (let e = this.ends.get(this.end); e !== undefined; e = this.ends.get(this.end)) {
      this.ends.delete(this.end);
      this.end = e;
    }
  }
}

/**
 * Moves one piece; resolves with the bytes moved (fewer on a short read, 0 at end of file).
 * `local` wraps the local file access so the pump knows when none is running.
 */
type MovePiece = (pos: number, len: number, buf: Buffer, local: <T>(io: () => Promise<T>) => Promise<T>) => Promise<number>;

export class ConnectionLostError extends Error {
  readonly code = 7; // SSH_FX_CONNECTION_LOST, so the session maps it to its usual sentence
  constructor() {
    super('No response from server: the connection was lost');
  }
}

/** Keeps `inFlight` pieces moving from `start` to `size`; resolves with the completed prefix. */
function pump(size: number, start: number, opts: PipelineOptions, move: MovePiece): Promise<{ committed: number; error?: unknown }> {
  const inFlight = Math.max(1, opts.inFlight ?? DEFAULT_IN_FLIGHT);
  const chunk = opts.chunkSize;
  const prefix = new ContiguousPrefix(start);
  const spare: Buffer[] = [];
  const retry: Array<[number, number]> = [];
  let next = start;
  let active = 0;
  let localBusy = 0;
  let lost = false;
  let settled = false;
  let waitingForBudget = false;
  let error: unknown;
  const budget = opts.budget;
  // Every file in flight listens to the same two signals: many listeners are expected, not a leak.
  for (const s of [opts.signal, opts.connectionLost]) if (s) setMaxListeners(0, s);
  return new Promise((resolve) => {
    const onAbort = (): void => fail(new CancelledError());
    const onLost = (): void => {
      lost = true;
      fail(new ConnectionLostError());
    };
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    opts.connectionLost?.addEventListener('abort', onLost, { once: true });
    const settleIfDone = (): void => {
      if (settled) return;
      const waiting = lost ? localBusy > 0 : active > 0;
      if (waiting || (!error && (next < size || retry.length > 0))) return;
      settled = true;
      opts.signal?.removeEventListener('abort', onAbort);
      opts.connectionLost?.removeEventListener('abort', onLost);
      resolve({ committed: prefix.end, ...(error ? { error } : {}) });
    };
    const fail = (err: unknown): void => {
      error ??= err;
      settleIfDone();
    };
    // Once settled (the caller may truncate the file), late answers must not touch the file.
    const local = async <T>(io: () => Promise<T>): Promise<T> => {
      if (settled) throw new ConnectionLostError();
      localBusy++;
      try {
        return await io();
      } finally {
        localBusy--;
        // After a lost connection only local I/O is waited for: the last one to finish settles.
        if (lost) settleIfDone();
      }
    };
    const fill = (): void => {
      waitingForBudget = false;
      while (!error && active < inFlight) {
        const piece: [number, number] | undefined = retry[0] ?? (next < size ? [next, Math.min(chunk, size - next)] : undefined);
        if (!piece) break;
        const [pos, len] = piece;
        if (budget && !budget.tryTake(len)) {
          if (!waitingForBudget) budget.whenFree(fill);
          waitingForBudget = true;
          break;
        }
        if (retry.length > 0) retry.shift();
        else next += len;
        // Small files get small buffers: a 255 KiB one per 4 KiB file would keep the GC busy.
        const buf = spare.pop() ?? Buffer.allocUnsafe(Math.min(chunk, size - start));
        active++;
        move(pos, len, buf, local).then(
          (n) => {
            active--;
            budget?.give(len);
            spare.push(buf);
            if (n <= 0) return fail(new SecureTransferError(`The file ended at byte ${pos} of ${size}: it changed while being transferred; try again.`, 'failure', 'file-changed'));
            prefix.complete(pos, pos + n);
            if (n < len) retry.push([pos + n, len - n]);
            opts.onProgress?.(prefix.end - start, size - start);
            fill();
          },
          (err: unknown) => {
            active--;
            budget?.give(len);
            fail(err);
          },
        );
      }
      settleIfDone();
    };
    if (opts.signal?.aborted) fail(new CancelledError());
    else if (opts.connectionLost?.aborted) onLost();
    else fill();
  });
}

function writevAll(fd: number, bufs: Buffer[], pos: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const step = (rest: Buffer[], at: number): void =>
      fs.writev(fd, rest, at, (err, written) => {
        if (err) return reject(err);
        let left = written;
        while (rest.length > 0 && left >= rest[0].length) left -= rest.shift()!.length;
        if (rest.length === 0) return resolve();
        rest[0] = rest[0].subarray(left); // a short write: continue where it stopped
        step(rest, at + written);
      });
    step(bufs, pos);
  });
}

/**
 * Writes a download's pieces into the local file, gathering the pieces that arrive while a write is
 * running into one writev per contiguous run. Every file-system call is a hand-off to libuv's thread
 * pool, which on a small VM costs about as much as writing a 255 KiB piece to the page cache: one
 * call per piece made those hand-offs ~15% of a large download's time.
 */
class GatheringWriter {
  private queued: Array<{ buf: Buffer; pos: number; done: () => void; fail: (err: unknown) => void }> = [];
  private running = false;
  constructor(private readonly fd: number) {}

  write(buf: Buffer, pos: number): Promise<void> {
    return new Promise((done, fail) => {
      this.queued.push({ buf, pos, done, fail });
      if (!this.running) void this.flush();
    });
  }

  private async flush(): Promise<void> {
    this.running = true;
    while (this.queued.length > 0) {
      const batch = this.queued.splice(0).sort((a, b) => a.pos - b.pos);
      const runs: Array<typeof batch> = [];
      for (const piece of batch) {
        const run = runs[runs.length - 1];
        const last = run?.[run.length - 1];
        if (last && last.pos + last.buf.length === piece.pos) run.push(piece);
        else runs.push([piece]);
      }
      await Promise.all(
        runs.map((run) =>
          writevAll(this.fd, run.map((p) => p.buf), run[0].pos).then(
            () => run.forEach((p) => p.done()),
            (err: unknown) => run.forEach((p) => p.fail(err)),
          ),
        ),
      );
    }
    this.running = false;
  }
}

const S_IFMT = 0o170000;
const S_IFREG = 0o100000;

/**
 * Creates a fresh upload's file exclusively (O_EXCL: a symlink planted at the name is not followed)
 * and 0600. A regular file in the way (an earlier partial) is removed first; anything else (a link,
 * a folder) is an 'unsafe-partial' error, so the engine uses another name.
 */
export async function createExclusive(ch: SftpChannel, remotePath: string, lost?: RequestGuard): Promise<Buffer> {
  const create = () => call<Buffer>((cb) => ch.open(remotePath, 'wx', { mode: 0o600 }, cb), lost, 'OPEN');
  try {
    return await create();
  } catch (err) {
    if (!ch.lstat || !ch.unlink) throw err;
    const st = await call<{ mode?: number }>((cb) => ch.lstat!(remotePath, cb), lost, 'LSTAT').catch(() => undefined);
    if (!st) throw err;
    if (((st.mode ?? 0) & S_IFMT) !== S_IFREG) {
      throw new SecureTransferError(`${remotePath} is already there and is not a regular file, so nothing was written through it: the file is uploaded under a new temporary name.`, 'failure', 'unsafe-partial');
    }
    await call<void>((cb) => ch.unlink!(remotePath, (e) => cb(e, undefined)), lost, 'REMOVE');
    return create();
  }
}

/**
 * fsetstat on the open handle (not the path, which someone else might swap). Resolves false when
 * the server refuses the mode (the file then stays 0600, never wider); the group is set only where
 * the server lets this user (chown to a group the user is in), and its refusal is ignored.
 */
export async function setFinalMode(ch: SftpChannel, handle: Buffer, mode: number, gid: number | undefined, lost?: RequestGuard): Promise<boolean> {
  // Both requests in flight at once: one round trip per file, a second only to change the group.
  const [ok, st] = await Promise.all([
    call<void>((cb) => ch.fsetstat(handle, { mode }, (err) => cb(err, undefined)), lost, 'FSETSTAT').then(
      () => true,
      () => false,
    ),
    gid === undefined ? undefined : call<{ uid?: number; gid?: number }>((cb) => ch.fstat(handle, cb), lost, 'FSTAT').catch(() => undefined),
  ]);
  if (gid === undefined || st?.uid === undefined || st.gid === gid) return ok;
  await call<void>((cb) => ch.fsetstat(handle, { uid: st.uid, gid }, (err) => cb(err, undefined)), lost, 'FSETSTAT').catch(() => undefined);
  return ok;
}

/** Best effort, and never waits on a connection that is gone (ssh2 would not answer). */
async function closeQuietly(ch: SftpChannel, handle: Buffer, lost?: RequestGuard): Promise<void> {
  await call<void>((cb) => ch.close(handle, (err) => cb(err, undefined)), lost, 'CLOSE').catch(() => undefined);
}

/** Downloads `remotePath` into `localPath` from `offset` (the local file must hold that prefix). */
export async function pipelinedDownload(ch: SftpChannel, remotePath: string, localPath: string, opts: PipelineOptions): Promise<void> {
  const offset = opts.offset ?? 0;
  if (opts.signal?.aborted) throw new CancelledError();
  const lost = guardOf(opts, remotePath);
  const handle = await call<Buffer>((cb) => ch.open(remotePath, 'r', cb), lost, 'OPEN');
  let fd: number | undefined;
  try {
    const size = opts.size ?? (await call<{ size?: number }>((cb) => ch.fstat(handle, cb), lost, 'FSTAT')).size ?? 0;
    if (offset > size) throw new SecureTransferError(`Cannot resume ${remotePath} at byte ${offset}: it now has only ${size} bytes; download it from the start.`, 'failure', 'resume-mismatch');
    // Never through a planted symlink; a fresh partial is 0600 and exclusively ours (localPartial.ts).
    fd = await openLocalPartial(localPath, offset);
    const localFd = fd;
    const writer = new GatheringWriter(fd);
    const result = await pump(size, offset, opts, (pos, len, buf, local) =>
      call<number>((cb) => ch.read(handle, buf, 0, len, pos, cb), lost, 'READ').then(async (n) => {
        if (n > 0) await local(() => writer.write(buf.subarray(0, n), pos));
        return n;
      }),
    );
    if (result.error !== undefined) {
      // Cut back to what is known good, so the file's size is where a retry resumes.
      await fsFtruncate(localFd, result.committed).catch(() => undefined);
      throw new PartialTransferError(result.error, result.committed);
    }
  } finally {
    if (fd !== undefined) await fsClose(fd).catch(() => undefined);
    await closeQuietly(ch, handle, lost);
  }
}

/**
 * Ranged parallel transfers (transfer/ranged.ts): bytes [start, end) of `remotePath` read with
 * `inFlight` requests and written into the open local descriptor `fd` at the same offsets. The file
 * is never cut (other ranges of it are written at the same time); a failure reports the contiguous
 * bytes from `start` known written in PartialTransferError.committed.
 */
export async function pipelinedDownloadRange(ch: SftpChannel, remotePath: string, fd: number, start: number, end: number, opts: PipelineOptions): Promise<void> {
  if (opts.signal?.aborted) throw new CancelledError();
  const lost = guardOf(opts, remotePath);
  const handle = await call<Buffer>((cb) => ch.open(remotePath, 'r', cb), lost, 'OPEN');
  try {
    const writer = new GatheringWriter(fd);
    const result = await pump(end, start, opts, (pos, len, buf, local) =>
      call<number>((cb) => ch.read(handle, buf, 0, len, pos, cb), lost, 'READ').then(async (n) => {
        if (n > 0) await local(() => writer.write(buf.subarray(0, n), pos));
        return n;
      }),
    );
    if (result.error !== undefined) throw new PartialTransferError(result.error, result.committed - start);
  } finally {
    await closeQuietly(ch, handle, lost);
  }
}

/**
 * Bytes [start, end) of `localPath` written to the EXISTING remote file at the same offsets (opened
 * 'r+': never created, never truncated; the engine created it exclusively first). Resolves once the
 * server acknowledged CLOSE; failures as pipelinedDownloadRange.
 */
export async function pipelinedUploadRange(ch: SftpChannel, localPath: string, remotePath: string, start: number, end: number, opts: PipelineOptions): Promise<void> {
  if (opts.signal?.aborted) throw new CancelledError();
  const fd = await fsOpen(localPath, 'r');
  try {
    const lost = guardOf(opts, remotePath);
    const handle = await call<Buffer>((cb) => ch.open(remotePath, 'r+', cb), lost, 'OPEN');
    let result: { committed: number; error?: unknown };
    try {
      result = await pump(end, start, opts, writeStep(ch, fd, handle, lost));
    } catch (err) {
      await closeQuietly(ch, handle, lost);
      throw err;
    }
    if (result.error !== undefined) {
      await closeQuietly(ch, handle, lost);
      throw new PartialTransferError(result.error, result.committed - start);
    }
    try {
      await call<void>((cb) => ch.close(handle, (err) => cb(err, undefined)), lost, 'CLOSE');
    } catch (err) {
      // Every write was acknowledged, but the server did not confirm the file: nothing is known safe.
      throw new PartialTransferError(err, 0);
    }
  } finally {
    await fsClose(fd).catch(() => undefined);
  }
}

/** One upload step of pump(): read `len` bytes of the local file at `pos`, WRITE them there on the server. */
function writeStep(ch: SftpChannel, fd: number, handle: Buffer, lost: RequestGuard) {
  return async (pos: number, len: number, buf: Buffer, local: <T>(io: () => Promise<T>) => Promise<T>): Promise<number> => {
    const n = await local(() => new Promise<number>((resolve, reject) => fs.read(fd, buf, 0, len, pos, (err, got) => (err ? reject(err) : resolve(got)))));
    if (n === 0) return 0;
    await call<void>((cb) => ch.write(handle, buf, 0, n, pos, (err) => cb(err, undefined)), lost, 'WRITE');
    return n;
  };
}

/**
 * Uploads `localPath` into `remotePath` from `offset`. A failure reports the completed prefix in
 * PartialTransferError.committed; bytes past it may have landed too (servers may reorder writes).
 * With `mode`, resolves modeSet: false when the server refused to set it.
 */
export async function pipelinedUpload(ch: SftpChannel, localPath: string, remotePath: string, opts: PipelineOptions): Promise<{ modeSet: boolean }> {
  const offset = opts.offset ?? 0;
  if (opts.signal?.aborted) throw new CancelledError();
  const fd = await fsOpen(localPath, 'r');
  try {
    const size = (await fsFstat(fd)).size;
    // 'r+' keeps the prefix already on the server (the engine checked it is a file, not a link); a
    // fresh upload creates the partial exclusively and private (0600) until it gets its final mode.
    const lost = guardOf(opts, remotePath);
    const handle = offset > 0 ? await call<Buffer>((cb) => ch.open(remotePath, 'r+', cb), lost, 'OPEN') : await createExclusive(ch, remotePath, lost);
    let result: { committed: number; error?: unknown };
    try {
      // A partial left by an older version may be wider: private again before more bytes go in.
      if (offset > 0) await call<void>((cb) => ch.fsetstat(handle, { mode: 0o600 }, (err) => cb(err, undefined)), lost, 'FSETSTAT').catch(() => undefined);
      result = await pump(size, offset, opts, writeStep(ch, fd, handle, lost));
    } catch (err) {
      await closeQuietly(ch, handle, lost);
      throw err;
    }
    if (result.error !== undefined) {
      await closeQuietly(ch, handle, lost);
      throw new PartialTransferError(result.error, result.committed);
    }
    const modeSet = opts.mode === undefined || (await setFinalMode(ch, handle, opts.mode, opts.gid, lost));
    // The server acknowledges CLOSE after the data is written: only then is the upload complete.
    await call<void>((cb) => ch.close(handle, (err) => cb(err, undefined)), lost, 'CLOSE');
    return { modeSet };
  } finally {
    await fsClose(fd).catch(() => undefined);
  }
}
