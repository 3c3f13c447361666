/**
 * Compare with Remote: the server's copy on the left, the local file on the right, in VS Code's diff
 * editor ("name (NAME ↔ local)"). From a local file (Explorer, editor title) the remote side is where
 * the profile's localRoot ↔ remotePath mapping puts it (a pick when several profiles map the file);
 * from a remote file (Remote Files, a remote editor's title) the local side is its place under
 * localRoot, and without one the user may pick a local file.
 */
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { serverText } from '../../core/displayText';
import { NotFoundError, UsageError } from '../../core/errors';
import type { LoadedProfile } from '../../core/profiles/types';
import { mappedLocalPath } from '../downloadMapping';
import { remoteUri, SCHEME } from '../remoteUri';
import type { Services } from '../services';
import type { TargetArg } from '../targets';
import { mappedUploads } from './transfer';
import { remoteItem, type Commands } from './types';

const posix = path.posix;

export interface Comparison {
  remote: vscode.Uri;
  local: vscode.Uri;
  title: string;
}

export const PICK_LOCAL_FILE = 'Pick Local File…';

async function openDiff(profile: LoadedProfile, remotePath: string, local: string): Promise<Comparison> {
  // Named by the remote file (the same name as the local one, unless the user picked another file).
  const c = { remote: remoteUri(profile.name, remotePath), local: vscode.Uri.file(local), title: `${serverText(posix.basename(remotePath))} (${profile.name} ↔ local)` };
  await vscode.commands.executeCommand('vscode.diff', c.remote, c.local, c.title);
  return c;
}

/** The remote side must be a file that exists: one sentence otherwise. */
async function assertRemoteFile(s: Services, profile: LoadedProfile, remotePath: string): Promise<void> {
  const st = await (await s.connections.get(profile)).stat(remotePath).catch((err: unknown) => (err instanceof NotFoundError ? undefined : Promise.reject(err)));
  if (!st) throw new UsageError(`${serverText(remotePath)} does not exist on ${profile.name}, so there is nothing to compare with: upload the file first.`);
  if (st.type === 'directory') throw new UsageError(`${serverText(remotePath)} on ${profile.name} is a folder: Compare with Remote compares files.`);
}

async function compareLocal(s: Services, file: vscode.Uri): Promise<Comparison | undefined> {
  const mapped = await mappedUploads(s, file.fsPath, false);
  if (mapped.length === 0) {
    throw new UsageError(`${vscode.workspace.asRelativePath(file)} is under no profile's localRoot (or is never uploaded), so it has no remote copy to compare with: set "localRoot" in the profile.`);
  }
  const m = mapped.length === 1
    ? mapped[0]
    : (await s.ui.pick(mapped.map((x) => ({ label: x.profile.name, description: serverText(x.remote), m: x })), { placeHolder: `Compare ${path.basename(file.fsPath)} with which server's copy?` }))?.m;
  if (!m) return undefined;
  await assertRemoteFile(s, m.profile, m.remote);
  return openDiff(m.profile, m.remote, file.fsPath);
}

async function compareRemote(s: Services, arg: TargetArg, pickedLocal?: string | vscode.Uri): Promise<Comparison | undefined> {
  const item = await remoteItem(s, arg, 'to compare with');
  if (!item) return undefined;
  await assertRemoteFile(s, item.profile, item.path);
  let local = pickedLocal === undefined ? undefined : typeof pickedLocal === 'string' ? pickedLocal : pickedLocal.fsPath;
  if (!local) {
    const mapped = mappedLocalPath(item.profile, item.path, (await s.connections.get(item.profile)).homeDir);
    if (mapped && existsSync(mapped)) local = mapped;
    else {
      const name = serverText(posix.basename(item.path));
      const why = mapped ? `there is no local file at ${vscode.workspace.asRelativePath(mapped)}, where ${item.profile.name}'s localRoot puts it` : `${item.profile.name} maps no local folder to it (no "localRoot", or the file is outside its remotePath)`;
      const answer = await s.ui.offer(`Nothing to compare ${name} with: ${why}.`, PICK_LOCAL_FILE);
      if (answer !== PICK_LOCAL_FILE) return undefined;
      const base = vscode.workspace.workspaceFolders?.find((f) => f.uri.scheme === 'file')?.uri;
      local = (await s.ui.openDialog({ canSelectFiles: true, canSelectFolders: false, canSelectMany: false, openLabel: 'Compare', defaultUri: base, title: `Compare ${name} from ${item.profile.name} with…` }))?.[0]?.fsPath;
      if (!local) return undefined;
    }
  }
  return openDiff(item.profile, item.path, local);
}

/**
 * Explorer (uri, uris), editor title (uri, …), Remote Files (node), palette (the active editor's
 * file). A `file:` URI compares a local file; anything else names a remote file.
 */
async function compareWithRemote(s: Services, arg?: TargetArg, localForRemote?: unknown): Promise<Comparison | undefined> {
  const target = arg ?? vscode.window.activeTextEditor?.document.uri;
  if (target === undefined) throw new UsageError('Open a file (local or remote) in the editor first, or use Compare with Remote from the Explorer or the Remote Files view.');
  if (target instanceof vscode.Uri && target.scheme === 'file') return compareLocal(s, target);
  if (target instanceof vscode.Uri && target.scheme !== SCHEME) throw new UsageError(`Compare with Remote works on local files and ${SCHEME}: files; ${target.scheme}: files have no server copy.`);
  return compareRemote(s, target, typeof localForRemote === 'string' || localForRemote instanceof vscode.Uri ? localForRemote : undefined);
}

export const COMPARE_COMMANDS: Commands = {
  'secureTransfer.compareWithRemote': compareWithRemote,
};
