/**
 * What a remote file looked like when we last read or wrote it (size and mtime), so an upload can
 * tell that somebody else changed it meanwhile and refuse to overwrite their work silently.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { SecureTransferError } from '../errors';
import { writeFileAtomic } from '../fsutil';
import type { ServerAddress } from '../profiles/types';
import { remoteVersionKey } from '../profiles/serverAddress';
import type { RemoteEntry } from '../session/remoteFileSystem';

export interface RemoteVersion {
  size: number;
  /** ms since the epoch; 0 where the server doesn't tell. */
  mtime: number;
  /** RemoteEntry.mtimePrecision: the time came from an FTP LIST line (minutes or days). */
  mtimePrecision?: number;
}

export interface RemoteStateStore {
  get(remotePath: string): Promise<RemoteVersion | undefined>;
  set(remotePath: string, version: RemoteVersion): Promise<void>;
  /** Persists what `set` recorded (called once when a transfer ends). */
  flush?(): Promise<void>;
}

export class MemoryRemoteState implements RemoteStateStore {
  private readonly map = new Map<string, RemoteVersion>();
  async get(p: string) {
    return this.map.get(p);
  }
  async set(p: string, v: RemoteVersion) {
    this.map.set(p, versionOf(v));
  }
}

type Server = Pick<ServerAddress, 'protocol' | 'host' | 'port' | 'username'>;

/**
 * The extension's one record of which version of each remote file it last read or wrote — editors
 * opened through the file system provider, downloads and uploads alike — so an upload or a save can
 * tell that somebody changed the file on the server meanwhile.
 *
 * Kept in memory, not in a file: a version only means "what this window last saw", and a file in
 * the extension's storage would be shared by every open window without any locking between them.
 * Keyed by server address (never the profile name), so two profiles for one server agree.
 */
export class RemoteVersions {
  private readonly map = new Map<string, RemoteVersion>();

  /** The CLI's remote-versions.json key, with the host in lower case (in memory only: two spellings of a host agree). */
  private static key(server: Server, remotePath: string): string {
    return remoteVersionKey({ ...server, host: server.host.toLowerCase() }, remotePath);
  }

  get(server: Server, remotePath: string): RemoteVersion | undefined {
    return this.map.get(RemoteVersions.key(server, remotePath));
  }

  set(server: Server, remotePath: string, version: RemoteVersion): void {
    this.map.set(RemoteVersions.key(server, remotePath), versionOf(version));
  }

  delete(server: Server, remotePath: string): void {
    this.map.delete(RemoteVersions.key(server, remotePath));
  }

  /** The view the transfer engine takes (its conflict check and what it records afterwards). */
  forServer(server: Server): RemoteStateStore {
    return {
      get: async (p) => this.get(server, p),
      set: async (p, v) => this.set(server, p, v),
    };
  }
}

/**
 * How many remembered versions the CLI's record keeps, and how large a record it reads. Every
 * transferred path adds one and nothing else removes them, so without a bound the record (read and
 * written by every transfer) would only grow; past the bound the least recently transferred go first
 * (an upload over one of those asks nothing more than over any file never seen: `replacesUnknown`).
 */
export const REMOTE_VERSIONS_LIMITS = { entries: 100_000, fileBytes: 32 * 1024 * 1024 };

/**
 * A JSON file (in the CLI's state folder) keyed by server and path, least recently set first. Writes
 * are batched: call `flush()` when the transfer ends.
 */
export class FileRemoteState implements RemoteStateStore {
  private data?: Record<string, RemoteVersion>;
  private loading?: Promise<Record<string, RemoteVersion>>;
  private dirty = false;

  constructor(
    private readonly file: string,
    private readonly server: Pick<ServerAddress, 'protocol' | 'host' | 'port' | 'username'>,
  ) {}

  static inDir(dir: string, server: Pick<ServerAddress, 'protocol' | 'host' | 'port' | 'username'>): FileRemoteState {
    return new FileRemoteState(path.join(dir, 'remote-versions.json'), server);
  }

  private key(p: string): string {
    return remoteVersionKey(this.server, p);
  }

  /**
   * Read once, however many transfer lanes ask at the same moment: each read used to parse the whole
   * file again, and a late read replaced the record the others had already written versions into.
   */
  private load(): Promise<Record<string, RemoteVersion>> {
    return (this.loading ??= this.read().catch((err: unknown) => {
      this.loading = undefined; // an unreadable record is read again next time
      throw err;
    }));
  }

  private async read(): Promise<Record<string, RemoteVersion>> {
    try {
      // Larger than any record this class writes: not ours to parse (a damaged record only costs conflict detection).
      if ((await fs.stat(this.file)).size > REMOTE_VERSIONS_LIMITS.fileBytes) return (this.data = {});
      const parsed: unknown = JSON.parse(await fs.readFile(this.file, 'utf8'));
      this.data = parsed && typeof parsed === 'object' ? (parsed as Record<string, RemoteVersion>) : {};
    } catch (err) {
      // A missing or damaged record only means no conflict can be detected: start afresh.
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' && !(err instanceof SyntaxError)) throw err;
      this.data = {};
    }
    return this.data;
  }

  async get(p: string): Promise<RemoteVersion | undefined> {
    const v = (await this.load())[this.key(p)];
    if (!v || typeof v.size !== 'number' || typeof v.mtime !== 'number') return undefined;
    return versionOf({ size: v.size, mtime: v.mtime, ...(typeof v.mtimePrecision === 'number' ? { mtimePrecision: v.mtimePrecision } : {}) });
  }

  async set(p: string, v: RemoteVersion): Promise<void> {
    const data = await this.load();
    const key = this.key(p);
    // Deleted first, so the key moves to the end: the order is least recently set first.
    delete data[key];
    data[key] = versionOf(v);
    this.dirty = true;
  }

  async flush(): Promise<void> {
    if (!this.dirty || !this.data) return;
    const keys = Object.keys(this.data);
    for (const key of keys.slice(0, Math.max(0, keys.length - REMOTE_VERSIONS_LIMITS.entries))) delete this.data[key];
    await writeFileAtomic(this.file, jsonLines(this.data));
    this.dirty = false;
  }
}

/**
 * The record as JSON, one entry a line, in pieces of about 64 KiB: one string of the whole record
 * (and its UTF-8 copy) was megabytes at the end of every transfer once it held many files.
 */
function* jsonLines(data: Record<string, RemoteVersion>): Generator<string> {
  let piece = '{';
  let first = true;
  for (const key of Object.keys(data)) {
    piece += `${first ? '' : ','}\n${JSON.stringify(key)}:${JSON.stringify(data[key])}`;
    first = false;
    if (piece.length >= 64 * 1024) {
      yield piece;
      piece = '';
    }
  }
  yield piece + '\n}\n';
}

/** The remote file changed since it was last read: overwriting it would lose somebody's work. */
export class ConflictError extends SecureTransferError {
  constructor(
    readonly remotePath: string,
    readonly expected: RemoteVersion,
    readonly found: RemoteVersion,
    /** Further files in the same transfer that changed too. */
    readonly others = 0,
  ) {
    const when = found.mtime ? `, modified ${new Date(found.mtime).toISOString().replace('T', ' ').slice(0, 19)} UTC` : '';
    const more = others > 0 ? ` (and ${others} more file${others === 1 ? '' : 's'})` : '';
    super(
      `${remotePath}${more} changed on the server since it was last read (now ${found.size} bytes${when}; we last saw ${expected.size} bytes): nothing was uploaded; download it and merge first, or overwrite it anyway with --force.`,
      'failure',
      'remote-changed',
    );
    this.name = 'ConflictError';
  }
}

export function versionOf(e: Pick<RemoteEntry, 'size' | 'mtime' | 'mtimePrecision'>): RemoteVersion {
  const precision = e.mtimePrecision;
  return { size: e.size, mtime: e.mtime, ...(typeof precision === 'number' && precision > 1000 ? { mtimePrecision: precision } : {}) };
}

/**
 * Same size and, where both are known, the same mtime: to the second (FTP's MDTM has no more), or
 * to the coarser of the two where one came from an FTP LIST line (minutes, or days for old files),
 * so a version remembered from a stat (MDTM) and seen again in a listing is not a false conflict.
 */
export function sameVersion(a: RemoteVersion, b: RemoteVersion): boolean {
  if (a.size !== b.size) return false;
  if (!a.mtime || !b.mtime) return true;
  const unit = Math.max(1000, a.mtimePrecision ?? 0, b.mtimePrecision ?? 0);
  return Math.floor(a.mtime / unit) === Math.floor(b.mtime / unit);
}
