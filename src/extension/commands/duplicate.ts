/**
 * Duplicate: a copy of a remote file beside it, "name copy.ext", "name copy 2.ext"… SFTP and FTP have
 * no server-side copy, so the bytes stream down and straight back up through the session (SFTP: never
 * held in memory or on disk; FTPS: through a private temporary file, one data connection at a time), into a hidden partial that is renamed to the free name at the end (no half copy under a
 * real name; never replacing a file that appeared meanwhile), with the source's permission bits.
 *
 * Folders are refused, deliberately: a folder copy would send every byte of the tree twice over the
 * link with no resume and no plan, and a cancelled one leaves half a folder under a real name. Download
 * the folder and upload it under another name (the Transfers view shows, resumes and cancels that).
 */
import { promises as fsp } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { serverText } from '../../core/displayText';
import { NotFoundError, UsageError } from '../../core/errors';
import type { LoadedProfile } from '../../core/profiles/types';
import type { RemoteFileSystem } from '../../core/session/remoteFileSystem';
import { freshPartialName, partialName, sourceIdentity } from '../../core/transfer/partialName';
import { freeCopyName, MAX_COPY_NUMBER } from '../fileNames';
import { remoteUri } from '../remoteUri';
import type { Services } from '../services';
import type { TargetArg } from '../targets';
import { remoteItems, type Commands } from './types';

const posix = path.posix;

async function duplicateOne(s: Services, fs: RemoteFileSystem, profile: LoadedProfile, source: string, signal: AbortSignal): Promise<string> {
  const st = await fs.stat(source, { signal });
  if (st.type === 'directory') {
    throw new UsageError(`Duplicate copies files, not folders: ${serverText(source)} is a folder. Download it and upload it under another name instead.`);
  }
  if (st.type !== 'file') throw new UsageError(`Duplicate copies regular files only; ${serverText(source)} is not one.`);
  const dir = posix.dirname(source);
  const name = freeCopyName(posix.basename(source), new Set((await fs.list(dir, { signal })).map((e) => e.name)));
  if (!name) throw new UsageError(`There are already ${MAX_COPY_NUMBER} copies of ${serverText(posix.basename(source))} in ${serverText(dir)}; delete some first.`);
  const target = posix.join(dir, name);
  const temp = posix.join(dir, freshPartialName(partialName(name, sourceIdentity(fs.identity, fs.protocol, source, st.size, st.mtime), target)));
  await s.fsProvider.recorded(profile, { action: 'copy', path: source, to: target, bytes: st.size }, async () => {
    try {
      if (fs.protocol === 'sftp') {
        // SFTP multiplexes requests: the read feeds the write directly, nothing touches the disk.
        const input = await fs.createReadStream(source, { signal });
        await fs.writeFromStream(temp, input, { signal });
        if (st.permissions !== undefined && fs.chmod) await fs.chmod(temp, st.permissions, { signal }).catch(() => undefined);
      } else {
        // One FTP control connection runs one data transfer at a time: a read feeding a write would wait
        // on itself. Through a private local file instead (0700 folder, removed at once).
        const tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'st-duplicate-'));
        try {
          await fs.downloadFile(source, path.join(tmp, 'copy'), { signal, size: st.size });
          await fs.uploadFile(path.join(tmp, 'copy'), temp, { signal, ...(st.permissions !== undefined ? { mode: st.permissions } : {}) });
        } finally {
          await fsp.rm(tmp, { recursive: true, force: true });
        }
      }
      // Without overwrite: a file that took the name meanwhile is never replaced.
      await fs.rename(temp, target, { overwrite: false, signal });
    } catch (err) {
      await fs.delete(temp).catch(() => undefined);
      throw err;
    }
  });
  s.fsProvider.fireChanged(remoteUri(profile.name, target), vscode.FileChangeType.Created);
  return target;
}

/** Duplicate on a file row (or each file of a selection); resolves with the copies' paths. */
async function duplicate(s: Services, arg?: TargetArg, selected?: unknown): Promise<string[]> {
  const items = await remoteItems(s, arg, selected, 'to duplicate on');
  const copies: string[] = [];
  if (items.length === 0) return copies;
  await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Duplicating ${items.length === 1 ? serverText(posix.basename(items[0].path)) : `${items.length} files`}`, cancellable: true },
    async (_progress, token) => {
      const abort = new AbortController();
      token.onCancellationRequested(() => abort.abort());
      try {
        for (const item of items) copies.push(await duplicateOne(s, await s.connections.get(item.profile), item.profile, item.path, abort.signal));
      } catch (err) {
        if (err instanceof NotFoundError) throw new UsageError(`Not duplicated: ${err.message}`);
        throw err;
      } finally {
        s.tree.refresh();
      }
    },
  );
  return copies;
}

export const DUPLICATE_COMMANDS: Commands = {
  'secureTransfer.duplicate': duplicate,
};
