/** A status-bar item with the connection state: how many servers are connected, and which. */
import * as vscode from 'vscode';
import type { ConnectionManager } from './connections';

export interface ConnectionStatusBar extends vscode.Disposable {
  readonly item: vscode.StatusBarItem;
}

export function createStatusBar(connections: ConnectionManager): ConnectionStatusBar {
  const item = vscode.window.createStatusBarItem('secureTransfer.status', vscode.StatusBarAlignment.Left, 10);
  item.name = 'Secure Transfer';
  item.command = 'workbench.view.extension.secureTransfer';
  const update = () => {
    const names = connections.connectedNames();
    item.text = names.length ? `$(lock) ${names.length === 1 ? names[0] : `${names.length} servers`}` : '$(debug-disconnect) Secure Transfer';
    item.tooltip = names.length ? `Secure Transfer: connected to ${names.join(', ')}` : 'Secure Transfer: not connected';
    item.show();
  };
  update();
  const sub = connections.onDidChange(update);
  return { item, dispose: () => vscode.Disposable.from(item, sub).dispose() };
}
