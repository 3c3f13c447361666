/**
 * `FileSystemProvider.watch` by polling: neither SFTP nor FTP can push a change, so the folders that
 * matter are listed again now and then and compared with their last listing (pure rules in
 * remoteChanges.ts). What is watched:
 * - what VS Code asks to watch: a file (its folder is listed, so many open files in one folder cost
 *   one listing) or, for a remote folder in the workspace (a recursive watch), that folder and the
 *   folders of the remote files open in editors under it (never the whole tree: a deep site would
 *   cost thousands of listings per interval);
 * - the folders expanded in the Remote Files tree.
 * One listing per folder per interval (`secureTransfer.watchInterval`, live), at most
 * PER_CONNECTION listings at a time per profile, only over a session that is already up: the
 * watcher never connects, so it never asks for a password or a trust decision. A folder idle for a
 * while is listed less often (pollDelaySeconds); a change, a save, focus coming back, a new editor
 * or an expanded folder set it back to the interval.
 *
 * Paused while the window has no focus: the user can't look at what changed, a window left in the
 * background all day would list folders on a server every few seconds for nobody (server logs, rate
 * limits, metered links), and nothing is lost: the first listing on return is compared with the
 * last one before, so a change made meanwhile is still reported, once.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { describeError, NotFoundError } from '../core/errors';
import type { Logger } from '../core/log';
import type { LoadedProfile } from '../core/profiles/types';
import { remoteVersionKey } from '../core/profiles/serverAddress';
import type { RemoteFileSystem } from '../core/session/remoteFileSystem';
import type { RemoteVersion } from '../core/transfer/remoteState';
import { listingOf, pollDelaySeconds, reconcile, type ChangeKind, type Listing, type OwnWrite } from './remoteChanges';
import { parseRemoteUri, remoteUri, SCHEME } from './remoteUri';

/** Listings in flight at once per profile (FTPS runs one command at a time anyway; SFTP gains a little). */
export const PER_CONNECTION = 2;
/** Folders whose last listing is kept after nobody watches them any more (a tab shown again compares with it). */
const KEPT_FOLDERS = 256;
/** The longest an own write waits to be seen by a listing before it is forgotten. */
const OWN_WRITE_TTL_MS = 10 * 60_000;

const EVENT_TYPE: Readonly<Record<ChangeKind, vscode.FileChangeType>> = {
  created: vscode.FileChangeType.Created,
  changed: vscode.FileChangeType.Changed,
  deleted: vscode.FileChangeType.Deleted,
};

export interface WatcherDeps {
  profile(name: string): LoadedProfile | undefined;
  /** The profile's session when it is connected and its link is up; undefined otherwise (never connects). */
  liveSession(name: string): RemoteFileSystem | undefined;
  /** `secureTransfer.watchInterval`, in seconds (read at every scheduling, so changes apply at once). */
  intervalSeconds(): number;
  /** Tells VS Code (the provider's onDidChangeFile). */
  fire(events: vscode.FileChangeEvent[]): void;
  /** A folder's listing changed: refresh its node in the Remote Files tree (if shown). */
  folderChanged(profileName: string, folder: string): void;
  /** The folders expanded in the Remote Files tree. */
  treeFolders(): Array<{ profileName: string; path: string }>;
  /** The remote files open in editors (tabs), for recursive watches. */
  openFiles(): vscode.Uri[];
  log: Logger;
}

interface FolderState {
  profileName: string;
  path: string;
  baseline?: Map<string, { type: 'file' | 'directory' | 'symlink' | 'other'; size: number; mtime: number }>;
  idle: number;
  nextAt: number;
  busy: boolean;
  /** The last listing failed (logged once until one succeeds again). */
  failing: boolean;
  lastUsed: number;
}

interface WatchRequest {
  profileName: string;
  path: string;
  recursive: boolean;
}

export class RemoteWatcher implements vscode.Disposable {
  private readonly requests = new Map<number, WatchRequest>();
  private nextRequest = 1;
  private readonly folders = new Map<string, FolderState>();
  /** Own writes by server + folder, then entry name (the RemoteVersions key rule: two profiles of one server agree). */
  private readonly own = new Map<string, Map<string, OwnWrite & { at: number }>>();
  private seq = 0;
  private readonly running = new Map<string, number>();
  private timer?: ReturnType<typeof setTimeout>;
  private disposed = false;
  private readonly listed = new vscode.EventEmitter<{ profileName: string; path: string; reported: number }>();
  /** After each successful listing: how many changes it reported (tests wait on it instead of sleeping). */
  readonly onDidList = this.listed.event;
  /** Whether the window has focus now (replaceable: tests in a headless window). */
  focused: () => boolean = () => vscode.window.state.focused;

  constructor(private readonly deps: WatcherDeps) {}

  /** VS Code's watch request for `uri` (a file or a folder); disposing it ends the request. */
  watch(uri: vscode.Uri, options: { recursive: boolean }): vscode.Disposable {
    const { profileName, path: p } = parseRemoteUri(uri);
    const id = this.nextRequest++;
    this.requests.set(id, { profileName, path: path.posix.normalize(p), recursive: options.recursive });
    this.wake();
    return new vscode.Disposable(() => {
      this.requests.delete(id);
    });
  }

  /**
   * A write this window made at `uri` (through the provider or a transfer): the next listing that
   * shows it reports nothing. `version` is what was recorded after the write, when known.
   */
  ownWrite(profile: LoadedProfile, remotePath: string, kind: 'written' | 'deleted', version?: RemoteVersion): void {
    const dir = path.posix.dirname(remotePath);
    const key = this.serverFolderKey(profile, dir);
    let m = this.own.get(key);
    if (!m) this.own.set(key, (m = new Map()));
    const seq = ++this.seq;
    m.set(path.posix.basename(remotePath), kind === 'deleted' ? { kind, seq, at: Date.now() } : { kind, seq, at: Date.now(), size: version?.size, mtime: version?.mtime });
    // A save is a user action: the folders of this profile go back to the interval.
    this.wake(profile.name);
  }

  /** Something the user did (focus, a save, an expanded folder, the setting): list soon, at the interval again. */
  wake(profileName?: string): void {
    const now = Date.now();
    for (const f of this.folders.values()) {
      if (profileName !== undefined && f.profileName !== profileName) continue;
      f.idle = 0;
      f.nextAt = Math.min(f.nextAt, now);
    }
    this.schedule(0);
  }

  /** What is wanted may have changed (a tab opened, a folder expanded): look now, without resetting backoff. */
  poke(): void {
    this.schedule(0);
  }

  dispose(): void {
    this.disposed = true;
    if (this.timer) clearTimeout(this.timer);
    this.requests.clear();
    this.listed.dispose();
  }

  /** The folders to list now: what VS Code asked for, the tree's expanded folders, open editors under recursive watches. */
  wanted(): Array<{ profileName: string; path: string }> {
    const out = new Map<string, { profileName: string; path: string }>();
    const add = (profileName: string, p: string) => out.set(folderKey(profileName, p), { profileName, path: p });
    const recursive = [...this.requests.values()].filter((r) => r.recursive);
    for (const r of this.requests.values()) {
      if (r.recursive) {
        add(r.profileName, r.path);
        continue;
      }
      // A file: its folder's listing shows it. A folder watched alone is listed itself too.
      if (r.path !== '/') add(r.profileName, path.posix.dirname(r.path));
      const parent = this.folders.get(folderKey(r.profileName, path.posix.dirname(r.path)));
      if (r.path === '/' || parent?.baseline?.get(path.posix.basename(r.path))?.type === 'directory') add(r.profileName, r.path);
    }
    if (recursive.length) {
      for (const uri of this.deps.openFiles()) {
        if (uri.scheme !== SCHEME) continue;
        const { profileName, path: p } = parseRemoteUri(uri);
        if (recursive.some((r) => r.profileName === profileName && isInside(p, r.path))) add(profileName, path.posix.dirname(p));
      }
    }
    for (const f of this.deps.treeFolders()) add(f.profileName, f.path);
    return [...out.values()];
  }

  private schedule(delayMs: number): void {
    if (this.disposed) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.tick(), Math.max(0, delayMs));
  }

  private tick(): void {
    this.timer = undefined;
    if (this.disposed) return;
    const now = Date.now();
    const wanted = this.wanted();
    let next = Infinity;
    if (this.focused()) {
      for (const w of wanted) {
        const f = this.folderState(w.profileName, w.path, now);
        f.lastUsed = now;
        if (f.busy) continue;
        if (f.nextAt > now) {
          next = Math.min(next, f.nextAt);
          continue;
        }
        const fs = this.deps.liveSession(w.profileName);
        // Not connected or the link is down: nothing is listed (and nothing reconnects) until it is up again.
        if (!fs) {
          next = Math.min(next, now + this.deps.intervalSeconds() * 1000);
          continue;
        }
        if ((this.running.get(w.profileName) ?? 0) >= PER_CONNECTION) {
          next = Math.min(next, now + 250);
          continue;
        }
        void this.poll(f, fs);
      }
    }
    this.forgetOld(wanted);
    // Unfocused: the focus listener wakes us. Nothing wanted: a watch request or an expansion does.
    if (Number.isFinite(next)) this.schedule(next - now);
  }

  private folderState(profileName: string, p: string, now: number): FolderState {
    const key = folderKey(profileName, p);
    let f = this.folders.get(key);
    if (!f) this.folders.set(key, (f = { profileName, path: p, idle: 0, nextAt: now, busy: false, failing: false, lastUsed: now }));
    return f;
  }

  private async poll(f: FolderState, fs: RemoteFileSystem): Promise<void> {
    f.busy = true;
    this.running.set(f.profileName, (this.running.get(f.profileName) ?? 0) + 1);
    const listingSeq = ++this.seq;
    let changed = false;
    let reported: number | undefined;
    try {
      let after: Listing;
      try {
        after = listingOf(await fs.list(f.path));
      } catch (err) {
        // A watched folder deleted on the server: everything in it is gone (a change, not an error).
        if (!(err instanceof NotFoundError)) throw err;
        after = new Map();
      }
      reported = this.compare(f, after, listingSeq, fs.protocol === 'sftp');
      changed = reported > 0;
      if (f.failing) this.deps.log.info(`Watching ${f.profileName}:${f.path} for changes works again.`);
      f.failing = false;
    } catch (err) {
      // Logged once per failing streak, never a notification per poll; a dropped link pauses listing (tick()).
      if (!f.failing) this.deps.log.warn(`Could not check ${f.profileName}:${f.path} for changes on the server: ${describeError(err)} (trying again later).`);
      f.failing = true;
    } finally {
      f.busy = false;
      this.running.set(f.profileName, (this.running.get(f.profileName) ?? 1) - 1);
      f.idle = changed ? 0 : f.idle + 1;
      f.nextAt = Date.now() + pollDelaySeconds(this.deps.intervalSeconds(), f.idle) * 1000;
      this.schedule(0);
      if (reported !== undefined) this.listed.fire({ profileName: f.profileName, path: f.path, reported });
    }
  }

  /** Compares a listing with the last one, fires the changes that are not our own; how many. */
  private compare(f: FolderState, after: Listing, listingSeq: number, exactTimes: boolean): number {
    const before = f.baseline;
    f.baseline = new Map(after);
    const profile = this.deps.profile(f.profileName);
    if (!profile) return 0;
    const ownKey = this.serverFolderKey(profile, f.path);
    const own = this.own.get(ownKey) ?? new Map<string, OwnWrite & { at: number }>();
    // The first listing is the baseline: nothing to compare with yet.
    if (!before) {
      this.settle(ownKey, own, listingSeq, [...own.keys()]);
      return 0;
    }
    const { report, settled } = reconcile(before, after, own, listingSeq, exactTimes);
    this.settle(ownKey, own, listingSeq, settled);
    if (!report.length) return 0;
    this.deps.fire(report.map((c) => ({ type: EVENT_TYPE[c.kind], uri: remoteUri(f.profileName, path.posix.join(f.path, c.name)) })));
    this.deps.folderChanged(f.profileName, f.path);
    return report.length;
  }

  private settle(key: string, own: Map<string, OwnWrite & { at: number }>, listingSeq: number, names: string[]): void {
    const now = Date.now();
    for (const name of names) if ((own.get(name)?.seq ?? Infinity) < listingSeq) own.delete(name);
    for (const [name, o] of own) if (now - o.at > OWN_WRITE_TTL_MS) own.delete(name);
    if (own.size === 0) this.own.delete(key);
  }

  /** Keeps the last listings of folders nobody watches any more, up to KEPT_FOLDERS (least recently used go). */
  private forgetOld(wanted: Array<{ profileName: string; path: string }>): void {
    if (this.folders.size <= KEPT_FOLDERS) return;
    const keep = new Set(wanted.map((w) => folderKey(w.profileName, w.path)));
    const old = [...this.folders].filter(([k]) => !keep.has(k)).sort((a, b) => a[1].lastUsed - b[1].lastUsed);
    for (const [k] of old.slice(0, this.folders.size - KEPT_FOLDERS)) this.folders.delete(k);
  }

  private serverFolderKey(profile: LoadedProfile, dir: string): string {
    return remoteVersionKey({ ...profile, host: profile.host.toLowerCase() }, dir);
  }
}

function folderKey(profileName: string, p: string): string {
  return `${profileName}\n${p}`;
}

function isInside(p: string, root: string): boolean {
  return p === root || p.startsWith(root.endsWith('/') ? root : `${root}/`);
}
