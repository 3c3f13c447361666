/**
 * Pure rules of the remote watcher (extension/remoteWatcher.ts), kept free of `vscode` so they are
 * unit-tested: what changed between two listings of one folder, which of those changes are our own
 * writes coming back (no echo), and how long to wait before the next listing (backoff when idle).
 *
 * Only a listing is ever compared with a listing of the same folder: an FTP server's LIST has
 * minute precision (and no time zone) while MDTM/MLST have seconds, so a stat compared with a
 * listing would report changes that never happened.
 */
import type { EntryType, RemoteEntry } from '../core/session/remoteFileSystem';
import { isPartialName } from '../core/transfer/partialName';
import { sameVersion } from '../core/transfer/remoteState';

/** What a listing tells about one entry (bounded numbers; names are the map's keys). */
export interface ListedEntry {
  type: EntryType;
  size: number;
  mtime: number;
  /** How coarse `mtime` is (FTP LIST: minutes, or days for older files), as the listing said. */
  mtimePrecision?: number;
}

export type Listing = ReadonlyMap<string, ListedEntry>;

export type ChangeKind = 'created' | 'changed' | 'deleted';

export interface ListingChange {
  name: string;
  kind: ChangeKind;
  /** The entry now (undefined for a deletion). */
  entry?: ListedEntry;
}

/**
 * A listing as the watcher keeps it. Transfers' partial files (`.name.st-….part`) are hidden, as in
 * the tree: they are our own work in progress, never a change a user should be told about.
 */
export function listingOf(entries: readonly RemoteEntry[]): Map<string, ListedEntry> {
  const m = new Map<string, ListedEntry>();
  for (const e of entries) {
    if (isPartialName(e.name)) continue;
    m.set(e.name, { type: e.type, size: e.size, mtime: e.mtime, ...(e.mtimePrecision ? { mtimePrecision: e.mtimePrecision } : {}) });
  }
  return m;
}

/**
 * The changes from `before` to `after`, by name (sorted, so events come in a stable order). A
 * folder's own size and mtime are not compared: they change with whatever happens inside it, which
 * is the business of that folder's own listing when it is watched. A type change (a file replaced
 * by a folder) is a deletion and a creation.
 */
export function diffListings(before: Listing, after: Listing): ListingChange[] {
  const changes: ListingChange[] = [];
  const names = [...new Set([...before.keys(), ...after.keys()])].sort();
  for (const name of names) {
    const was = before.get(name);
    const now = after.get(name);
    if (!was && now) changes.push({ name, kind: 'created', entry: now });
    else if (was && !now) changes.push({ name, kind: 'deleted' });
    else if (was && now) {
      if (was.type !== now.type) changes.push({ name, kind: 'deleted' }, { name, kind: 'created', entry: now });
      // Compared as every remembered version is (sameVersion): a LIST time that turns from "12:40" into
      // a day as the file ages is no change.
      else if (now.type !== 'directory' && !sameVersion(was, now)) changes.push({ name, kind: 'changed', entry: now });
    }
  }
  return changes;
}

/**
 * A write this window made (an editor save, New Folder, Rename, Delete, an upload): the next listing
 * that shows it must not report it back. `seq` orders it against listings (see reconcile()).
 */
export type OwnWrite =
  | { kind: 'written'; seq: number; size?: number; mtime?: number }
  | { kind: 'deleted'; seq: number };

/**
 * Whether a change is what our own write left. Sizes must agree where we know ours; mtimes only when
 * `exactTimes` (SFTP: the listing and the stat after our write read the same attributes, to the
 * second). Over FTPS the version we recorded came from MLST/MDTM and the listing may be LIST (minutes,
 * no zone): only the size is compared, never those times against each other.
 */
export function isOwnEcho(change: ListingChange, own: OwnWrite, exactTimes: boolean): boolean {
  if (change.kind === 'deleted') return own.kind === 'deleted';
  if (own.kind !== 'written' || !change.entry) return false;
  if (own.size === undefined || change.entry.type === 'directory') return true;
  if (exactTimes) return sameVersion({ size: own.size, mtime: own.mtime ?? 0 }, change.entry);
  return own.size === change.entry.size;
}

export interface Reconciled {
  /** The changes to tell VS Code about. */
  report: ListingChange[];
  /** Own writes this listing settled (it started after them): forget them. */
  settled: string[];
}

/**
 * Compares a folder's new listing with the last one, leaving out our own writes. `listingSeq` was
 * taken when the listing was requested: an own write with a smaller `seq` happened before it, so this
 * listing shows it (or a later change by somebody else, which is then reported) and the write is
 * settled. A write made while the listing was under way is kept for the next one either way.
 */
export function reconcile(before: Listing, after: Listing, own: ReadonlyMap<string, OwnWrite>, listingSeq: number, exactTimes: boolean): Reconciled {
  const changes = diffListings(before, after);
  const echoed = new Set<string>();
  for (const c of changes) {
    const o = own.get(c.name);
    if (o && c.kind !== 'deleted' && isOwnEcho(c, o, exactTimes)) echoed.add(c.name);
  }
  const report = changes.filter((c) => {
    const o = own.get(c.name);
    if (!o) return true;
    // A type change we made ourselves (deleted + created under one name) is one echo.
    if (echoed.has(c.name)) return false;
    return !isOwnEcho(c, o, exactTimes);
  });
  const settled = [...own].filter(([, o]) => o.seq < listingSeq).map(([name]) => name);
  return { report, settled };
}

/** Idle listings of a folder at the set interval before the wait starts to grow. */
export const IDLE_POLLS_BEFORE_BACKOFF = 6;
/** The longest wait between two listings of an idle folder (unless the setting asks for longer). */
export const MAX_IDLE_INTERVAL_SECONDS = 60;

/**
 * Seconds to wait before the next listing of a folder that showed no change in its last `idlePolls`
 * listings: the setting's interval for the first few, then doubling each time, up to a minute (or the
 * setting itself, when that is longer). A change or a user action sets `idlePolls` back to 0.
 */
export function pollDelaySeconds(intervalSeconds: number, idlePolls: number): number {
  const base = Number.isFinite(intervalSeconds) && intervalSeconds >= 1 ? intervalSeconds : 5;
  const cap = Math.max(base, MAX_IDLE_INTERVAL_SECONDS);
  const doublings = Math.max(0, Math.floor(idlePolls) - IDLE_POLLS_BEFORE_BACKOFF + 1);
  return Math.min(cap, base * 2 ** Math.min(doublings, 20));
}
