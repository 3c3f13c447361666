/**
 * The per-file rows of one transfer (children of its row in the Transfers view), fed by the engine's
 * file events. Bounded whatever the transfer's size: the files moving now, the last few finished
 * and failed ones, and counts for the rest, so a 20,000-file upload keeps a handful of rows. It
 * also remembers which files started and never finished: their partials are what the transfer
 * left behind (Resume continues them, Discard deletes them). Plain logic, unit-tested.
 */
import type { FileEvent, TransferFile } from '../core/transfer/engine';

export type FileRowState = 'running' | 'done' | 'failed' | 'cancelled';

export interface FileRow {
  readonly kind: 'file';
  readonly file: TransferFile;
  state: FileRowState;
  /** Bytes of the file that are there (resumed prefix included). */
  bytes: number;
  error?: string;
}

/** How many rows of each kind are kept. */
export const FILE_ROW_LIMITS = { running: 20, done: 5, failed: 10 } as const;

export class FileRows {
  private readonly running = new Map<TransferFile, FileRow>();
  private readonly done: FileRow[] = [];
  private readonly failed: FileRow[] = [];
  /** Started and not finished (their partials may remain); a set of at most the lanes + failures. */
  private readonly unfinished = new Set<TransferFile>();
  doneCount = 0;
  /** Files that ended without finishing: failed or cancelled. */
  failedCount = 0;
  /** Of failedCount, those stopped by a cancel (not failures of their own). */
  cancelledCount = 0;

  constructor(
    private readonly describe: (err: unknown) => string,
    /** Whether a file's failure is the transfer being cancelled. */
    private readonly cancelled: (err: unknown) => boolean = () => false,
    /** What an earlier run of the same transfer left (Resume): still ours until those files finish. */
    inherited: readonly TransferFile[] = [],
  ) {
    this.inherited = new Map(inherited.map((f) => [f.to, f]));
  }

  private readonly inherited: Map<string, TransferFile>;

  /** Applies one engine event; true when a row appeared, moved or ended (not for bytes alone). */
  apply(e: FileEvent): boolean {
    if (e.type === 'start') {
      // The same partial continued by this run is tracked through its new file object.
      if (this.inherited.get(e.file.to)?.partial === e.file.partial) this.inherited.delete(e.file.to);
      this.running.set(e.file, { kind: 'file', file: e.file, state: 'running', bytes: e.file.offset });
      this.unfinished.add(e.file);
      return true;
    }
    const row = this.running.get(e.file);
    if (!row) return false;
    if (e.type === 'progress') {
      row.bytes = e.bytes;
      return false;
    }
    this.running.delete(e.file);
    if (e.type === 'done') {
      row.state = 'done';
      row.bytes = e.file.size;
      this.unfinished.delete(e.file);
      this.inherited.delete(e.file.to);
      this.doneCount++;
      push(this.done, row, FILE_ROW_LIMITS.done);
    } else {
      row.state = this.cancelled(e.error) ? 'cancelled' : 'failed';
      row.error = this.describe(e.error);
      this.failedCount++;
      if (row.state === 'cancelled') this.cancelledCount++;
      push(this.failed, row, FILE_ROW_LIMITS.failed);
    }
    return true;
  }

  /** Running first (up to the limit), then failed or cancelled, then the last finished ones; newest first. */
  rows(): FileRow[] {
    return [...[...this.running.values()].slice(0, FILE_ROW_LIMITS.running), ...[...this.failed].reverse(), ...[...this.done].reverse()];
  }

  /** Files moving now, including those beyond the row limit. */
  get runningCount(): number {
    return this.running.size;
  }

  /** How many files the rows leave out (running beyond the limit, older finished and failed). */
  get hiddenCount(): number {
    return Math.max(0, this.running.size - FILE_ROW_LIMITS.running) + (this.doneCount - this.done.length) + (this.failedCount - this.failed.length);
  }

  /** What started and never finished: the partials of these files may be on disk or the server. */
  leftBehind(): TransferFile[] {
    return [...this.unfinished, ...this.inherited.values()];
  }

  forget(file: TransferFile): void {
    this.unfinished.delete(file);
    if (this.inherited.get(file.to) === file) this.inherited.delete(file.to);
  }
}

function push(list: FileRow[], row: FileRow, limit: number): void {
  list.push(row);
  if (list.length > limit) list.shift();
}
