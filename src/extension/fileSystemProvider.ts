/**
 * Remote files as ordinary VS Code documents (scheme `secure-transfer`). Saving is atomic: the new
 * content goes to a hidden temporary sibling which is then renamed over the target, so the server
 * never holds half a file; the saved file keeps its mode and group, and the temporary name is one
 * of the engine's partial names (core/transfer/replaceRemote.ts). A save and an upload agree on
 * "changed on the server" through core's RemoteVersions and sameVersion. `watch` polls (neither
 * SFTP nor FTP can push changes: extension/remoteWatcher.ts); the provider fires change events for
 * everything done through it and tells the watcher, so our own writes are not reported back.
 */
import * as vscode from 'vscode';
import { describeError, NotFoundError } from '../core/errors';
import type { LoadedProfile } from '../core/profiles/types';
import type { RemoteEntry, RemoteFileSystem } from '../core/session/remoteFileSystem';
import { RemoteVersions, sameVersion, versionOf, type RemoteVersion } from '../core/transfer/remoteState';
import { replaceRemoteFile } from '../core/transfer/replaceRemote';
import { parseRemoteUri } from './remoteUri';
import type { RemoteWatcher } from './remoteWatcher';

const FILE_TYPES: Readonly<Record<RemoteEntry['type'], vscode.FileType>> = {
  file: vscode.FileType.File,
  directory: vscode.FileType.Directory,
  symlink: vscode.FileType.File | vscode.FileType.SymbolicLink,
  other: vscode.FileType.Unknown,
};

export interface SessionSource {
  /**
   * Settles once the profiles are loaded. Right after an extension host restart (a workspace folder
   * change) VS Code asks for a remote workspace folder before activation has read the profiles.
   */
  ready?: Promise<void>;
  profile(name: string): LoadedProfile | undefined;
  session(profile: LoadedProfile): Promise<RemoteFileSystem>;
  /** The remote file changed since it was read: true overwrites it anyway (asks the user; Cancel is the default). */
  confirmOverwriteChanged?(uri: vscode.Uri): Promise<boolean>;
  /** Told about every write made here (save, new folder, rename, delete) and how it ended: the activity log. */
  onWrite?(profile: LoadedProfile, write: RemoteWrite): void;
  /** Told what a server could not do on a save that is no failure (e.g. set permissions), one sentence. */
  onNote?(profile: LoadedProfile, note: string): void;
  /** Where the versions read and written here are kept; shared with uploads so both see the same baseline. */
  versions?: RemoteVersions;
}

/** One write to a server through the provider, as the activity log records it. */
export interface RemoteWrite {
  action: 'save' | 'mkdir' | 'rename' | 'delete' | 'copy' | 'chmod';
  /** The file or folder written; for a rename, its old path. */
  path: string;
  /** A rename's new path; a copy's (Duplicate) path. */
  to?: string;
  /** `cancelled`: the user kept the server's newer version (the save was not made). */
  result: 'ok' | 'failed' | 'cancelled';
  /** Bytes written by a save. */
  bytes?: number;
  detail?: string;
}

/** Refusals the user chose (keep the server's change): recorded as cancelled, not failed. */
const declined = new WeakSet<object>();

export class RemoteFileSystemProvider implements vscode.FileSystemProvider {
  private readonly emitter = new vscode.EventEmitter<vscode.FileChangeEvent[]>();
  /** What each file looked like on the server when it was last read or written (here or by a transfer). */
  private readonly lastSeen: RemoteVersions;
  readonly onDidChangeFile = this.emitter.event;

  constructor(private readonly sessions: SessionSource) {
    this.lastSeen = sessions.versions ?? new RemoteVersions();
  }

  /** Polls for changes made on the server (set by activation; without it watching is a no-op). */
  watcher?: RemoteWatcher;

  watch(uri: vscode.Uri, options: { readonly recursive: boolean; readonly excludes: readonly string[] }): vscode.Disposable {
    return this.watcher?.watch(uri, { recursive: options.recursive }) ?? new vscode.Disposable(() => undefined);
  }

  /**
   * Lets other parts (uploads, deletes from the tree) tell open editors and explorers about a change
   * this window made on the server; the watcher takes it as our own write (its version: what
   * RemoteVersions recorded after it), so its next listing does not report it back.
   */
  fireChanged(uri: vscode.Uri, type = vscode.FileChangeType.Changed): void {
    const { profileName, path: p } = parseRemoteUri(uri);
    const profile = this.sessions.profile(profileName);
    if (profile) this.ownWrite(profile, p, type === vscode.FileChangeType.Deleted ? 'deleted' : 'written', type === vscode.FileChangeType.Deleted ? undefined : this.lastSeen.get(profile, p));
    this.emitter.fire([{ type, uri }]);
  }

  /** Changes the watcher found on the server (nobody's write in this window). */
  fireRemoteChanges(events: vscode.FileChangeEvent[]): void {
    this.emitter.fire(events);
  }

  private ownWrite(profile: LoadedProfile, remotePath: string, kind: 'written' | 'deleted', version?: RemoteVersion): void {
    this.watcher?.ownWrite(profile, remotePath, kind, version);
  }

  async stat(uri: vscode.Uri): Promise<vscode.FileStat> {
    return this.run(uri, async (fs, p) => {
      const e = await fs.stat(p);
      return { type: FILE_TYPES[e.type], size: e.size, mtime: e.mtime, ctime: e.mtime };
    });
  }

  async readDirectory(uri: vscode.Uri): Promise<[string, vscode.FileType][]> {
    return this.run(uri, async (fs, p) => (await fs.list(p)).map((e) => [e.name, FILE_TYPES[e.type]] as [string, vscode.FileType]));
  }

  async readFile(uri: vscode.Uri): Promise<Uint8Array> {
    return this.run(uri, async (fs, p, profile) => {
      const version = versionOf(await fs.stat(p));
      const content = await fs.readFile(p);
      this.lastSeen.set(profile, p, version);
      return content;
    });
  }

  async writeFile(uri: vscode.Uri, content: Uint8Array, options: { create: boolean; overwrite: boolean }): Promise<void> {
    await this.run(uri, async (fs, p, profile) => {
      const exists = await fs.stat(p).then((e) => e, (err) => (err instanceof NotFoundError ? undefined : Promise.reject(err)));
      if (exists?.type === 'directory') throw vscode.FileSystemError.FileIsADirectory(uri);
      if (exists && !options.overwrite) throw vscode.FileSystemError.FileExists(uri);
      if (!exists && !options.create) throw vscode.FileSystemError.FileNotFound(uri);
      await this.recorded(profile, { action: 'save', path: p, bytes: content.byteLength }, async () => {
        await this.checkUnchanged(uri, this.lastSeen.get(profile, p), exists && versionOf(exists));
        // Exclusive, private while written, keeps the replaced file's mode and group (core/transfer/replaceRemote.ts).
        await replaceRemoteFile(fs, p, content, exists, { onNote: (note) => this.sessions.onNote?.(profile, note) });
      });
      // Our own write is the new baseline (a failed stat only means the next save cannot compare).
      await fs.stat(p).then((e) => this.lastSeen.set(profile, p, versionOf(e)), () => this.lastSeen.delete(profile, p));
      this.ownWrite(profile, p, 'written', this.lastSeen.get(profile, p));
    });
    this.emitter.fire([{ type: vscode.FileChangeType.Changed, uri }]);
  }

  async createDirectory(uri: vscode.Uri): Promise<void> {
    await this.run(uri, async (fs, p, profile) => {
      await this.recorded(profile, { action: 'mkdir', path: p }, () => fs.mkdir(p));
      this.ownWrite(profile, p, 'written');
    });
    this.emitter.fire([{ type: vscode.FileChangeType.Created, uri }]);
  }

  async delete(uri: vscode.Uri, options: { recursive: boolean }): Promise<void> {
    await this.run(uri, (fs, p, profile) =>
      this.recorded(profile, { action: 'delete', path: p }, async () => {
        const e = await fs.stat(p);
        if (e.type === 'directory') await fs.rmdir(p, { recursive: options.recursive });
        else await fs.delete(p);
        this.ownWrite(profile, p, 'deleted');
      }),
    );
    this.emitter.fire([{ type: vscode.FileChangeType.Deleted, uri }]);
  }

  async rename(oldUri: vscode.Uri, newUri: vscode.Uri, options: { overwrite: boolean }): Promise<void> {
    if (parseRemoteUri(oldUri).profileName !== parseRemoteUri(newUri).profileName) {
      throw vscode.FileSystemError.Unavailable('Renaming between two servers is not possible: download and upload instead.');
    }
    await this.run(oldUri, async (fs, from, profile) => {
      const to = parseRemoteUri(newUri).path;
      if (!options.overwrite) {
        const exists = await fs.stat(to).then(() => true, () => false);
        if (exists) throw vscode.FileSystemError.FileExists(newUri);
      }
      await this.recorded(profile, { action: 'rename', path: from, to }, () => fs.rename(from, to, { overwrite: options.overwrite }));
      // The new name's size is not known here (no stat spent on it): any entry there is ours.
      this.ownWrite(profile, from, 'deleted');
      this.ownWrite(profile, to, 'written');
    });
    this.emitter.fire([{ type: vscode.FileChangeType.Deleted, uri: oldUri }, { type: vscode.FileChangeType.Created, uri: newUri }]);
  }

  /**
   * Silent overwrites of someone else's change are what users of other tools complain about most:
   * when the server's copy differs from the one read, the user decides (Cancel keeps the editor dirty).
   */
  private async checkUnchanged(uri: vscode.Uri, seen: RemoteVersion | undefined, now: RemoteVersion | undefined): Promise<void> {
    // The engine's comparison (core/transfer/remoteState.ts), so a save and an upload agree on "changed".
    if (!seen || !now || sameVersion(seen, now)) return;
    if (await this.sessions.confirmOverwriteChanged?.(uri)) return;
    const refusal = vscode.FileSystemError.Unavailable(`Not saved: ${uri.toString(true)} changed on the server since you opened it; reopen it to see the change, or save again and choose Overwrite.`);
    declined.add(refusal);
    throw refusal;
  }

  /**
   * Runs one write and tells the activity log how it ended (a failure is recorded, then rethrown).
   * Public for the tree's writes that are no file system call (Duplicate, Change Permissions).
   */
  async recorded<T>(profile: LoadedProfile, write: Omit<RemoteWrite, 'result'>, op: () => Promise<T>): Promise<T> {
    try {
      const r = await op();
      this.sessions.onWrite?.(profile, { ...write, result: 'ok' });
      return r;
    } catch (err) {
      const { bytes: _notWritten, ...rest } = write;
      this.sessions.onWrite?.(profile, { ...rest, result: declined.has(err as object) ? 'cancelled' : 'failed', detail: err instanceof vscode.FileSystemError ? err.message : describeError(err) });
      throw err;
    }
  }

  /** Resolves the session for a URI and turns core errors into the FileSystemErrors VS Code expects. */
  private async run<T>(uri: vscode.Uri, op: (fs: RemoteFileSystem, remotePath: string, profile: LoadedProfile) => Promise<T>): Promise<T> {
    const { profileName, path: remotePath } = parseRemoteUri(uri);
    await this.sessions.ready;
    const profile = this.sessions.profile(profileName);
    if (!profile) throw vscode.FileSystemError.Unavailable(`There is no Secure Transfer profile named "${profileName}": add it or check its name in ${uri.toString(true)}.`);
    try {
      return await op(await this.sessions.session(profile), remotePath, profile);
    } catch (err) {
      if (err instanceof vscode.FileSystemError) throw err;
      if (err instanceof NotFoundError) throw vscode.FileSystemError.FileNotFound(uri);
      throw vscode.FileSystemError.Unavailable(describeError(err));
    }
  }
}
