/** The Transfers view: queued, running and finished transfers, newest first. */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { formatBytes, type TransferRecord, type TransferService, type TransferState } from './transfers';

const ICONS: Readonly<Record<TransferState, string>> = {
  queued: 'clock',
  running: 'sync~spin',
  done: 'check',
  failed: 'error',
  cancelled: 'circle-slash',
};

export class TransfersViewProvider implements vscode.TreeDataProvider<TransferRecord> {
  private readonly changed = new vscode.EventEmitter<TransferRecord | undefined>();
  readonly onDidChangeTreeData = this.changed.event;

  constructor(private readonly service: TransferService) {
    service.onDidChange(() => this.changed.fire(undefined));
  }

  getChildren(node?: TransferRecord): TransferRecord[] {
    return node ? [] : [...this.service.all];
  }

  getTreeItem(r: TransferRecord): vscode.TreeItem {
    const arrow = r.direction === 'upload' ? '↑' : '↓';
    const item = new vscode.TreeItem(`${arrow} ${r.direction === 'upload' ? path.basename(r.local) : path.posix.basename(r.remote)}`);
    item.id = `transfer-${r.id}`;
    const amount = r.total !== undefined ? `${formatBytes(r.bytes)} / ${formatBytes(r.total)}` : '';
    item.description = [r.profileName, r.state, amount].filter(Boolean).join(' · ');
    item.tooltip = `${r.local} ${r.direction === 'upload' ? '→' : '←'} ${r.profileName}:${r.remote}${r.error ? `\n${r.error}` : ''}`;
    item.iconPath = new vscode.ThemeIcon(ICONS[r.state]);
    item.contextValue = `transfer.${r.state}`;
    item.accessibilityInformation = { label: `${r.direction} ${String(item.label).slice(2)} ${item.description}` };
    return item;
  }
}
