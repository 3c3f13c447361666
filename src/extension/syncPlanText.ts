/**
 * How a sync plan reads in the Sync Plan view and in its one-sentence results: the groups in their
 * order, which rows start ticked, the counts, the summaries. Plain logic (no VS Code API), unit-tested.
 * Every rel path and reason may come from a server listing: they are escaped here (serverText), where
 * the text is made for people.
 */
import * as path from 'node:path';
import { serverText } from '../core/displayText';
import type { SyncAction, SyncDirection, SyncPlan, SyncResult, SyncRow, SyncVersion } from '../core/sync/types';
import { formatBytes } from './transferProgress';

/** The groups in the order they are shown. */
export const GROUP_ORDER: readonly SyncAction[] = ['new', 'changed', 'deleted', 'conflict'];

export const GROUP_LABEL: Readonly<Record<SyncAction, string>> = { new: 'New', changed: 'Changed', deleted: 'Deleted', conflict: 'Conflict' };

/**
 * Ticked when the plan opens: new and changed rows run; a delete (removing what only the destination
 * has) and a conflict (overwriting a change made at the destination) are never done unless the user
 * ticks them, one by one or by their group.
 */
export function tickedByDefault(row: Pick<SyncRow, 'action'>): boolean {
  return row.action === 'new' || row.action === 'changed';
}

export function groupRows(rows: readonly SyncRow[]): { action: SyncAction; rows: SyncRow[] }[] {
  return GROUP_ORDER.map((action) => ({ action, rows: rows.filter((r) => r.action === action) })).filter((g) => g.rows.length > 0);
}

/** `3 new, 1 changed, 2 conflicts` (only the groups that have rows). */
export function countsText(rows: readonly SyncRow[]): string {
  const parts = groupRows(rows).map((g) => {
    const n = g.rows.length;
    return g.action === 'conflict' ? `${n} conflict${n === 1 ? '' : 's'}` : `${n} ${g.action}`;
  });
  return parts.join(', ') || 'nothing to do';
}

/** The folders a plan pairs, for people: `site → demo:/var/www` (upload) or `demo:/var/www → site`. */
export function pairText(plan: Pick<SyncPlan, 'direction' | 'localRoot' | 'remoteRoot'>, profileName: string): string {
  const local = plan.localRoot;
  const remote = `${profileName}:${serverText(plan.remoteRoot)}`;
  return plan.direction === 'upload' ? `${local} → ${remote}` : `${remote} → ${local}`;
}

/** The view's title description: the two folders, short (`site → demo:…/www`). */
export function pairShort(plan: Pick<SyncPlan, 'direction' | 'localRoot' | 'remoteRoot'>, profileName: string): string {
  const local = path.basename(plan.localRoot);
  const remote = `${profileName}:${serverText(path.posix.basename(plan.remoteRoot) || '/', 80)}`;
  return plan.direction === 'upload' ? `${local} → ${remote}` : `${remote} → ${local}`;
}

/** The line above the plan's rows: the counts and how files were compared (the pair is the view's description, in full in the groups' tooltips). */
export function planMessage(plan: SyncPlan, origin: 'sync' | 'burst'): string {
  const how = origin === 'burst'
    ? 'written at once under upload on save: nothing is sent until Run Sync'
    : plan.compare === 'checksum' ? 'compared by the server\'s checksums' : `compared by size and time${plan.firstSync ? ', first sync' : ''}`;
  return `${countsText(plan.rows)} · ${how}.`;
}

/** The one sentence shown instead of the view when a plan has nothing to do. */
export function nothingToDoText(plan: SyncPlan, profileName: string): string {
  const same = plan.unchanged === 1 ? '1 file is the same on both sides' : `${plan.unchanged} files are the same on both sides`;
  const skipped = plan.skipped.length ? `; ${plan.skipped.length} left out (ignored, links or unsafe names)` : '';
  return `Nothing to sync: ${pairText(plan, profileName)} are in step (${same}${skipped}).`;
}

function versionText(v: SyncVersion | undefined): string {
  if (!v) return 'absent';
  const when = v.mtime > 0 ? new Date(v.mtime).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC') : 'time unknown';
  return `${formatBytes(v.size)}, ${when}${v.hash ? `, ${serverText(v.hash, 80)}` : ''}`;
}

/** The row's label: its path below the roots, escaped. */
export function rowLabel(row: Pick<SyncRow, 'rel'>): string {
  return serverText(row.rel);
}

/** What a row's tooltip says: the path, why, and both sides' versions. */
export function rowTooltip(row: SyncRow, direction: SyncDirection): string {
  const [src, dst] = direction === 'upload' ? ['local', 'server'] : ['server', 'local'];
  return [
    `${rowLabel(row)}${row.type === 'directory' ? '/' : ''}`,
    serverText(row.reason),
    `Source (${src}): ${versionText(row.source)}`,
    `Destination (${dst}): ${versionText(row.destination)}`,
  ].join('\n');
}

/** The name shown in a diff tab's title. */
export function rowName(row: Pick<SyncRow, 'rel'>): string {
  return serverText(path.posix.basename(row.rel));
}

/** The question asked before a run that deletes or overwrites a conflict (ticked explicitly); undefined when neither. */
export function riskQuestion(rows: readonly SyncRow[], ticked: ReadonlySet<string>, direction: SyncDirection, profileName: string): { message: string; detail: string } | undefined {
  const chosen = rows.filter((r) => ticked.has(r.rel));
  const deletes = chosen.filter((r) => r.action === 'deleted');
  const conflicts = chosen.filter((r) => r.action === 'conflict');
  if (deletes.length === 0 && conflicts.length === 0) return undefined;
  const where = direction === 'upload' ? `on ${profileName}` : 'on this computer';
  const parts: string[] = [];
  if (deletes.length) parts.push(`delete ${deletes.length} item${deletes.length === 1 ? '' : 's'} ${where}`);
  if (conflicts.length) parts.push(`overwrite ${conflicts.length} file${conflicts.length === 1 ? '' : 's'} changed ${where} since the last sync`);
  const listed = [...deletes, ...conflicts].slice(0, 5).map((r) => `${r.action === 'deleted' ? 'delete' : 'overwrite'} ${rowLabel(r)}`);
  const more = deletes.length + conflicts.length > 5 ? `\n… and ${deletes.length + conflicts.length - 5} more` : '';
  return {
    message: `Run the sync? It will ${parts.join(' and ')}.`,
    detail: `${listed.join('\n')}${more}\n\nYou ticked these rows. Cancel keeps everything as it is and the plan open.`,
  };
}

/** The result of a run in one sentence: transferred, deleted, conflicts left, changed since the plan. */
export function resultText(result: Pick<SyncResult, 'transferred' | 'deleted' | 'conflicts' | 'changedSincePlan'>, pair: string, untickedLeft: number): string {
  const parts = [`${result.transferred} file${result.transferred === 1 ? '' : 's'} transferred`];
  if (result.deleted) parts.push(`${result.deleted} deleted`);
  if (result.conflicts.length) parts.push(`${result.conflicts.length} conflict${result.conflicts.length === 1 ? '' : 's'} left alone`);
  if (result.changedSincePlan.length) {
    const names = result.changedSincePlan.slice(0, 3).map((r) => serverText(r)).join(', ');
    parts.push(`${result.changedSincePlan.length} changed since the plan and left alone (${names}${result.changedSincePlan.length > 3 ? ', …' : ''})`);
  }
  if (untickedLeft) parts.push(`${untickedLeft} unticked row${untickedLeft === 1 ? '' : 's'} left alone`);
  return `Synced ${pair}: ${parts.join(', ')}.`;
}
