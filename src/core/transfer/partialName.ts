/**
 * The temporary name a file is written under before it is renamed over its target. It is
 * deterministic for the same source and target, so a retry finds what an interrupted run left and
 * resumes it; it is hidden and ends in `.part` so nobody mistakes it for the real file.
 *
 * Format: `.<target name>.st-<target id: 4 hex><version id: 8 hex>.part`. The target id depends on
 * the target path only (it tells apart long names cut to the same prefix), the version id on the
 * source with its size and mtime too: partials of the same target from an older source version
 * share everything but the version id, so they can be found and deleted without touching anything
 * else. (Before, all 12 hex hashed source and target; such partials are still recognised.)
 */
import { createHash, randomBytes } from 'node:crypto';

const TARGET_ID_HEX = 4;
const VERSION_ID_HEX = 8;
const SUFFIX = '.part';
const PARTIAL = /^\..+\.st-[0-9a-f]{12}\.part$/;

function hexId(length: number, ...parts: string[]): string {
  return createHash('sha256').update(parts.join('\0')).digest('hex').slice(0, length);
}

/**
 * Who the bytes come from or go to, for `source`: the server's verified host key or certificate
 * fingerprint with protocol, host, port and user (RemoteFileSystem.identity). A partial left by
 * another server (or another account) has another name, so its bytes are never resumed.
 */
export function sourceIdentity(identity: string | undefined, protocol: string, ...parts: Array<string | number>): string {
  // Without a verified identity (stand-in sessions of tests) the name is what it was before.
  return [identity ?? protocol, ...parts].join(':');
}

/** `source` identifies where the bytes come from and which version (sourceIdentity: server + path + size + mtime, or a local path + size + mtime). */
export function partialName(targetBaseName: string, source: string, target: string): string {
  // Keep the whole name within the usual 255-byte limit even for very long target names.
  const base = Buffer.byteLength(targetBaseName) > 200 ? targetBaseName.slice(0, 60) : targetBaseName;
  return `.${base}.st-${hexId(TARGET_ID_HEX, target)}${hexId(VERSION_ID_HEX, source, target)}${SUFFIX}`;
}

export function isPartialName(name: string): boolean {
  return PARTIAL.test(name);
}

/**
 * Whether `name` (in the same folder) is a partial of the same target as `current` but of another
 * source version: same name and target id, different version id. Anything else is never matched.
 */
export function isOlderPartialOf(name: string, current: string): boolean {
  return new PartialIndex([name]).olderThan(current).length > 0;
}

/**
 * Another partial name for the same target and source, for sending a file again after its hash
 * didn't match: a name that was never hashed, because servers cache digests by path (ProFTPD's
 * mod_digest answered a re-sent file's HASH with the digest of the bad copy under the same name).
 */
export function retryPartialName(partial: string): string {
  const stem = stemOf(partial);
  return `${stem}${hexId(VERSION_ID_HEX, partial, 'retry')}${SUFFIX}`;
}

/**
 * Another partial name for the same target, with a random version id: for when something that is
 * not our own partial (a symlink, a folder, another user's file) sits at the predictable name. It
 * keeps the stem, so a later run finds and deletes it as an older partial of the same target.
 */
export function freshPartialName(partial: string): string {
  return `${stemOf(partial)}${randomBytes(VERSION_ID_HEX / 2).toString('hex')}${SUFFIX}`;
}

/**
 * The partial name of a ranged parallel transfer (transfer/ranged.ts) of the same target and source
 * version as `partial`: it has holes until every range is in, so it must never be found as a prefix
 * partial by a single-connection run (another name), yet it shares the stem, so such a run deletes it
 * as an older partial of the same target. Only its resume record (ranged.ts) makes it resumable.
 */
export function rangedPartialName(partial: string): string {
  return `${stemOf(partial)}${hexId(VERSION_ID_HEX, partial, 'ranged')}${SUFFIX}`;
}

/** Everything but the version id: the same for every partial of one target. */
function stemOf(partial: string): string {
  return partial.slice(0, partial.length - SUFFIX.length - VERSION_ID_HEX);
}

/**
 * The partial names of one folder listing by target, built once per folder: asking each file of a
 * 2,000-file folder to scan the whole listing would be quadratic.
 */
export class PartialIndex {
  private readonly byStem = new Map<string, string[]>();
  constructor(names: Iterable<string>) {
    for (const name of names) {
      if (!isPartialName(name)) continue;
      const stem = stemOf(name);
      const list = this.byStem.get(stem);
      if (list) list.push(name);
      else this.byStem.set(stem, [name]);
    }
  }
  /** The partials of the same target as `current` from another source version (as isOlderPartialOf). */
  olderThan(current: string): string[] {
    if (!isPartialName(current)) return [];
    return (this.byStem.get(stemOf(current)) ?? []).filter((name) => name !== current);
  }
}
