/**
 * The record of the last sync of one (server, remote folder, local folder) pair: a JSON file
 * `<state folder>/sync/<sha256 of the three>.json` (0600, folder 0700, written atomically).
 *
 * Keyed by the server really reached (serverOrigin of the resolved address: protocol, host, port)
 * and the two folders, never by a profile name: two profiles (or a profile and a URL) for the same
 * server and folders sync the same files, so they must agree on what was last synced; a renamed
 * profile keeps its record; and a profile re-pointed at another server can't reuse a record of files
 * it never saw. The user is left out like the activity log's origin: another account on the same
 * server sees the same files at the same path.
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { describeError } from '../errors';
import { ensurePrivateDir, readBoundedFile, tightenPrivateFile, writeFileAtomic, type BoundedFileSpec } from '../fsutil';
import type { SyncRecord, SyncStateStore, SyncVersion } from './types';

/** A record of 200,000 files is ~40 MiB; anything bigger is not ours. */
const RECORD_FILE: BoundedFileSpec = { what: 'The sync record', expected: 'a sync record written by Secure Transfer', maxBytes: 64 * 1024 * 1024, code: 'local-file' };

const FORMAT = 1;

export interface SyncPairKey {
  /** serverOrigin() of the server really reached (an ssh-config alias resolved). */
  server: string;
  /** Absolute remote folder. */
  remoteRoot: string;
  /** Local folder (made absolute). */
  localRoot: string;
}

/** The file name of a pair's record (sha256 of the three, so paths never become file names). */
export function syncRecordName(key: SyncPairKey): string {
  const id = JSON.stringify([key.server, key.remoteRoot, path.resolve(key.localRoot)]);
  return `${createHash('sha256').update(id).digest('hex')}.json`;
}

function isVersion(v: unknown): v is SyncVersion {
  if (!v || typeof v !== 'object') return false;
  const o = v as Record<string, unknown>;
  return Number.isFinite(o.size) && Number.isFinite(o.mtime) && (o.hash === undefined || typeof o.hash === 'string');
}

/** The record in `parsed`, or undefined when it is not one of ours for this pair. */
export function parseSyncRecord(parsed: unknown, key: SyncPairKey): SyncRecord | undefined {
  if (!parsed || typeof parsed !== 'object') return undefined;
  const o = parsed as Record<string, unknown>;
  if (o.format !== FORMAT || o.server !== key.server || o.remoteRoot !== key.remoteRoot || o.localRoot !== path.resolve(key.localRoot)) return undefined;
  if (!Number.isFinite(o.syncedAt) || !o.files || typeof o.files !== 'object') return undefined;
  const files: SyncRecord['files'] = {};
  for (const [rel, v] of Object.entries(o.files as Record<string, unknown>)) {
    const pair = v as { local?: unknown; remote?: unknown } | undefined;
    if (pair && isVersion(pair.local) && isVersion(pair.remote)) files[rel] = { local: pair.local, remote: pair.remote };
  }
  return { files, syncedAt: o.syncedAt as number };
}

export interface FileSyncStateOptions {
  /** Told once, in one sentence, when a record exists but can't be read (it is then treated as none). */
  warn?: (sentence: string) => void;
}

export class FileSyncState implements SyncStateStore {
  readonly file: string;
  private warned = false;

  constructor(
    stateDir: string,
    private readonly key: SyncPairKey,
    private readonly opts: FileSyncStateOptions = {},
  ) {
    this.file = path.join(stateDir, 'sync', syncRecordName(key));
  }

  private damaged(why: string): undefined {
    if (!this.warned) this.opts.warn?.(`The record of the last sync (${this.file}) ${why}, so this sync compares the folders as if it were the first (a file newer on the destination is a conflict; see docs/sync.md); the next run writes a fresh record.`);
    this.warned = true;
    return undefined;
  }

  async load(): Promise<SyncRecord | undefined> {
    let text: string;
    try {
      text = (await readBoundedFile(this.file, RECORD_FILE)).toString('utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      return this.damaged(`could not be read (${describeError(err)})`);
    }
    await tightenPrivateFile(this.file).catch(() => undefined);
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return this.damaged('is damaged (not JSON)');
    }
    return parseSyncRecord(parsed, this.key) ?? this.damaged('is not a record of this folder pair');
  }

  async save(record: SyncRecord): Promise<void> {
    await ensurePrivateDir(path.dirname(this.file));
    const body = { format: FORMAT, server: this.key.server, remoteRoot: this.key.remoteRoot, localRoot: path.resolve(this.key.localRoot), syncedAt: record.syncedAt, files: record.files };
    await writeFileAtomic(this.file, JSON.stringify(body) + '\n');
  }

  /** Forgets the record (the next sync is a first sync). */
  async forget(): Promise<void> {
    await fs.rm(this.file, { force: true });
  }
}

/** A record kept in memory (tests, and callers that persist it their own way). */
export class MemorySyncState implements SyncStateStore {
  constructor(public record?: SyncRecord) {}
  async load(): Promise<SyncRecord | undefined> {
    return this.record && structuredClone(this.record);
  }
  async save(record: SyncRecord): Promise<void> {
    this.record = structuredClone(record);
  }
}
