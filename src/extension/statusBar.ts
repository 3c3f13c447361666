/** A status-bar item with the connection state: how many servers are connected, and which. */
import * as vscode from 'vscode';
import type { ConnectionManager } from './connections';
import type { ProfileRegistry } from './profileRegistry';

export interface ConnectionStatusBar extends vscode.Disposable {
  readonly item: vscode.StatusBarItem;
}

/** Lists only connections whose profile still exists (a profile removed, or its file now invalid, is gone). */
export function createStatusBar(connections: ConnectionManager, profiles: ProfileRegistry): ConnectionStatusBar {
  const item = vscode.window.createStatusBarItem('secureTransfer.status', vscode.StatusBarAlignment.Left, 10);
  item.name = 'Secure Transfer';
  item.command = 'workbench.view.extension.secureTransfer';
  const update = () => {
    const names = connections.connectedNames().filter((n) => profiles.find(n) !== undefined);
    item.text = names.length ? `$(lock) ${names.length === 1 ? names[0] : `${names.length} servers`}` : '$(debug-disconnect) Secure Transfer';
    item.tooltip = names.length ? `Secure Transfer: connected to ${names.join(', ')}` : 'Secure Transfer: not connected';
    item.show();
  };
  update();
  const subs = [connections.onDidChange(update), profiles.onDidChange(update)];
  return { item, dispose: () => vscode.Disposable.from(item, ...subs).dispose() };
}
