/**
 * Upload File / Folder / Active File / to Remote, Download, Cancel, Resume, Discard Partial and Clear
 * Transfers. Every request names the exact local and remote path (TransferService passes it to the
 * engine as an exact target). Explicit uploads ask before replacing a remote file this window never
 * saw (askBeforeReplacing); upload on save doesn't.
 */
import * as path from 'node:path';
import { promises as fsp } from 'node:fs';
import * as vscode from 'vscode';
import { escapeControlChars } from '../../core/displayText';
import { UsageError } from '../../core/errors';
import type { LoadedProfile } from '../../core/profiles/types';
import { assertUploadable } from '../../core/transfer/ignore';
import { typedRemotePath } from '../addressInput';
import { localBaseDir, mappedLocalPath } from '../downloadMapping';
import type { Services } from '../services';
import { resolveProfile, type TargetArg } from '../targets';
import { hasPartials, type TransferRecord } from '../transfers';
import { mapLocalToRemote } from '../uploadMapping';
import { localPath, remoteFolder, type Commands } from './types';

const posix = path.posix;

function assertFinished(r: TransferRecord): TransferRecord {
  if (r.state === 'failed') throw new UsageError(r.error ?? 'The transfer failed.', 'transfer-failed');
  return r;
}

async function uploadPaths(s: Services, folder: { profile: LoadedProfile; dir: string }, locals: string[]): Promise<TransferRecord[]> {
  const results: TransferRecord[] = [];
  for (const local of locals) {
    const st = await fsp.stat(local);
    const remote = posix.join(folder.dir, path.basename(local));
    if (st.isDirectory()) {
      // The engine skips `.git/`, the profile file and the profile's ignore globs.
      results.push(await s.transfers.run({ direction: 'upload', profile: folder.profile, local, remote, recursive: true, askBeforeReplacing: true }));
    } else {
      assertUploadable(local);
      results.push(await s.transfers.run({ direction: 'upload', profile: folder.profile, local, remote, askBeforeReplacing: true }));
    }
  }
  s.tree.refresh();
  return results.map(assertFinished);
}

async function uploadFile(s: Services, arg?: TargetArg, files?: (string | vscode.Uri)[]): Promise<TransferRecord[]> {
  const folder = await remoteFolder(s, arg, 'to upload to');
  if (!folder) return [];
  const picked = files ?? (await s.ui.openDialog({ canSelectMany: true, canSelectFiles: true, canSelectFolders: false, openLabel: 'Upload' }));
  return picked ? uploadPaths(s, folder, picked.map(localPath)) : [];
}

async function uploadFolder(s: Services, arg?: TargetArg, folders?: (string | vscode.Uri)[]): Promise<TransferRecord[]> {
  const folder = await remoteFolder(s, arg, 'to upload to');
  if (!folder) return [];
  const picked = folders ?? (await s.ui.openDialog({ canSelectMany: false, canSelectFiles: false, canSelectFolders: true, openLabel: 'Upload Folder' }));
  return picked ? uploadPaths(s, folder, picked.map(localPath)) : [];
}

/** The folder a profile's localRoot is relative to: its workspace folder (shared) or the file's folder (user). */
/** Where a local file maps on a profile (localRoot ↔ remotePath), without connecting when it can't. */
export async function mappedUploads(s: Services, file: string, onlyUploadOnSave: boolean): Promise<{ profile: LoadedProfile; remote: string }[]> {
  const result: { profile: LoadedProfile; remote: string }[] = [];
  for (const profile of s.profiles.profiles) {
    if (profile.localRoot === undefined || (onlyUploadOnSave && !profile.uploadOnSave)) continue;
    const probe = mapLocalToRemote(profile, file, localBaseDir(profile, file), '');
    if (!probe.ok) {
      if (probe.reason === 'ignored') s.log.debug(`Not uploading ${probe.relativePath}: it is ignored for ${profile.name}.`);
      continue;
    }
    const home = profile.remotePath === undefined ? (await s.connections.get(profile)).homeDir : '';
    const mapped = mapLocalToRemote(profile, file, localBaseDir(profile, file), home);
    if (mapped.ok) result.push({ profile, remote: mapped.remotePath });
  }
  return result;
}

async function uploadActiveFile(s: Services, file?: string | vscode.Uri): Promise<TransferRecord[]> {
  const uri = file === undefined ? vscode.window.activeTextEditor?.document.uri : typeof file === 'string' ? vscode.Uri.file(file) : file;
  if (!uri || uri.scheme !== 'file') throw new UsageError('Open a local file in the editor first: Upload Active File uploads the file of the active editor.');
  const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
  if (doc?.isDirty) await doc.save();
  const mapped = await mappedUploads(s, uri.fsPath, false);
  if (mapped.length === 0) return uploadFile(s, undefined, [uri]);
  const records: TransferRecord[] = [];
  for (const m of mapped) records.push(await s.transfers.run({ direction: 'upload', profile: m.profile, local: uri.fsPath, remote: m.remote, askBeforeReplacing: true }));
  s.tree.refresh();
  return records.map(assertFinished);
}

/** Explorer context menu: the clicked file plus any other selected ones. */
async function uploadToRemote(s: Services, clicked?: vscode.Uri, selected?: vscode.Uri[], target?: TargetArg): Promise<TransferRecord[]> {
  const files = selected?.length ? selected : clicked ? [clicked] : undefined;
  if (!files) throw new UsageError('Select files or folders in the Explorer first, then choose Upload to Remote….');
  const folder = await remoteFolder(s, target, 'to upload to');
  return folder ? uploadPaths(s, folder, files.map(localPath)) : [];
}

async function download(s: Services, arg?: TargetArg, destination?: string | vscode.Uri): Promise<TransferRecord | undefined> {
  const r = await resolveProfile(s.profiles, s.ui, arg, 'to download from');
  if (!r) return undefined;
  const fs = await s.connections.get(r.profile);
  // A pasted URL of this server is read as its path (another server's is refused), as in every remote path box.
  const typed = r.target.path ?? (await s.ui.input({ prompt: `Remote path on ${r.profile.name} to download`, placeHolder: `/path/on/the/server, or paste its ${r.profile.protocol}:// URL`, value: fs.homeDir, ignoreFocusOut: true }));
  if (!typed) return undefined;
  const remote = r.target.path ?? typedRemotePath(r.profile, typed, fs.homeDir);
  const isDir = (r.target.type ?? (await fs.stat(remote)).type) === 'directory';
  let local = destination === undefined ? undefined : localPath(destination);
  if (!local) {
    // The default place is the file's place under the profile's localRoot (where Upload took it from).
    const mapped = mappedLocalPath(r.profile, remote, fs.homeDir);
    const base = vscode.workspace.workspaceFolders?.[0]?.uri;
    if (isDir) {
      const parent = mapped ? vscode.Uri.file(path.dirname(mapped)) : base;
      const picked = await s.ui.openDialog({ canSelectFolders: true, canSelectFiles: false, openLabel: 'Download Here', defaultUri: parent });
      local = picked?.[0] && path.join(picked[0].fsPath, posix.basename(remote));
    } else {
      const defaultUri = mapped ? vscode.Uri.file(mapped) : base && vscode.Uri.joinPath(base, posix.basename(remote));
      local = (await s.ui.saveDialog({ defaultUri, saveLabel: 'Download' }))?.fsPath;
    }
  }
  if (!local) return undefined;
  return assertFinished(await s.transfers.run({ direction: 'download', profile: r.profile, local, remote, recursive: isDir }));
}

function cancelTransfer(s: Services, arg?: TransferRecord | number): Promise<boolean> {
  const id = typeof arg === 'number' ? arg : arg?.id ?? s.transfers.all.find((r) => r.state === 'running' || r.state === 'queued')?.id;
  return Promise.resolve(id !== undefined && s.transfers.cancel(id));
}

/** The transfer row clicked (inline/context: the TransferRecord), an id, or the newest one with partials. */
function withPartials(s: Services, arg: TransferRecord | number | undefined, verb: string): TransferRecord {
  const id = typeof arg === 'number' ? arg : arg?.id;
  const r = id !== undefined ? s.transfers.find(id) : s.transfers.all.find(hasPartials);
  if (!r || !hasPartials(r)) throw new UsageError(`Nothing to ${verb}: only a cancelled or failed transfer that left partial files can be ${verb === 'resume' ? 'resumed' : 'discarded'}.`);
  return r;
}

/** Runs a cancelled or failed transfer again in its row; the engine continues from its partials. */
async function resumeTransfer(s: Services, arg?: TransferRecord | number): Promise<TransferRecord> {
  const r = await s.transfers.resume(withPartials(s, arg, 'resume').id);
  if (r?.direction === 'upload') s.tree.refresh();
  return assertFinished(r!);
}

/** Deletes the partial files a cancelled or failed transfer left (server for uploads, this machine for downloads). */
async function discardPartial(s: Services, arg?: TransferRecord | number): Promise<number> {
  const r = withPartials(s, arg, 'discard');
  const n = await s.transfers.discardPartials(r.id);
  if (r.direction === 'upload') s.tree.refresh();
  vscode.window.setStatusBarMessage(`Discarded ${n} partial file${n === 1 ? '' : 's'} of ${r.direction === 'upload' ? path.basename(r.local) : escapeControlChars(posix.basename(r.remote))}`, 5000);
  return n;
}

export const TRANSFER_COMMANDS: Commands = {
  'secureTransfer.uploadFile': uploadFile,
  'secureTransfer.uploadFolder': uploadFolder,
  'secureTransfer.uploadActiveFile': uploadActiveFile,
  'secureTransfer.uploadToRemote': uploadToRemote,
  'secureTransfer.download': download,
  'secureTransfer.cancelTransfer': cancelTransfer,
  'secureTransfer.resumeTransfer': resumeTransfer,
  'secureTransfer.discardPartial': discardPartial,
  'secureTransfer.clearTransfers': async (s) => s.transfers.clearFinished(),
};
