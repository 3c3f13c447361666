/**
 * Opt-in upload on save: a saved file under a profile's localRoot (with `uploadOnSave: true`) goes to
 * the mapped path under its remotePath. The profile file, `.git/` and ignored globs never go. Only
 * saves trigger it — never a checkout or any other bulk change on disk.
 */
import * as vscode from 'vscode';
import { describeError } from '../core/errors';
import { mappedUploads } from './commands/transfer';
import type { Services } from './services';

export function registerUploadOnSave(s: Services): vscode.Disposable {
  return vscode.workspace.onDidSaveTextDocument(async (doc) => {
    if (doc.uri.scheme !== 'file') return;
    try {
      for (const m of await mappedUploads(s, doc.uri.fsPath, true)) {
        const r = await s.transfers.run({ direction: 'upload', profile: m.profile, local: doc.uri.fsPath, remote: m.remote });
        if (r.state === 'failed') s.ui.error(`Upload on save to ${m.profile.name} failed: ${r.error}`);
      }
    } catch (err) {
      s.log.error(describeError(err));
      s.ui.error(describeError(err));
    }
  });
}
