/**
 * Download Active File: the remote file of the active tab (or the tab whose title menu was used) to
 * its place under the profile's localRoot; without a mapping, a save dialog asks where. An existing
 * local file is only replaced after a question whose default keeps it.
 */
import { existsSync, promises as fsp } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { UsageError } from '../../core/errors';
import { mappedLocalPath } from '../downloadMapping';
import { SCHEME } from '../remoteUri';
import type { Services } from '../services';
import { resolveProfile } from '../targets';
import type { TransferRecord } from '../transfers';
import type { Commands } from './types';

async function downloadActiveFile(s: Services, file?: vscode.Uri): Promise<TransferRecord | undefined> {
  const uri = file ?? vscode.window.activeTextEditor?.document.uri;
  if (!uri || uri.scheme !== SCHEME) throw new UsageError('Open a remote file in the editor first: Download Active File downloads the remote file of the active editor.');
  const r = await resolveProfile(s.profiles, s.ui, uri, 'to download from');
  if (!r?.target.path) return undefined;
  const remote = r.target.path;
  const fs = await s.connections.get(r.profile);
  let local = mappedLocalPath(r.profile, remote, fs.homeDir);
  if (local && existsSync(local)) {
    const answer = await s.ui.confirmSafe(
      `Replace ${vscode.workspace.asRelativePath(local)} with the server's copy?`,
      `${local} exists: Replace overwrites it with ${remote} from ${r.profile.name}.`,
      'Keep Local File',
      'Replace',
    );
    if (answer !== 'Replace') return undefined;
  } else if (!local) {
    const base = vscode.workspace.workspaceFolders?.find((f) => f.uri.scheme === 'file')?.uri;
    local = (await s.ui.saveDialog({ defaultUri: base && vscode.Uri.joinPath(base, path.posix.basename(remote)), saveLabel: 'Download' }))?.fsPath;
    if (!local) return undefined;
  }
  await fsp.mkdir(path.dirname(local), { recursive: true });
  const record = await s.transfers.run({ direction: 'download', profile: r.profile, local, remote });
  if (record.state === 'failed') throw new UsageError(record.error ?? 'The download failed.', 'transfer-failed');
  const dirty = vscode.workspace.textDocuments.some((d) => d.uri.toString() === uri.toString() && d.isDirty);
  if (record.state === 'done') s.ui.info(`Downloaded ${path.posix.basename(remote)} from ${r.profile.name} to ${local}${dirty ? ' (the server\'s copy: your unsaved changes in the editor are not in it)' : ''}.`);
  return record;
}

export const DOWNLOAD_ACTIVE_FILE_COMMANDS: Commands = {
  'secureTransfer.downloadActiveFile': downloadActiveFile,
};
