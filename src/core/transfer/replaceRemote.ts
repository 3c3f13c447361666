/**
 * Saving a whole file over a remote one (the editor's save): the content goes to a hidden temporary
 * sibling with a random name, created exclusively and 0600 while written (SFTP), given the mode
 * (and group) of the file it replaces — or, for a new file, 0666 minus the server's umask, what any
 * editor's new file gets — and renamed over the target. The server never holds half a file, and a
 * replace never widens (or narrows) a file's permissions.
 */
import type { RemoteEntry, RemoteFileSystem } from '../session/remoteFileSystem';
import { currentUmask } from '../localPartial';
import { freshPartialName, partialName } from './partialName';
import { remote } from './remotePath';

export interface ReplaceOptions {
  signal?: AbortSignal;
  /** Told when the server could not set the permissions (no failure). */
  onNote?: (note: string) => void;
}

/**
 * The temporary name of one save of `target` (a sibling's name, no folder): the engine's partial
 * scheme with a random version id, so every save gets a new name that nobody can plant in advance,
 * and `isPartialName` knows it — transfers and listings skip it like any other partial.
 */
export function savePartialName(target: string): string {
  return freshPartialName(partialName(remote.basename(target), 'save', target));
}

/** `existing`: what is at `target` now (undefined for a new file). */
export async function replaceRemoteFile(rfs: RemoteFileSystem, target: string, content: Uint8Array, existing: RemoteEntry | undefined, opts: ReplaceOptions = {}): Promise<void> {
  const dir = remote.dirname(target);
  const tmp = remote.join(dir, savePartialName(target));
  const keep = existing?.type === 'file' ? existing : undefined;
  let mode: number | undefined;
  if (keep) mode = keep.permissions; // unknown (FTP without it in listings): the server's default
  else mode = 0o666 & ~((await rfs.creationMask?.(dir, { signal: opts.signal }).catch(() => undefined)) ?? currentUmask());
  try {
    await rfs.writeFile(tmp, content, {
      signal: opts.signal,
      ...(mode !== undefined ? { mode, ...(keep?.gid !== undefined ? { gid: keep.gid } : {}) } : {}),
      ...(opts.onNote ? { onNote: opts.onNote } : {}),
    });
    await rfs.rename(tmp, target, { overwrite: true, signal: opts.signal });
  } catch (err) {
    await rfs.delete(tmp).catch(() => undefined);
    throw err;
  }
}
