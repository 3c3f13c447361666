/**
 * Plans and runs a sync (see types.ts; the decision itself is compare.ts, pure; the record of the
 * last sync is state.ts). planSync() only reads: listings (level by level, in parallel over the
 * pool, with the engine's own walkers and so its symlink rules), local stats and, with checksums,
 * hashes. runSync() checks each row again just before it runs (a row whose files changed since the
 * plan is left alone), moves files through the transfer engine (atomic partial + rename, resume,
 * pooled), deletes only with `delete`, and records what ended the same on both sides.
 */
import { promises as fs, type Stats } from 'node:fs';
import * as path from 'node:path';
import { escapeControlChars } from '../displayText';
import { NotFoundError, SecurityRefusal, UsageError } from '../errors';
import type { Protocol } from '../profiles/types';
import type { HashAlgorithm, RemoteEntry, RemoteFileSystem } from '../session/remoteFileSystem';
import { downloadFiles, groupBy, hashLocalFile, remoteStat, uploadFiles, walkLocalTree, walkRemoteTree, type FileEvent, type SessionSource, type SkippedEntry, type TransferPair, type TransferResult } from '../transfer/engine';
import { assertUploadable, ignoreMatcher } from '../transfer/ignore';
import { isPartialName } from '../transfer/partialName';
import { runBounded } from '../transfer/queue';
import { remote } from '../transfer/remotePath';
import { SessionPool } from '../transfer/sessionPool';
import { SKIP_REASONS } from '../transfer/symlinks';
import { compareTrees, sameOnSide, type Side, type SideTree } from './compare';
import type { RunSyncOptions, SyncDirection, SyncOptions, SyncPlan, SyncRecord, SyncResult, SyncRow, SyncStateStore, SyncVersion } from './types';

export * from './types';

/** The reason a file is skipped when the other side has a folder of the same name. */
export const CLASH_REASON = 'a file on one side and a folder on the other: left alone';
/**
 * A local name the server side could never give back: a listing with a backslash (or a drive letter)
 * in a name is dropped as hostile (remotePath.ts safeLocalJoin), so such a file, once uploaded, would
 * plan as "new" on every run, and on a download it would look like an extra to delete. Left out on
 * both directions, with this reason.
 */
export const UNSYNCABLE_NAME_REASON = 'its name holds a backslash or a drive letter, which a server listing could not give back safely: left out of syncs';
function unsyncableLocalRel(rel: string): boolean {
  return rel.split('/').some((n) => n.includes('\\') || /^[A-Za-z]:/.test(n));
}

async function withPool<T>(source: SessionSource, fn: (pool: SessionPool) => Promise<T>): Promise<T> {
  if (source instanceof SessionPool) return fn(source);
  const pool = new SessionPool({ seed: source });
  try {
    return await fn(pool);
  } finally {
    await pool.close();
  }
}

/** A local file's version as compared and recorded: size, mtime to the ms. */
export function localVersion(st: Pick<Stats, 'size' | 'mtimeMs'>): SyncVersion {
  return { size: st.size, mtime: Math.trunc(st.mtimeMs) };
}

function remoteVersion(e: Pick<RemoteEntry, 'size' | 'mtime'>): SyncVersion {
  return { size: e.size, mtime: e.mtime };
}

async function statOrUndefined(p: string, follow: boolean): Promise<Stats | undefined> {
  try {
    return await (follow ? fs.stat(p) : fs.lstat(p));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw err;
  }
}

/**
 * A plan's path below a root, checked name by name: a plan is data, and it never leads outside the
 * roots. (Server names were already checked by the walk with safeLocalJoin, which also refuses a
 * backslash; a local name may hold one on POSIX systems, where it is no separator.)
 */
function checkedRel(rel: string): string[] {
  const names = rel.split('/');
  const bad = (n: string) => n === '' || n === '.' || n === '..' || n.includes('\0') || (path.sep === '\\' && /[\\:]/.test(n));
  if (names.some(bad)) throw new SecurityRefusal(`The sync plan names "${escapeControlChars(rel)}", which could lead outside the synced folders; nothing was run for it.`, 'unsafe-name');
  return names;
}

function localOf(root: string, rel: string): string {
  return path.join(root, ...checkedRel(rel));
}

function remoteOf(root: string, rel: string): string {
  return remote.join(root, ...checkedRel(rel));
}

function sidesOf(direction: SyncDirection): { src: Side; dst: Side } {
  return direction === 'upload' ? { src: 'local', dst: 'remote' } : { src: 'remote', dst: 'local' };
}

function emptyTree(): SideTree {
  return { files: new Map(), dirs: new Set(), keeps: new Set() };
}

/** Compares the trees and says what a sync would do; changes nothing (not even the record). */
export async function planSync(source: SessionSource, direction: SyncDirection, localRoot: string, remoteRoot: string, state: SyncStateStore, opts: SyncOptions = {}): Promise<SyncPlan> {
  return withPool(source, async (pool) => {
    const signal = opts.signal;
    const local = path.resolve(localRoot);
    const server = opts.serverName ?? 'the server';
    const rfs = await pool.any(signal);
    const localSt = await statOrUndefined(local, true);
    if (localSt && !localSt.isDirectory()) throw new UsageError(`${local} is not a folder: sync compares two folders, so name the local folder.`);
    if (!localSt && direction === 'upload') throw new UsageError(`${local} does not exist: check the local folder.`);
    if (direction === 'upload') assertUploadable(local);
    const remoteSt = await remoteStat(rfs, remoteRoot, signal);
    if (remoteSt && remoteSt.type !== 'directory') throw new UsageError(`${escapeControlChars(remoteRoot)} is not a folder on ${server}: sync compares two folders, so name the remote folder.`);
    if (!remoteSt && direction === 'download') throw new UsageError(`${escapeControlChars(remoteRoot)} does not exist on ${server}: check the remote folder.`);

    const record = await state.load();
    const ignored = ignoreMatcher(opts.ignore);
    const localTree = emptyTree();
    const remoteTree = emptyTree();
    const localSkipped: SkippedEntry[] = [];
    const remoteSkipped: SkippedEntry[] = [];
    if (localSt) {
      await walkLocalTree(local, remoteRoot, pool.capacity, ignored, localSkipped, opts, {
        enter: async (dir) => void localTree.dirs.add(dir.rel),
        file: async (dir, _ctx, from, _to, st, rel) => {
          // A download's partial left here is not a file of the tree.
          if (isPartialName(path.basename(from))) localTree.keeps.add(dir.rel);
          else if (unsyncableLocalRel(rel)) {
            localSkipped.push({ path: from, reason: UNSYNCABLE_NAME_REASON });
            localTree.keeps.add(dir.rel);
          }
          else localTree.files.set(rel, localVersion(st));
        },
        leftOut: (dir) => void localTree.keeps.add(dir.rel),
      });
    }
    if (remoteSt) {
      await walkRemoteTree(pool, rfs.protocol, remoteRoot, local, ignored, remoteSkipped, opts, {
        enter: async (dir) => void remoteTree.dirs.add(dir.rel),
        file: async (_dir, _ctx, _from, _to, entry, rel) => void remoteTree.files.set(rel, remoteVersion(entry)),
        leftOut: (dir) => void remoteTree.keeps.add(dir.rel),
        noteIgnored: direction === 'download',
      });
    }
    const [srcTree, dstTree] = direction === 'upload' ? [localTree, remoteTree] : [remoteTree, localTree];
    if (opts.checksum) await addHashes(pool, rfs, local, remoteRoot, localTree, remoteTree, server, signal);

    const out = compareTrees({ direction, source: srcTree, destination: dstTree, record, protocol: rfs.protocol });
    // What the source side left out is news; at the destination, ignored files are expected (.git).
    const [srcSkipped, dstSkipped] = direction === 'upload' ? [localSkipped, remoteSkipped] : [remoteSkipped, localSkipped];
    const skipped = [
      ...srcSkipped,
      ...dstSkipped.filter((s) => s.reason !== SKIP_REASONS.ignored),
      ...out.clashes.map((rel) => ({ path: direction === 'upload' ? remote.join(remoteRoot, rel) : path.join(local, ...rel.split('/')), reason: CLASH_REASON })),
    ];
    return {
      direction,
      localRoot: local,
      remoteRoot,
      compare: opts.checksum ? 'checksum' : 'size-mtime',
      delete: Boolean(opts.delete),
      force: Boolean(opts.force),
      firstSync: !record,
      rows: out.rows,
      unchanged: Object.keys(out.inStep).length,
      skipped,
      inStep: out.inStep,
    };
  });
}

/**
 * Hashes every file present on both sides: the server's hash (it reads the file, nothing crosses the
 * wire) and the local file's with the same algorithm. Refused in one sentence when the server has none.
 */
async function addHashes(pool: SessionPool, rfs: RemoteFileSystem, localRoot: string, remoteRoot: string, localTree: SideTree, remoteTree: SideTree, server: string, signal?: AbortSignal): Promise<void> {
  const refuse = () => new UsageError(`${server === 'the server' ? 'The server' : server} offers no file hashes, so --checksum can't compare by content: drop --checksum to compare by size and modification time.`);
  if (!rfs.hashFile) throw refuse();
  const common = [...localTree.files.keys()].filter((rel) => remoteTree.files.has(rel)).sort();
  let algorithm: HashAlgorithm | undefined;
  const hashOne = async (rel: string): Promise<void> => {
    const theirs = await pool.use((r) => r.hashFile!(remoteOf(remoteRoot, rel), { signal, ...(algorithm ? { algorithms: [algorithm] } : {}) }), signal);
    if (!theirs) throw refuse();
    algorithm ??= theirs.algorithm;
    const ours = await hashLocalFile(localOf(localRoot, rel), theirs.algorithm);
    remoteTree.files.get(rel)!.hash = `${theirs.algorithm}:${theirs.hex}`;
    localTree.files.get(rel)!.hash = `${theirs.algorithm}:${ours}`;
  };
  // The first alone: it learns the algorithm, and a server without hashes is refused before more.
  if (common.length > 0) await hashOne(common[0]);
  await runBounded(common.slice(1), pool.capacity, hashOne, signal);
}

/** What a file is now, on one side: its version, 'other' (a folder, a link where none was…), or absent. */
type Now = SyncVersion | 'other' | undefined;

/**
 * The remote files' versions as a listing shows them now (each folder listed once, in parallel), a
 * link resolved by stat as the walk did. Never stat for plain files: a listing's time is what the
 * plan and the record hold.
 */
async function remoteNow(pool: SessionPool, root: string, rels: readonly string[], signal?: AbortSignal): Promise<Map<string, { now: Now; entry?: RemoteEntry }>> {
  const byDir = groupBy(rels, (rel) => (rel.includes('/') ? rel.slice(0, rel.lastIndexOf('/')) : ''));
  const out = new Map<string, { now: Now; entry?: RemoteEntry }>();
  await runBounded(
    [...byDir],
    pool.capacity,
    async ([dir, list]) => {
      const entries = await pool
        .use((rfs) => rfs.list(dir === '' ? root : remoteOf(root, dir), { signal }), signal)
        .catch((err: unknown) => (err instanceof NotFoundError ? [] : Promise.reject(err)));
      const byName = new Map(entries.map((e) => [e.name, e]));
      for (const rel of list) {
        const name = rel.slice(rel.lastIndexOf('/') + 1);
        let e = byName.get(name);
        if (e?.type === 'symlink') e = await pool.use((rfs) => remoteStat(rfs, remoteOf(root, rel), signal), signal);
        out.set(rel, !e ? { now: undefined } : e.type === 'file' ? { now: remoteVersion(e), entry: { ...e, name } } : { now: 'other' });
      }
    },
    signal,
  );
  return out;
}

async function localNow(root: string, rel: string, follow: boolean): Promise<Now> {
  const st = await statOrUndefined(localOf(root, rel), follow);
  if (!st) return undefined;
  return st.isFile() ? localVersion(st) : 'other';
}

function sameNow(side: Side, now: Now, planned: SyncVersion | undefined, protocol: Protocol): boolean {
  if (!planned) return now === undefined;
  return now !== undefined && now !== 'other' && sameOnSide(side, now, planned, protocol);
}

function emptyResult(skipped: SkippedEntry[]): TransferResult {
  return { files: 0, bytes: 0, movedBytes: 0, resumed: 0, verifiedByHash: 0, skipped, notes: [] };
}

/** Which rows of a plan run: transfers (new, changed, forced conflicts) and deletes (with `delete`). */
export function rowsToRun(plan: SyncPlan, opts: Pick<RunSyncOptions, 'force' | 'delete' | 'only'> = {}): { transfers: SyncRow[]; deletes: SyncRow[]; conflicts: SyncRow[] } {
  const force = opts.force ?? plan.force;
  const del = opts.delete ?? plan.delete;
  const chosen = (r: SyncRow) => !opts.only || opts.only.has(r.rel);
  const transfers = plan.rows.filter((r) => chosen(r) && r.type === 'file' && r.source && (r.action === 'new' || r.action === 'changed' || (r.action === 'conflict' && force)));
  const deletes = plan.rows.filter((r) => chosen(r) && del && !r.source && (r.action === 'deleted' || (r.action === 'conflict' && force)));
  const running = new Set([...transfers, ...deletes]);
  const conflicts = plan.rows.filter((r) => r.action === 'conflict' && !running.has(r));
  return { transfers, deletes, conflicts };
}

/** Runs a reviewed plan: rows that changed since it was made are left alone and listed. */
export async function runSync(source: SessionSource, plan: SyncPlan, state: SyncStateStore, opts: RunSyncOptions = {}): Promise<SyncResult> {
  return withPool(source, async (pool) => {
    const signal = opts.signal;
    const rfs = await pool.any(signal);
    const protocol = rfs.protocol;
    const { src, dst } = sidesOf(plan.direction);
    const { transfers, deletes, conflicts } = rowsToRun(plan, opts);
    const fileDeletes = deletes.filter((r) => r.type === 'file');

    // Checked again, just before: the source as planned, the destination as planned (absent for new).
    const remoteRels = [...transfers, ...fileDeletes].map((r) => r.rel);
    const remoteSeen = await remoteNow(pool, plan.remoteRoot, remoteRels, signal);
    const nowOf = async (side: Side, rel: string): Promise<Now> => (side === 'remote' ? remoteSeen.get(rel)?.now : localNow(plan.localRoot, rel, side === src));
    const changedSincePlan: string[] = [];
    const ready: SyncRow[] = [];
    const sourceNow = new Map<string, SyncVersion>();
    for (const row of transfers) {
      const s = await nowOf(src, row.rel);
      if (sameNow(src, s, row.source, protocol) && sameNow(dst, await nowOf(dst, row.rel), row.destination, protocol)) {
        ready.push(row);
        sourceNow.set(row.rel, { ...(s as SyncVersion), ...(row.source?.hash ? { hash: row.source.hash } : {}) });
      } else changedSincePlan.push(row.rel);
    }
    const readyDeletes: SyncRow[] = [];
    for (const row of fileDeletes) {
      if ((await nowOf(src, row.rel)) === undefined && sameNow(dst, await nowOf(dst, row.rel), row.destination, protocol)) readyDeletes.push(row);
      else changedSincePlan.push(row.rel);
    }

    const transferred = new Set<string>();
    const deleted = new Set<string>();
    let transfer = emptyResult([...plan.skipped]);
    let failure: { err: unknown } | undefined;
    const pairs: TransferPair[] = ready.map((r) =>
      plan.direction === 'upload'
        ? { from: localOf(plan.localRoot, r.rel), to: remoteOf(plan.remoteRoot, r.rel) }
        : { from: remoteOf(plan.remoteRoot, r.rel), to: localOf(plan.localRoot, r.rel), entry: remoteSeen.get(r.rel)?.entry },
    );
    const relOf = new Map(pairs.map((p, i) => [p.to, ready[i].rel]));
    const onFile = (event: FileEvent): void => {
      if (event.type === 'done') transferred.add(relOf.get(event.file.to)!);
      opts.onFile?.(event);
    };
    if (pairs.length > 0) {
      try {
        const move = plan.direction === 'upload' ? uploadFiles : downloadFiles;
        // force: the plan and the check above already decided about conflicts.
        const r = await move(pool, pairs, { signal, onFile, onProgress: opts.onProgress, preserveTimes: opts.preserveTimes, force: true });
        transfer = { ...r, skipped: [...plan.skipped, ...r.skipped] };
      } catch (err) {
        failure = { err };
      }
    }

    // Deletes only after every transfer went well: a failed run never goes on to remove things.
    if (!failure && readyDeletes.length > 0) {
      try {
        await runBounded(
          readyDeletes,
          pool.capacity,
          async (row) => {
            if (dst === 'remote') await pool.use((r) => r.delete(remoteOf(plan.remoteRoot, row.rel), { signal }), signal);
            else await fs.unlink(localOf(plan.localRoot, row.rel));
            deleted.add(row.rel);
          },
          signal,
        );
      } catch (err) {
        failure = { err };
      }
    }
    // Folders deepest first, each only when everything the plan had in it is gone (a conflict left
    // alone keeps its folder); removed as empty folders, so anything new in one keeps it too.
    if (!failure) {
      const dirs = deletes.filter((r) => r.type === 'directory').sort((a, b) => b.rel.split('/').length - a.rel.split('/').length);
      // Folders holding a row that was not deleted (marked up the tree, not searched per folder;
      // deepest first, so a folder left standing holds its parent too).
      const held = new Set<string>();
      const hold = (rel: string): void => {
        for (let i = rel.indexOf('/'); i !== -1; i = rel.indexOf('/', i + 1)) held.add(rel.slice(0, i));
      };
      const running = new Set(dirs);
      for (const r of plan.rows) if ((r.type === 'file' && !deleted.has(r.rel)) || (r.type === 'directory' && !running.has(r))) hold(r.rel);
      for (const row of dirs) {
        if (held.has(row.rel)) {
          hold(row.rel);
          continue;
        }
        try {
          if (dst === 'remote') await pool.use((r) => r.rmdir(remoteOf(plan.remoteRoot, row.rel), { signal }), signal);
          else await fs.rmdir(localOf(plan.localRoot, row.rel));
          deleted.add(row.rel);
        } catch (err) {
          if (signal?.aborted) {
            failure = { err };
            break;
          }
          // Not empty (something appeared since the plan) or gone: left as it is, and said.
          changedSincePlan.push(row.rel);
          hold(row.rel);
        }
      }
    }

    try {
      // After a failure or Cancel too: what did complete is recorded (without the aborted signal).
      await state.save(await newRecord(pool, plan, state, ready, sourceNow, transferred, deleted, failure ? undefined : signal));
    } catch (err) {
      if (!failure) throw err;
    }
    if (failure) throw failure.err;
    return { transferred: transferred.size, deleted: deleted.size, conflicts: conflicts.map((r) => r.rel), changedSincePlan: changedSincePlan.sort(), transfer };
  });
}

/**
 * The record after a run: unchanged files as planned; transferred files with the source as it was
 * sent and the destination as it is now (remote: as a fresh listing shows it); rows not run keep
 * their earlier record (a conflict stays a conflict); deleted files and files gone from both sides
 * are dropped.
 */
async function newRecord(pool: SessionPool, plan: SyncPlan, state: SyncStateStore, ready: SyncRow[], sourceNow: Map<string, SyncVersion>, transferred: Set<string>, deleted: Set<string>, signal?: AbortSignal): Promise<SyncRecord> {
  const old = (await state.load())?.files ?? {};
  const files: SyncRecord['files'] = { ...(plan.inStep ?? {}) };
  const done = ready.filter((r) => transferred.has(r.rel)).map((r) => r.rel);
  const after = new Map<string, SyncVersion>();
  if (plan.direction === 'upload') {
    const seen = await remoteNow(pool, plan.remoteRoot, done, signal);
    for (const rel of done) {
      const now = seen.get(rel)?.now;
      if (now && now !== 'other') after.set(rel, now);
    }
  } else {
    for (const rel of done) {
      const now = await localNow(plan.localRoot, rel, false);
      if (now && now !== 'other') after.set(rel, now);
    }
  }
  for (const row of plan.rows) {
    if (row.type !== 'file' || deleted.has(row.rel)) continue;
    const sent = sourceNow.get(row.rel);
    const landed = after.get(row.rel);
    if (transferred.has(row.rel) && sent && landed) {
      // The same bytes on both sides: the hash (when compared by hash) holds for both.
      const dest = { ...landed, ...(sent.hash ? { hash: sent.hash } : {}) };
      files[row.rel] = plan.direction === 'upload' ? { local: sent, remote: dest } : { local: dest, remote: sent };
    } else if (old[row.rel] && !transferred.has(row.rel)) {
      files[row.rel] = old[row.rel];
    }
  }
  return { files, syncedAt: Date.now() };
}
