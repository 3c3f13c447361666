/** New Folder, Delete (one or a selection), Rename / Move, Copy Remote Path and Open, all through the file system provider. */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { serverText } from '../../core/displayText';
import { NotFoundError, UsageError } from '../../core/errors';
import { isInside, moveTarget } from '../fileNames';
import { remoteUri } from '../remoteUri';
import type { Services } from '../services';
import type { RemoteEntryNode } from '../remoteTree';
import { toTarget, type TargetArg } from '../targets';
import { isTreeSelection, remoteFolder, remoteItem, remoteItems, type Commands } from './types';

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

/** Shown in a multi-delete's detail: the first names, then how many more. */
const LISTED_NAMES = 10;

/**
 * Delete, for one row or a multi-selection (`selected` is what VS Code passes with several rows
 * selected): one modal naming the count, then every item. An item inside a selected folder goes with
 * the folder. One failure doesn't stop the rest; the failures end as one sentence.
 */
async function deleteCommand(s: Services, arg?: TargetArg, selectedOrOptions?: unknown, moreOptions?: { confirmed?: boolean }): Promise<boolean> {
  const options = isTreeSelection(selectedOrOptions) ? moreOptions : (selectedOrOptions as { confirmed?: boolean } | undefined);
  if (!isTreeSelection(selectedOrOptions) || selectedOrOptions.length === 1) return deleteOne(s, isTreeSelection(selectedOrOptions) ? selectedOrOptions[0] : arg, options);
  const items = withoutNested(await remoteItems(s, arg, selectedOrOptions, 'to delete on'));
  if (items.length === 0) return false;
  if (items.length === 1) return deleteOne(s, { profileName: items[0].profile.name, path: items[0].path, type: items[0].type }, options);
  if (!options?.confirmed) {
    const servers = [...new Set(items.map((i) => i.profile.name))].join(' and ');
    const names = items.slice(0, LISTED_NAMES).map((i) => serverText(i.path));
    if (items.length > LISTED_NAMES) names.push(`…and ${items.length - LISTED_NAMES} more`);
    const folders = items.some((i) => i.type === 'directory');
    const answer = await s.ui.confirmSafe(
      `Delete ${items.length} items on ${servers}?`,
      `${names.join('\n')}\n\n${folders ? 'Folders are deleted with everything in them. ' : ''}This cannot be undone.`,
      "Don't Delete",
      'Delete',
    );
    if (answer !== 'Delete') return false;
  }
  const failed: string[] = [];
  for (const i of items) {
    try {
      await s.fsProvider.delete(remoteUri(i.profile.name, i.path), { recursive: true });
    } catch (err) {
      failed.push(`${serverText(posix.basename(i.path))} (${err instanceof Error ? err.message : String(err)})`);
    }
  }
  s.tree.refresh();
  if (failed.length) throw new UsageError(`Deleted ${items.length - failed.length} of ${items.length} items; not deleted: ${failed.join(', ')}.`);
  return true;
}

/** Drops items whose folder is selected too (deleting the folder deletes them). */
function withoutNested<T extends { profile: { name: string }; path: string }>(items: T[]): T[] {
  return items.filter((i) => !items.some((o) => o !== i && o.profile.name === i.profile.name && (i.path.startsWith(o.path.endsWith('/') ? o.path : `${o.path}/`) || (o.path === i.path && items.indexOf(o) < items.indexOf(i)))));
}

async function deleteOne(s: Services, arg: TargetArg, options?: { confirmed?: boolean }): Promise<boolean> {
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

/**
 * Rename…, which also moves: a bare name renames in place; `sub/new.txt` is relative to the item's
 * folder and `/abs/path` is absolute. Never replaces what exists at the target; a missing target
 * folder is one sentence (nothing is created on the user's behalf: a typo would make folders).
 */
async function rename(s: Services, arg?: TargetArg, newName?: string): Promise<string | undefined> {
  const item = await remoteItem(s, arg, 'to rename on');
  if (!item) return undefined;
  const n = typeof newName === 'string' ? newName : await s.ui.input({
    prompt: `New name for ${item.path} (or a path to move it: folder/name, /absolute/path)`,
    value: posix.basename(item.path),
    valueSelection: nameSelection(posix.basename(item.path)),
    validateInput: (v) => (!v.trim() ? 'Type a name, or a path to move it to.' : v.includes('\0') ? 'A name cannot contain NUL.' : undefined),
  });
  if (!n) return undefined;
  const to = moveTarget(item.path, n);
  if (to === item.path) return undefined;
  if (to === '/' || isInside(item.path, to)) {
    throw new UsageError(`${serverText(item.path)} cannot be moved to ${serverText(to)}, inside itself: pick a path outside it.`);
  }
  const fs = await s.connections.get(item.profile);
  const parent = posix.dirname(to);
  const folder = await fs.stat(parent).catch((err: unknown) => (err instanceof NotFoundError ? undefined : Promise.reject(err)));
  if (!folder || folder.type !== 'directory') {
    throw new UsageError(`Not moved: the folder ${serverText(parent)} ${folder ? 'is a file' : 'does not exist'} on ${item.profile.name}; create it first (New Folder…) or type an existing folder.`);
  }
  const existing = await fs.stat(to).catch((err: unknown) => (err instanceof NotFoundError ? undefined : Promise.reject(err)));
  if (existing) throw new UsageError(`Not renamed: ${serverText(to)} already exists on ${item.profile.name}; Rename never replaces a file or folder, so delete or rename that one first.`);
  await s.fsProvider.rename(remoteUri(item.profile.name, item.path), remoteUri(item.profile.name, to), { overwrite: false });
  s.tree.refresh();
  return to;
}

/**
 * Rows dragged onto a folder row (or a profile: its start folder) of the same server are moved into it,
 * after one question whose default keeps them where they are: a slipped drag on a live site must not
 * move files. Never replaces an existing name; one failure doesn't stop the rest.
 */
export async function moveInto(s: Services, folder: { profileName: string; path?: string }, entries: readonly RemoteEntryNode[]): Promise<string[]> {
  const r = await remoteFolder(s, { profileName: folder.profileName, path: folder.path, type: folder.path === undefined ? undefined : 'directory' }, 'to move to');
  if (!r || entries.length === 0) return [];
  if (entries.some((e) => e.profileName !== r.profile.name)) throw new UsageError('Moving between two servers is not possible: download from one and upload to the other instead.');
  const items = withoutNested(entries.map((e) => ({ profile: r.profile, path: e.path, type: e.type }))).filter((i) => posix.dirname(i.path) !== r.dir);
  if (items.length === 0) return [];
  const into = items.find((i) => isInside(i.path, r.dir));
  if (into) throw new UsageError(`${serverText(into.path)} cannot be moved into ${serverText(r.dir)}, inside itself.`);
  const what = items.length === 1 ? serverText(posix.basename(items[0].path)) : `${items.length} items`;
  const answer = await s.ui.confirmSafe(
    `Move ${what} into ${serverText(r.dir)} on ${r.profile.name}?`,
    items.slice(0, LISTED_NAMES).map((i) => serverText(i.path)).join('\n') + (items.length > LISTED_NAMES ? `\n…and ${items.length - LISTED_NAMES} more` : ''),
    "Don't Move",
    'Move',
  );
  if (answer !== 'Move') return [];
  const fs = await s.connections.get(r.profile);
  const moved: string[] = [];
  const failed: string[] = [];
  for (const i of items) {
    const to = posix.join(r.dir, posix.basename(i.path));
    try {
      if (await fs.stat(to).then(() => true, (err: unknown) => (err instanceof NotFoundError ? false : Promise.reject(err)))) throw new UsageError('a file or folder of that name is there already');
      await s.fsProvider.rename(remoteUri(r.profile.name, i.path), remoteUri(r.profile.name, to), { overwrite: false });
      moved.push(to);
    } catch (err) {
      failed.push(`${serverText(posix.basename(i.path))} (${err instanceof Error ? err.message : String(err)})`);
    }
  }
  s.tree.refresh();
  if (failed.length) throw new UsageError(`Moved ${moved.length} of ${items.length} items into ${serverText(r.dir)}; not moved: ${failed.join(', ')}.`);
  return moved;
}

/** The name without its extension is selected, as in the Explorer. */
function nameSelection(name: string): [number, number] {
  const dot = name.lastIndexOf('.');
  return [0, dot > 0 ? dot : name.length];
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
