/**
 * The question asked when an upload would overwrite a remote file that changed since the extension
 * last read it. Same style as the editor's save conflict: Enter (the first button) keeps the
 * server's version; only an explicit Overwrite replaces it.
 */
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

/** True only when the user chose Overwrite. */
export async function confirmOverwriteChanged(ui: Pick<Ui, 'confirmSafe'>, profileName: string, err: ConflictError): Promise<boolean> {
  const q = conflictQuestion(profileName, err);
  return (await ui.confirmSafe(q.message, q.detail, KEEP_REMOTE, OVERWRITE)) === OVERWRITE;
}
