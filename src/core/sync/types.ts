/**
 * A sync of one local folder with one remote folder, in one direction: the plan (what would change,
 * and why) is built first, shown or printed, and only then run through the transfer engine.
 */
import type { FileEvent, SkippedEntry, TransferResult } from '../transfer/engine';
import type { ProgressListener } from '../transfer/progress';

/** upload: local → remote (the local folder is the source); download: remote → local. */
export type SyncDirection = 'upload' | 'download';

/**
 * - new: at the source only;
 * - changed: changed at the source since the last sync (or, before any sync, differs and the source is newer);
 * - deleted: at the destination only (removed at the source since the last sync, or never there): run only with `delete`;
 * - conflict: the destination changed since the last sync of this pair (or, before any sync, is newer
 *   than the source): skipped unless `force`.
 */
export type SyncAction = 'new' | 'changed' | 'deleted' | 'conflict';

/** One side's version of a file as compared: size, mtime (ms; 0 unknown) and, with checksums, the hash. */
export interface SyncVersion {
  size: number;
  mtime: number;
  /** `algorithm:hex`, when compared by checksum. */
  hash?: string;
}

export interface SyncRow {
  /** The path below both roots, '/'-separated, never starting with '/' (server names escaped only when shown). */
  rel: string;
  action: SyncAction;
  type: 'file' | 'directory';
  /** Why, as a short phrase for people ("changed on the server since the last sync"). */
  reason: string;
  /** Absent for `deleted`. */
  source?: SyncVersion;
  /** Absent for `new`. */
  destination?: SyncVersion;
}

export interface SyncPlan {
  direction: SyncDirection;
  /** Absolute local folder. */
  localRoot: string;
  /** Absolute remote folder. */
  remoteRoot: string;
  /** How files were compared: size and mtime (with the last sync's record), or the server's hash. */
  compare: 'size-mtime' | 'checksum';
  /** Whether `deleted` rows will run (the plan shows them either way). */
  delete: boolean;
  /** Whether conflicts will be overwritten. */
  force: boolean;
  /** No record of an earlier sync of this pair was found. */
  firstSync: boolean;
  /** Sorted by rel. */
  rows: SyncRow[];
  /** Files the same on both sides. */
  unchanged: number;
  /** What was left out and why (ignored, the profile file, `.git/`, unsafe names, links). */
  skipped: SkippedEntry[];
  /**
   * The unchanged files' versions on both sides (rel → versions), so that the run records them too:
   * after a first sync, a later change on the destination is then seen as a conflict.
   */
  inStep?: SyncRecord['files'];
}

/** The last-synced state of one (server, remote folder, local folder) pair. */
export interface SyncRecord {
  /** rel → both sides' versions right after the last sync of that file. */
  files: Record<string, { local: SyncVersion; remote: SyncVersion }>;
  /** ms since the epoch. */
  syncedAt: number;
}

export interface SyncStateStore {
  load(): Promise<SyncRecord | undefined>;
  save(record: SyncRecord): Promise<void>;
}

export interface SyncOptions {
  /** Compare by the server's hash (refused with one sentence when the server offers none). */
  checksum?: boolean;
  /** Also remove destination files missing from the source. */
  delete?: boolean;
  /** Overwrite conflicts instead of skipping them. */
  force?: boolean;
  /** Extra ignore globs, relative to the roots (`.git/` and the profile file always are). */
  ignore?: string[];
  preserveTimes?: boolean;
  followSymlinks?: boolean;
  signal?: AbortSignal;
  /** How messages name the server (e.g. serverUrl()); default "the server". */
  serverName?: string;
}

export interface RunSyncOptions extends SyncOptions {
  /** Only these rows (by rel) run; default every row the plan would run. */
  only?: ReadonlySet<string>;
  onProgress?: ProgressListener;
  onFile?: (event: FileEvent) => void;
}

export interface SyncResult {
  /** Files transferred (new + changed, + conflicts with force). */
  transferred: number;
  /** Files and folders removed at the destination. */
  deleted: number;
  /** Conflicts left alone (rel). */
  conflicts: string[];
  /** Rows that changed again between the plan and the run, and were left alone (rel). */
  changedSincePlan: string[];
  transfer: TransferResult;
}
