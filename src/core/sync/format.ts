/**
 * A sync plan (and its result) for people: grouped new / changed / deleted / conflict, with counts,
 * and what will and won't run; and as JSON for scripts. Names may come from a server: every one is
 * escaped (displayText) before it is shown, and JSON is made terminal-safe.
 */
import { escapeControlChars, terminalSafeJson } from '../displayText';
import type { SyncAction, SyncPlan, SyncResult, SyncRow } from './types';
import { rowsToRun } from './sync';

const GROUPS: ReadonlyArray<{ action: SyncAction; title: string; mark: string }> = [
  { action: 'new', title: 'New', mark: '+' },
  { action: 'changed', title: 'Changed', mark: '~' },
  { action: 'deleted', title: 'Deleted at the source', mark: '-' },
  { action: 'conflict', title: 'Conflicts', mark: '!' },
];

function plural(n: number, word: string, many = `${word}s`): string {
  return `${n} ${n === 1 ? word : many}`;
}

/** A row's name as shown: escaped, a folder with a trailing "/". */
export function rowName(row: Pick<SyncRow, 'rel' | 'type'>): string {
  return escapeControlChars(row.rel) + (row.type === 'directory' ? '/' : '');
}

/** The plan as text, ending with what will and won't run (`dryRun`: nothing will). */
export function formatPlan(plan: SyncPlan, opts: { dryRun?: boolean; server?: string } = {}): string {
  const lines: string[] = [];
  const on = opts.server ? ` on ${opts.server}` : '';
  const [local, remote] = [escapeControlChars(plan.localRoot), `${escapeControlChars(plan.remoteRoot)}${on}`];
  const arrow = plan.direction === 'upload' ? `${local} → ${remote}` : `${remote} → ${local}`;
  lines.push(`Sync ${plan.direction === 'upload' ? '(upload)' : '(download)'}: ${arrow}`);
  const how = plan.compare === 'checksum' ? "the server's hash" : 'size and modification time';
  lines.push(`Compared by ${how}${plan.firstSync ? '; no earlier sync of these folders is recorded, so a file newer on the destination counts as a conflict' : ', and against the last sync'}.`);
  for (const g of GROUPS) {
    const rows = plan.rows.filter((r) => r.action === g.action);
    if (rows.length === 0) continue;
    const note = g.action === 'deleted' && !plan.delete ? ' (kept: add --delete to remove them)' : g.action === 'conflict' && !plan.force ? ' (skipped: add --force to overwrite)' : '';
    lines.push('', `${g.title} (${rows.length})${note}:`);
    for (const r of rows) lines.push(`  ${g.mark} ${rowName(r)}  (${escapeControlChars(r.reason)})`);
  }
  if (plan.skipped.length > 0) {
    lines.push('', `Left out (${plan.skipped.length}):`);
    for (const s of plan.skipped) lines.push(`  ${escapeControlChars(s.path)}: ${escapeControlChars(s.reason)}`);
  }
  lines.push('', summaryOfPlan(plan, opts.dryRun));
  return lines.join('\n') + '\n';
}

/** "Will run: 2 new, 1 changed. Won't run: 1 conflict (add --force). 10 unchanged." */
export function summaryOfPlan(plan: SyncPlan, dryRun = false): string {
  const { transfers, deletes, conflicts } = rowsToRun(plan);
  const count = (a: SyncAction, rows: SyncRow[]) => rows.filter((r) => r.action === a).length;
  const will = [
    count('new', transfers) && `${count('new', transfers)} new`,
    count('changed', transfers) && `${count('changed', transfers)} changed`,
    count('conflict', transfers) && `${plural(count('conflict', transfers), 'conflict')} overwritten (--force)`,
    deletes.length && `${deletes.length} deleted`,
  ].filter(Boolean);
  const keptDeletes = plan.delete ? [] : plan.rows.filter((r) => r.action === 'deleted');
  const wont = [conflicts.length && `${plural(conflicts.length, 'conflict')} (add --force to overwrite)`, keptDeletes.length && `${keptDeletes.length} deleted at the source (add --delete to remove)`].filter(Boolean);
  const parts = [
    will.length === 0 ? 'Nothing to transfer or delete.' : `${dryRun ? 'Would run' : 'Will run'}: ${will.join(', ')}.`,
    wont.length > 0 ? `Left alone: ${wont.join('; ')}.` : '',
    `${plan.unchanged} unchanged.`,
    dryRun ? 'Dry run: nothing was changed.' : '',
  ];
  return parts.filter(Boolean).join(' ');
}

/** After a run: what happened, one line, then the rows left alone. */
export function formatResult(result: SyncResult, plan: SyncPlan): string {
  const lines = [
    `Synced: ${plural(result.transferred, 'file')} transferred (${result.transfer.bytes} bytes), ${result.deleted} deleted, ${plural(result.conflicts.length, 'conflict')} skipped, ${plan.unchanged} unchanged.`,
  ];
  const reasons = new Map(plan.rows.map((r) => [r.rel, r]));
  for (const rel of result.conflicts) {
    const r = reasons.get(rel);
    lines.push(`conflict, left alone: ${escapeControlChars(rel)} (${escapeControlChars(r?.reason ?? 'conflict')}): review it, then run again with --force to overwrite`);
  }
  for (const rel of result.changedSincePlan) lines.push(`changed since the plan, left alone: ${escapeControlChars(rel)}: run the sync again`);
  for (const n of result.transfer.notes) lines.push(`note: ${escapeControlChars(n)}`);
  return lines.join('\n') + '\n';
}

/** The plan (and result) as JSON for scripts: rows, counts, what was left out; terminal-safe. */
export function planJson(plan: SyncPlan, result?: SyncResult): string {
  const { inStep: _unused, ...shown } = plan;
  void _unused;
  const body: Record<string, unknown> = { plan: shown };
  if (result) {
    const { transfer, ...rest } = result;
    body.result = { ...rest, bytes: transfer.bytes, resumed: transfer.resumed, notes: transfer.notes };
  }
  return terminalSafeJson(JSON.stringify(body, null, 2)) + '\n';
}
