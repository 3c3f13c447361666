/**
 * Every place package.json `contributes.menus` puts a command (the command palette aside), as rows
 * the click tests must cover. A new menu entry without a row fails test/e2e/menus.test.ts with its
 * key, so whoever adds a button adds the test that presses it: a row in CLICKS there (a real click in
 * the browser), or a key in HOST_TESTED here plus its case in test/vscode/suite/23-menus.test.ts
 * (the command invoked with exactly the argument VS Code passes for that menu).
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';

export interface MenuEntry {
  /** `view/item/context|secureTransfer.connect|inline`: menu, command, and `inline` for inline actions. */
  key: string;
  menu: string;
  command: string;
  group?: string;
  when?: string;
  inline: boolean;
}

/** The menus whose entries a user clicks (commandPalette only filters the palette). */
const SKIPPED_MENUS = new Set(['commandPalette']);

export function entryKey(menu: string, command: string, inline: boolean): string {
  return `${menu}|${command}${inline ? '|inline' : ''}`;
}

export function menuEntries(packageJsonPath = path.resolve(__dirname, '..', '..', '..', 'package.json')): MenuEntry[] {
  const pkg = JSON.parse(readFileSync(packageJsonPath, 'utf8')) as { contributes: { menus: Record<string, { command: string; group?: string; when?: string }[]> } };
  const entries: MenuEntry[] = [];
  for (const [menu, items] of Object.entries(pkg.contributes.menus)) {
    if (SKIPPED_MENUS.has(menu)) continue;
    for (const item of items) {
      const inline = item.group?.startsWith('inline') ?? false;
      entries.push({ key: entryKey(menu, item.command, inline), menu, command: item.command, group: item.group, when: item.when, inline });
    }
  }
  return entries;
}

/**
 * Entries a browser click can't reach reliably, tested in the extension host instead
 * (test/vscode/suite/23-menus.test.ts, one case per key, with the argument VS Code passes).
 */
export const HOST_TESTED: readonly string[] = [
  // The same entry also shows on the "host key changed" message row, which needs a server whose key changes.
  entryKey('view/item/context', 'secureTransfer.replacePinnedKey', false),
];

/** The entries no row covers, and the rows for entries that no longer exist. */
export function coverage(entries: readonly MenuEntry[], rows: readonly string[]): { missing: string[]; stale: string[] } {
  const keys = new Set(entries.map((e) => e.key));
  const covered = new Set(rows);
  return { missing: [...keys].filter((k) => !covered.has(k)), stale: [...covered].filter((k) => !keys.has(k)) };
}
