/**
 * The Transfers view: queued, running and finished transfers, newest first, each with bytes of
 * total, rate and time left (the notification's own progress snapshot), and for folders the files
 * moving now plus the last finished and failed ones (bounded: transferFiles.ts).
 *
 * Refreshes are throttled to one every REFRESH_MS for the whole view, carrying only the rows that
 * changed. Not only for cost: VS Code debounces a tree's change events for 200 ms and restarts that
 * wait on every event, so a provider firing every 100 ms (the engine's progress rate) is never
 * redrawn until the events stop — the row froze at its first value while the notification moved.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { escapeControlChars } from '../core/displayText';
import type { FileRow } from './transferFiles';
import { formatBytes, hasPartials, type TransferRecord, type TransferService, type TransferState } from './transfers';
import { progressMessage } from './transferProgress';

const ICONS: Readonly<Record<TransferState, string>> = {
  queued: 'clock',
  running: 'sync~spin',
  done: 'check',
  failed: 'error',
  cancelled: 'circle-slash',
};

/** At most ~3 refreshes a second, always more than VS Code's 200 ms debounce apart. */
export const REFRESH_MS = 333;

/** A row under a folder transfer saying how many files the rows leave out. */
export interface MoreFilesRow {
  readonly kind: 'more';
  readonly record: TransferRecord;
}

export type TransferNode = TransferRecord | FileRow | MoreFilesRow;

function isRecord(n: TransferNode): n is TransferRecord {
  return !('kind' in n);
}

export class TransfersViewProvider implements vscode.TreeDataProvider<TransferNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<TransferNode | TransferNode[] | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly subscriptions: vscode.Disposable[];
  private readonly dirty = new Set<TransferRecord>();
  private dirtyAll = false;
  private lastFire = -Infinity;
  private timer: NodeJS.Timeout | undefined;
  /** The file rows' parent, for getParent (reveal). */
  private readonly parents = new WeakMap<FileRow, TransferRecord>();
  private readonly moreRows = new WeakMap<TransferRecord, MoreFilesRow>();

  constructor(private readonly service: TransferService) {
    this.subscriptions = [
      service.onDidChange((r) => this.schedule(r)),
      service.onDidProgress((r) => this.schedule(r)),
    ];
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    for (const s of this.subscriptions) s.dispose();
    this.changed.dispose();
  }

  /** Marks a row (or the whole list) changed; fires now if the last refresh is old enough, else later. */
  private schedule(r: TransferRecord | undefined): void {
    if (r) this.dirty.add(r);
    else this.dirtyAll = true;
    if (this.timer) return;
    const wait = Math.max(0, this.lastFire + REFRESH_MS - Date.now());
    this.timer = setTimeout(() => this.flush(), wait);
  }

  private flush(): void {
    this.timer = undefined;
    this.lastFire = Date.now();
    const listed = new Set(this.service.all);
    const rows = [...this.dirty].filter((r) => listed.has(r));
    this.dirty.clear();
    if (this.dirtyAll) this.changed.fire(undefined);
    else if (rows.length > 0) this.changed.fire(rows);
    this.dirtyAll = false;
  }

  getChildren(node?: TransferNode): TransferNode[] {
    if (!node) return [...this.service.all];
    // Files are listed under folder transfers; one file's row says it all.
    if (!isRecord(node) || !node.request.recursive) return [];
    const files = node.fileRows.rows();
    for (const row of files) this.parents.set(row, node);
    const rows: TransferNode[] = files;
    if (node.fileRows.hiddenCount > 0) {
      let more = this.moreRows.get(node);
      if (!more) this.moreRows.set(node, (more = { kind: 'more', record: node }));
      rows.push(more);
    }
    return rows;
  }

  getParent(node: TransferNode): TransferNode | undefined {
    if (isRecord(node)) return undefined;
    return node.kind === 'more' ? node.record : this.parents.get(node);
  }

  getTreeItem(n: TransferNode): vscode.TreeItem {
    if (isRecord(n)) return this.transferItem(n);
    if (n.kind === 'more') return this.moreItem(n.record);
    return this.fileItem(n);
  }

  private transferItem(r: TransferRecord): vscode.TreeItem {
    const arrow = r.direction === 'upload' ? '↑' : '↓';
    // A download's name comes from the server (a tree node): escaped like every server name.
    // A sync's label is made (escaped) by its command: "sync site".
    const name = r.request.label ?? (r.direction === 'upload' ? path.basename(r.local) : escapeControlChars(path.posix.basename(r.remote)));
    const hasFiles = r.request.recursive === true && r.fileRows.rows().length > 0;
    const item = new vscode.TreeItem(`${arrow} ${name}`, hasFiles ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
    item.id = `transfer-${r.id}`;
    item.description = [r.profileName, r.state, amount(r)].filter(Boolean).join(' · ');
    const remote = escapeControlChars(r.remote);
    const lines = [`${r.local} ${r.direction === 'upload' ? '→' : '←'} ${r.profileName}:${remote}`];
    if (r.summary) lines.push(r.summary);
    if (r.error) lines.push(r.error);
    if (hasPartials(r)) lines.push('Its partial files remain: Resume continues them, Discard Partial deletes them.');
    item.tooltip = lines.join('\n');
    item.iconPath = new vscode.ThemeIcon(ICONS[r.state]);
    // transfer.<state>, and `.partial` when a cancelled or failed transfer left partials (Resume, Discard).
    item.contextValue = `transfer.${r.state}${hasPartials(r) ? '.partial' : ''}`;
    item.accessibilityInformation = { label: `${r.direction} ${name} ${item.description}` };
    return item;
  }

  private fileItem(f: FileRow): vscode.TreeItem {
    const parent = this.parents.get(f);
    // The name a file has where it is read; for downloads that is the server's.
    const name = escapeControlChars(parent?.direction === 'upload' ? path.basename(f.file.from) : path.posix.basename(f.file.from));
    const item = new vscode.TreeItem(name, vscode.TreeItemCollapsibleState.None);
    if (parent) item.id = `transfer-${parent.id}-file-${escapeControlChars(f.file.to)}`;
    const size = f.state === 'running' ? `${formatBytes(f.bytes)} of ${formatBytes(f.file.size)}` : formatBytes(f.file.size);
    item.description = [f.state === 'running' ? undefined : f.state, size].filter(Boolean).join(' · ');
    item.tooltip = [`${escapeControlChars(f.file.from)} → ${escapeControlChars(f.file.to)}`, f.error].filter(Boolean).join('\n');
    item.iconPath = new vscode.ThemeIcon(f.state === 'running' ? 'sync~spin' : ICONS[f.state]);
    item.contextValue = `transferFile.${f.state}`;
    return item;
  }

  private moreItem(r: TransferRecord): vscode.TreeItem {
    const fr = r.fileRows;
    const total = r.progress?.totalFiles;
    const parts = [`${fr.doneCount}${total !== undefined ? ` of ${total}` : ''} files done`];
    if (fr.runningCount > 0) parts.push(`${fr.runningCount} moving`);
    if (fr.failedCount - fr.cancelledCount > 0) parts.push(`${fr.failedCount - fr.cancelledCount} failed`);
    if (fr.cancelledCount > 0) parts.push(`${fr.cancelledCount} cancelled`);
    const item = new vscode.TreeItem(`${fr.hiddenCount} more file${fr.hiddenCount === 1 ? '' : 's'} not listed`, vscode.TreeItemCollapsibleState.None);
    item.id = `transfer-${r.id}-more`;
    item.description = parts.join(' · ');
    item.iconPath = new vscode.ThemeIcon('ellipsis');
    item.contextValue = 'transferFile.more';
    return item;
  }
}

/** `51.6 MiB of 1.0 GiB · 12.0 MiB/s · 1 min 3 s left · 3 of 10 files` while running; the size when done. */
function amount(r: TransferRecord): string {
  if (r.state === 'running' && r.progress) return progressMessage(r.progress);
  if (r.total === undefined) return '';
  if (r.state === 'done') return formatBytes(r.total);
  return `${formatBytes(r.bytes)} of ${formatBytes(r.total)}`;
}
