/**
 * Opt-in upload on save: a saved file under a profile's localRoot (with `uploadOnSave: true`) goes to
 * the mapped path under its remotePath. The profile file, `.git/` and ignored globs never go.
 *
 * Saves and file events (a FileSystemWatcher on each mapped folder: created / changed; deletes are
 * never watched, so never sent) are collected into bursts per profile (uploadBurst.ts, ~1 s quiet).
 * More files than `secureTransfer.uploadOnSave.planThreshold` in one burst (a `git checkout`, a
 * build, Save All after a rename) are shown as a plan in the Sync Plan view and nothing is sent until
 * Run Sync; below it the saves upload as before, and files written by other programs are not uploaded
 * (only saves ever were: a tool's output is never deployed silently).
 */
import * as path from 'node:path';
import { promises as fsp } from 'node:fs';
import * as vscode from 'vscode';
import { describeError, NotFoundError } from '../core/errors';
import type { LoadedProfile } from '../core/profiles/types';
import type { SyncPlan, SyncRow } from '../core/sync/types';
import { localVersion } from '../core/sync/sync';
import { isPartialName } from '../core/transfer/partialName';
import { sameVersion } from '../core/transfer/remoteState';
import { mappedUploads } from './commands/transfer';
import { localBaseDir } from './downloadMapping';
import type { Services } from './services';
import { BURST_REASON, burstDecision, BurstCollector, type BurstCause, type BurstOptions } from './uploadBurst';
import { mapLocalToRemote } from './uploadMapping';
import { startFolder } from './connections';

const posix = path.posix;
export const PLAN_THRESHOLD_SETTING = 'uploadOnSave.planThreshold';
const DEFAULT_THRESHOLD = 20;
/**
 * How long files written by other programs and not sent stay counted: a checkout or a build that
 * trickles out in several bursts (a pause longer than the quiet time) is still one burst for the
 * threshold.
 */
const CARRY_MS = 10_000;
/** At most this many files of one burst are listed (a new folder is walked up to it). */
const MAX_FOLDER_FILES = 10_000;
/** Remote stats made at once while a burst's plan is built. */
const STAT_LANES = 8;

export class UploadOnSave implements vscode.Disposable {
  readonly bursts: BurstCollector;
  private watchers: vscode.Disposable[] = [];
  /** Per profile: files written by other programs in recent bursts, not sent (counted with the next burst). */
  private readonly carried = new Map<string, { files: Map<string, BurstCause>; until: number }>();
  private readonly disposables: vscode.Disposable[] = [];
  /** The last burst handled (tests wait on it). */
  lastBurst: Promise<void> = Promise.resolve();
  /** The last few bursts: profile, how many files, what became of them (tests and diagnostics). */
  readonly recent: { profile: string; files: number; outcome: 'plan' | 'upload' | 'gone' }[] = [];

  constructor(private readonly s: Services, options: BurstOptions = {}) {
    this.bursts = new BurstCollector((name, files) => {
      this.lastBurst = this.handle(name, files).catch((err: unknown) => {
        s.log.error(describeError(err));
        s.ui.error(describeError(err));
      });
    }, options);
    this.disposables.push(
      vscode.workspace.onDidSaveTextDocument((doc) => doc.uri.scheme === 'file' && this.note(doc.uri.fsPath, 'save')),
      s.profiles.onDidChange(() => this.rewatch()),
      s.transfers.onDidWriteLocal((file) => this.bursts.ownWrite(file)),
    );
    this.rewatch();
  }

  /** The profiles with upload on save that map `file` (no connection needed to tell). */
  private profilesFor(file: string): LoadedProfile[] {
    return this.s.profiles.profiles.filter((p) => p.uploadOnSave && p.localRoot !== undefined && mapLocalToRemote(p, file, localBaseDir(p, file), '').ok);
  }

  note(file: string, cause: BurstCause): void {
    if (isPartialName(path.basename(file))) return;
    for (const p of this.profilesFor(file)) this.bursts.add(p.name, file, cause);
  }

  /** One watcher per mapped folder with upload on save (created and changed files; never deletes). */
  private rewatch(): void {
    for (const w of this.watchers) w.dispose();
    this.watchers = [];
    const roots = new Set<string>();
    for (const p of this.s.profiles.profiles) {
      if (!p.uploadOnSave || p.localRoot === undefined) continue;
      const base = localBaseDir(p);
      if (base !== undefined) roots.add(path.resolve(base, p.localRoot));
    }
    for (const root of roots) {
      const w = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(root), '**/*'), false, false, true);
      this.watchers.push(w, w.onDidCreate((u) => this.note(u.fsPath, 'created')), w.onDidChange((u) => this.note(u.fsPath, 'changed')));
    }
  }

  private async handle(name: string, files: Map<string, BurstCause>): Promise<void> {
    const s = this.s;
    const profile = s.profiles.find(name);
    if (!profile?.uploadOnSave || profile.localRoot === undefined) return;
    // Only regular files still there (a file created and removed within the burst is no upload).
    const live = new Map<string, BurstCause>();
    const carried = this.carried.get(name);
    this.carried.delete(name);
    const all = new Map(carried && carried.until >= Date.now() ? [...carried.files] : []);
    for (const [f, c] of files) all.set(f, c);
    for (const [file, cause] of all) {
      const st = await fsp.lstat(file).catch(() => undefined);
      if (st?.isFile()) live.set(file, cause);
      // VS Code reports a new folder without the files created in it (its events are coalesced):
      // a checkout adding a folder of 300 files is one "created" event. Its files are the burst.
      else if (st?.isDirectory() && cause === 'created') for (const f of await this.filesUnder(profile, file, MAX_FOLDER_FILES - live.size)) if (!live.has(f)) live.set(f, 'created');
    }
    const note = (outcome: 'plan' | 'upload' | 'gone') => {
      this.recent.push({ profile: name, files: live.size, outcome });
      if (this.recent.length > 10) this.recent.shift();
    };
    if (live.size === 0) return note('gone');
    const base = localBaseDir(profile, [...live.keys()][0]);
    const root = base !== undefined ? path.resolve(base, profile.localRoot) : undefined;
    const threshold = vscode.workspace.getConfiguration('secureTransfer', root ? vscode.Uri.file(root) : undefined).get<number>(PLAN_THRESHOLD_SETTING, DEFAULT_THRESHOLD);
    const decision = burstDecision(live, threshold);
    note(decision.kind === 'plan' && root !== undefined ? 'plan' : 'upload');
    if (decision.kind === 'plan' && root !== undefined) {
      await this.showPlan(profile, root, live);
      return;
    }
    if (decision.kind === 'upload' && decision.notSent.length > 0) {
      this.carried.set(name, { files: new Map(decision.notSent.map((f) => [f, live.get(f)!])), until: Date.now() + CARRY_MS });
      s.log.info(`Upload on save (${name}): ${decision.notSent.length} file${decision.notSent.length === 1 ? '' : 's'} written by another program, not saved, left alone (${decision.notSent.slice(0, 3).map((f) => path.basename(f)).join(', ')}${decision.notSent.length > 3 ? ', …' : ''}).`);
    }
    for (const file of decision.kind === 'upload' ? decision.saves : []) {
      for (const m of (await mappedUploads(s, file, true)).filter((x) => x.profile.name === name)) {
        const r = await s.transfers.run({ direction: 'upload', profile: m.profile, local: file, remote: m.remote });
        if (r.state === 'failed') s.ui.error(`Upload on save to ${m.profile.name} failed: ${r.error}`);
      }
    }
  }

  /** Regular files under a new folder that the profile would upload (links, ignored and partial names left out), at most `max`. */
  private async filesUnder(profile: LoadedProfile, dir: string, max: number): Promise<string[]> {
    const found: string[] = [];
    const walk = async (d: string): Promise<void> => {
      for (const e of await fsp.readdir(d, { withFileTypes: true }).catch(() => [])) {
        if (found.length >= max) return;
        const p = path.join(d, e.name);
        if (isPartialName(e.name) || !mapLocalToRemote(profile, p, localBaseDir(profile, p), '').ok) continue;
        if (e.isDirectory()) await walk(p);
        else if (e.isFile()) found.push(p);
      }
    };
    await walk(dir);
    return found;
  }

  /** The burst as a plan (new / changed; a file changed on the server since this window saw it: conflict). */
  private async showPlan(profile: LoadedProfile, localRoot: string, files: Map<string, BurstCause>): Promise<void> {
    const s = this.s;
    const fs = await s.connections.get(profile);
    const remoteRoot = await startFolder(fs, profile);
    const entries = [...files].map(([file, cause]) => ({ file, cause, rel: path.relative(localRoot, file).split(path.sep).join('/') }));
    const rows: SyncRow[] = [];
    for (let i = 0; i < entries.length; i += STAT_LANES) {
      rows.push(...(await Promise.all(entries.slice(i, i + STAT_LANES).map(async ({ file, cause, rel }): Promise<SyncRow | undefined> => {
        const st = await fsp.stat(file).catch(() => undefined);
        if (!st) return undefined;
        const remote = posix.join(remoteRoot, rel);
        const there = await fs.stat(remote).catch((err: unknown) => (err instanceof NotFoundError ? undefined : Promise.reject(err)));
        // The version as core's sync reads it (whole ms), so the run's "changed since the plan" check agrees.
        const source = localVersion(st);
        if (!there) return { rel, action: 'new', type: 'file', reason: BURST_REASON[cause], source };
        const destination = { size: there.size, mtime: there.mtime };
        const seen = s.transfers.versions.get(profile, remote);
        if (seen && !sameVersion(seen, destination)) {
          return { rel, action: 'conflict', type: 'file', reason: `${BURST_REASON[cause]}; changed on the server since this window last read or wrote it`, source, destination };
        }
        return { rel, action: 'changed', type: 'file', reason: BURST_REASON[cause], source, destination };
      }))).filter((r): r is SyncRow => r !== undefined));
    }
    rows.sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0));
    const plan: SyncPlan = { direction: 'upload', localRoot, remoteRoot, compare: 'size-mtime', delete: false, force: false, firstSync: false, rows, unchanged: 0, skipped: [] };
    if (s.syncPlans.current) s.log.info(`Upload on save (${profile.name}): the open sync plan was replaced by a plan of ${rows.length} files written at once.`);
    s.log.info(`Upload on save (${profile.name}): ${rows.length} files at once (more than ${PLAN_THRESHOLD_SETTING}); shown as a plan, nothing sent.`);
    await s.syncPlans.show('burst', profile, plan, { ignore: [...(profile.ignore ?? [])] });
  }

  dispose(): void {
    for (const w of this.watchers) w.dispose();
    for (const d of this.disposables) d.dispose();
    this.bursts.dispose();
  }
}
