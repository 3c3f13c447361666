/**
 * Change Permissions…: nine checkboxes (owner/group/others × read/write/execute) ticked as the file is
 * now, or an octal mode typed into the same box (644, 0755, 2775 — four digits set setuid/setgid/
 * sticky too). Applies RemoteFileSystem.chmod to the row, or to every row of a selection; not
 * recursive (a folder's own mode only). Listings report only the 0o777 bits, so ticking boxes sets
 * those and clears setuid/setgid/sticky; the pick says so, and typing four digits keeps them.
 */
import * as vscode from 'vscode';
import { serverText } from '../../core/displayText';
import { UsageError } from '../../core/errors';
import { formatFileMode, permissionLetters } from '../../core/syntax/fileMode';
import { parseOctalMode, PERMISSION_BITS } from '../fileNames';
import type { Services } from '../services';
import type { TargetArg } from '../targets';
import { remoteItems, type Commands } from './types';

interface BitItem extends vscode.QuickPickItem {
  bit: number;
}

function bitItems(current: number | undefined, folder: boolean): BitItem[] {
  return PERMISSION_BITS.map((b) => ({ label: b.label, description: b.execute && folder ? '(enter the folder)' : undefined, bit: b.bit, picked: current !== undefined && (current & b.bit) !== 0 }));
}

async function changePermissions(s: Services, arg?: TargetArg, selected?: unknown, typedMode?: string | number): Promise<number | undefined> {
  if (typedMode === undefined && (typeof selected === 'string' || typeof selected === 'number')) [selected, typedMode] = [undefined, selected];
  const items = await remoteItems(s, arg, selected, 'to change permissions on');
  if (items.length === 0) return undefined;
  const first = items[0];
  const fs = await s.connections.get(first.profile);
  const st = await fs.stat(first.path);
  let mode: number | undefined;
  if (typeof typedMode === 'number') mode = typedMode;
  else if (typeof typedMode === 'string') mode = parseOctalMode(typedMode);
  else {
    const what = items.length === 1 ? serverText(first.path) : `${items.length} items`;
    const now = st.permissions === undefined ? 'unknown' : `${formatFileMode(st.permissions)} ${permissionLetters(st.permissions)}`;
    const answer = await s.ui.pickMany(bitItems(st.permissions, st.type === 'directory'), {
      title: `Permissions of ${what} on ${first.profile.name} (now ${now})`,
      placeholder: 'Tick the permissions, or type an octal mode such as 644 or 0755 and press Enter (ticking clears setuid/setgid/sticky)',
    });
    if (!answer) return undefined;
    if (answer.typed) {
      mode = parseOctalMode(answer.typed);
      if (mode === undefined) throw new UsageError(`"${answer.typed.slice(0, 40)}" is no permission mode: type 3 or 4 octal digits such as 644 or 0755, or tick the boxes.`);
    } else mode = answer.picked.reduce((m, i) => m | i.bit, 0);
  }
  if (mode === undefined || mode < 0 || mode > 0o7777) throw new UsageError(`"${String(typedMode).slice(0, 40)}" is no permission mode: give 3 or 4 octal digits such as 644 or 0755.`);
  const final = mode;
  for (const item of items) {
    const session = await s.connections.get(item.profile);
    if (!session.chmod) throw new UsageError(`${item.profile.name} cannot change permissions: its ${item.profile.protocol.toUpperCase()} session offers no chmod.`);
    await s.fsProvider.recorded(item.profile, { action: 'chmod', path: item.path, detail: formatFileMode(final) }, () => session.chmod!(item.path, final));
  }
  s.tree.refresh();
  vscode.window.setStatusBarMessage(`$(lock) Permissions set to ${formatFileMode(final)} (${permissionLetters(final)}) on ${items.length === 1 ? serverText(first.path) : `${items.length} items`}`, 5000);
  return final;
}

export const CHANGE_PERMISSIONS_COMMANDS: Commands = {
  'secureTransfer.changePermissions': changePermissions,
};
