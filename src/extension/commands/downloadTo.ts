/**
 * Download to…: the row (or every row of a selection) into a local folder the user picks, through the
 * transfer engine (the Transfers view shows, cancels and resumes it). Files that already exist there
 * are replaced only after one question whose default keeps them.
 */
import { existsSync, promises as fsp } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { UsageError } from '../../core/errors';
import { safeLocalJoin } from '../../core/transfer/remotePath';
import type { Services } from '../services';
import type { TargetArg } from '../targets';
import type { TransferRecord } from '../transfers';
import { localPath, remoteItems, type Commands } from './types';

const posix = path.posix;

async function downloadTo(s: Services, arg?: TargetArg, selected?: unknown, destination?: string | vscode.Uri): Promise<TransferRecord[]> {
  // Tests and scripts may pass the folder as the second argument when there is no selection.
  if (destination === undefined && (typeof selected === 'string' || selected instanceof vscode.Uri)) [selected, destination] = [undefined, selected];
  const items = await remoteItems(s, arg, selected, 'to download from');
  if (items.length === 0) return [];
  let folder = destination === undefined ? undefined : localPath(destination);
  if (!folder) {
    const base = vscode.workspace.workspaceFolders?.find((f) => f.uri.scheme === 'file')?.uri;
    const picked = await s.ui.openDialog({ canSelectFolders: true, canSelectFiles: false, canSelectMany: false, openLabel: 'Download Here', defaultUri: base, title: `Download ${items.length === 1 ? posix.basename(items[0].path) : `${items.length} items`} to…` });
    folder = picked?.[0]?.fsPath;
  }
  if (!folder) return [];
  await fsp.mkdir(folder, { recursive: true });
  // A server's name never leaves the chosen folder (the same guard as recursive downloads).
  const plan = items.map((i) => ({ ...i, local: safeLocalJoin(folder, posix.basename(i.path)) }));
  const existing = plan.filter((p) => existsSync(p.local));
  if (existing.length > 0) {
    const answer = await s.ui.confirmSafe(
      existing.length === 1 ? `Replace ${path.basename(existing[0].local)} in ${folder}?` : `Replace ${existing.length} existing items in ${folder}?`,
      `${existing.map((e) => e.local).slice(0, 10).join('\n')}\n\nReplace overwrites them with the server's copies.`,
      'Keep Local Files',
      'Replace',
    );
    if (answer !== 'Replace') return [];
  }
  const records: TransferRecord[] = [];
  for (const p of plan) {
    const type = p.type ?? (await (await s.connections.get(p.profile)).stat(p.path)).type;
    const r = await s.transfers.run({ direction: 'download', profile: p.profile, local: p.local, remote: p.path, recursive: type === 'directory' });
    if (r.state === 'failed') throw new UsageError(r.error ?? 'The download failed.', 'transfer-failed');
    records.push(r);
    if (r.state === 'cancelled') break;
  }
  return records;
}

export const DOWNLOAD_TO_COMMANDS: Commands = {
  'secureTransfer.downloadTo': downloadTo,
};
