/**
 * Plain logic (no VS Code API, unit-tested) of the Remote Files management commands: where Rename
 * moves an item, Duplicate's "copy" names, typed octal modes and the rwx checkboxes (modes are
 * shown with core/syntax/fileMode.ts).
 */
import * as path from 'node:path';

const posix = path.posix;

/** Where Rename's input `typed` puts `from`: an absolute path, or relative to its folder; normalized. */
export function moveTarget(from: string, typed: string): string {
  const t = typed.trim();
  const joined = t.startsWith('/') ? posix.normalize(t) : posix.join(posix.dirname(from), t);
  return joined.length > 1 ? joined.replace(/\/+$/, '') : joined;
}

/** True when `to` is `from` itself or inside it (a folder can't move into itself). */
export function isInside(from: string, to: string): boolean {
  return to === from || to.startsWith(from.endsWith('/') ? from : `${from}/`);
}

/** How many "copy N" names are tried before giving up (a folder full of copies is a mistake). */
export const MAX_COPY_NUMBER = 1000;

/** "a.txt" → "a copy.txt", "a copy 2.txt"…; ".bashrc" → ".bashrc copy"; "a" → "a copy". */
export function copyName(name: string, n: number): string {
  const ext = posix.extname(name);
  const hasExt = ext !== '' && ext !== name;
  const stem = hasExt ? name.slice(0, -ext.length) : name;
  return `${stem} copy${n > 1 ? ` ${n}` : ''}${hasExt ? ext : ''}`;
}

/** The first "copy" name not in `taken`, or undefined after MAX_COPY_NUMBER. */
export function freeCopyName(name: string, taken: ReadonlySet<string>): string | undefined {
  for (let n = 1; n <= MAX_COPY_NUMBER; n++) {
    const candidate = copyName(name, n);
    if (!taken.has(candidate)) return candidate;
  }
  return undefined;
}

/** A typed mode: 3 or 4 octal digits (an optional leading 0o), else undefined. */
export function parseOctalMode(typed: string): number | undefined {
  const m = /^(?:0o)?([0-7]{3,4})$/i.exec(typed.trim());
  return m ? parseInt(m[1], 8) : undefined;
}

export interface PermissionBit {
  label: string;
  bit: number;
  execute: boolean;
}

/** Owner/Group/Others × read/write/execute, in `ls -l` order. */
export const PERMISSION_BITS: readonly PermissionBit[] = (['Owner', 'Group', 'Others'] as const).flatMap((who, w) =>
  ([['read', 4], ['write', 2], ['execute', 1]] as const).map(([what, v]) => ({ label: `${who}: ${what}`, bit: v << (3 * (2 - w)), execute: what === 'execute' })),
);
