/**
 * The Activity view: core's activity log (JSON lines in the extension's global storage, shared by its
 * windows) as a live, filterable tree, newest first. It refreshes when this window appends an entry
 * and when the log folder changes (another window). Filters: one server, and an action or all writes.
 * "Open as Text" shows the same entries as a read-only document (to search, copy or attach).
 *
 * A tree view, not a webview: rows are native (keyboard, screen readers, theme), clickable and
 * testable through the provider, and no server text is ever rendered as HTML or Markdown (labels
 * and hovers are plain text, escaped by serverText). The log never holds a secret.
 */
import { watch, type FSWatcher } from 'node:fs';
import * as vscode from 'vscode';
import type { ActivityAction, ActivityEntry, ActivityLog } from '../core/audit/activityLog';
import { ensurePrivateDir } from '../core/fsutil';
import { normalizeOrigin, sameOrigin, serverOrigin } from '../core/profiles/serverAddress';
import { ACTION_TEXT, safeLocale, describeFilter, entryDescription, entryLabel, entryTooltip, formatEntry, matchesFilter, WRITE_ACTIONS, type ActivityFilter } from './activityText';
import type { Services } from './services';

export const ACTIVITY_VIEW = 'secureTransfer.activity';
export const ACTIVITY_SCHEME = 'secure-transfer-activity';
/** The view shows the newest this many matching entries; Open as Text shows them all. */
export const SHOWN_MAX = 500;
const FILTERED_CONTEXT = 'secureTransfer.activityFiltered';

const ICONS: Readonly<Record<ActivityAction, string>> = {
  connect: 'plug',
  'trust-decision': 'key',
  upload: 'cloud-upload',
  download: 'cloud-download',
  save: 'save',
  mkdir: 'new-folder',
  rename: 'edit',
  delete: 'trash',
  copy: 'copy',
  chmod: 'lock',
  audit: 'shield',
};
const FAILED = new Set(['failed', 'refused', 'reject']);

export class ActivityViewProvider implements vscode.TreeDataProvider<ActivityEntry>, vscode.Disposable {
  private current: ActivityFilter = {};
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;
  private view?: vscode.TreeView<ActivityEntry>;
  private watcher?: FSWatcher;
  private timer?: NodeJS.Timeout;
  private readonly unsubscribe: () => void;
  private disposed = false;

  private readonly locale = displayLocale();

  constructor(private readonly log: ActivityLog) {
    this.unsubscribe = log.onAppend(() => this.refresh());
    void this.watchFolder();
  }

  /** The view this provider feeds: its description names the filter, its message says why it is empty. */
  attach(view: vscode.TreeView<ActivityEntry>): void {
    this.view = view;
    this.view.description = this.isFiltered() ? describeFilter(this.current) : undefined;
  }

  get filter(): ActivityFilter {
    return this.current;
  }

  setFilter(filter: ActivityFilter): void {
    this.current = { ...(filter.server ? { server: filter.server } : {}), ...(filter.actions ? { actions: [...filter.actions] } : {}) };
    void vscode.commands.executeCommand('setContext', FILTERED_CONTEXT, this.isFiltered());
    if (this.view) this.view.description = this.isFiltered() ? describeFilter(this.current) : undefined;
    this.changed.fire();
  }

  /** Bursts (a folder upload, the watcher seeing our own append) become one refresh. */
  refresh(): void {
    if (this.disposed) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.changed.fire(), 100);
  }

  async getChildren(element?: ActivityEntry): Promise<ActivityEntry[]> {
    if (element) return [];
    const all = await this.log.read();
    const matching = all.filter((e) => matchesFilter(e, this.current));
    const shown = matching.slice(-SHOWN_MAX).reverse();
    if (this.view) {
      this.view.message =
        // (nothing at all: the view's welcome text says what will appear)
        matching.length === 0 && all.length > 0
            ? `Nothing logged for ${describeFilter(this.current)}.`
            : matching.length > shown.length
              ? `The newest ${shown.length} of ${matching.length} entries; Open as Text shows them all.`
              : '';
    }
    return shown;
  }

  getTreeItem(e: ActivityEntry): vscode.TreeItem {
    const item = new vscode.TreeItem(entryLabel(e), vscode.TreeItemCollapsibleState.None);
    item.description = entryDescription(e, new Date(), this.locale());
    item.tooltip = entryTooltip(e, this.locale());
    const color = FAILED.has(e.result) ? new vscode.ThemeColor('errorForeground') : e.result === 'cancelled' ? new vscode.ThemeColor('disabledForeground') : undefined;
    item.iconPath = new vscode.ThemeIcon(ICONS[e.action] ?? 'circle-outline', color);
    item.contextValue = `activity.${e.action}`;
    item.accessibilityInformation = { label: `${item.label as string}, ${item.description}` };
    return item;
  }

  dispose(): void {
    this.disposed = true;
    clearTimeout(this.timer);
    this.unsubscribe();
    this.watcher?.close();
    this.changed.dispose();
  }

  private isFiltered(): boolean {
    return Boolean(this.current.server || this.current.actions);
  }

  /** Other windows (and a rotation) write the same folder: any change of an activity file refreshes. */
  private async watchFolder(): Promise<void> {
    try {
      await ensurePrivateDir(this.log.dir);
      if (this.disposed) return;
      this.watcher = watch(this.log.dir, (_event, file) => {
        if (!file || String(file).startsWith('activity')) this.refresh();
      });
      this.watcher.on('error', () => this.watcher?.close());
    } catch {
      // No watcher: the view still follows this window's own entries.
    }
  }
}

/** Serves "Open as Text": the entries of a filter, one line each, oldest first; follows appends while open. */
export class ActivityDocuments implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;
  private readonly unsubscribe: () => void;

  private readonly locale = displayLocale();

  constructor(private readonly log: ActivityLog) {
    this.unsubscribe = log.onAppend(() => {
      for (const doc of vscode.workspace.textDocuments) if (doc.uri.scheme === ACTIVITY_SCHEME) this.changed.fire(doc.uri);
    });
  }

  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    const filter = filterOf(uri);
    const entries = (await this.log.read()).filter((e) => matchesFilter(e, filter));
    const title = `Secure Transfer activity — ${describeFilter(filter)} (${entries.length} entries, oldest first, local times)`;
    return [title, '', ...entries.map((e) => formatEntry(e, this.locale())), ''].join('\n');
  }

  dispose(): void {
    this.unsubscribe();
    this.changed.dispose();
  }
}

/**
 * VS Code's display language when Intl knows it, asked on first use: checking it sets up ICU's
 * date formats, which would cost activation several milliseconds for a view that may never show.
 */
function displayLocale(): () => string | undefined {
  let known: { locale: string | undefined } | undefined;
  return () => (known ??= { locale: safeLocale(vscode.env.language) }).locale;
}

export function activityUri(filter: ActivityFilter): vscode.Uri {
  const name = filter.server ? filter.server.replace(/[/:[\]]+/g, '_') : 'all servers';
  const query = new URLSearchParams({ server: filter.server ?? '', actions: filter.actions?.join(',') ?? '' });
  return vscode.Uri.from({ scheme: ACTIVITY_SCHEME, path: `/Activity ${name}.log`, query: query.toString() });
}

function filterOf(uri: vscode.Uri): ActivityFilter {
  const q = new URLSearchParams(uri.query);
  const actions = (q.get('actions') ?? '').split(',').filter((a): a is ActivityAction => a in ACTION_TEXT);
  return { ...(q.get('server') ? { server: q.get('server')! } : {}), ...(actions.length ? { actions } : {}) };
}

/** Reveals the Activity view; a server (a serverOrigin(), as other commands pass it) filters it to that server. */
export async function showActivityLog(s: Services, server?: string): Promise<ActivityEntry[]> {
  if (typeof server === 'string') s.activityView.setFilter({ ...s.activityView.filter, server: server || undefined });
  await vscode.commands.executeCommand(`${ACTIVITY_VIEW}.focus`);
  return s.activityView.getChildren();
}

/** Title button: one server (the servers in the log, with the profiles that name them), or all. */
export async function filterActivityByServer(s: Services, server?: string): Promise<ActivityFilter | undefined> {
  let chosen = typeof server === 'string' ? server : undefined;
  if (chosen === undefined) {
    // One item per server; entries of older versions may spell the same server differently (case).
    const logged = [...new Map((await s.activity.read()).map((e) => [normalizeOrigin(e.server), e.server])).values()];
    const profilesOf = (srv: string) => s.profiles.profiles.filter((p) => sameOrigin(serverOrigin(p), srv)).map((p) => p.name);
    const items = [
      { label: 'All servers', server: '' },
      ...logged.sort().map((srv) => ({ label: srv, description: profilesOf(srv).join(', '), server: srv, picked: s.activityView.filter.server === srv })),
    ];
    chosen = (await s.ui.pick(items, { placeHolder: logged.length ? 'Show the activity of which server?' : 'Nothing logged yet' }))?.server;
  }
  if (chosen === undefined) return undefined;
  s.activityView.setFilter({ ...s.activityView.filter, server: chosen || undefined });
  return s.activityView.filter;
}

/** What the action filter offers: everything, all writes, or one action. */
type ActionChoice = 'all' | 'writes' | ActivityAction;

function actionsOf(choice: ActionChoice): readonly ActivityAction[] | undefined {
  return choice === 'all' ? undefined : choice === 'writes' ? WRITE_ACTIONS : [choice];
}

/** Title button: all actions, every write (uploads, saves, new folders, renames, deletes, downloads), or one action. */
export async function filterActivityByAction(s: Services, action?: ActionChoice): Promise<ActivityFilter | undefined> {
  let chosen = action;
  if (chosen === undefined) {
    const items: Array<vscode.QuickPickItem & { choice: ActionChoice }> = [
      { label: 'All actions', choice: 'all' },
      { label: 'Writes', description: 'uploads, editor saves, new folders, renames, deletes, duplicates, permission changes, downloads', choice: 'writes' },
      ...(Object.keys(ACTION_TEXT) as ActivityAction[]).map((a) => ({ label: ACTION_TEXT[a].name, choice: a })),
    ];
    chosen = (await s.ui.pick(items, { placeHolder: 'Show which actions?' }))?.choice;
  }
  if (chosen === undefined) return undefined;
  s.activityView.setFilter({ ...s.activityView.filter, actions: actionsOf(chosen) });
  return s.activityView.filter;
}

export async function clearActivityFilter(s: Services): Promise<void> {
  s.activityView.setFilter({});
}

/** Overflow menu: the entries of the current filter as a read-only document. */
export async function openActivityAsText(s: Services): Promise<vscode.TextDocument> {
  const doc = await vscode.workspace.openTextDocument(activityUri(s.activityView.filter));
  await vscode.window.showTextDocument(doc, { preview: true });
  return doc;
}
