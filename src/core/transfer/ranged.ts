/**
 * Ranged parallel transfers: one large file split into byte ranges moved at the same time over
 * several sessions of the pool (SFTP: reads/writes at offsets, each range pipelined; FTP: REST +
 * RETR/STOR segments), the way lftp's `pget -n` and rclone's multi-thread streams go past what one
 * stream carries.
 *
 * When: the file has at least RANGED_MIN_BYTES, no prefix partial of it is waiting to be resumed, the
 * link's round trip makes one stream latency-bound (RANGED_RULES), the pool gives leases on two or more DIFFERENT sessions (SessionPool.spread) and every one of them
 * offers the range operations. Otherwise the file moves over one session exactly as before. The pool
 * only has a factory where another login asks the user nothing (sessionReuse.ts), so "one session
 * where a login would ask again" holds here without a rule of its own.
 *
 * The partial has holes until every range is in, so it never looks like a prefix partial: it has its
 * own name (partialName.ts rangedPartialName), and which ranges are complete is kept in a resume
 * record in the user's state folder (never in the target folder, where anyone with write access could
 * plant one): `<state>/ranges/<sha256 of direction, server identity, partial, size>.json`, 0600 in a
 * 0700 folder. Without a valid record the partial is started again, never resumed. The record is
 * written at most once a second while ranges move and when they stop, and only ever claims bytes a
 * range reported written (the contiguous prefix of each range).
 *
 * The result is checked as every large file is (its size) and, since ranges are new, always against
 * the server's hash where it offers one; a mismatch deletes the partial and its record and is never
 * put in place. The caller (engine.ts) then gives it its mode and renames it, as for one session.
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { promisify } from 'node:util';
import * as nodeFs from 'node:fs';
import * as path from 'node:path';
import { CancelledError, NotFoundError, SecureTransferError } from '../errors';
import { writeFileAtomic } from '../fsutil';
import { inspectLocalPartial, isUnsafePartial, openLocalPartial } from '../localPartial';
import { defaultStateDir } from '../paths';
import type { Protocol } from '../profiles/types';
import type { HashAlgorithm, RangeOptions, RemoteFileSystem } from '../session/remoteFileSystem';
import { PartialTransferError } from '../session/sftpPipeline';
import { freshPartialName, rangedPartialName } from './partialName';
import type { SessionPool } from './sessionPool';

const MiB = 1024 * 1024;

/**
 * Files from this size on are split. Spreading has fixed costs: another login (about ten round trips
 * and 0.1–0.2 s of CPU on each side here), the round-trip probe, the record. On a link where it pays
 * (RANGED_RULES: one stream ≤ 2 MiB per round trip, e.g. ~100 MB/s at 20 ms) a 64 MiB file takes
 * ~0.6 s over one stream and ~0.3 s over two, so the second login (~0.2 s at 20 ms) just pays off;
 * below that it doesn't (an estimate from those figures: no WAN here to measure it on).
 */
export const RANGED_MIN_BYTES = 64 * MiB;

/**
 * Per protocol: the sessions one large file is spread over, at most, and the round trip from which a
 * single stream is latency-bound, so that spreading pays (measured: docs/architecture.md, "Ranged
 * transfers"). One SSH stream carries at most its channel window per round trip (2 MiB: OpenSSH's
 * sshd for uploads, ssh2's for downloads), and ssh2 is single-threaded: on loopback (≈0.1 ms) one
 * session already runs at the CPU's limit and a second one cost 5–12%; from about 4 ms the window,
 * not the CPU, is the limit (2 MiB / 4 ms ≈ 500 MB/s and falling), and each session adds its window.
 *
 * FTPS downloads range the way lftp's `pget -n 4` does (uploads never: REST+STOR into one file from
 * several connections truncates or fails on vsftpd, pure-ftpd and ProFTPD — ftpsFileSystem.ts). On
 * loopback it lost too (vsftpd, 512 MiB, load ~5.7: one stream 222–331 MB/s, two 237–281, four
 * ~195): the client is single-threaded and the TLS decryption is the limit. A plain TCP data
 * connection is bounded by the kernel's receive window (autotuned to a few MiB) per round trip, so a
 * single stream becomes latency-bound later than SSH's 2 MiB window: 10 ms, a decision, not a WAN
 * measurement (the probe's `stat` is one or two FTP commands, so it spreads from ~5–10 ms).
 */
export const RANGED_RULES: Readonly<Record<Protocol, { sessions: number; minRoundTripMs: number }>> = {
  sftp: { sessions: 2, minRoundTripMs: 4 },
  ftpes: { sessions: 4, minRoundTripMs: 10 },
  ftps: { sessions: 4, minRoundTripMs: 10 },
};

/** The fastest of three `stat`s of the login folder: the round trip, with little of the machine's load in it. */
export async function roundTripMs(rfs: RemoteFileSystem, signal?: AbortSignal): Promise<number> {
  let best = Infinity;
  for (let i = 0; i < 3; i++) {
    const t0 = process.hrtime.bigint();
    await rfs.stat(rfs.homeDir, { signal });
    best = Math.min(best, Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return best;
}

/** Ranges start on MiB boundaries (page- and request-aligned; a record stays short). */
const RANGE_ALIGN = MiB;

/** How often the record is written while ranges move: what a killed process loses at most. */
const SAVE_EVERY_MS = 1000;

/** A record larger than this is not ours (a few hundred ranges at most). */
const MAX_RECORD_BYTES = 256 * 1024;

export interface ByteRange {
  start: number;
  end: number;
}

/** Sorted, overlapping and touching ranges joined, empty ones dropped. */
export function mergeRanges(ranges: readonly ByteRange[]): ByteRange[] {
  const sorted = ranges.filter((r) => r.end > r.start).sort((a, b) => a.start - b.start);
  const out: ByteRange[] = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last && r.start <= last.end) last.end = Math.max(last.end, r.end);
    else out.push({ ...r });
  }
  return out;
}

/** The bytes of [0, size) that `done` does not cover. */
export function missingRanges(size: number, done: readonly ByteRange[]): ByteRange[] {
  const out: ByteRange[] = [];
  let at = 0;
  for (const r of mergeRanges(done)) {
    if (r.start > at) out.push({ start: at, end: Math.min(r.start, size) });
    at = Math.max(at, r.end);
    if (at >= size) break;
  }
  if (at < size) out.push({ start: at, end: size });
  return out.filter((r) => r.end > r.start);
}

export function coveredBytes(ranges: readonly ByteRange[]): number {
  return mergeRanges(ranges).reduce((n, r) => n + r.end - r.start, 0);
}

/**
 * The missing bytes cut into pieces of about total/n (aligned to `align`), in file order: n
 * sessions pulling from this queue each move about an n-th; a resumed file's gaps stay separate.
 */
export function splitWork(missing: readonly ByteRange[], n: number, align = RANGE_ALIGN): ByteRange[] {
  const total = coveredBytes(missing);
  const share = Math.max(align, Math.ceil(total / Math.max(1, n) / align) * align);
  const out: ByteRange[] = [];
  for (const gap of mergeRanges(missing)) {
    for (let s = gap.start; s < gap.end; ) {
      // The next cut on an aligned boundary, so resumed and fresh pieces line up alike.
      const cut = Math.min(gap.end, (Math.floor(s / align) * align) + share);
      out.push({ start: s, end: cut });
      s = cut;
    }
  }
  return out;
}

// ---------------------------------------------------------------- the resume record

interface RangeRecord {
  v: 1;
  size: number;
  done: Array<[number, number]>;
  /** Downloads: the partial's device and inode (a partial replaced since is not resumed). */
  dev?: number;
  ino?: number;
}

/** The resume records of ranged transfers, one file per partial (see the module comment). */
export class RangeRecords {
  constructor(readonly dir: string) {}

  /** Where records live by default: the state folder (next to the trust store). */
  static inStateDir(env: NodeJS.ProcessEnv = process.env): RangeRecords {
    return new RangeRecords(path.join(defaultStateDir(env), 'ranges'));
  }

  /** The key of one partial: which way, from/to which server (identity), where, how large. */
  static key(direction: 'download' | 'upload', origin: string, partial: string, size: number): string {
    return createHash('sha256').update([direction, origin, partial, String(size)].join('\0')).digest('hex');
  }

  private file(key: string): string {
    return path.join(this.dir, `${key}.json`);
  }

  /** The record when it is a valid one for a file of `size` bytes, else undefined (never a throw). */
  async load(key: string, size: number): Promise<{ done: ByteRange[]; dev?: number; ino?: number } | undefined> {
    try {
      const file = this.file(key);
      const st = await fs.lstat(file);
      if (!st.isFile() || st.size > MAX_RECORD_BYTES) return undefined;
      return parseRecord(await fs.readFile(file, 'utf8'), size);
    } catch {
      return undefined;
    }
  }

  async save(key: string, record: { size: number; done: readonly ByteRange[]; dev?: number; ino?: number }): Promise<void> {
    const body: RangeRecord = {
      v: 1,
      size: record.size,
      done: mergeRanges(record.done).map((r) => [r.start, r.end]),
      ...(record.ino !== undefined ? { dev: record.dev, ino: record.ino } : {}),
    };
    await writeFileAtomic(this.file(key), JSON.stringify(body), 0o600);
  }

  async remove(key: string): Promise<void> {
    await fs.rm(this.file(key), { force: true });
  }
}

/** A record's text, checked field by field: every range within [0, size). */
export function parseRecord(text: string, size: number): { done: ByteRange[]; dev?: number; ino?: number } | undefined {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return undefined;
  }
  const r = data as Partial<RangeRecord>;
  if (!r || typeof r !== 'object' || r.v !== 1 || r.size !== size || !Array.isArray(r.done)) return undefined;
  const done: ByteRange[] = [];
  for (const pair of r.done) {
    if (!Array.isArray(pair) || pair.length !== 2) return undefined;
    const [start, end] = pair as unknown[];
    if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || (start as number) < 0 || (end as number) <= (start as number) || (end as number) > size) return undefined;
    done.push({ start: start as number, end: end as number });
  }
  const ids = Number.isSafeInteger(r.ino) && Number.isSafeInteger(r.dev) ? { dev: r.dev, ino: r.ino } : {};
  return { done: mergeRanges(done), ...ids };
}

// ---------------------------------------------------------------- leases

type Lease = { rfs: RemoteFileSystem; release: () => void };

/**
 * Runs one file's job: over several sessions (`fn` gets them all) when the file qualifies and the
 * pool gives two or more sessions that offer ranges, else on one lane of one session, as always.
 */
export async function withRangeSessions<T>(
  pool: SessionPool,
  qualifies: boolean,
  offers: (rfs: RemoteFileSystem) => boolean,
  signal: AbortSignal | undefined,
  fn: (rfs: RemoteFileSystem, spread?: RemoteFileSystem[]) => Promise<T>,
): Promise<T> {
  if (!qualifies) return pool.use((rfs) => fn(rfs), signal);
  const first = await pool.any(signal);
  const rule = RANGED_RULES[first.protocol];
  // A link so short that one stream is CPU-bound gains nothing from more sessions: one lane, as always.
  if (rule.sessions < 2 || !offers(first) || (rule.minRoundTripMs > 0 && (await roundTripMs(first, signal)) < rule.minRoundTripMs)) return pool.use((rfs) => fn(rfs), signal);
  const leases: Lease[] = await pool.spread(rule.sessions, signal);
  try {
    const spread = leases.length >= 2 && leases.every((l) => offers(l.rfs)) ? leases.map((l) => l.rfs) : undefined;
    // Back to one session: the others' lanes are given back at once.
    if (!spread) for (const l of leases.slice(1)) l.release();
    return await fn(leases[0].rfs, spread);
  } finally {
    for (const l of leases) l.release();
  }
}

export const offersDownloadRanges = (rfs: RemoteFileSystem): boolean => typeof rfs.downloadRange === 'function';
export const offersUploadRanges = (rfs: RemoteFileSystem): boolean => typeof rfs.uploadRange === 'function';

// ---------------------------------------------------------------- running the ranges

interface RunRanges {
  sessions: RemoteFileSystem[];
  size: number;
  done: ByteRange[];
  signal?: AbortSignal;
  move: (rfs: RemoteFileSystem, start: number, end: number, opts: RangeOptions) => Promise<void>;
  save: (done: ByteRange[]) => Promise<void>;
  /** Bytes moved in this run so far (all ranges). */
  onBytes: (bytes: number) => void;
}

/**
 * Moves the missing bytes, the sessions pulling pieces from one queue. The first failure stops the
 * others; the record then holds every piece's written prefix, and the failure is thrown (its reason,
 * not the PartialTransferError).
 */
async function runRanges(run: RunRanges): Promise<ByteRange[]> {
  const done = [...run.done];
  const queue = splitWork(missingRanges(run.size, done), run.sessions.length);
  const moving = new Map<ByteRange, number>();
  const stop = new AbortController();
  const onAbort = (): void => stop.abort();
  run.signal?.addEventListener('abort', onAbort, { once: true });
  const errors: unknown[] = [];
  let moved = 0;
  let lastSave = Date.now();
  let saving: Promise<void> = Promise.resolve();
  const snapshot = (): ByteRange[] => mergeRanges([...done, ...[...moving].map(([r, n]) => ({ start: r.start, end: r.start + n }))]);
  const saveNow = (): Promise<void> => (saving = saving.then(() => run.save(snapshot())).catch(() => undefined));

  const worker = async (rfs: RemoteFileSystem): Promise<void> => {
    while (!stop.signal.aborted) {
      const piece = queue.shift();
      if (!piece) return;
      moving.set(piece, 0);
      try {
        await run.move(rfs, piece.start, piece.end, {
          signal: stop.signal,
          onProgress: (bytes) => {
            const n = Math.min(Math.max(0, bytes), piece.end - piece.start);
            moved += n - (moving.get(piece) ?? 0);
            moving.set(piece, n);
            run.onBytes(moved);
            if (Date.now() - lastSave >= SAVE_EVERY_MS) {
              lastSave = Date.now();
              void saveNow();
            }
          },
        });
        moved += piece.end - piece.start - (moving.get(piece) ?? 0);
        done.push(piece);
        run.onBytes(moved);
      } catch (err) {
        const committed = err instanceof PartialTransferError ? Math.min(Math.max(0, err.committed), piece.end - piece.start) : 0;
        done.push({ start: piece.start, end: piece.start + committed });
        errors.push(err instanceof PartialTransferError ? err.reason : err);
        stop.abort();
      } finally {
        moving.delete(piece);
      }
    }
  };

  try {
    await Promise.all(run.sessions.map(worker));
  } finally {
    run.signal?.removeEventListener('abort', onAbort);
    await saveNow();
  }
  if (run.signal?.aborted) throw new CancelledError();
  // The other pieces stopped because one failed: that one's reason is the one to tell.
  const first = errors.find((e) => !(e instanceof CancelledError)) ?? errors[0];
  if (first !== undefined) throw first;
  return mergeRanges(done);
}

// ---------------------------------------------------------------- download and upload

/** The parts of an engine job a ranged transfer reads and updates (engine.ts FileJob). */
export interface RangedJob {
  from: string;
  to: string;
  partial: string;
  size: number;
  offset: number;
  stale: string[];
  verified?: boolean;
}

export interface RangedContext {
  signal?: AbortSignal;
  records: RangeRecords;
  /** The server's verified identity (partialName.ts sourceIdentity): records are per server. */
  origin: string;
  /** Bytes moved in this run (the engine's progress and movedBytes). */
  onBytes: (bytes: number) => void;
  /** The hex digest of a local file (engine.ts hashLocalFile). */
  hashLocal: (file: string, algorithm: HashAlgorithm) => Promise<string>;
}

/** The ranged partial of `job` is its own, not an older partial to delete before it starts. */
export function keepRangedPartial(job: RangedJob, join: (dir: string, name: string) => string, dirname: (p: string) => string, basename: (p: string) => string): void {
  const own = join(dirname(job.partial), rangedPartialName(basename(job.partial)));
  job.stale = job.stale.filter((p) => p !== own);
}

const fstat = promisify(nodeFs.fstat);
const close = promisify(nodeFs.close);

function sizeMismatch(where: string, got: number, want: number): SecureTransferError {
  return new SecureTransferError(`${where} has ${got} bytes after the transfer instead of ${want}, so it was not put in place: run the transfer again.`, 'failure', 'size-mismatch');
}

function hashMismatch(to: string): SecureTransferError {
  return new SecureTransferError(`${to} differs from the server's hash after a transfer over several connections, so it was not put in place: run the transfer again.`, 'failure', 'hash-mismatch');
}

/**
 * Downloads `job` over `sessions` into its ranged partial (resumed from its record where valid);
 * resolves with the partial complete and checked, ready for placeLocalPartial.
 */
export async function rangedDownload(sessions: RemoteFileSystem[], job: RangedJob, ctx: RangedContext): Promise<void> {
  let partial = path.join(path.dirname(job.partial), rangedPartialName(path.basename(job.partial)));
  let key = RangeRecords.key('download', ctx.origin, partial, job.size);
  let record = await ctx.records.load(key, job.size);
  let fd: number | undefined;
  if (record) {
    // Looked at, never followed (localPartial.ts); it must be the same file the record was made for.
    const found = await inspectLocalPartial(partial);
    if (found.kind === 'ours') {
      fd = await openLocalPartial(partial, found.size).catch(() => undefined);
      const st = fd === undefined ? undefined : await fstat(fd);
      const reaches = Math.max(0, ...record.done.map((r) => r.end));
      if (!st || st.ino !== record.ino || st.dev !== record.dev || st.size < reaches || st.size > job.size) {
        if (fd !== undefined) await close(fd).catch(() => undefined);
        fd = undefined;
      }
    }
    if (fd === undefined) record = undefined;
  }
  if (fd === undefined) {
    await ctx.records.remove(key);
    try {
      fd = await openLocalPartial(partial, 0);
    } catch (err) {
      if (!isUnsafePartial(err)) throw err;
      // Something not ours sits at the name: another (random) name, which is never resumed.
      partial = freshPartialName(partial);
      key = RangeRecords.key('download', ctx.origin, partial, job.size);
      fd = await openLocalPartial(partial, 0);
    }
  }
  job.partial = partial;
  const localFd = fd;
  try {
    const st = await fstat(localFd);
    const done = record?.done ?? [];
    job.offset = coveredBytes(done);
    await runRanges({
      sessions,
      size: job.size,
      done,
      signal: ctx.signal,
      move: (rfs, start, end, o) => rfs.downloadRange!(job.from, localFd, start, end, o),
      save: (d) => ctx.records.save(key, { size: job.size, done: d, dev: st.dev, ino: st.ino }),
      onBytes: ctx.onBytes,
    });
    const got = (await fstat(localFd)).size;
    const theirs = got === job.size ? await sessions[0].hashFile?.(job.from, { signal: ctx.signal }) : undefined;
    const bad = got !== job.size ? sizeMismatch(partial, got, job.size) : theirs && (await ctx.hashLocal(partial, theirs.algorithm)) !== theirs.hex ? hashMismatch(job.to) : undefined;
    await ctx.records.remove(key);
    if (bad) {
      await fs.rm(partial, { force: true });
      throw bad;
    }
    if (theirs) job.verified = true;
  } finally {
    await close(localFd).catch(() => undefined);
  }
}

export interface RangedUploadContext extends RangedContext {
  /** The file's final permission bits (engine.ts finalUploadMode), set on an open handle before the rename. */
  mode?: number;
  gid?: number;
  note: (text: string) => void;
  join: (dir: string, name: string) => string;
  dirname: (p: string) => string;
  basename: (p: string) => string;
}

/**
 * Uploads `job` over `sessions` into its ranged remote partial (created exclusively 0600, or resumed
 * from its record when the server still shows a regular file there); resolves with it complete,
 * checked and given its final mode, ready for the rename.
 */
export async function rangedUpload(sessions: RemoteFileSystem[], job: RangedJob, ctx: RangedUploadContext): Promise<void> {
  const rfs = sessions[0];
  const opt = { signal: ctx.signal };
  let partial = ctx.join(ctx.dirname(job.partial), rangedPartialName(ctx.basename(job.partial)));
  let key = RangeRecords.key('upload', ctx.origin, partial, job.size);
  let record = await ctx.records.load(key, job.size);
  if (record) {
    // lstat: a link planted at the name shows as a link and is never written through.
    const there = await (rfs.lstat ? rfs.lstat(partial, opt) : rfs.stat(partial, opt)).catch((err: unknown) => (err instanceof NotFoundError ? undefined : Promise.reject(err)));
    if (there?.type !== 'file' || there.size < Math.max(0, ...record.done.map((r) => r.end)) || there.size > job.size) record = undefined;
  }
  if (!record) {
    await ctx.records.remove(key);
    // Exclusive and 0600 (session writeFile with a mode): a link or folder at the name is refused.
    const create = (p: string) => rfs.writeFile(p, new Uint8Array(0), { mode: 0o600, signal: ctx.signal });
    try {
      await create(partial);
    } catch (err) {
      if (!isUnsafePartial(err)) throw err;
      partial = ctx.join(ctx.dirname(partial), freshPartialName(ctx.basename(partial)));
      key = RangeRecords.key('upload', ctx.origin, partial, job.size);
      await create(partial);
    }
  }
  job.partial = partial;
  const done = record?.done ?? [];
  job.offset = coveredBytes(done);
  await runRanges({
    sessions,
    size: job.size,
    done,
    signal: ctx.signal,
    move: (s, start, end, o) => s.uploadRange!(job.from, partial, start, end, o),
    save: (d) => ctx.records.save(key, { size: job.size, done: d }),
    onBytes: ctx.onBytes,
  });
  const got = (await rfs.stat(partial, opt)).size;
  const theirs = got === job.size ? await rfs.hashFile?.(partial, opt) : undefined;
  const bad = got !== job.size ? sizeMismatch(partial, got, job.size) : theirs && (await ctx.hashLocal(job.from, theirs.algorithm)) !== theirs.hex ? hashMismatch(job.to) : undefined;
  await ctx.records.remove(key);
  if (bad) {
    await rfs.delete(partial, opt).catch(() => undefined);
    throw bad;
  }
  if (theirs) job.verified = true;
  if (ctx.mode !== undefined) {
    // The final mode on an open handle (fsetstat, never through a path): an upload resumed at its end moves no byte.
    await rfs.uploadFile(job.from, partial, { offset: job.size, size: job.size, signal: ctx.signal, mode: ctx.mode, ...(ctx.gid !== undefined ? { gid: ctx.gid } : {}), onNote: ctx.note });
  }
}
