/**
 * Uploads and downloads with visible progress, through core's transfer engine (temporary partial
 * names renamed into place, resume, ignore rules, conflict detection, bounded concurrency). Each
 * transfer runs under window.withProgress; its Cancel (or the Transfers view's Cancel) aborts an
 * AbortController whose signal goes down to the transport. Records stay listed (finished ones too)
 * for the Transfers view.
 */
import * as path from 'node:path';
import { promises as fsp } from 'node:fs';
import * as vscode from 'vscode';
import { CancelledError, describeError, NotFoundError, throwIfAborted } from '../core/errors';
import type { LoadedProfile } from '../core/profiles/types';
import type { RemoteFileSystem } from '../core/session/remoteFileSystem';
import { download, upload, type SkippedEntry, type TransferFile, type TransferOptions, type TransferResult } from '../core/transfer/engine';
import { escapeControlChars, serverText } from '../core/displayText';
import { inspectLocalPartial } from '../core/localPartial';
import { isPartialName } from '../core/transfer/partialName';
import type { TransferProgressSnapshot } from '../core/transfer/progress';
import { ConflictError, RemoteVersions } from '../core/transfer/remoteState';
import { SessionPool, type SessionFactory } from '../core/transfer/sessionPool';
import type { Logger } from '../core/log';
import { FileRows } from './transferFiles';
import { finishedMessage, formatBytes, progressMessage } from './transferProgress';

export { formatBytes };

/** How long the finished message stays in the status bar. */
const FINISHED_MESSAGE_MS = 6000;

export type TransferState = 'queued' | 'running' | 'done' | 'failed' | 'cancelled';
export type Direction = 'upload' | 'download';

export interface TransferRecord {
  id: number;
  direction: Direction;
  profileName: string;
  local: string;
  remote: string;
  state: TransferState;
  bytes: number;
  total?: number;
  files: number;
  startedAt?: number;
  finishedAt?: number;
  error?: string;
  /** What a finished transfer left out, and why (ignored files, links not followed…). */
  skipped?: SkippedEntry[];
  /** What the server could not do that is no failure (e.g. set permissions), one sentence each. */
  notes?: string[];
  /** The latest progress (the same snapshot the notification shows): rate, ETA, file counts. */
  progress?: TransferProgressSnapshot;
  /** Per-file rows and what started without finishing (its partials); per run. */
  fileRows: FileRows;
  /** A finished transfer in one sentence (the status-bar message). */
  summary?: string;
  /** What ran: Resume runs it again. */
  readonly request: TransferRequest;
  /** The user already agreed to replace the existing remote files of this transfer (Resume doesn't ask again). */
  replaceConfirmed?: boolean;
  controller: AbortController;
}

/** A run's file rows: a file that stopped because the transfer was cancelled reads "cancelled", not "failed". */
function fileRowsFor(r: TransferRecord, inherited: readonly TransferFile[] = []): FileRows {
  return new FileRows(describeError, (err) => err instanceof CancelledError || r.controller.signal.aborted, inherited);
}

/** Partials that a cancelled or failed transfer left (Resume continues them, Discard deletes them). */
export function hasPartials(r: TransferRecord): boolean {
  return (r.state === 'cancelled' || r.state === 'failed') && r.fileRows.leftBehind().length > 0;
}

export interface TransferRequest {
  direction: Direction;
  profile: LoadedProfile;
  /** The exact local file or folder (a download creates it). */
  local: string;
  /** The exact remote file or folder (an upload creates it). */
  remote: string;
  /** Transfer a whole folder. */
  recursive?: boolean;
  /** Ignore globs on top of the profile's (`.git/` and the profile file are always skipped). */
  ignore?: readonly string[];
  /**
   * Uploads: ask before replacing existing remote files this window never read or wrote (unless the
   * profile's confirmOverwrite is false). Explicit uploads ask; upload on save never does.
   */
  askBeforeReplacing?: boolean;
  /**
   * Runs instead of a plain upload or download (a sync plan): given the session pool and the engine
   * options this record listens to (progress, file rows, cancel), it returns the engine's result and
   * the one sentence that says how it ended. Resume runs it again.
   */
  job?: (pool: SessionPool, opts: TransferOptions) => Promise<{ transfer: TransferResult; summary: string }>;
  /** What the Transfers view calls it (default: the file or folder's name). */
  label?: string;
}

export interface TransferServiceOptions {
  /** What the extension last read or wrote of each remote file (shared with the file system provider). */
  versions?: RemoteVersions;
  /** Extra sessions for a transfer, or undefined when opening one might ask the user something. */
  extraSessions?: (profile: LoadedProfile, first: RemoteFileSystem) => Promise<SessionFactory | undefined>;
  /** A remote file changed since it was last read: true overwrites it (asks the user; Cancel is the default). */
  confirmOverwrite?: (profile: LoadedProfile, conflict: ConflictError) => Promise<boolean>;
  /** Existing remote files this window never saw would be replaced: true replaces them (Cancel is the default). */
  confirmReplace?: (profile: LoadedProfile, existing: string[]) => Promise<boolean>;
  /** Shows a finished transfer's sentence for a few seconds (default: the status bar). */
  showFinished?: (message: string) => void;
  /** A partial file was deleted on the server by Discard Partial (the activity log records every server write). */
  onRemoteDelete?: (profile: LoadedProfile, remotePath: string) => void;
}

/** The user kept the server's changed file: the transfer ends cancelled, with this sentence. */
class KeptRemoteVersion extends CancelledError {}

export class TransferService implements vscode.Disposable {
  private nextId = 1;
  private readonly records: TransferRecord[] = [];
  private readonly changed = new vscode.EventEmitter<TransferRecord | undefined>();
  /** A transfer was added or removed (undefined), or one changed state or its file rows. */
  readonly onDidChange = this.changed.event;
  private readonly localWritten = new vscode.EventEmitter<string>();
  /** A download (or a sync to this computer) finished writing this local file (upload on save ignores it). */
  readonly onDidWriteLocal = this.localWritten.event;
  private readonly progressed = new vscode.EventEmitter<TransferRecord>();
  /** A running transfer moved bytes (often: listeners throttle). */
  readonly onDidProgress = this.progressed.event;
  readonly versions: RemoteVersions;

  constructor(
    private readonly session: (profile: LoadedProfile, signal: AbortSignal) => Promise<RemoteFileSystem>,
    private readonly log: Logger,
    /** Told after a remote file changed, so open editors and the tree refresh. */
    private readonly onRemoteChanged: (profileName: string, remotePath: string) => void,
    /** Told when a transfer ends, however it ended (the activity log). */
    private readonly onFinished?: (record: TransferRecord, profile: LoadedProfile) => void,
    private readonly options: TransferServiceOptions = {},
  ) {
    this.versions = options.versions ?? new RemoteVersions();
  }

  get all(): readonly TransferRecord[] {
    return this.records;
  }

  cancel(id: number): boolean {
    const r = this.records.find((x) => x.id === id);
    if (!r || (r.state !== 'running' && r.state !== 'queued')) return false;
    r.controller.abort();
    return true;
  }

  dispose(): void {
    for (const r of this.records) r.controller.abort();
    this.changed.dispose();
    this.progressed.dispose();
    this.localWritten.dispose();
  }

  find(id: number): TransferRecord | undefined {
    return this.records.find((x) => x.id === id);
  }

  /**
   * Runs a cancelled or failed transfer's request again, in its row: the engine finds the partials
   * it left (same names) and continues them. Undefined when there is nothing to resume.
   */
  async resume(id: number): Promise<TransferRecord | undefined> {
    const r = this.find(id);
    if (!r || !hasPartials(r)) return undefined;
    Object.assign(r, { state: 'queued', bytes: 0, total: undefined, files: 0, startedAt: undefined, finishedAt: undefined, error: undefined, skipped: undefined, notes: undefined, progress: undefined, summary: undefined });
    // What this run doesn't reach (cancelled again first) stays discardable.
    r.fileRows = fileRowsFor(r, r.fileRows.leftBehind());
    r.controller = new AbortController();
    this.changed.fire(r);
    return this.start(r);
  }

  /**
   * Deletes what a cancelled or failed transfer left under partial names: on the server for an
   * upload, on this machine for a download. Only the exact partial names the engine wrote for this
   * transfer's files are touched, and only when they still are regular files; the count deleted.
   */
  async discardPartials(id: number): Promise<number> {
    const r = this.find(id);
    if (!r || !hasPartials(r)) return 0;
    const req = r.request;
    const root = req.direction === 'upload' ? req.remote : req.local;
    const sep = req.direction === 'upload' ? '/' : path.sep;
    const p = req.direction === 'upload' ? path.posix : path;
    const mine = (f: TransferFile): boolean =>
      isPartialName(p.basename(f.partial)) && p.dirname(f.partial) === p.dirname(f.to) && (f.to === root || f.to.startsWith(root.endsWith(sep) ? root : root + sep));
    const files = r.fileRows.leftBehind();
    let deleted = 0;
    const session = req.direction === 'upload' ? await this.session(req.profile, new AbortController().signal) : undefined;
    for (const f of files) {
      if (!mine(f)) {
        this.log.warn(`Not discarding ${escapeControlChars(f.partial)}: it is not a partial of ${escapeControlChars(f.to)}.`);
        continue;
      }
      if (session) {
        const entry = await (session.lstat ?? session.stat).call(session, f.partial).catch((err: unknown) => (err instanceof NotFoundError ? undefined : Promise.reject(err)));
        if (entry?.type === 'file') {
          await session.delete(f.partial).catch((err: unknown) => (err instanceof NotFoundError ? undefined : Promise.reject(err)));
          deleted++;
          this.options.onRemoteDelete?.(req.profile, f.partial);
        } else if (entry) {
          this.log.warn(`Not discarding ${escapeControlChars(f.partial)}: it is not a regular file.`);
        }
        this.onRemoteChanged(req.profile.name, f.partial);
      } else {
        // Looked at without following: only this user's own regular file is deleted.
        const found = await inspectLocalPartial(f.partial);
        if (found.kind === 'ours') {
          await fsp.rm(f.partial, { force: true });
          deleted++;
        } else if (found.kind === 'foreign') {
          this.log.warn(`Not discarding ${f.partial}: it is ${found.what}.`);
        }
      }
      r.fileRows.forget(f);
    }
    this.log.info(`Discarded ${deleted} partial file${deleted === 1 ? '' : 's'} of ${r.direction === 'upload' ? path.basename(req.local) : escapeControlChars(path.posix.basename(req.remote))}.`);
    this.changed.fire(r);
    return deleted;
  }

  clearFinished(): void {
    for (let i = this.records.length - 1; i >= 0; i--) if (!['running', 'queued'].includes(this.records[i].state)) this.records.splice(i, 1);
    this.changed.fire(undefined);
  }

  /** Runs one transfer with a cancellable progress notification; resolves with its final record. */
  async run(req: TransferRequest): Promise<TransferRecord> {
    const record: TransferRecord = {
      id: this.nextId++, direction: req.direction, profileName: req.profile.name, local: req.local, remote: req.remote,
      state: 'queued', bytes: 0, files: 0, controller: new AbortController(), request: req, fileRows: undefined as unknown as FileRows,
    };
    record.fileRows = fileRowsFor(record);
    this.records.unshift(record);
    this.changed.fire(undefined);
    return this.start(record);
  }

  private async start(record: TransferRecord): Promise<TransferRecord> {
    const req = record.request;
    const verb = req.job ? 'Syncing' : req.direction === 'upload' ? 'Uploading' : 'Downloading';
    const name = req.label ?? (req.direction === 'upload' ? path.basename(req.local) : path.posix.basename(req.remote));
    await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `${verb} ${name}`, cancellable: true },
      async (progress, token) => {
        const cancelSub = token.onCancellationRequested(() => record.controller.abort());
        try {
          const result = await this.execute(req, record, progress);
          record.state = 'done';
          record.finishedAt = Date.now();
          const skips = record.skipped?.length ? `; ${record.skipped.length} skipped` : '';
          this.log.info(`${verb} ${req.local} ${req.direction === 'upload' ? '→' : '←'} ${req.profile.name}:${req.remote} done (${formatBytes(record.bytes)}${skips}).`);
          // Names and link targets may come from the server: escaped, like everywhere else.
          for (const s of record.skipped ?? []) this.log.warn(`Skipped ${escapeControlChars(s.path)}: ${escapeControlChars(s.reason)}`);
          for (const n of record.notes ?? []) this.log.warn(escapeControlChars(n));
          record.summary = result.summary ?? finishedMessage({
            direction: req.direction,
            // A download's name and every remote path may come from a server listing.
            name: req.direction === 'upload' ? path.basename(req.local) : serverText(path.posix.basename(req.remote)),
            remoteFolder: `${req.profile.name}:${serverText(path.posix.dirname(req.remote))}`,
            localFolder: path.dirname(req.local),
            ...(req.recursive ? { files: result.transfer.files } : {}),
            bytes: result.transfer.bytes,
            seconds: (record.finishedAt - (record.startedAt ?? record.finishedAt)) / 1000,
          });
          (this.options.showFinished ?? ((m: string) => vscode.window.setStatusBarMessage(`$(check) ${m}`, FINISHED_MESSAGE_MS)))(record.summary);
        } catch (err) {
          const cancelled = record.controller.signal.aborted || err instanceof CancelledError;
          record.state = cancelled ? 'cancelled' : 'failed';
          record.error = err instanceof KeptRemoteVersion ? err.message : cancelled ? 'Cancelled.' : describeError(err);
          this.log[cancelled ? 'info' : 'error'](`${verb} ${name} ${cancelled ? `cancelled: ${record.error}` : `failed: ${record.error}`}`);
        } finally {
          cancelSub.dispose();
          record.finishedAt ??= Date.now();
          this.changed.fire(record);
          this.onFinished?.(record, req.profile);
        }
      },
    );
    return record;
  }

  private async execute(req: TransferRequest, record: TransferRecord, progress: vscode.Progress<{ message?: string; increment?: number }>): Promise<{ transfer: TransferResult; summary?: string }> {
    const signal = record.controller.signal;
    const seed = await this.session(req.profile, signal);
    throwIfAborted(signal);
    // Only a folder gains from more sessions; one file moves over the profile's connection (a large
    // one is not spread over several here: see the issue 17 note — its cancel in the UI suite failed).
    const factory = req.recursive ? await this.options.extraSessions?.(req.profile, seed) : undefined;
    const pool = new SessionPool({ seed, factory });
    record.state = 'running';
    record.startedAt = Date.now();
    this.changed.fire(record);
    let reportedPct = 0;
    const opts: TransferOptions = {
      recursive: req.recursive,
      signal,
      remoteState: this.versions.forServer(req.profile),
      // The profile's setting (default off): copies keep their source's modification time.
      preserveTimes: req.profile.preserveTimes === true,
      // One snapshot feeds the notification and the Transfers view alike.
      onProgress: (p) => {
        record.bytes = p.bytes;
        record.total = p.totalBytes;
        record.files = p.files;
        record.progress = p;
        const pct = p.totalBytes ? (p.bytes / p.totalBytes) * 100 : 0;
        progress.report({ message: progressMessage(p), increment: pct - reportedPct });
        reportedPct = pct;
        this.progressed.fire(record);
      },
      onFile: (e) => {
        if (record.fileRows.apply(e)) this.progressed.fire(record);
        if (e.type === 'done' && req.direction === 'download') this.localWritten.fire(e.file.to);
      },
      onFileDone: (to) => {
        if (req.direction === 'upload') this.onRemoteChanged(req.profile.name, to);
      },
    };
    try {
      if (req.job) {
        const done = await req.job(pool, opts);
        record.skipped = done.transfer.skipped;
        record.notes = done.transfer.notes;
        return done;
      }
      const result = req.direction === 'download' ? await this.download(pool, req, opts) : await this.upload(pool, seed, req, opts, record);
      record.skipped = result.skipped;
      record.notes = result.notes;
      return { transfer: result };
    } finally {
      // Closes only the extra sessions: the profile's connection stays for the tree and editors.
      await pool.close();
    }
  }

  private async download(pool: SessionPool, req: TransferRequest, opts: TransferOptions): Promise<TransferResult> {
    await fsp.mkdir(path.dirname(req.local), { recursive: true });
    return download(pool, req.remote, { exact: req.local }, opts);
  }

  /** Uploads; a conflict asks the user, and Overwrite runs the same upload again with `force`. */
  private async upload(pool: SessionPool, seed: RemoteFileSystem, req: TransferRequest, opts: TransferOptions, record: TransferRecord): Promise<TransferResult> {
    await seed.mkdir(path.posix.dirname(req.remote), { signal: opts.signal });
    const target = { exact: req.remote };
    const ignore = [...(req.profile.ignore ?? []), ...(req.ignore ?? [])];
    const ask = this.options.confirmReplace;
    if (req.askBeforeReplacing && req.profile.confirmOverwrite !== false && ask && !record.replaceConfirmed) {
      opts.confirmReplace = async (existing) => {
        const yes = await ask(req.profile, existing);
        if (!yes) throw new KeptRemoteVersion(`Not uploaded: ${existing.length === 1 ? `${serverText(existing[0])} already exists` : `${existing.length} files already exist`} on ${req.profile.name}, and ${existing.length === 1 ? 'it was' : 'they were'} kept.`);
        record.replaceConfirmed = true;
        return true;
      };
    }
    try {
      return await upload(pool, req.local, target, { ...opts, ignore });
    } catch (err) {
      if (!(err instanceof ConflictError)) throw err;
      if (!(await this.options.confirmOverwrite?.(req.profile, err))) {
        throw new KeptRemoteVersion(`Not uploaded: ${err.remotePath} changed on the server since it was last read, and its version was kept.`);
      }
      throwIfAborted(opts.signal);
      return upload(pool, req.local, target, { ...opts, ignore, force: true });
    }
  }
}
