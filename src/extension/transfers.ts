/**
 * Uploads and downloads with visible progress. Each transfer runs under window.withProgress; its
 * Cancel (or the Transfers view's Cancel) aborts an AbortController whose signal goes down to the
 * transport. Until the transfer engine (issue 6) exists this calls RemoteFileSystem.uploadFile /
 * downloadFile directly. Records stay listed (finished ones too) for the Transfers view.
 */
import * as path from 'node:path';
import { promises as fsp } from 'node:fs';
import * as vscode from 'vscode';
import { CancelledError, describeError, throwIfAborted } from '../core/errors';
import type { LoadedProfile } from '../core/profiles/types';
import type { RemoteFileSystem } from '../core/session/remoteFileSystem';
import { safeLocalJoin } from '../core/transfer/remotePath';
import type { Logger } from '../core/log';

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
  readonly controller: AbortController;
}

/** One file to move; a folder transfer is a list of these plus the folders to create. */
interface FileJob {
  local: string;
  remote: string;
  size: number;
}

export interface TransferRequest {
  direction: Direction;
  profile: LoadedProfile;
  local: string;
  remote: string;
  /** Transfer a whole folder. */
  recursive?: boolean;
  /** Skips local files (uploads) by their path relative to `local`. */
  skip?: (relativePath: string) => boolean;
}

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
export function formatBytes(n: number): string {
  let i = 0;
  let v = n;
  while (v >= 1024 && i < UNITS.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(1)} ${UNITS[i]}`;
}

export class TransferService implements vscode.Disposable {
  private nextId = 1;
  private readonly records: TransferRecord[] = [];
  private readonly changed = new vscode.EventEmitter<TransferRecord | undefined>();
  readonly onDidChange = this.changed.event;

  constructor(
    private readonly session: (profile: LoadedProfile, signal: AbortSignal) => Promise<RemoteFileSystem>,
    private readonly log: Logger,
    /** Told after a remote file changed, so open editors and the tree refresh. */
    private readonly onRemoteChanged: (profileName: string, remotePath: string) => void,
    /** Told when a transfer ends, however it ended (the activity log). */
    private readonly onFinished?: (record: TransferRecord, profile: LoadedProfile) => void,
  ) {}

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
          this.log.info(`${verb} ${req.local} ${req.direction === 'upload' ? '→' : '←'} ${req.profile.name}:${req.remote} done (${formatBytes(record.bytes)}).`);
        } catch (err) {
          const cancelled = record.controller.signal.aborted || err instanceof CancelledError;
          record.state = cancelled ? 'cancelled' : 'failed';
          record.error = cancelled ? 'Cancelled.' : describeError(err);
          this.log[cancelled ? 'info' : 'error'](`${verb} ${name} ${cancelled ? 'cancelled' : `failed: ${record.error}`}`);
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
    const fs = await this.session(req.profile, signal);
    throwIfAborted(signal);
    const { jobs, folders } = req.direction === 'upload' ? await planUpload(req) : await planDownload(fs, req, signal);
    record.total = jobs.reduce((n, j) => n + j.size, 0);
    record.state = 'running';
    record.startedAt = Date.now();
    this.changed.fire(record);

    let reportedPct = 0;
    let lastUi = 0;
    const report = (bytes: number) => {
      record.bytes = bytes;
      const now = Date.now();
      if (now - lastUi < 200 && bytes !== record.total) return;
      lastUi = now;
      const seconds = Math.max((now - (record.startedAt ?? now)) / 1000, 0.001);
      const pct = record.total ? (bytes / record.total) * 100 : 0;
      progress.report({ message: `${formatBytes(bytes)} of ${formatBytes(record.total ?? 0)} · ${formatBytes(bytes / seconds)}/s`, increment: pct - reportedPct });
      reportedPct = pct;
      this.changed.fire(record);
    };

    for (const dir of folders) {
      throwIfAborted(signal);
      if (req.direction === 'upload') await fs.mkdir(dir, { signal });
      else await fsp.mkdir(dir, { recursive: true });
    }
    let done = 0;
    for (const job of jobs) {
      throwIfAborted(signal);
      const onProgress = (p: { bytes: number }) => report(done + p.bytes);
      if (req.direction === 'upload') {
        await fs.uploadFile(job.local, job.remote, { signal, onProgress });
        this.onRemoteChanged(req.profile.name, job.remote);
      } else {
        await fsp.mkdir(path.dirname(job.local), { recursive: true });
        await fs.downloadFile(job.remote, job.local, { signal, onProgress });
      }
      done += job.size;
      record.files++;
      report(done);
    }
  }
}

async function planUpload(req: TransferRequest): Promise<{ jobs: FileJob[]; folders: string[] }> {
  if (!req.recursive) {
    const st = await fsp.stat(req.local);
    return { jobs: [{ local: req.local, remote: req.remote, size: st.size }], folders: [path.posix.dirname(req.remote)] };
  }
  const jobs: FileJob[] = [];
  const folders: string[] = [req.remote];
  const walk = async (dir: string, rel: string): Promise<void> => {
    for (const ent of await fsp.readdir(dir, { withFileTypes: true })) {
      const relPath = rel ? `${rel}/${ent.name}` : ent.name;
      if (req.skip?.(relPath + (ent.isDirectory() ? '/' : ''))) continue;
      const local = path.join(dir, ent.name);
      const remote = path.posix.join(req.remote, relPath);
      if (ent.isDirectory()) {
        folders.push(remote);
        await walk(local, relPath);
      } else if (ent.isFile()) {
        jobs.push({ local, remote, size: (await fsp.stat(local)).size });
      }
    }
  };
  await walk(req.local, '');
  return { jobs, folders };
}

async function planDownload(fs: RemoteFileSystem, req: TransferRequest, signal: AbortSignal): Promise<{ jobs: FileJob[]; folders: string[] }> {
  const top = await fs.stat(req.remote, { signal });
  if (top.type !== 'directory') return { jobs: [{ local: req.local, remote: req.remote, size: top.size }], folders: [] };
  const jobs: FileJob[] = [];
  const folders: string[] = [req.local];
  const walk = async (remoteDir: string, localDir: string): Promise<void> => {
    for (const e of await fs.list(remoteDir, { signal })) {
      // Names come from the server: safeLocalJoin refuses any that could escape the target folder.
      const local = safeLocalJoin(localDir, e.name);
      const remote = path.posix.join(remoteDir, e.name);
      if (e.type === 'directory') {
        folders.push(local);
        await walk(remote, local);
      } else if (e.type === 'file' || e.type === 'symlink') {
        jobs.push({ local, remote, size: e.size });
      }
    }
  };
  await walk(req.remote, req.local);
  return { jobs, folders };
}
