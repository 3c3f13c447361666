/**
 * "Show Activity Log": the local activity log (core's ActivityLog, JSON lines in the extension's log
 * folder) for one server, picked from the servers it mentions, as a read-only virtual document.
 * The log never holds a secret; this only formats what is there.
 */
import * as vscode from 'vscode';
import type { ActivityEntry, ActivityLog } from '../core/audit/activityLog';
import { normalizeOrigin, sameOrigin, serverOrigin } from '../core/profiles/serverAddress';
import type { Services } from './services';

export const ACTIVITY_SCHEME = 'secure-transfer-activity';
const ALL = '';

export function activityUri(server: string): vscode.Uri {
  const name = server ? server.replace(/[/:[\]]+/g, '_') : 'all servers';
  return vscode.Uri.from({ scheme: ACTIVITY_SCHEME, path: `/Activity ${name}.log`, query: new URLSearchParams({ server }).toString() });
}

export function formatEntry(e: ActivityEntry): string {
  const fields = [
    e.time,
    e.server,
    e.action.padEnd(14),
    e.result.padEnd(8),
    e.bytes !== undefined ? `${e.bytes} bytes` : '',
    e.path ?? '',
    e.fingerprint ?? '',
    e.detail ?? '',
  ];
  return fields.filter((f) => f !== '').join('  ');
}

/** Serves the documents; each open re-reads the log, so reopening shows new entries. */
export class ActivityDocuments implements vscode.TextDocumentContentProvider {
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;

  constructor(private readonly log: ActivityLog) {}

  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    const server = new URLSearchParams(uri.query).get('server') ?? ALL;
    const entries = await this.log.read(server ? { server } : {});
    const title = `Secure Transfer activity — ${server || 'all servers'} (${entries.length} entries, oldest first)`;
    return [title, '', ...entries.map(formatEntry), ''].join('\n');
  }

  refresh(uri: vscode.Uri): void {
    this.changed.fire(uri);
  }
}

/** Asks which server (servers from the log, named by their profiles), then opens its activity. */
export async function showActivityLog(s: Services, server?: string): Promise<vscode.TextDocument | undefined> {
  let chosen = server;
  if (chosen === undefined) {
    // One item per server; entries of older versions may spell the same server differently (case).
    const logged = [...new Map((await s.activity.read()).map((e) => [normalizeOrigin(e.server), e.server])).values()];
    const profilesOf = (srv: string) => s.profiles.profiles.filter((p) => sameOrigin(serverOrigin(p), srv)).map((p) => p.name);
    const items = [
      { label: 'All servers', server: ALL },
      ...logged.sort().map((srv) => ({ label: srv, description: profilesOf(srv).join(', '), server: srv })),
    ];
    chosen = (await s.ui.pick(items, { placeHolder: logged.length ? 'Show the activity of which server?' : 'Nothing logged yet' }))?.server;
  }
  if (chosen === undefined) return undefined;
  const uri = activityUri(chosen);
  s.activityDocuments.refresh(uri);
  const doc = await vscode.workspace.openTextDocument(uri);
  await vscode.window.showTextDocument(doc, { preview: true });
  return doc;
}
