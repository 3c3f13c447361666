/** New File…: an empty file in a remote folder (the tree's folder, or one typed), opened in the editor. */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { remoteUri } from '../remoteUri';
import type { Services } from '../services';
import type { TargetArg } from '../targets';
import { remoteFolder, type Commands } from './types';

async function newFile(s: Services, arg?: TargetArg, name?: string): Promise<string | undefined> {
  const folder = await remoteFolder(s, arg ?? undefined, 'to create the file on');
  if (!folder) return undefined;
  const n = name ?? (await s.ui.input({ prompt: `New file in ${folder.dir}`, validateInput: (v) => (v && !v.includes('/') ? undefined : 'Type a name without "/".') }));
  if (!n) return undefined;
  const target = path.posix.join(folder.dir, n);
  const uri = remoteUri(folder.profile.name, target);
  // create without overwrite: an existing file of that name is refused, never emptied.
  await s.fsProvider.writeFile(uri, new Uint8Array(), { create: true, overwrite: false });
  s.tree.refresh();
  await vscode.window.showTextDocument(uri, { preview: false });
  return target;
}

export const NEW_FILE_COMMANDS: Commands = {
  'secureTransfer.newFile': newFile,
};
