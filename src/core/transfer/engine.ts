/**
 * The transfer engine: recursive upload/download over a pool of sessions, with bounded
 * concurrency, progress, cancellation, atomic replacement, resume and conflict detection.
 *
 * Every file is written under a deterministic hidden partial name in its target folder and renamed
 * over the target only when complete and verified, so an interrupted transfer leaves the old file
 * intact, and a retry finds the partial and resumes at its size. The partial name includes the
 * source's size and mtime: a changed source never resumes onto stale bytes; and the session's
 * verified identity (host key or certificate fingerprint, host, port, user): another server's bytes
 * are never resumed. Nothing planted at a partial's name is followed (localPartial.ts, and lstat +
 * exclusive create on the server); the file gets the mode it should have before the rename.
 */
import { createHash } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { createReadStream, promises as fs, type Stats } from 'node:fs';
import * as path from 'node:path';
import { escapeControlChars } from '../displayText';
import { CancelledError, describeError, NotFoundError, SecureTransferError, UsageError, throwIfAborted } from '../errors';
import type { Protocol } from '../profiles/types';
import type { HashAlgorithm, RemoteEntry, RemoteFileSystem, RemoteHash } from '../session/remoteFileSystem';
import { assertUploadable, ignoreMatcher, type IgnoreMatcher } from './ignore';
import { currentUmask, inspectLocalPartial, isUnsafePartial, placeLocalPartial } from '../localPartial';
import { PartialIndex, freshPartialName, isPartialName, partialName, retryPartialName, sourceIdentity } from './partialName';
import { ProgressMeter, type ProgressListener } from './progress';
import { runBounded } from './queue';
import { ConflictError, sameVersion, versionOf, type RemoteStateStore } from './remoteState';
import { remote, safeLocalJoin } from './remotePath';
import { SessionPool } from './sessionPool';
import { keepRangedPartial, offersDownloadRanges, offersUploadRanges, RANGED_MIN_BYTES, RangeRecords, rangedDownload, rangedUpload, withRangeSessions } from './ranged';
import { isWithin, linkChainInFolder, MAX_FOLLOWED_LINKS, SKIP_REASONS, wouldLoop, type SkippedEntry, type WalkedDir } from './symlinks';

export type { SkippedEntry } from './symlinks';

export interface TransferOptions {
  recursive?: boolean;
  signal?: AbortSignal;
  /** Extra ignore globs, relative to the transfer root (`.git/` and the profile file always are). */
  ignore?: string[];
  /** Upload even over remote files that changed since they were last read. */
  force?: boolean;
  /** Where the remote versions we last read or wrote are remembered (conflict detection). */
  remoteState?: RemoteStateStore;
  onProgress?: ProgressListener;
  onFileDone?: (path: string, bytes: number) => void;
  /**
   * Each file as it starts, moves bytes, ends or fails (per-file progress rows). `file` is the same
   * object for all events of one file, and `file.partial` stays current (a retry may rename it), so
   * what an interrupted transfer left behind can be found (and discarded) afterwards.
   */
  onFile?: (event: FileEvent) => void;
  /**
   * Uploads: asked once, after planning and before any byte moves, with the existing remote files
   * this upload would replace that no earlier read or write of this window remembers (remoteState).
   * false: nothing is uploaded (a CancelledError). Files remembered as changed are ConflictErrors.
   */
  confirmReplace?: (existing: string[]) => Promise<boolean>;
  /**
   * Give each transferred file its source's modification time before it is put in place (`-p`,
   * profile `preserveTimes`). Where the server can't set times, one note says so and the transfer
   * still succeeds.
   */
  preserveTimes?: boolean;
  /** Files in flight at once; default: what the pool can run. */
  concurrency?: number;
  /**
   * Follow symbolic links to folders, and links that lead outside the tree being copied (default:
   * links to files inside the tree are copied, every other link is skipped with a note). See symlinks.ts.
   */
  followSymlinks?: boolean;
  /** Where ranged transfers of large files keep their resume records (ranged.ts; default: the state folder). */
  rangeRecords?: RangeRecords;
}

export interface TransferResult {
  files: number;
  /** Bytes of the transferred files (including resumed prefixes that were already there). */
  bytes: number;
  /** Bytes actually sent over the wire in this run. */
  movedBytes: number;
  /** Files that continued an earlier, interrupted transfer. */
  resumed: number;
  /** Resumed files whose result matched the server's own hash (where the server offers one). */
  verifiedByHash: number;
  /** What was left out, and why (ignored, unsafe names, links not followed…). */
  skipped: SkippedEntry[];
  /** Things the server could not do that are no failure (e.g. set permissions), one sentence each. */
  notes: string[];
}

export type SessionSource = RemoteFileSystem | SessionPool;

/** One file of a transfer as the engine moves it (read-only to listeners; `partial` may change). */
export interface TransferFile {
  readonly from: string;
  readonly to: string;
  /** The temporary name on the receiving side (absolute): remote for uploads, local for downloads. */
  readonly partial: string;
  readonly size: number;
  /** Bytes that were already there (resumed from an earlier partial). */
  readonly offset: number;
}

export type FileEvent =
  | { type: 'start'; file: TransferFile }
  /** `bytes`: of the whole file, counting the resumed prefix. */
  | { type: 'progress'; file: TransferFile; bytes: number }
  | { type: 'done'; file: TransferFile }
  | { type: 'failed'; file: TransferFile; error: unknown };

/**
 * Where a transfer lands, said by the caller instead of guessed:
 * - `{ exact: p }`: p is the file or folder created or replaced (a folder's contents go into an
 *   existing folder at p; a file never lands inside a folder at p: that is refused);
 * - `{ into: dir }`: inside the folder `dir`, under the source's name;
 * - `{ cp: p }`: `cp`'s rule (the CLI's get/put): into p when p is an existing folder, else exactly p.
 * A plain string means `{ cp: string }`.
 */
export type TransferTarget = { exact: string } | { into: string } | { cp: string };

/** The path a transfer of `sourceName` to `target` creates; `isFolder` is asked only for `cp`. */
export async function landingPath(target: string | TransferTarget, sourceName: string, join: (dir: string, name: string) => string, isFolder: (p: string) => Promise<boolean>): Promise<string> {
  const t = typeof target === 'string' ? { cp: target } : target;
  if ('exact' in t) return t.exact;
  if ('into' in t) return join(t.into, sourceName);
  return (await isFolder(t.cp)) ? join(t.cp, sourceName) : t.cp;
}

function fileOntoFolder(dest: string): UsageError {
  // The path may hold names a server listed (a tree node): escaped like every name.
  return new UsageError(`${escapeControlChars(dest)} is a folder: name the file to create, or the folder to put it in.`);
}

/**
 * On a resumed SFTP upload, start this far before the end of the partial: a server may have written
 * the last requests in flight out of order, leaving holes (64 requests × 255 KiB).
 */
const RESUME_BACKOFF_BYTES: Readonly<Record<Protocol, number>> = { sftp: 64 * 255 * 1024, ftpes: 0, ftps: 0 };
/**
 * Resumed files and large ones get their size checked before the rename; small fresh ones that
 * completed without error are not (a stat each cost ~5–25% of a many-small-files transfer).
 */
const VERIFY_FROM_BYTES = 1024 * 1024;

interface FileJob {
  from: string;
  to: string;
  /** Absolute partial path on the receiving side. */
  partial: string;
  size: number;
  offset: number;
  /** Remote version to record afterwards (downloads). */
  version?: { size: number; mtime: number };
  /** Partials of the same target from an older source version, deleted when the file starts. */
  stale: string[];
  /** Whether the resumed result matched the server's hash; undefined when the server offers none. */
  verified?: boolean;
  /** Downloads: the remote file's permission bits (a new local file's mode follows them). */
  remoteMode?: number;
  /** Uploads: the local source's permission bits, and the existing target's mode and group. */
  sourceMode?: number;
  targetMode?: number;
  targetGid?: number;
  /** The target exists but its mode is unknown (FTP without it in listings): leave the server's. */
  keepServerMode?: boolean;
  /** Uploads: an existing remote file is replaced that no earlier read or write remembers. */
  replacesUnknown?: boolean;
  /** The source's modification time (ms; 0 when the server didn't tell), given to the file with preserveTimes. */
  mtimeMs?: number;
  /** Downloads: the time came from an FTP LIST line, which holds only minutes or days (RemoteEntry.mtimePrecision): asked again for -p. */
  listedTime?: boolean;
}

/** How one file moves, seen from the engine: the parts that differ between upload and download. */
interface FileMover {
  /** Writes the source into job.partial from `offset`; `onBytes` gets the bytes moved in this call. */
  transfer(offset: number, onBytes: (bytes: number) => void): Promise<void>;
  partialSize(): Promise<number>;
  /** The server's hash of the file on its side (the source of a download, the partial of an upload). */
  serverHash(): Promise<RemoteHash | undefined>;
  /** The file on this machine (the partial of a download, the source of an upload). */
  localFile: () => string;
  deletePartial(): Promise<void>;
}

function asPool(source: SessionSource): { pool: SessionPool; owned: boolean } {
  return source instanceof SessionPool ? { pool: source, owned: false } : { pool: new SessionPool({ seed: source }), owned: true };
}

async function localStat(p: string): Promise<Stats | undefined> {
  try {
    return await fs.stat(p);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** The entry at `p`, or undefined where there is none (other failures still throw). */
export async function remoteStat(rfs: RemoteFileSystem, p: string, signal?: AbortSignal): Promise<RemoteEntry | undefined> {
  try {
    return await rfs.stat(p, { signal });
  } catch (err) {
    if (err instanceof NotFoundError) return undefined;
    throw err;
  }
}

async function remoteList(rfs: RemoteFileSystem, p: string, signal?: AbortSignal): Promise<RemoteEntry[] | undefined> {
  try {
    return await rfs.list(p, { signal });
  } catch (err) {
    if (err instanceof NotFoundError) return undefined;
    throw err;
  }
}

function relJoin(rel: string, name: string): string {
  return rel ? `${rel}/${name}` : name;
}

/** The hex digest of a local file (compared with a server's hash of the same algorithm). */
export async function hashLocalFile(file: string, algorithm: HashAlgorithm): Promise<string> {
  const hash = createHash(algorithm);
  for await (const chunk of createReadStream(file, { highWaterMark: 1024 * 1024 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** true/false when the server offers a hash, undefined when it offers none (then the size check stands alone). */
async function matchesServerHash(mover: FileMover): Promise<boolean | undefined> {
  const theirs = await mover.serverHash();
  if (!theirs) return undefined;
  return (await hashLocalFile(mover.localFile(), theirs.algorithm)) === theirs.hex;
}

/** What a ranged transfer (ranged.ts) needs of the engine. */
function rangedContext(opts: TransferOptions, session: RemoteFileSystem, onBytes: (bytes: number) => void) {
  return { signal: opts.signal, records: opts.rangeRecords ?? RangeRecords.inStateDir(), origin: originOf(session), onBytes, hashLocal: hashLocalFile };
}

/** Best effort: a stale partial that can't be deleted now is retried by the next transfer. */
async function deleteStale(job: FileJob, remove: (p: string) => Promise<void>): Promise<void> {
  for (const p of job.stale) await remove(p).catch(() => undefined);
}

/**
 * Moves one file into its partial and checks it. A resumed file is compared with the server's hash
 * (only then: hashing costs the server a full read of the file); on a mismatch the partial is
 * deleted and the file sent again from byte 0, once. A mismatching file is never renamed into place.
 */
async function moveChecked(job: FileJob, mover: FileMover, onBytes: (bytes: number) => void): Promise<void> {
  let earlier = 0;
  let moved = 0;
  const attempt = async (offset: number): Promise<void> => {
    await mover.transfer(offset, (bytes) => onBytes((moved = earlier + bytes)));
    if (offset > 0 || job.size >= VERIFY_FROM_BYTES) {
      const got = await mover.partialSize();
      if (got !== job.size) throw sizeMismatch(job.partial, got, job.size);
    }
  };
  await attempt(job.offset);
  if (job.offset === 0) return;
  const match = await matchesServerHash(mover);
  if (match !== false) {
    job.verified = match;
    return;
  }
  await mover.deletePartial();
  // Under a fresh name: a server may answer a hash of the same name from its cache (ProFTPD does).
  job.partial = retryPartialName(job.partial);
  earlier = moved;
  await attempt(0);
  job.verified = await matchesServerHash(mover);
  if (job.verified === false) {
    await mover.deletePartial();
    throw new SecureTransferError(
      `${job.to} still differs from the server's hash after a full second transfer, so it was not put in place: check the server's disk and the connection, then run the transfer again.`,
      'failure',
      'hash-mismatch',
    );
  }
}

/** A folder of a tree walk: where it is read, where it goes, and its path below the transfer root. */
export interface TreeDir extends WalkedDir {
  from: string;
  to: string;
  rel: string;
  up?: TreeDir;
}

/**
 * Visits a tree level by level, the folders of one level in parallel: each listing is a round trip,
 * so a deep or wide tree is planned in about as many round trips as it has levels.
 */
async function walkLevels(root: TreeDir, parallel: number, visit: (dir: TreeDir, descend: (child: TreeDir) => void) => Promise<void>, signal?: AbortSignal): Promise<void> {
  let level = [root];
  while (level.length > 0) {
    const next: TreeDir[] = [];
    await runBounded(level, parallel, (dir) => visit(dir, (child) => next.push(child)), signal);
    level = next;
  }
}

function sizeMismatch(where: string, got: number, want: number): SecureTransferError {
  return new SecureTransferError(`${where} has ${got} bytes after the transfer instead of ${want}: it was left under its temporary name; run the transfer again.`, 'failure', 'size-mismatch');
}

/** Runs the per-file jobs over the pool, with progress; returns the result. */
async function runJobs(
  pool: SessionPool,
  jobs: FileJob[],
  opts: TransferOptions,
  skipped: SkippedEntry[],
  one: (rfs: RemoteFileSystem, job: FileJob, note: (text: string) => void, onBytes: (n: number) => void, spread?: RemoteFileSystem[]) => Promise<void>,
  offersRanges?: (rfs: RemoteFileSystem) => boolean,
): Promise<TransferResult> {
  // Every job in flight listens to the caller's signal: many listeners are expected, not a leak.
  if (opts.signal) setMaxListeners(0, opts.signal);
  const meter = new ProgressMeter(opts.onProgress);
  const result: TransferResult = { files: 0, bytes: 0, movedBytes: 0, resumed: 0, verifiedByHash: 0, skipped, notes: [] };
  meter.setTotals(
    jobs.reduce((n, j) => n + j.size - j.offset, 0),
    jobs.length,
  );
  // Big files first: their pipelines fill the link while the small ones fill the lanes.
  const ordered = [...jobs].sort((a, b) => b.size - a.size);
  await runBounded(
    ordered,
    opts.concurrency ?? pool.capacity,
    (job) =>
      // A large file may spread over several sessions (ranged.ts); every other one takes one lane.
      withRangeSessions(pool, offersRanges !== undefined && job.size >= RANGED_MIN_BYTES && job.offset === 0, offersRanges ?? (() => false), opts.signal, async (rfs, spread) => {
        let seen = 0;
        const note = (text: string): void => {
          if (!result.notes.includes(text)) result.notes.push(text);
        };
        const onFile = opts.onFile;
        onFile?.({ type: 'start', file: job });
        try {
          await one(rfs, job, note, (bytes) => {
            meter.addBytes(bytes - seen);
            result.movedBytes += bytes - seen;
            seen = bytes;
            onFile?.({ type: 'progress', file: job, bytes: Math.min(job.size, job.offset + bytes) });
          }, spread);
        } catch (err) {
          onFile?.({ type: 'failed', file: job, error: err });
          throw err;
        }
        onFile?.({ type: 'done', file: job });
        result.files++;
        result.bytes += job.size;
        if (job.offset > 0) result.resumed++;
        if (job.verified) result.verifiedByHash++;
        meter.fileDone();
        opts.onFileDone?.(job.to, job.size);
      }),
    opts.signal,
  );
  meter.finish();
  await opts.remoteState?.flush?.();
  return result;
}

// ---------------------------------------------------------------- download

export async function download(source: SessionSource, remotePath: string, localTarget: string | TransferTarget, opts: TransferOptions = {}): Promise<TransferResult> {
  return downloadPlanned(source, opts, async (pool, rfs, jobs, skipped) => {
    const entry = await rfs.stat(remotePath, { signal: opts.signal });
    if (entry.type === 'directory' && !opts.recursive) {
      throw new UsageError(`${remotePath} is a folder: add -r to download it with everything inside.`);
    }
    const dest = await landingPath(localTarget, remote.basename(remotePath) || 'download', path.join, async (p) => (await localStat(p))?.isDirectory() ?? false);
    if (entry.type !== 'directory' && (await localStat(dest))?.isDirectory()) throw fileOntoFolder(dest);
    const ignored = ignoreMatcher(opts.ignore);
    if (entry.type === 'directory') {
      await planDownloadTree(pool, rfs.protocol, originOf(rfs), remotePath, dest, ignored, jobs, skipped, opts);
    } else {
      jobs.push(await downloadJob(originOf(rfs), remotePath, dest, entry));
    }
  });
}

/** One file of an explicit list (core/sync): `entry` is the source as a listing showed it, when known. */
export interface TransferPair {
  from: string;
  to: string;
  entry?: RemoteEntry;
}

/**
 * Downloads exactly these files (no tree walk): each local folder is created if missing and read
 * once (partials to resume, older ones to delete); the same jobs, checks and atomic placing as
 * download(). `entry` (size, mtime, mode as listed) saves a stat per file.
 */
export async function downloadFiles(source: SessionSource, pairs: readonly TransferPair[], opts: TransferOptions = {}): Promise<TransferResult> {
  return downloadPlanned(source, opts, async (pool, rfs, jobs) => {
    const origin = originOf(rfs);
    const byDir = groupBy(pairs, (p) => path.dirname(p.to));
    await runBounded(
      [...byDir],
      pool.capacity,
      async ([dir, list]) => {
        await fs.mkdir(dir, { recursive: true });
        const localNames = new Set(await fs.readdir(dir));
        for (const pair of list) {
          if ((await localStat(pair.to))?.isDirectory()) throw fileOntoFolder(pair.to);
          const entry = pair.entry ?? (await pool.use((r) => r.stat(pair.from, { signal: opts.signal }), opts.signal));
          if (entry.type !== 'file') throw new UsageError(`${escapeControlChars(pair.from)} is not a file: only files are downloaded by name.`);
          jobs.push(await downloadJob(origin, pair.from, pair.to, entry, localNames));
        }
      },
      opts.signal,
    );
  });
}

/** Items by key, in their order (Map.groupBy arrives with Node 21). */
export function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = groups.get(k);
    if (list) list.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}

/** Plans a download's jobs with `plan`, then runs them (the part download() and downloadFiles() share). */
async function downloadPlanned(
  source: SessionSource,
  opts: TransferOptions,
  plan: (pool: SessionPool, rfs: RemoteFileSystem, jobs: FileJob[], skipped: SkippedEntry[]) => Promise<void>,
): Promise<TransferResult> {
  const { pool, owned } = asPool(source);
  try {
    const rfs = await pool.any(opts.signal);
    const skipped: SkippedEntry[] = [];
    const jobs: FileJob[] = [];
    await plan(pool, rfs, jobs, skipped);
    return await runJobs(pool, jobs, opts, skipped, async (session, job, note, onBytes, spread) => {
      if (spread) keepRangedPartial(job, path.join, path.dirname, path.basename);
      await deleteStale(job, (p) => fs.rm(p, { force: true }));
      const get = (offset: number, onMoved: (bytes: number) => void) =>
        session.downloadFile(job.from, job.partial, { offset, size: job.size, signal: opts.signal, onProgress: (p) => onMoved(p.bytes) });
      if (spread) await rangedDownload(spread, job, rangedContext(opts, session, onBytes));
      else await moveChecked(
        job,
        {
          transfer: (offset, onMoved) =>
            get(offset, onMoved).catch((err: unknown) => {
              // Something not ours appeared at the partial's name: never written through, start afresh elsewhere.
              if (!isUnsafePartial(err)) throw err;
              job.partial = freshPartialName(job.partial);
              job.offset = 0;
              return get(0, onMoved);
            }),
          partialSize: async () => (await fs.lstat(job.partial)).size,
          serverHash: async () => session.hashFile?.(job.from, { signal: opts.signal }),
          localFile: () => job.partial,
          deletePartial: () => fs.rm(job.partial, { force: true }),
        },
        onBytes,
      );
      const mtime = opts.preserveTimes ? await sourceTime(session, job, opts.signal) : undefined;
      if (mtime === 0) note(TIMES_NOT_SET.download);
      // Checked again by descriptor, given the target's mode (or the remote one for a new file) and time, renamed.
      await placeLocalPartial(job.partial, job.to, job.remoteMode, mtime || undefined);
      if (job.version) await opts.remoteState?.set(job.from, job.version);
    }, offersDownloadRanges);
  } finally {
    if (owned) await pool.close();
  }
}

/** The notes of preserveTimes (each at most once per transfer). */
const TIMES_NOT_SET = {
  upload: 'The server cannot set modification times, so the uploaded files carry the time of the upload instead of their local one.',
  download: 'The server did not tell the modification time of some files, so they carry the time of the download.',
} as const;

/**
 * A download's remote modification time for preserveTimes: an FTP LIST time may hold only minutes
 * (or days for older files), so such a file is asked again (MDTM/MLST: seconds). 0: unknown.
 */
async function sourceTime(session: RemoteFileSystem, job: FileJob, signal?: AbortSignal): Promise<number> {
  const listed = job.mtimeMs ?? 0;
  if (!job.listedTime) return listed;
  const now = await session.stat(job.from, { signal });
  // Changed since it was listed: its new time would not be these bytes' time.
  if (now.size !== job.size || !now.mtime) return listed;
  job.version = versionOf(now);
  return now.mtime;
}

/** Indexes of partial names per folder listing (a Set of names or a Map by name), built on first use. */
const partialIndexes = new WeakMap<Set<string> | Map<string, unknown>, PartialIndex>();
function olderPartials(listing: Set<string> | Map<string, unknown>, current: string): string[] {
  let index = partialIndexes.get(listing);
  if (!index) partialIndexes.set(listing, (index = new PartialIndex(listing.keys())));
  return index.olderThan(current);
}

/** Where a session's bytes come from: its verified identity (partial names include it). */
function originOf(rfs: RemoteFileSystem): string {
  return sourceIdentity(rfs.identity, rfs.protocol);
}

/**
 * The partial name (in the target's folder) an upload of local `from`, in this version, to `to`
 * over `rfs` writes: bound to the server's identity and the source's path, size and mtime.
 */
export function uploadPartialName(rfs: RemoteFileSystem, from: string, version: { size: number; mtimeMs: number }, to: string): string {
  return partialName(remote.basename(to), `${originOf(rfs)}:${path.resolve(from)}:${version.size}:${version.mtimeMs}`, to);
}

/** `localNames`: what the target folder holds, when known (saves a stat per file in big trees). */
async function downloadJob(origin: string, from: string, to: string, entry: RemoteEntry, localNames?: Set<string>): Promise<FileJob> {
  const name = partialName(path.basename(to), `${origin}:${from}:${entry.size}:${entry.mtime}`, to);
  let partial = path.join(path.dirname(to), name);
  // Looked at, never followed: only this user's own regular file is resumed (and the open checks again).
  const found = localNames && !localNames.has(name) ? ({ kind: 'absent' } as const) : await inspectLocalPartial(partial);
  if (found.kind === 'foreign') partial = freshPartialName(partial);
  const have = found.kind === 'ours' ? found.size : 0;
  // A partial longer than the source can't be a prefix of it: start over.
  const offset = have <= entry.size ? have : 0;
  const names = localNames ?? new Set(await fs.readdir(path.dirname(to)).catch(() => []));
  const stale = olderPartials(names, name).map((n) => path.join(path.dirname(to), n));
  return { from, to, partial, size: entry.size, offset, version: versionOf(entry), stale, mtimeMs: entry.mtime, ...(entry.mtimePrecision ? { listedTime: true } : {}), ...(entry.permissions !== undefined ? { remoteMode: entry.permissions } : {}) };
}

/**
 * Lists the remote tree level by level (listings in parallel) and creates the local folders.
 * Symbolic links follow the rules of symlinks.ts: where a link leads is asked of the server
 * (SFTP realpath resolves links; an FTPS server can't be asked, so there a link to a file counts
 * as inside only when it names a regular file in its own folder).
 */
async function planDownloadTree(
  pool: SessionPool,
  protocol: Protocol,
  origin: string,
  root: string,
  dest: string,
  ignored: IgnoreMatcher,
  jobs: FileJob[],
  skipped: SkippedEntry[],
  opts: TransferOptions,
): Promise<void> {
  await walkRemoteTree(pool, protocol, root, dest, ignored, skipped, opts, {
    enter: async (dir) => {
      await fs.mkdir(dir.to, { recursive: true });
      return new Set(await fs.readdir(dir.to));
    },
    file: async (_dir, localNames, from, to, entry) => void jobs.push(await downloadJob(origin, from, to, entry, localNames)),
  });
}

/** What a tree walk tells its caller (the planners here, and core/sync's comparison). */
export interface TreeVisitor<Ctx, Entry> {
  /** A folder is entered, before its entries: what it returns is handed to `file` for its files. */
  enter(dir: TreeDir): Promise<Ctx>;
  /** A regular file, or a link to one that the rules let through (`entry`: what it leads to). */
  file(dir: TreeDir, ctx: Ctx, from: string, to: string, entry: Entry, rel: string): Promise<void>;
  /** Something in `dir` was left out (ignored, a partial, an unsafe name, a link not followed…). */
  leftOut?(dir: TreeDir): void;
  /** Ignored paths are noted in `skipped` (default: only for uploads, as before). */
  noteIgnored?: boolean;
}

/**
 * Walks a remote tree level by level (listings in parallel over the pool), mapping each name onto
 * the local folder `dest` (hostile names are skipped: safeLocalJoin). Symbolic links follow the
 * rules of symlinks.ts: where a link leads is asked of the server (SFTP realpath resolves links; an
 * FTPS server can't be asked, so there a link to a file counts as inside only when it names a
 * regular file in its own folder). Engine partials are never visited.
 */
export async function walkRemoteTree<Ctx>(
  pool: SessionPool,
  protocol: Protocol,
  root: string,
  dest: string,
  ignored: IgnoreMatcher,
  skipped: SkippedEntry[],
  opts: Pick<TransferOptions, 'signal' | 'followSymlinks'>,
  visitor: TreeVisitor<Ctx, RemoteEntry>,
): Promise<void> {
  const signal = opts.signal;
  const resolvesLinks = protocol === 'sftp';
  const use = <T>(fn: (rfs: RemoteFileSystem) => Promise<T>): Promise<T> => pool.use(fn, signal);
  /** The server's realpath, or undefined where it has none to give (then no link is proven inside). */
  const realpathOf = (p: string): Promise<string | undefined> =>
    use((rfs) => rfs.realpath(p, { signal })).catch((err: unknown) => {
      if (signal?.aborted) throw err;
      return undefined;
    });
  const rootReal = await realpathOf(root);

  /** What a link leads to: the entry (stat follows links) and its real path, or why it leads nowhere. */
  const resolveLink = async (from: string, link: RemoteEntry, listed: Map<string, RemoteEntry>): Promise<{ entry: RemoteEntry; real?: string } | { reason: string }> => {
    let entry: RemoteEntry;
    try {
      entry = await use((rfs) => rfs.stat(from, { signal }));
    } catch (err) {
      if (signal?.aborted) throw err;
      if (!(err instanceof NotFoundError)) return { reason: SKIP_REASONS.unresolvable(describeError(err)) };
      // OpenSSH answers "no such file" to a loop too. A chain of links within this folder is followed
      // here (the listing has their targets); realpath resolves a link whose last component is missing.
      const chain = linkChainInFolder(link, listed);
      if (chain !== 'unknown') return { reason: SKIP_REASONS[chain] };
      const resolved = await use((rfs) => rfs.realpath(from, { signal })).then(
        () => true,
        () => false,
      );
      return { reason: resolved ? SKIP_REASONS.dangling : SKIP_REASONS.unreachable };
    }
    // FTPS: a link the server can't follow is listed again as a link.
    if (entry.type === 'symlink') {
      const chain = linkChainInFolder(link, listed);
      return { reason: chain === 'unknown' ? SKIP_REASONS.unreachable : SKIP_REASONS[chain] };
    }
    if (!resolvesLinks && !(entry.type === 'directory' && opts.followSymlinks)) return { entry };
    return { entry, real: await realpathOf(from) };
  };

  /**
   * Where following a folder link would loop back to, if it would. An FTPS server's answer may be a
   * logical path (ProFTPD's PWD keeps link names), so there the target as listed, resolved by name
   * from the link's folder, is checked too: `up -> ..` loops whatever PWD says.
   */
  const loopsBack = (dir: TreeDir, child: RemoteEntry, real: string | undefined): string | undefined => {
    if (real !== undefined && wouldLoop(dir, real)) return real;
    if (resolvesLinks || child.target === undefined) return undefined;
    const named = remote.resolve(dir.real ?? dir.from, child.target);
    return wouldLoop(dir, named) ? named : undefined;
  };

  await walkLevels(
    { from: root, to: dest, rel: '', real: rootReal, links: 0 },
    pool.capacity,
    async (dir, descend) => {
      const ctx = await visitor.enter(dir);
      const entries = await use((rfs) => rfs.list(dir.from, { signal }));
      const listed = new Map(entries.map((e) => [e.name, e]));
      const skip = (entry: SkippedEntry): void => {
        skipped.push(entry);
        visitor.leftOut?.(dir);
      };
      for (const child of entries.sort((a, b) => a.name.localeCompare(b.name))) {
        const from = remote.join(dir.from, child.name);
        const rel = relJoin(dir.rel, child.name);
        if (ignored(rel) || isPartialName(child.name)) {
          if (visitor.noteIgnored && !isPartialName(child.name)) skipped.push({ path: from, reason: SKIP_REASONS.ignored });
          visitor.leftOut?.(dir);
          continue;
        }
        let to: string;
        try {
          to = safeLocalJoin(dir.to, child.name);
        } catch (err) {
          skip({ path: from, reason: describeError(err) });
          continue;
        }
        const sub = (real: string | undefined, links: number): TreeDir => ({ from, to, rel, real, links, up: dir });
        if (child.type === 'directory') {
          descend(sub(dir.real === undefined ? undefined : remote.join(dir.real, child.name), dir.links));
          continue;
        }
        if (child.type === 'file') {
          await visitor.file(dir, ctx, from, to, child, rel);
          continue;
        }
        if (child.type !== 'symlink') {
          skip({ path: from, reason: SKIP_REASONS.notFileOrFolder });
          continue;
        }
        const link = await resolveLink(from, child, listed);
        if ('reason' in link) {
          skip({ path: from, reason: link.reason });
          continue;
        }
        const e = { ...link.entry, name: child.name };
        // Inside: proven by the server's realpath, or (no realpath) a regular file named in the same folder.
        const inside = resolvesLinks
          ? link.real !== undefined && rootReal !== undefined && isWithin(rootReal, link.real)
          : e.type === 'file' && child.target !== undefined && !child.target.includes('/') && listed.get(child.target)?.type === 'file';
        if (!inside && !opts.followSymlinks) {
          const proven = resolvesLinks && rootReal !== undefined && link.real !== undefined;
          const reason = proven ? SKIP_REASONS.leaves(link.real!) : e.type === 'directory' ? SKIP_REASONS.folderLink : SKIP_REASONS.unproven;
          skip({ path: from, reason });
        } else if (e.type === 'file') {
          await visitor.file(dir, ctx, from, to, e, rel);
        } else if (e.type !== 'directory') {
          skip({ path: from, reason: SKIP_REASONS.notFileOrFolder });
        } else if (!opts.followSymlinks) {
          skip({ path: from, reason: SKIP_REASONS.folderLink });
        } else if (loopsBack(dir, child, link.real) !== undefined) {
          skip({ path: from, reason: SKIP_REASONS.backToEnclosing(loopsBack(dir, child, link.real)!) });
        } else if (dir.links >= MAX_FOLLOWED_LINKS) {
          skip({ path: from, reason: SKIP_REASONS.tooDeep });
        } else {
          descend(sub(link.real, dir.links + 1));
        }
      }
    },
    signal,
  );
}

// ---------------------------------------------------------------- upload

export async function upload(source: SessionSource, localPath: string, remoteTarget: string | TransferTarget, opts: TransferOptions = {}): Promise<TransferResult> {
  return uploadPlanned(source, opts, async (pool, rfs, ignored, skipped, addFile) => {
    const st = await localStat(localPath);
    if (!st) throw new UsageError(`${localPath} does not exist: check the local path.`);
    if (st.isDirectory() && !opts.recursive) {
      throw new UsageError(`${localPath} is a folder: add -r to upload it with everything inside.`);
    }
    assertUploadable(localPath);
    const dest = await landingPath(remoteTarget, path.basename(localPath), remote.join, async (p) => (await remoteStat(rfs, p, opts.signal))?.type === 'directory');
    if (st.isDirectory()) {
      await planUploadTree(pool, localPath, dest, ignored, skipped, addFile, opts);
    } else {
      const dir = remote.dirname(dest);
      const names = [remote.basename(dest), uploadPartialName(rfs, localPath, st, dest)];
      const there = new Map<string, RemoteEntry>();
      for (const name of names) {
        // lstat where the server has it: a link planted at the partial's name must show as a link.
        const e = await (name === names[0] ? remoteStat : remoteLstat)(rfs, remote.join(dir, name), opts.signal);
        if (e) there.set(name, e);
      }
      if (there.get(names[0])?.type === 'directory') throw fileOntoFolder(dest);
      // Older partials of this target are found by name only: list the folder (best effort). Only for
      // large files: a listing may cost more than a small file's upload (upload on save), and an
      // interrupted small upload leaves little behind.
      if (st.size >= VERIFY_FROM_BYTES) {
        for (const e of (await remoteList(rfs, dir, opts.signal).catch(() => undefined)) ?? []) {
          if (isPartialName(e.name) && !there.has(e.name)) there.set(e.name, e);
        }
      }
      await addFile(localPath, st, dest, there);
    }
  });
}

/**
 * Uploads exactly these local files (no tree walk): each remote folder is listed once (what is
 * there, partials to resume, older ones to delete) or created when missing; then the same jobs,
 * conflict checks, modes and atomic renames as upload(). Every file must be uploadable (not in
 * `.git`, not the profile file) and a regular file (or a link to one).
 */
export async function uploadFiles(source: SessionSource, pairs: readonly TransferPair[], opts: TransferOptions = {}): Promise<TransferResult> {
  for (const pair of pairs) assertUploadable(pair.from);
  return uploadPlanned(source, opts, async (pool, _rfs, _ignored, _skipped, addFile) => {
    const byDir = groupBy(pairs, (p) => remote.dirname(p.to));
    const listings = new Map<string, RemoteEntry[] | undefined>();
    await runBounded([...byDir.keys()], pool.capacity, async (dir) => void listings.set(dir, await pool.use((rfs) => remoteList(rfs, dir, opts.signal), opts.signal)), opts.signal);
    // Missing folders created parents first, one at a time (two mkdir -p racing for a parent can fail).
    for (const dir of [...byDir.keys()].sort()) {
      if (!listings.get(dir)) await pool.use((rfs) => rfs.mkdir(dir, { signal: opts.signal }), opts.signal);
    }
    for (const [dir, list] of byDir) {
      const there = new Map((listings.get(dir) ?? []).map((e) => [e.name, e]));
      for (const pair of list) {
        const st = await localStat(pair.from);
        if (!st) throw new UsageError(`${pair.from} does not exist: check the local path.`);
        if (!st.isFile()) throw new UsageError(`${pair.from} is not a regular file: only files are uploaded by name.`);
        if (there.get(remote.basename(pair.to))?.type === 'directory') throw fileOntoFolder(pair.to);
        await addFile(pair.from, st, pair.to, there);
      }
    }
  });
}

type AddUploadFile = (from: string, s: Stats, to: string, there: Map<string, RemoteEntry>) => Promise<void>;

/** Plans an upload's jobs with `plan` (through addFile), checks conflicts, then runs them (upload() and uploadFiles()). */
async function uploadPlanned(
  source: SessionSource,
  opts: TransferOptions,
  plan: (pool: SessionPool, rfs: RemoteFileSystem, ignored: IgnoreMatcher, skipped: SkippedEntry[], addFile: AddUploadFile) => Promise<void>,
): Promise<TransferResult> {
  const { pool, owned } = asPool(source);
  try {
    const rfs = await pool.any(opts.signal);
    const skipped: SkippedEntry[] = [];
    const jobs: FileJob[] = [];
    const ignored = ignoreMatcher(opts.ignore);
    const backoff = RESUME_BACKOFF_BYTES[rfs.protocol];
    const conflicts: ConflictError[] = [];

    /** One file: compare with what is there now, find a partial to resume. */
    const addFile: AddUploadFile = async (from, s, to, there) => {
      const base = remote.basename(to);
      let partial = remote.join(remote.dirname(to), uploadPartialName(rfs, from, s, to));
      const now = there.get(base);
      const known = await opts.remoteState?.get(to);
      if (known && now && now.type === 'file' && !sameVersion(known, versionOf(now)) && !opts.force) {
        conflicts.push(new ConflictError(to, known, versionOf(now)));
      }
      const stale = olderPartials(there, remote.basename(partial)).map((n) => remote.join(remote.dirname(to), n));
      // Only a regular file is resumed; a link or folder at the name is never written through.
      const found = there.get(remote.basename(partial));
      if (found && found.type !== 'file') partial = remote.join(remote.dirname(to), freshPartialName(remote.basename(partial)));
      const have = found?.type === 'file' ? found.size : 0;
      const offset = have > 0 && have <= s.size ? Math.max(0, have - backoff) : 0;
      const replacing = now?.type === 'file' ? now : undefined;
      jobs.push({
        from,
        to,
        partial,
        size: s.size,
        offset,
        stale,
        sourceMode: s.mode & 0o777,
        mtimeMs: s.mtimeMs,
        ...(replacing?.permissions !== undefined ? { targetMode: replacing.permissions } : replacing ? { keepServerMode: true } : {}),
        ...(replacing?.gid !== undefined ? { targetGid: replacing.gid } : {}),
        ...(replacing && !known ? { replacesUnknown: true } : {}),
      });
    };

    await plan(pool, rfs, ignored, skipped, addFile);
    if (conflicts.length > 0) {
      const first = conflicts[0];
      if (conflicts.length === 1) throw first;
      throw new ConflictError(first.remotePath, first.expected, first.found, conflicts.length - 1);
    }
    const unknown = jobs.filter((j) => j.replacesUnknown).map((j) => j.to);
    if (unknown.length > 0 && opts.confirmReplace && !(await opts.confirmReplace(unknown))) {
      throw new CancelledError(`Not uploaded: ${escapeControlChars(unknown[0])}${unknown.length > 1 ? ` and ${unknown.length - 1} more` : ''} already exist${unknown.length > 1 ? '' : 's'} on the server and ${unknown.length > 1 ? 'were' : 'was'} kept.`);
    }
    throwIfAborted(opts.signal);

    return await runJobs(pool, jobs, opts, skipped, async (session, job, note, onBytes, spread) => {
      if (spread) keepRangedPartial(job, remote.join, remote.dirname, remote.basename);
      await deleteStale(job, (p) => session.delete(p, { signal: opts.signal }));
      const mode = await finalUploadMode(session, job, opts.signal);
      const put = (offset: number, onMoved: (bytes: number) => void) =>
        session.uploadFile(job.from, job.partial, {
          offset,
          signal: opts.signal,
          onProgress: (p) => onMoved(p.bytes),
          ...(mode !== undefined ? { mode, ...(job.targetGid !== undefined ? { gid: job.targetGid } : {}) } : {}),
          onNote: note,
        });
      if (spread) {
        const gid = mode !== undefined ? job.targetGid : undefined;
        await rangedUpload(spread, job, { ...rangedContext(opts, session, onBytes), mode, gid, note, join: remote.join, dirname: remote.dirname, basename: remote.basename });
      } else await moveChecked(
        job,
        {
          transfer: (offset, onMoved) =>
            put(offset, onMoved).catch((err: unknown) => {
              if (!isUnsafePartial(err)) throw err;
              job.partial = remote.join(remote.dirname(job.partial), freshPartialName(remote.basename(job.partial)));
              job.offset = 0;
              return put(0, onMoved);
            }),
          partialSize: async () => (await session.stat(job.partial, { signal: opts.signal })).size,
          serverHash: async () => session.hashFile?.(job.partial, { signal: opts.signal }),
          localFile: () => job.from,
          deletePartial: () => session.delete(job.partial, { signal: opts.signal }).catch((err: unknown) => (err instanceof NotFoundError ? undefined : Promise.reject(err))),
        },
        onBytes,
      );
      throwIfAborted(opts.signal);
      // Before the rename, which keeps it: the file never shows in place with the wrong time.
      if (opts.preserveTimes && job.mtimeMs !== undefined && !(await session.setTimes?.(job.partial, job.mtimeMs, { signal: opts.signal }))) note(TIMES_NOT_SET.upload);
      await session.rename(job.partial, job.to, { overwrite: true, signal: opts.signal });
      if (opts.remoteState) await opts.remoteState.set(job.to, versionOf(await session.stat(job.to, { signal: opts.signal })));
    }, offersUploadRanges);
  } finally {
    if (owned) await pool.close();
  }
}

/**
 * The mode an upload's file gets before its rename: an existing target's (an atomic replace keeps
 * it); for a new file the source's without the server's umask, as OpenSSH's `sftp put` does (the
 * local umask where the server's can't be learned). Undefined: leave the server's default.
 */
async function finalUploadMode(session: RemoteFileSystem, job: FileJob, signal?: AbortSignal): Promise<number | undefined> {
  if (job.targetMode !== undefined) return job.targetMode;
  if (job.keepServerMode || job.sourceMode === undefined) return undefined;
  const umask = (await session.creationMask?.(remote.dirname(job.to), { signal }).catch(() => undefined)) ?? currentUmask();
  return job.sourceMode & ~umask & 0o777;
}

async function remoteLstat(rfs: RemoteFileSystem, p: string, signal?: AbortSignal): Promise<RemoteEntry | undefined> {
  if (!rfs.lstat) return remoteStat(rfs, p, signal);
  try {
    return await rfs.lstat(p, { signal });
  } catch (err) {
    if (err instanceof NotFoundError) return undefined;
    throw err;
  }
}

/** Walks the local tree; per remote folder, one listing (or a mkdir) tells what is already there. */
async function planUploadTree(
  pool: SessionPool,
  root: string,
  dest: string,
  ignored: IgnoreMatcher,
  skipped: SkippedEntry[],
  addFile: AddUploadFile,
  opts: TransferOptions,
): Promise<void> {
  const signal = opts.signal;
  await walkLocalTree(root, dest, pool.capacity, ignored, skipped, opts, {
    enter: async (dir) => {
      const listed = await pool.use((rfs) => remoteList(rfs, dir.to, signal), signal);
      if (!listed) await pool.use((rfs) => rfs.mkdir(dir.to, { signal }), signal);
      return new Map((listed ?? []).map((e) => [e.name, e]));
    },
    file: (_dir, there, from, to, s) => addFile(from, s, to, there),
  });
}

/**
 * Walks a local tree level by level, mapping each name onto the remote folder `dest`. Local
 * symbolic links follow the rules of symlinks.ts, resolved with fs.realpath. Ignored paths are
 * noted in `skipped` (as upload always did).
 */
export async function walkLocalTree<Ctx>(
  root: string,
  dest: string,
  parallel: number,
  ignored: IgnoreMatcher,
  skipped: SkippedEntry[],
  opts: Pick<TransferOptions, 'signal' | 'followSymlinks'>,
  visitor: TreeVisitor<Ctx, Stats>,
): Promise<void> {
  const signal = opts.signal;
  const rootReal = await fs.realpath(root);

  /** What a local link leads to, or why it leads nowhere. */
  const resolveLink = async (from: string): Promise<{ st: Stats; real: string } | { reason: string }> => {
    try {
      const st = await fs.stat(from);
      return { st, real: await fs.realpath(from) };
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return { reason: SKIP_REASONS.dangling };
      if (code === 'ELOOP') return { reason: SKIP_REASONS.loop };
      return { reason: SKIP_REASONS.unresolvable(code ?? describeError(err)) };
    }
  };

  await walkLevels(
    { from: root, to: dest, rel: '', real: rootReal, links: 0 },
    parallel,
    async (dir, descend) => {
      const ctx = await visitor.enter(dir);
      const skip = (entry: SkippedEntry): void => {
        skipped.push(entry);
        visitor.leftOut?.(dir);
      };
      for (const name of (await fs.readdir(dir.from)).sort()) {
        const from = path.join(dir.from, name);
        const to = remote.join(dir.to, name);
        const rel = relJoin(dir.rel, name);
        if (ignored(rel)) {
          skip({ path: from, reason: SKIP_REASONS.ignored });
          continue;
        }
        const sub = (real: string | undefined, links: number): TreeDir => ({ from, to, rel, real, links, up: dir });
        const s = await fs.lstat(from);
        if (s.isDirectory()) {
          descend(sub(dir.real === undefined ? undefined : path.join(dir.real, name), dir.links));
          continue;
        }
        if (s.isFile()) {
          await visitor.file(dir, ctx, from, to, s, rel);
          continue;
        }
        if (!s.isSymbolicLink()) {
          skip({ path: from, reason: SKIP_REASONS.notFileOrFolder });
          continue;
        }
        const link = await resolveLink(from);
        if ('reason' in link) {
          skip({ path: from, reason: link.reason });
          continue;
        }
        if (!isWithin(rootReal, link.real, path) && !opts.followSymlinks) {
          skip({ path: from, reason: SKIP_REASONS.leaves(link.real) });
        } else if (link.st.isFile()) {
          await visitor.file(dir, ctx, from, to, link.st, rel);
        } else if (!link.st.isDirectory()) {
          skip({ path: from, reason: SKIP_REASONS.notFileOrFolder });
        } else if (!opts.followSymlinks) {
          skip({ path: from, reason: SKIP_REASONS.folderLink });
        } else if (wouldLoop(dir, link.real, path)) {
          skip({ path: from, reason: SKIP_REASONS.backToEnclosing(link.real) });
        } else if (dir.links >= MAX_FOLLOWED_LINKS) {
          skip({ path: from, reason: SKIP_REASONS.tooDeep });
        } else {
          descend(sub(link.real, dir.links + 1));
        }
      }
    },
    signal,
  );
}
