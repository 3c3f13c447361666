/**
 * What a folder view shows of a huge listing. 200,000 rows help nobody and cost the editor memory
 * and time: a view shows the first TREE_ENTRY_LIMIT entries in its order (folders first, then by
 * name) and one row saying how many more there are and how to reach them.
 */
import type { RemoteEntry } from './remoteFileSystem';

export const TREE_ENTRY_LIMIT = 5000;

const collator = new Intl.Collator();

/** Folders first, then by name in the user's locale (as `ls` and the tree have always sorted). */
export function compareEntries(a: RemoteEntry, b: RemoteEntry): number {
  return Number(b.type === 'directory') - Number(a.type === 'directory') || collator.compare(a.name, b.name);
}

export interface ListingWindow {
  /** The first `limit` entries, sorted. */
  shown: RemoteEntry[];
  /** How many entries were left out. */
  hidden: number;
}

/** The sorted first `limit` entries of a listing and how many more there are (`entries` is not changed). */
export function firstEntries(entries: readonly RemoteEntry[], limit = TREE_ENTRY_LIMIT): ListingWindow {
  const sorted = [...entries].sort(compareEntries);
  const shown = sorted.length > limit ? sorted.slice(0, limit) : sorted;
  return { shown, hidden: entries.length - shown.length };
}

/** The row after a cut listing: how many are missing, and how to see them. */
export function moreEntriesText(hidden: number, limit = TREE_ENTRY_LIMIT): string {
  const n = (x: number) => x.toLocaleString('en');
  return `${n(hidden)} more ${hidden === 1 ? 'entry is' : 'entries are'} not shown (this view lists the first ${n(limit)}, folders first, by name): list them all with "secure-transfer ls", or use "Open Remote Folder in Workspace" and the Explorer.`;
}
