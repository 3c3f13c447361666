/** New Folder, Delete, Rename, Copy Remote Path and Open, all through the file system provider. */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { serverText } from '../../core/displayText';
import { remoteUri } from '../remoteUri';
import type { Services } from '../services';
import { toTarget, type TargetArg } from '../targets';
import { remoteFolder, remoteItem, type Commands } from './types';

const posix = path.posix;

async function newFolder(s: Services, arg?: TargetArg, name?: string): Promise<string | undefined> {
  const folder = await remoteFolder(s, arg ?? undefined, 'to create the folder on');
  if (!folder) return undefined;
  const n = name ?? (await s.ui.input({ prompt: `New folder in ${folder.dir}`, validateInput: (v) => (v && !v.includes('/') ? undefined : 'Type a name without "/".') }));
  if (!n) return undefined;
  const target = posix.join(folder.dir, n);
  await s.fsProvider.createDirectory(remoteUri(folder.profile.name, target));
  s.tree.refresh();
  return target;
}

async function deleteCommand(s: Services, arg?: TargetArg, options?: { confirmed?: boolean }): Promise<boolean> {
  const item = await remoteItem(s, arg, 'to delete on');
  if (!item) return false;
  if (!options?.confirmed) {
    // The tree knows the type; a path typed in the palette or a tab's URI is asked to the server.
    const type = toTarget(arg)?.type ?? (await (await s.connections.get(item.profile)).stat(item.path)).type;
    const folder = type === 'directory';
    const answer = await s.ui.confirmSafe(
      `Delete the ${folder ? 'folder' : 'file'} ${serverText(item.path)} on ${item.profile.name}?`,
      folder ? 'The folder is deleted with everything in it. This cannot be undone.' : 'The file is deleted from the server. This cannot be undone.',
      // Enter keeps the item: VS Code focuses the first button (its own Cancel comes last, so not "Cancel" twice).
      "Don't Delete",
      'Delete',
    );
    if (answer !== 'Delete') return false;
  }
  await s.fsProvider.delete(remoteUri(item.profile.name, item.path), { recursive: true });
  s.tree.refresh();
  return true;
}

async function rename(s: Services, arg?: TargetArg, newName?: string): Promise<string | undefined> {
  const item = await remoteItem(s, arg, 'to rename on');
  if (!item) return undefined;
  const n = newName ?? (await s.ui.input({ prompt: `New name for ${item.path}`, value: posix.basename(item.path), validateInput: (v) => (v && !v.includes('/') ? undefined : 'Type a name without "/".') }));
  if (!n) return undefined;
  const to = posix.join(posix.dirname(item.path), n);
  await s.fsProvider.rename(remoteUri(item.profile.name, item.path), remoteUri(item.profile.name, to), { overwrite: false });
  s.tree.refresh();
  return to;
}

async function copyRemotePath(s: Services, arg?: TargetArg): Promise<string | undefined> {
  const item = await remoteItem(s, arg, 'to copy a path from');
  if (!item) return undefined;
  await vscode.env.clipboard.writeText(item.path);
  // Copying shows nothing by itself: say what is on the clipboard.
  vscode.window.setStatusBarMessage(`$(clippy) Copied ${serverText(item.path)}`, 4000);
  return item.path;
}

async function open(s: Services, arg?: TargetArg): Promise<void> {
  const item = await remoteItem(s, arg, 'to open a file from');
  if (item) await vscode.window.showTextDocument(remoteUri(item.profile.name, item.path), { preview: false });
}

export const REMOTE_FILE_COMMANDS: Commands = {
  'secureTransfer.newFolder': newFolder,
  'secureTransfer.delete': deleteCommand,
  'secureTransfer.rename': rename,
  'secureTransfer.copyRemotePath': copyRemotePath,
  'secureTransfer.open': open,
};
