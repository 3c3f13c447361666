/**
 * The question asked when an upload would overwrite a remote file that changed since the extension
 * last read it. Same style as the editor's save conflict: Enter (the first button) keeps the
 * server's version; only an explicit Overwrite replaces it.
 */
import * as path from 'node:path';
import { escapeControlChars } from '../core/displayText';
import type { ConflictError } from '../core/transfer/remoteState';
import type { Ui } from './ui';

export const OVERWRITE = 'Overwrite';
export const KEEP_REMOTE = 'Cancel';

export function conflictQuestion(profileName: string, err: Pick<ConflictError, 'remotePath' | 'others'>): { message: string; detail: string } {
  const more = err.others > 0 ? ` (and ${err.others} more file${err.others === 1 ? '' : 's'})` : '';
  return {
    message: `${err.remotePath}${more} changed on the server since it was last read. Overwrite it?`,
    detail: `${profileName}:${err.remotePath}${more} was changed on the server after you last downloaded, opened or uploaded it: Overwrite replaces that change with your version; Cancel uploads nothing and leaves the server's file untouched.`,
  };
}

/** How many names the replace question lists before "and N more". */
const LISTED = 5;

/**
 * The question asked before an upload replaces existing remote files this window never read or
 * wrote (a folder upload asks once, with how many). Enter keeps the server's files.
 */
export function replaceQuestion(profileName: string, existing: readonly string[]): { message: string; detail: string } {
  // The paths name remote files (they may come from a server listing): escaped.
  const names = existing.map((p) => escapeControlChars(p));
  if (names.length === 1) {
    return {
      message: `${path.posix.basename(names[0])} already exists on ${profileName}. Overwrite it?`,
      detail: `${profileName}:${names[0]} already exists. Overwrite replaces it with your file; Cancel uploads nothing. (Set "confirmOverwrite": false in the profile to stop asking.)`,
    };
  }
  const more = names.length > LISTED ? `\n… and ${names.length - LISTED} more` : '';
  return {
    message: `${names.length} files already exist on ${profileName}. Overwrite them?`,
    detail: `These files already exist and would be replaced:\n${names.slice(0, LISTED).join('\n')}${more}\n\nOverwrite replaces them with your files; Cancel uploads nothing. (Set "confirmOverwrite": false in the profile to stop asking.)`,
  };
}

/** True only when the user chose Overwrite. */
export async function confirmReplaceExisting(ui: Pick<Ui, 'confirmSafe'>, profileName: string, existing: readonly string[]): Promise<boolean> {
  const q = replaceQuestion(profileName, existing);
  return (await ui.confirmSafe(q.message, q.detail, KEEP_REMOTE, OVERWRITE)) === OVERWRITE;
}

/** True only when the user chose Overwrite. */
export async function confirmOverwriteChanged(ui: Pick<Ui, 'confirmSafe'>, profileName: string, err: ConflictError): Promise<boolean> {
  const q = conflictQuestion(profileName, err);
  return (await ui.confirmSafe(q.message, q.detail, KEEP_REMOTE, OVERWRITE)) === OVERWRITE;
}
