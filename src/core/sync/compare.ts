/**
 * The sync decision as a pure function over the two listings and the record of the last sync, so
 * every rule is tested without a server. How versions compare:
 *
 * - A side against its own record (did it change since the last sync?): remote versions as listings
 *   show them, both then and now (never a stat/MDTM time against a LIST time: they differ in
 *   precision and would read as "changed"); local versions as fs.stat shows them, to the ms.
 * - The local side against the remote one (before any sync of the pair): equal size and mtime
 *   within what the server's listing can show (SFTP: whole seconds; FTPS LIST: minutes, or days for
 *   files older than six months; MLSD: seconds).
 * - With checksums (both sides hashed with the server's algorithm), hashes decide.
 */
import type { Protocol } from '../profiles/types';
import type { SyncDirection, SyncRecord, SyncRow, SyncVersion } from './types';

export type Side = 'local' | 'remote';

/** One side's tree as walked: files by rel, the folders (rel; '' is the root), and folders holding something left out. */
export interface SideTree {
  files: Map<string, SyncVersion>;
  dirs: Set<string>;
  /** Folders (rel) holding something the walk left out (ignored, partials, links): never removed as a whole. */
  keeps: Set<string>;
}

export interface CompareInput {
  direction: SyncDirection;
  source: SideTree;
  destination: SideTree;
  record?: SyncRecord;
  /** The server's protocol: how precise its listed times are. */
  protocol: Protocol;
}

export interface CompareOutput {
  rows: SyncRow[];
  /** The files the same on both sides, with both versions (recorded after a run). */
  inStep: Record<string, { local: SyncVersion; remote: SyncVersion }>;
  /** A file on one side where the other has a folder: never touched. */
  clashes: string[];
}

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const DAY = 24 * 60 * MINUTE;

/**
 * How precise a remote time is, judged from the value and the protocol: SFTP gives whole seconds;
 * an FTP LIST line gives minutes ("Dec  3 12:40"), or only the day for files older than six months
 * ("Jun  1  2025", read as midnight UTC); MLSD gives seconds (or better).
 */
export function remoteTimeUnit(t: number, protocol: Protocol): number {
  if (t % SECOND !== 0) return 1;
  if (protocol === 'sftp' || t % MINUTE !== 0) return SECOND;
  return t % DAY === 0 ? DAY : MINUTE;
}

function sameUnit(a: number, b: number, unit: number): boolean {
  return Math.floor(a / unit) === Math.floor(b / unit);
}

/**
 * Two listed times of one remote file: equal to the coarser precision of the two (a LIST time turns
 * from "12:40" into "2025" when the file passes six months of age: the same file, not a change).
 * Unknown (0) on either side: the size decides alone.
 */
export function sameRemoteTime(a: number, b: number, protocol: Protocol): boolean {
  if (!a || !b || a === b) return true;
  return sameUnit(a, b, Math.max(remoteTimeUnit(a, protocol), remoteTimeUnit(b, protocol)));
}

/** Whether one side's file is still the version recorded (or planned) for that side. */
export function sameOnSide(side: Side, now: SyncVersion, then: SyncVersion, protocol: Protocol): boolean {
  if (now.size !== then.size) return false;
  if (now.hash && then.hash && sameAlgorithm(now.hash, then.hash)) return now.hash === then.hash;
  if (side === 'local') return now.mtime === then.mtime;
  return sameRemoteTime(now.mtime, then.mtime, protocol);
}

function sameAlgorithm(a: string, b: string): boolean {
  return a.slice(0, a.indexOf(':')) === b.slice(0, b.indexOf(':'));
}

/**
 * A local and a remote version of one file, before any sync: 'same'; 'destination-newer' (the
 * destination's mtime is later, beyond what the listing can show); or 'differs'.
 */
export function crossCompare(direction: SyncDirection, source: SyncVersion, destination: SyncVersion, protocol: Protocol): 'same' | 'destination-newer' | 'differs' | 'times-unknown' {
  const [local, remote] = direction === 'upload' ? [source, destination] : [destination, source];
  if (source.hash && destination.hash && sameAlgorithm(source.hash, destination.hash)) {
    if (source.hash === destination.hash && source.size === destination.size) return 'same';
  } else if (source.size === destination.size && local.mtime && remote.mtime && sameUnit(local.mtime, remote.mtime, remoteTimeUnit(remote.mtime, protocol))) {
    return 'same';
  }
  if (!local.mtime || !remote.mtime) return 'times-unknown';
  const unit = remoteTimeUnit(remote.mtime, protocol);
  return Math.floor(destination.mtime / unit) > Math.floor(source.mtime / unit) ? 'destination-newer' : 'differs';
}

/** Where each side is, in words ("on the server", "locally"). */
const WHERE: Readonly<Record<Side, string>> = { remote: 'on the server', local: 'locally' };

function sides(direction: SyncDirection): { src: Side; dst: Side } {
  return direction === 'upload' ? { src: 'local', dst: 'remote' } : { src: 'remote', dst: 'local' };
}

function parentsOf(rel: string): string[] {
  const out: string[] = [];
  for (let i = rel.indexOf('/'); i !== -1; i = rel.indexOf('/', i + 1)) out.push(rel.slice(0, i));
  return out;
}

/**
 * The plan's rows for two trees and the last sync's record (see SyncAction for the rules): one row
 * per file that differs, plus one `deleted` row per destination folder missing at the source that
 * holds nothing left out. Rows sorted by rel.
 */
export function compareTrees(input: CompareInput): CompareOutput {
  const { direction, source, destination, record, protocol } = input;
  const { src, dst } = sides(direction);
  const rows: SyncRow[] = [];
  const inStep: CompareOutput['inStep'] = {};
  const clashes: string[] = [];
  const both = (s: SyncVersion, d: SyncVersion) => (src === 'local' ? { local: s, remote: d } : { local: d, remote: s });

  for (const [rel, s] of source.files) {
    const d = destination.files.get(rel);
    const r = record?.files[rel];
    if (!d) {
      if (destination.dirs.has(rel)) {
        clashes.push(rel);
        continue;
      }
      const reason = r ? `deleted ${WHERE[dst]} since the last sync` : `not ${WHERE[dst]} yet`;
      rows.push({ rel, action: 'new', type: 'file', reason, source: s });
      continue;
    }
    if (r) {
      const dstChanged = !sameOnSide(dst, d, r[dst], protocol);
      const srcChanged = !sameOnSide(src, s, r[src], protocol);
      if (dstChanged) {
        const reason = srcChanged ? `changed ${WHERE[dst]} and ${WHERE[src]} since the last sync` : `changed ${WHERE[dst]} since the last sync`;
        rows.push({ rel, action: 'conflict', type: 'file', reason, source: s, destination: d });
      } else if (srcChanged) {
        rows.push({ rel, action: 'changed', type: 'file', reason: `changed ${WHERE[src]} since the last sync`, source: s, destination: d });
      } else {
        inStep[rel] = both(s, d);
      }
      continue;
    }
    // Never synced (no record of this file): compare the two sides themselves.
    const verdict = crossCompare(direction, s, d, protocol);
    if (verdict === 'same') inStep[rel] = both(s, d);
    else if (verdict === 'destination-newer') rows.push({ rel, action: 'conflict', type: 'file', reason: `newer ${WHERE[dst]} and never synced`, source: s, destination: d });
    else {
      const reason = verdict === 'times-unknown' ? 'differs, and the server does not tell modification times' : `${s.hash ? 'content differs' : 'differs'}, never synced`;
      rows.push({ rel, action: 'changed', type: 'file', reason, source: s, destination: d });
    }
  }

  for (const [rel, d] of destination.files) {
    if (source.files.has(rel)) continue;
    if (source.dirs.has(rel)) {
      clashes.push(rel);
      continue;
    }
    const r = record?.files[rel];
    if (r && !sameOnSide(dst, d, r[dst], protocol)) {
      rows.push({ rel, action: 'conflict', type: 'file', reason: `deleted ${WHERE[src]} but changed ${WHERE[dst]} since the last sync`, destination: d });
    } else {
      rows.push({ rel, action: 'deleted', type: 'file', reason: r ? `deleted ${WHERE[src]} since the last sync` : `not ${WHERE[src]}`, destination: d });
    }
  }

  // Folders missing at the source (a walk enters every folder above a file, so none holds a source
  // file): removable as a whole unless they (or a folder below) hold something left out, or a name
  // the source has as a file.
  const kept = new Set<string>();
  for (const k of [...destination.keeps, ...clashes]) {
    kept.add(k);
    for (const p of parentsOf(k)) kept.add(p);
  }
  for (const rel of destination.dirs) {
    if (rel === '' || source.dirs.has(rel) || source.files.has(rel) || kept.has(rel)) continue;
    rows.push({ rel, action: 'deleted', type: 'directory', reason: `not ${WHERE[src]}` });
  }

  rows.sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0));
  clashes.sort();
  return { rows, inStep, clashes };
}
