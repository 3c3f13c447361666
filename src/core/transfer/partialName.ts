/**
 * The temporary name a file is written under before it is renamed over its target. It is
 * deterministic for the same source and target, so a retry finds what an interrupted run left and
 * resumes it; it is hidden and ends in `.part` so nobody mistakes it for the real file.
 */
import { createHash } from 'node:crypto';

const PARTIAL = /^\..+\.st-[0-9a-f]{12}\.part$/;

/** `source` identifies where the bytes come from (server + path, or a local absolute path). */
export function partialName(targetBaseName: string, source: string, target: string): string {
  const id = createHash('sha256').update(source).update('\0').update(target).digest('hex').slice(0, 12);
  // Keep the whole name within the usual 255-byte limit even for very long target names.
  const base = Buffer.byteLength(targetBaseName) > 200 ? targetBaseName.slice(0, 60) : targetBaseName;
  return `.${base}.st-${id}.part`;
}

export function isPartialName(name: string): boolean {
  return PARTIAL.test(name);
}
