/**
 * How an activity-log entry reads in the Activity view and its text export: a verb and the file's
 * name, human sizes (KiB/MiB), local times, the server. Plain logic (no VS Code API) so it is
 * unit-tested. Paths, names and details may come from a server: every one goes through serverText.
 */
import * as path from 'node:path';
import type { ActivityAction, ActivityEntry } from '../core/audit/activityLog';
import { serverText } from '../core/displayText';
import { sameOrigin } from '../core/profiles/serverAddress';
import { formatBytes } from './transferProgress';

/** `locale` when Intl knows it (VS Code's display language), else undefined: the runtime's own. */
export function safeLocale(locale: string | undefined): string | undefined {
  try {
    new Intl.DateTimeFormat(locale);
    return locale;
  } catch {
    return undefined;
  }
}

/** The writes to a server (and a download's local write): what "Writes" in the action filter selects. */
export const WRITE_ACTIONS: readonly ActivityAction[] = ['upload', 'save', 'mkdir', 'rename', 'delete', 'copy', 'chmod', 'download'];

/** Per action: the verb of a row and the name of the action in the filter. */
export const ACTION_TEXT: Readonly<Record<ActivityAction, { verb: string; name: string }>> = {
  connect: { verb: 'Connected', name: 'Connects' },
  'trust-decision': { verb: 'Trust decision', name: 'Trust decisions' },
  upload: { verb: 'Uploaded', name: 'Uploads' },
  download: { verb: 'Downloaded', name: 'Downloads' },
  save: { verb: 'Saved', name: 'Editor saves' },
  mkdir: { verb: 'New folder', name: 'New folders' },
  rename: { verb: 'Renamed', name: 'Renames' },
  delete: { verb: 'Deleted', name: 'Deletes' },
  copy: { verb: 'Duplicated', name: 'Duplicates' },
  chmod: { verb: 'Changed permissions of', name: 'Permission changes' },
  audit: { verb: 'Audited', name: 'Audits' },
};

/** What the user answered about an unknown identity, in words. */
const TRUST_ANSWERS: Readonly<Record<string, string>> = { once: 'trusted once', remember: 'trusted and remembered', reject: 'not trusted' };

export interface ActivityFilter {
  /** A serverOrigin(); any spelling of the same server matches. */
  server?: string;
  /** Only these actions (absent: all). */
  actions?: readonly ActivityAction[];
}

export function matchesFilter(e: ActivityEntry, f: ActivityFilter): boolean {
  return (!f.server || sameOrigin(e.server, f.server)) && (!f.actions || f.actions.includes(e.action));
}

/** `uploads, saves` / `all actions`: the action part of a filter, for the view's description. */
export function describeActions(actions: readonly ActivityAction[] | undefined): string {
  if (!actions) return 'all actions';
  if (actions.length === WRITE_ACTIONS.length && WRITE_ACTIONS.every((a) => actions.includes(a))) return 'writes';
  return actions.map((a) => ACTION_TEXT[a].name.toLowerCase()).join(', ');
}

export function describeFilter(f: ActivityFilter): string {
  return [f.server ? serverText(f.server) : 'all servers', describeActions(f.actions)].join(' · ');
}

const name = (p: string | undefined) => (p ? serverText(path.posix.basename(p) || p) : '');

/** The row's label: `Saved README.txt`, `Renamed a.txt → b.txt`, `Connected — failed`. */
export function entryLabel(e: ActivityEntry): string {
  const text = ACTION_TEXT[e.action] ?? { verb: serverText(e.action) };
  let label: string;
  if (e.action === 'rename' || e.action === 'copy') label = `${text.verb} ${name(e.path)} → ${name(e.to)}`;
  else if (e.action === 'trust-decision') label = `Server identity ${TRUST_ANSWERS[e.result] ?? serverText(e.result)}`;
  else label = [text.verb, name(e.path)].filter(Boolean).join(' ');
  const outcome = e.action !== 'trust-decision' && e.result !== 'ok' ? ` — ${serverText(e.result)}` : '';
  return label + outcome;
}

/**
 * `14:03:22` when it is the day of `now`, else `3 Dec 2026, 14:03:22` (always without `now`); in the
 * user's locale and time zone.
 */
export function localTime(iso: string, now?: Date, locale?: string): string {
  const t = new Date(iso);
  if (Number.isNaN(t.getTime())) return serverText(iso);
  const sameDay = now !== undefined && t.toDateString() === now.toDateString();
  return sameDay ? t.toLocaleTimeString(locale) : t.toLocaleString(locale, { dateStyle: 'medium', timeStyle: 'medium' });
}

/** `1.2 KiB · 14:03:22 · 127.0.0.1:2222`. */
export function entryDescription(e: ActivityEntry, now = new Date(), locale?: string): string {
  const server = serverText(e.server.replace(/^[a-z]+:\/\//, ''));
  return [e.bytes !== undefined ? formatBytes(e.bytes) : '', localTime(e.time, now, locale), server].filter(Boolean).join(' · ');
}

/** Every field, one per line (the hover): plain text, never Markdown, so no server text is rendered. */
export function entryTooltip(e: ActivityEntry, locale?: string): string {
  const t = new Date(e.time);
  const rows: Array<[string, string | undefined]> = [
    ['Time', Number.isNaN(t.getTime()) ? serverText(e.time) : t.toLocaleString(locale, { dateStyle: 'full', timeStyle: 'long' })],
    ['Server', serverText(e.server)],
    ['Action', ACTION_TEXT[e.action]?.verb ?? serverText(e.action)],
    ['Result', serverText(e.result)],
    ['Path', e.path !== undefined ? serverText(e.path, 1000) : undefined],
    ['New path', e.to !== undefined ? serverText(e.to, 1000) : undefined],
    ['Size', e.bytes !== undefined ? `${formatBytes(e.bytes)} (${e.bytes.toLocaleString(locale)} bytes)` : undefined],
    ['Fingerprint', e.fingerprint !== undefined ? serverText(e.fingerprint) : undefined],
    ['Detail', e.detail !== undefined ? serverText(e.detail) : undefined],
  ];
  return rows.filter((r): r is [string, string] => r[1] !== undefined).map(([k, v]) => `${k}: ${v}`).join('\n');
}

/** One line of the text export: local time, server, action, result, size, path, fingerprint, detail. */
export function formatEntry(e: ActivityEntry, locale?: string): string {
  const fields = [
    localTime(e.time, undefined, locale),
    serverText(e.server),
    e.action.padEnd(14),
    serverText(e.result).padEnd(9),
    e.bytes !== undefined ? formatBytes(e.bytes) : '',
    e.path !== undefined ? serverText(e.path, 1000) + (e.to !== undefined ? ` → ${serverText(e.to, 1000)}` : '') : '',
    e.fingerprint !== undefined ? serverText(e.fingerprint) : '',
    e.detail !== undefined ? serverText(e.detail) : '',
  ];
  return fields.filter((f) => f !== '').join('  ');
}
