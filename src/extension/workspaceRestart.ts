/**
 * "Open Remote Folder in Workspace" survives the extension host restart it causes. VS Code restarts
 * every extension when the first workspace folder changes or a single-folder window becomes an
 * untitled multi-root workspace (microsoft/vscode#69335; documented at
 * `workspace.updateWorkspaceFolders`): sessions, and anything in memory, are gone. Before the change
 * the connected profiles are written to globalState (names only, never a secret), tied to the folder
 * being added; the next activation reconnects them when that folder is in the workspace, within a
 * few minutes. A change that needed no restart clears the note at once.
 */
import * as vscode from 'vscode';

const KEY = 'secureTransfer.reconnectAfterWorkspaceChange';
/** Older notes are stale (a crash, a window closed): never reconnect from them. */
const MAX_AGE_MS = 5 * 60_000;

interface Note {
  folder: string;
  names: string[];
  at: number;
}

export async function rememberConnections(state: vscode.Memento, folder: vscode.Uri, names: readonly string[]): Promise<void> {
  await state.update(KEY, { folder: folder.toString(), names: [...new Set(names)], at: Date.now() } satisfies Note);
}

export async function forgetConnections(state: vscode.Memento): Promise<void> {
  await state.update(KEY, undefined);
}

/** The profiles to reconnect after a restart this extension caused; the note is used once. */
export async function connectionsToRestore(state: vscode.Memento, folders: readonly vscode.WorkspaceFolder[] = vscode.workspace.workspaceFolders ?? []): Promise<string[]> {
  const note = state.get<Note>(KEY);
  if (!note) return [];
  const fresh = Date.now() - note.at < MAX_AGE_MS && note.at <= Date.now();
  const ours = folders.some((f) => f.uri.toString() === note.folder);
  // Another window may be the one restarting: leave its note alone until it is stale.
  if (fresh && !ours) return [];
  await forgetConnections(state);
  return fresh && Array.isArray(note.names) ? note.names.filter((n) => typeof n === 'string') : [];
}
