/**
 * The Sync Plan view: the plan of a sync (or of a burst of files under a folder with upload on save)
 * shown before anything changes, grouped New / Changed / Deleted / Conflict with counts, one checkbox
 * per row (deletes and conflicts start unticked), each file row opening its diff. One plan at a time:
 * a new one replaces the one shown. The view exists only while a plan is open (context key
 * `secureTransfer.syncPlanOpen`); Run Sync and Cancel are its title buttons (commands/sync.ts).
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { LoadedProfile } from '../core/profiles/types';
import type { SyncAction, SyncOptions, SyncPlan, SyncRow } from '../core/sync/types';
import { remoteUri } from './remoteUri';
import { GROUP_LABEL, groupRows, pairShort, pairText, planMessage, rowLabel, rowName, rowTooltip, tickedByDefault } from './syncPlanText';

export const SYNC_PLAN_VIEW = 'secureTransfer.syncPlan';
/** True while a plan is shown (the view's `when`, and the palette's Run Sync / Cancel). */
export const PLAN_OPEN_KEY = 'secureTransfer.syncPlanOpen';
/** True while the plan shown can be made again by checksum (a sync compared by size and mtime). */
export const PLAN_CAN_CHECKSUM_KEY = 'secureTransfer.syncPlanCanChecksum';

export interface OpenPlan {
  readonly id: number;
  /** `sync`: Sync Local → Remote / Remote → Local; `burst`: files written at once under upload on save. */
  readonly origin: 'sync' | 'burst';
  readonly profile: LoadedProfile;
  readonly plan: SyncPlan;
  /** The options the plan was made with (Compare by Checksum makes it again with `checksum`). */
  readonly options: SyncOptions;
  /** Rows (by rel) that run. */
  readonly ticked: Set<string>;
}

export type PlanNode = { kind: 'group'; action: SyncAction; rows: SyncRow[] } | { kind: 'row'; row: SyncRow };

const ICONS: Readonly<Record<SyncAction, [string, string]>> = {
  new: ['diff-added', 'gitDecoration.addedResourceForeground'],
  changed: ['diff-modified', 'gitDecoration.modifiedResourceForeground'],
  deleted: ['diff-removed', 'gitDecoration.deletedResourceForeground'],
  conflict: ['warning', 'list.warningForeground'],
};

/** The local file a row names, or undefined when the rel would leave the local root (never trusted blindly). */
export function localFileOf(plan: Pick<SyncPlan, 'localRoot'>, rel: string): string | undefined {
  const p = path.resolve(plan.localRoot, ...rel.split('/'));
  const back = path.relative(plan.localRoot, p);
  return back === '' || back.startsWith('..') || path.isAbsolute(back) ? undefined : p;
}

export function remoteFileOf(plan: Pick<SyncPlan, 'remoteRoot'>, rel: string): string {
  return path.posix.join(plan.remoteRoot, rel);
}

export class SyncPlanViewProvider implements vscode.TreeDataProvider<PlanNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<PlanNode | PlanNode[] | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly shownChanged = new vscode.EventEmitter<OpenPlan | undefined>();
  /** A plan was shown, or the view closed (undefined). */
  readonly onDidChangePlan = this.shownChanged.event;
  private open: OpenPlan | undefined;
  private nextId = 1;
  private groups: Extract<PlanNode, { kind: 'group' }>[] = [];
  private view: vscode.TreeView<PlanNode> | undefined;
  private readonly disposables: vscode.Disposable[] = [];

  /** Creates the TreeView (checkbox events are handled here). */
  attach(): vscode.TreeView<PlanNode> {
    this.view = vscode.window.createTreeView(SYNC_PLAN_VIEW, { treeDataProvider: this, showCollapseAll: false, manageCheckboxStateManually: true });
    this.disposables.push(this.view, this.view.onDidChangeCheckboxState((e) => {
      for (const [node, state] of e.items) this.setChecked(node, state === vscode.TreeItemCheckboxState.Checked);
    }));
    return this.view;
  }

  get current(): OpenPlan | undefined {
    return this.open;
  }

  /** Shows a plan (replacing any other), its defaults ticked, and reveals the view. */
  async show(origin: OpenPlan['origin'], profile: LoadedProfile, plan: SyncPlan, options: SyncOptions = {}): Promise<OpenPlan> {
    const ticked = new Set(plan.rows.filter(tickedByDefault).map((r) => r.rel));
    this.open = { id: this.nextId++, origin, profile, plan, options, ticked };
    this.groups = groupRows(plan.rows).map((g) => ({ kind: 'group', ...g }));
    if (this.view) {
      this.view.message = planMessage(plan, origin);
      this.view.description = pairShort(plan, profile.name);
    }
    await vscode.commands.executeCommand('setContext', PLAN_OPEN_KEY, true);
    await vscode.commands.executeCommand('setContext', PLAN_CAN_CHECKSUM_KEY, origin === 'sync' && plan.compare === 'size-mtime');
    this.changed.fire(undefined);
    this.shownChanged.fire(this.open);
    await vscode.commands.executeCommand(`${SYNC_PLAN_VIEW}.focus`).then(undefined, () => undefined);
    return this.open;
  }

  /** Discards the plan shown (nothing changes anywhere) and hides the view. */
  async close(): Promise<OpenPlan | undefined> {
    const was = this.open;
    this.open = undefined;
    this.groups = [];
    if (this.view) {
      this.view.message = undefined;
      this.view.description = undefined;
    }
    await vscode.commands.executeCommand('setContext', PLAN_OPEN_KEY, false);
    await vscode.commands.executeCommand('setContext', PLAN_CAN_CHECKSUM_KEY, false);
    this.changed.fire(undefined);
    this.shownChanged.fire(undefined);
    return was;
  }

  /** Ticks or unticks a row, or every row of a group (what the checkbox events do). */
  setChecked(node: PlanNode, checked: boolean): void {
    if (!this.open) return;
    const rows = node.kind === 'group' ? node.rows : [node.row];
    for (const r of rows) {
      if (checked) this.open.ticked.add(r.rel);
      else this.open.ticked.delete(r.rel);
    }
    // The group's box follows its rows, and the rows their group.
    this.changed.fire(undefined);
  }

  getChildren(node?: PlanNode): PlanNode[] {
    if (!this.open) return [];
    if (!node) return this.groups;
    return node.kind === 'group' ? node.rows.map((row) => ({ kind: 'row', row })) : [];
  }

  getParent(node: PlanNode): PlanNode | undefined {
    return node.kind === 'row' ? this.groups.find((g) => g.action === node.row.action) : undefined;
  }

  getTreeItem(node: PlanNode): vscode.TreeItem {
    const open = this.open;
    const box = (on: boolean) => (on ? vscode.TreeItemCheckboxState.Checked : vscode.TreeItemCheckboxState.Unchecked);
    if (node.kind === 'group') {
      const ticked = node.rows.filter((r) => open?.ticked.has(r.rel)).length;
      const item = new vscode.TreeItem(`${GROUP_LABEL[node.action]} (${node.rows.length})`, vscode.TreeItemCollapsibleState.Expanded);
      item.id = `plan-${open?.id}-${node.action}`;
      item.description = ticked === node.rows.length ? 'all ticked' : ticked === 0 ? 'none ticked' : `${ticked} ticked`;
      item.checkboxState = box(ticked === node.rows.length);
      item.contextValue = `syncGroup.${node.action}`;
      item.tooltip = open ? `${pairText(open.plan, open.profile.name)}\n${GROUP_LABEL[node.action]}: ${node.rows.length}, ${ticked} ticked` : undefined;
      item.accessibilityInformation = { label: `${item.label as string}, ${item.description as string}` };
      const [icon, color] = ICONS[node.action];
      item.iconPath = new vscode.ThemeIcon(icon, new vscode.ThemeColor(color));
      return item;
    }
    const row = node.row;
    const item = new vscode.TreeItem(rowLabel(row), vscode.TreeItemCollapsibleState.None);
    item.id = `plan-${open?.id}-row-${row.rel}`;
    // Server text (names, and reasons that quote them): escaped where it is shown.
    item.description = rowTooltip(row, open?.plan.direction ?? 'upload').split('\n')[1];
    item.tooltip = rowTooltip(row, open?.plan.direction ?? 'upload');
    item.checkboxState = {
      state: box(open?.ticked.has(row.rel) ?? false),
      tooltip: row.action === 'deleted' ? 'Tick to delete it at the destination' : row.action === 'conflict' ? 'Tick to overwrite the destination\'s change' : 'Untick to leave this file alone',
    };
    item.contextValue = `syncRow.${row.action}`;
    const [icon, color] = ICONS[row.action];
    item.iconPath = row.type === 'directory' ? vscode.ThemeIcon.Folder : new vscode.ThemeIcon(icon, new vscode.ThemeColor(color));
    item.accessibilityInformation = { label: `${row.action} ${rowLabel(row)}` };
    if (open && row.type === 'file') item.command = this.openCommand(open, row);
    return item;
  }

  /** A click: the diff of both sides (destination left, source right), or the one side that exists. */
  private openCommand(open: OpenPlan, row: SyncRow): vscode.Command | undefined {
    const local = localFileOf(open.plan, row.rel);
    if (!local) return undefined;
    const localUri = vscode.Uri.file(local);
    const remote = remoteUri(open.profile.name, remoteFileOf(open.plan, row.rel));
    const upload = open.plan.direction === 'upload';
    const [source, destination] = upload ? [localUri, remote] : [remote, localUri];
    if (row.action === 'new') return { command: 'vscode.open', title: 'Open', arguments: [source] };
    if (row.action === 'deleted') return { command: 'vscode.open', title: 'Open', arguments: [destination] };
    const title = `${rowName(row)} (${upload ? `${open.profile.name} ↔ local` : `local ↔ ${open.profile.name}`})`;
    return { command: 'vscode.diff', title: 'Compare', arguments: [destination, source, title] };
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
    this.changed.dispose();
    this.shownChanged.dispose();
  }
}
