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
import { CancelledError, describeError, throwIfAborted } from '../core/errors';
import type { LoadedProfile } from '../core/profiles/types';
import type { RemoteFileSystem } from '../core/session/remoteFileSystem';
import { download, upload, type SkippedEntry, type TransferOptions, type TransferResult } from '../core/transfer/engine';
import { escapeControlChars } from '../core/displayText';
import { ConflictError, RemoteVersions } from '../core/transfer/remoteState';
import { SessionPool, type SessionFactory } from '../core/transfer/sessionPool';
import type { Logger } from '../core/log';
import { formatBytes, progressMessage } from './transferProgress';

export { formatBytes };

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
  readonly controller: AbortController;
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
}

export interface TransferServiceOptions {
  /** What the extension last read or wrote of each remote file (shared with the file system provider). */
  versions?: RemoteVersions;
  /** Extra sessions for a transfer, or undefined when opening one might ask the user something. */
  extraSessions?: (profile: LoadedProfile) => Promise<SessionFactory | undefined>;
  /** A remote file changed since it was last read: true overwrites it (asks the user; Cancel is the default). */
  confirmOverwrite?: (profile: LoadedProfile, conflict: ConflictError) => Promise<boolean>;
}

/** The user kept the server's changed file: the transfer ends cancelled, with this sentence. */
class KeptRemoteVersion extends CancelledError {}

export class TransferService implements vscode.Disposable {
  private nextId = 1;
  private readonly records: TransferRecord[] = [];
  private readonly changed = new vscode.EventEmitter<TransferRecord | undefined>();
  readonly onDidChange = this.changed.event;
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
  }

  clearFinished(): void {
    for (let i = this.records.length - 1; i >= 0; i--) if (!['running', 'queued'].includes(this.records[i].state)) this.records.splice(i, 1);
    this.changed.fire(undefined);
  }

  /** Runs one transfer with a cancellable progress notification; resolves with its final record. */
  async run(req: TransferRequest): Promise<TransferRecord> {
    const record: TransferRecord = {
      id: this.nextId++, direction: req.direction, profileName: req.profile.name, local: req.local, remote: req.remote,
      state: 'queued', bytes: 0, files: 0, controller: new AbortController(),
    };
    this.records.unshift(record);
    this.changed.fire(record);
    const verb = req.direction === 'upload' ? 'Uploading' : 'Downloading';
    const name = req.direction === 'upload' ? path.basename(req.local) : path.posix.basename(req.remote);
    await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `${verb} ${name}`, cancellable: true },
      async (progress, token) => {
        const cancelSub = token.onCancellationRequested(() => record.controller.abort());
        try {
          await this.execute(req, record, progress);
          record.state = 'done';
          const skips = record.skipped?.length ? `; ${record.skipped.length} skipped` : '';
          this.log.info(`${verb} ${req.local} ${req.direction === 'upload' ? '→' : '←'} ${req.profile.name}:${req.remote} done (${formatBytes(record.bytes)}${skips}).`);
          // Names and link targets may come from the server: escaped, like everywhere else.
          for (const s of record.skipped ?? []) this.log.warn(`Skipped ${escapeControlChars(s.path)}: ${escapeControlChars(s.reason)}`);
          for (const n of record.notes ?? []) this.log.warn(escapeControlChars(n));
        } catch (err) {
          const cancelled = record.controller.signal.aborted || err instanceof CancelledError;
          record.state = cancelled ? 'cancelled' : 'failed';
          record.error = err instanceof KeptRemoteVersion ? err.message : cancelled ? 'Cancelled.' : describeError(err);
          this.log[cancelled ? 'info' : 'error'](`${verb} ${name} ${cancelled ? `cancelled: ${record.error}` : `failed: ${record.error}`}`);
        } finally {
          cancelSub.dispose();
          record.finishedAt = Date.now();
          this.changed.fire(record);
          this.onFinished?.(record, req.profile);
        }
      },
    );
    return record;
  }

  private async execute(req: TransferRequest, record: TransferRecord, progress: vscode.Progress<{ message?: string; increment?: number }>): Promise<void> {
    const signal = record.controller.signal;
    const seed = await this.session(req.profile, signal);
    throwIfAborted(signal);
    // Only a folder gains from more sessions; one file moves over the profile's connection.
    const factory = req.recursive ? await this.options.extraSessions?.(req.profile) : undefined;
    const pool = new SessionPool({ seed, factory });
    record.state = 'running';
    record.startedAt = Date.now();
    this.changed.fire(record);
    let reportedPct = 0;
    const opts: TransferOptions = {
      recursive: req.recursive,
      signal,
      remoteState: this.versions.forServer(req.profile),
      onProgress: (p) => {
        record.bytes = p.bytes;
        record.total = p.totalBytes;
        record.files = p.files;
        const pct = p.totalBytes ? (p.bytes / p.totalBytes) * 100 : 0;
        progress.report({ message: progressMessage(p), increment: pct - reportedPct });
        reportedPct = pct;
        this.changed.fire(record);
      },
      onFileDone: (to) => {
        if (req.direction === 'upload') this.onRemoteChanged(req.profile.name, to);
      },
    };
    try {
      const result = req.direction === 'download' ? await this.download(pool, req, opts) : await this.upload(pool, seed, req, opts);
      record.skipped = result.skipped;
      record.notes = result.notes;
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
  private async upload(pool: SessionPool, seed: RemoteFileSystem, req: TransferRequest, opts: TransferOptions): Promise<TransferResult> {
    await seed.mkdir(path.posix.dirname(req.remote), { signal: opts.signal });
    const target = { exact: req.remote };
    const ignore = [...(req.profile.ignore ?? []), ...(req.ignore ?? [])];
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
