/**
 * Sync Local → Remote… / Sync Remote → Local… on a folder mapping (a profile's localRoot ↔ its
 * remotePath, or a folder below them), and the Sync Plan view's buttons: Run Sync, Cancel, Compare by
 * Checksum. Nothing changes before the plan was shown and Run Sync pressed; a plan with nothing to do
 * says so in one sentence instead. The run goes through the TransferService (progress with Cancel, a
 * row per file in the Transfers view) and ends with one sentence.
 *
 * Deletes and conflicts are rows of every plan, unticked: ticking them is how a user asks for them,
 * and Run Sync asks once more, naming the count, before it deletes or overwrites anything.
 */
import * as path from 'node:path';
import { promises as fsp } from 'node:fs';
import * as vscode from 'vscode';
import { serverOrigin } from '../../core/profiles/serverAddress';
import { serverText } from '../../core/displayText';
import { UsageError } from '../../core/errors';
import type { LoadedProfile } from '../../core/profiles/types';
import { planSync, runSync } from '../../core/sync/sync';
import type { SyncDirection, SyncOptions, SyncPlan, SyncResult, SyncStateStore } from '../../core/sync/types';
import { localBaseDir } from '../downloadMapping';
import type { Services } from '../services';
import { mergingStore, syncStateFor } from '../syncState';
import { localFileOf, remoteFileOf, type OpenPlan } from '../syncPlanView';
import { nothingToDoText, pairText, resultText, riskQuestion } from '../syncPlanText';
import { toTarget, type TargetArg } from '../targets';
import type { TransferRecord } from '../transfers';
import { isIgnored, mapRemoteToLocal } from '../uploadMapping';
import type { Commands } from './types';
import { startFolder } from '../connections';

const posix = path.posix;

/** One local folder and one remote folder of a profile's mapping. */
export interface SyncPair {
  profile: LoadedProfile;
  localRoot: string;
  remoteRoot: string;
}

function noLocalRoot(p: LoadedProfile): UsageError {
  return new UsageError(`The profile "${p.name}" has no "localRoot": add the local folder that mirrors ${p.remotePath ?? 'its remote folder'} as "localRoot" in the profile to sync it.`);
}

/** The profile's own pair: localRoot (resolved) ↔ remotePath (resolved on the server), connecting. */
async function profileRoots(s: Services, profile: LoadedProfile, near?: string): Promise<SyncPair> {
  if (profile.localRoot === undefined) throw noLocalRoot(profile);
  const base = localBaseDir(profile, near);
  if (base === undefined) throw new UsageError(`The profile "${profile.name}" maps "${profile.localRoot}", but no local workspace folder is open to resolve it in: open the folder it belongs to.`);
  const fs = await s.connections.get(profile);
  const remoteRoot = await startFolder(fs, profile);
  return { profile, localRoot: path.resolve(base, profile.localRoot), remoteRoot };
}

/** A local folder (the Explorer) → the profiles whose localRoot holds it, each with the remote folder it maps to. */
async function pairsForLocalFolder(s: Services, folder: string): Promise<SyncPair[]> {
  const pairs: SyncPair[] = [];
  for (const profile of s.profiles.profiles) {
    if (profile.localRoot === undefined) continue;
    const base = localBaseDir(profile, folder);
    if (base === undefined) continue;
    const root = path.resolve(base, profile.localRoot);
    const rel = path.relative(root, path.resolve(folder));
    if (rel.startsWith('..') || path.isAbsolute(rel)) continue;
    if (rel !== '' && isIgnored(rel, profile.ignore)) continue;
    const roots = await profileRoots(s, profile, folder);
    pairs.push({ profile, localRoot: path.resolve(folder), remoteRoot: rel === '' ? roots.remoteRoot : posix.join(roots.remoteRoot, rel.split(path.sep).join('/')) });
  }
  return pairs;
}

/**
 * What a Sync command works on: a local folder (Explorer: a file: URI), a profile row or a remote
 * folder row (the tree), a `{ profileName, path }` (tests), or nothing (the palette: pick a profile
 * that has a localRoot).
 */
export async function resolvePair(s: Services, arg: unknown, purpose: string): Promise<SyncPair | undefined> {
  if (arg instanceof vscode.Uri && arg.scheme === 'file') {
    const st = await fsp.stat(arg.fsPath).catch(() => undefined);
    if (!st?.isDirectory()) throw new UsageError(`${arg.fsPath} is no folder: Sync works on a folder under a profile's localRoot.`);
    const pairs = await pairsForLocalFolder(s, arg.fsPath);
    if (pairs.length === 0) throw new UsageError(`${arg.fsPath} is not under the "localRoot" of any Secure Transfer profile: add "localRoot" (and "remotePath") to the profile that deploys it.`);
    if (pairs.length === 1) return pairs[0];
    return (await s.ui.pick(pairs.map((p) => ({ label: p.profile.name, description: `${serverText(p.remoteRoot)}`, pair: p })), { placeHolder: `Which server ${purpose}?` }))?.pair;
  }
  const target = toTarget(arg as TargetArg);
  if (!target) {
    const mapped = s.profiles.profiles.filter((p) => p.localRoot !== undefined);
    if (mapped.length === 0) throw new UsageError('No Secure Transfer profile has a "localRoot": add "localRoot" (the local folder) and "remotePath" to a profile to sync them.');
    const profile = mapped.length === 1 ? mapped[0] : (await s.ui.pick(mapped.map((p) => ({ label: p.name, description: `${p.localRoot} ↔ ${p.remotePath ?? '~'}`, profile: p })), { placeHolder: `Which mapping ${purpose}?` }))?.profile;
    return profile && profileRoots(s, profile);
  }
  const profile = s.profiles.find(target.profileName);
  if (!profile) throw new UsageError(`There is no Secure Transfer profile named "${target.profileName}": add it with "Secure Transfer: Add Profile" or check the name.`);
  const roots = await profileRoots(s, profile);
  if (target.path === undefined || target.path === roots.remoteRoot) return roots;
  if (target.type !== undefined && target.type !== 'directory') throw new UsageError(`${serverText(target.path)} is no folder: Sync works on folders (use Download or Upload for one file).`);
  // Both roots already resolved (localRoot absolute, remotePath the server's real path).
  const m = mapRemoteToLocal({ ...profile, localRoot: roots.localRoot, remotePath: roots.remoteRoot }, target.path, roots.localRoot, roots.remoteRoot);
  if (!m.ok) {
    const why = m.reason === 'ignored' ? 'it is ignored by the profile' : `it is not under the profile's remotePath ${serverText(roots.remoteRoot)}`;
    throw new UsageError(`${serverText(target.path)} can't be synced: ${why}.`);
  }
  return { profile, localRoot: m.localPath, remoteRoot: target.path };
}

function stateFor(s: Services, pair: Pick<SyncPair, 'profile' | 'localRoot' | 'remoteRoot'>): Promise<SyncStateStore> {
  return syncStateFor(s.context.globalStorageUri.fsPath, pair.profile, pair.localRoot, pair.remoteRoot, s.sshConfig, (sentence) => s.log.warn(sentence));
}

/** Makes the plan under a cancellable notification ("Comparing …"). */
async function makePlan(s: Services, pair: SyncPair, direction: SyncDirection, options: SyncOptions): Promise<SyncPlan> {
  const fs = await s.connections.get(pair.profile);
  const pairWords = pairText({ direction, localRoot: pair.localRoot, remoteRoot: pair.remoteRoot }, pair.profile.name);
  return vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Comparing ${pairWords}${options.checksum ? ' by checksum' : ''}…`, cancellable: true },
    async (_progress, token) => {
      const controller = new AbortController();
      const sub = token.onCancellationRequested(() => controller.abort());
      try {
        return await planSync(fs, direction, pair.localRoot, pair.remoteRoot, await stateFor(s, pair), { ...options, signal: controller.signal });
      } finally {
        sub.dispose();
      }
    },
  );
}

function syncOptions(profile: LoadedProfile, extra: SyncOptions = {}): SyncOptions {
  return { ignore: [...(profile.ignore ?? [])], ...(profile.preserveTimes !== undefined ? { preserveTimes: profile.preserveTimes } : {}), ...extra };
}

/** Plans a sync and shows it; undefined (after one sentence) when there is nothing to do. */
async function syncCommand(s: Services, direction: SyncDirection, arg?: unknown): Promise<OpenPlan | undefined> {
  const pair = await resolvePair(s, arg, direction === 'upload' ? 'to sync to' : 'to sync from');
  if (!pair) return undefined;
  const options = syncOptions(pair.profile);
  const plan = await makePlan(s, pair, direction, options);
  if (plan.rows.length === 0) {
    s.ui.info(nothingToDoText(plan, pair.profile.name));
    return undefined;
  }
  if (s.syncPlans.current) s.log.info(`The sync plan of ${pairText(s.syncPlans.current.plan, s.syncPlans.current.profile.name)} was replaced by a new one.`);
  return s.syncPlans.show('sync', pair.profile, plan, options);
}

/** Compare by Checksum (view title): the same pair planned again by the server's hashes. */
async function compareByChecksum(s: Services): Promise<OpenPlan | undefined> {
  const open = s.syncPlans.current;
  if (!open || open.origin !== 'sync') throw new UsageError('No sync plan is open: run "Sync Local → Remote…" or "Sync Remote → Local…" first.');
  const options = { ...open.options, checksum: true };
  const plan = await makePlan(s, { profile: open.profile, localRoot: open.plan.localRoot, remoteRoot: open.plan.remoteRoot }, open.plan.direction, options);
  if (s.syncPlans.current !== open) return undefined; // replaced meanwhile
  if (plan.rows.length === 0) {
    await s.syncPlans.close();
    s.ui.info(nothingToDoText(plan, open.profile.name));
    return undefined;
  }
  return s.syncPlans.show('sync', open.profile, plan, options);
}

/** Cancel (view title): discards the plan; nothing changed anywhere. */
async function cancelPlan(s: Services): Promise<boolean> {
  const was = await s.syncPlans.close();
  if (was) s.log.info(`Sync plan of ${pairText(was.plan, was.profile.name)} discarded: nothing was changed.`);
  return was !== undefined;
}

/** Run Sync (view title): runs the ticked rows, with progress, Cancel and a row per file in Transfers. */
async function runPlan(s: Services): Promise<TransferRecord | undefined> {
  const open = s.syncPlans.current;
  if (!open) throw new UsageError('No sync plan is open: run "Sync Local → Remote…" or "Sync Remote → Local…" first.');
  const ticked = new Set(open.ticked);
  if (ticked.size === 0) throw new UsageError('Nothing is ticked in the sync plan: tick the rows to run, or press Cancel to discard the plan.');
  const risk = riskQuestion(open.plan.rows, ticked, open.plan.direction, open.profile.name);
  if (risk && !(await s.ui.confirmSafe(risk.message, risk.detail, 'Cancel', 'Run Sync'))) return undefined;
  if (s.syncPlans.current !== open) return undefined;
  await s.syncPlans.close();
  const { profile, plan } = open;
  const chosen = plan.rows.filter((r) => ticked.has(r.rel));
  const deletes = chosen.some((r) => r.action === 'deleted');
  const force = chosen.some((r) => r.action === 'conflict');
  // Only the ticked rows run; `delete` and `force` reach only those (a ticked delete or conflict).
  const runnable: SyncPlan = { ...plan, delete: deletes, force };
  const pairState = await stateFor(s, { profile, ...plan });
  const store = open.origin === 'burst' ? mergingStore(pairState) : pairState;
  const pair = pairText(plan, profile.name);
  const untickedLeft = plan.rows.length - chosen.length;
  let outcome: SyncResult | undefined;
  // Rows whose file arrived: Resume (a cancelled or failed run) runs the rest of the plan only, so
  // what this run already did is not reported as "changed since the plan".
  const finished = new Set<string>();
  const relOf = (to: string) => (plan.direction === 'upload' ? posix.relative(plan.remoteRoot, to) : path.relative(plan.localRoot, to).split(path.sep).join('/'));
  const record = await s.transfers.run({
    direction: plan.direction,
    profile,
    local: plan.localRoot,
    remote: plan.remoteRoot,
    recursive: true,
    label: `sync ${plan.direction === 'upload' ? path.basename(plan.localRoot) : serverText(posix.basename(plan.remoteRoot) || '/')}`,
    job: async (pool, opts) => {
      const result = await runSync(pool, runnable, store, {
        ...open.options,
        delete: deletes,
        force,
        only: new Set([...ticked].filter((rel) => !finished.has(rel))),
        signal: opts.signal,
        onProgress: opts.onProgress,
        onFile: (e) => {
          opts.onFile?.(e);
          if (e.type !== 'done') return;
          finished.add(relOf(e.file.to));
          opts.onFileDone?.(e.file.to, e.file.size);
        },
      });
      outcome = result;
      return { transfer: result.transfer, summary: resultText(result, pair, untickedLeft) };
    },
  });
  s.tree.refresh();
  if (outcome?.deleted) {
    // Server writes are logged; a sync's deletes as one entry (the count) for the pair.
    if (plan.direction === 'upload') void s.activity.append({ server: serverOrigin(profile), action: 'delete', result: 'ok', path: plan.remoteRoot, detail: `${outcome.deleted} removed by a sync` }).catch(() => undefined);
  }
  if (record.state === 'done') s.ui.info(record.summary ?? `Synced ${pair}.`);
  else if (record.state === 'failed') s.ui.error(`Sync of ${pair} failed: ${record.error}`);
  else s.ui.info(`Sync of ${pair} cancelled: ${record.fileRows.doneCount} file${record.fileRows.doneCount === 1 ? '' : 's'} transferred before the cancel; the rest were left alone.`);
  return record;
}

/** The local file a plan row names (tests and the diff), undefined when it would leave the root. */
export function planRowFiles(plan: SyncPlan, rel: string): { local?: string; remote: string } {
  return { local: localFileOf(plan, rel), remote: remoteFileOf(plan, rel) };
}

export const SYNC_COMMANDS: Commands = {
  'secureTransfer.syncLocalToRemote': (s: Services, arg?: unknown) => syncCommand(s, 'upload', arg),
  'secureTransfer.syncRemoteToLocal': (s: Services, arg?: unknown) => syncCommand(s, 'download', arg),
  // View-title buttons: VS Code passes the focused row; they act on the plan shown, whatever it is.
  'secureTransfer.runSyncPlan': (s: Services) => runPlan(s),
  'secureTransfer.cancelSyncPlan': (s: Services) => cancelPlan(s),
  'secureTransfer.compareSyncByChecksum': (s: Services) => compareByChecksum(s),
};
