/**
 * "Show Server Security": one webview panel with a row per profile (every workspace folder's shared
 * profiles and the user's) showing its server's latest audit as the audit monitor keeps it: grade,
 * the finding that sets the grade, counts, when checked. Per row "Audit now" and "Open report"; above
 * the table "Audit All" — every distinct server once, three at a time, with a cancellable progress
 * notification (Cancel stops starting new audits; the ones under way finish, their probes have their
 * own timeouts). Audits run through AuditMonitor.audit(), the one path that audits and remembers, so
 * the badge and the tree's tooltip follow too; here they raise no notification per server (the user
 * is watching the table fill in). Core renders the HTML (core/audit/report/overview.ts), escaped, under
 * the Security Report's strict CSP; the panel's script (media/audit/overview.js) only posts
 * { command, row, generation } back.
 */
import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { renderOverviewHtml, type OverviewRow } from '../core/audit/report/overview';
import { describeError } from '../core/errors';
import { serverOrigin } from '../core/profiles/serverAddress';
import type { LoadedProfile } from '../core/profiles/types';
import { safeLocale } from './activityText';
import type { Services } from './services';

/** How many servers Audit All probes at once: enough to be quick, few enough not to look like a scan. */
export const AUDIT_ALL_PARALLEL = 3;
export const OVERVIEW_TITLE = 'Server Security';

export interface ServerSecurityPanel {
  panel: vscode.WebviewPanel;
  /** The rows as last rendered (tests read them as the table shows them). */
  rows(): OverviewRow[];
  /** Audits every distinct server (three at a time); resolves when all are done or the run was cancelled. */
  auditAll(): Promise<void>;
  /** "Audit now" of one row. */
  auditOne(profileName: string): Promise<void>;
  /** The Cancel of Audit All: no new audit starts. */
  cancel(): void;
  /** Draws the table again from the kept snapshots. */
  render(): void;
}

interface Run {
  done: number;
  total: number;
  cancelled: boolean;
  promise: Promise<void>;
}

let current: Overview | undefined;

/** Where a profile comes from, as the Remote Files row says it (and which folder, with several). */
function sourceOf(p: LoadedProfile, manyFolders: boolean): string {
  if (p.source.kind === 'workspace') return manyFolders ? `shared · ${path.basename(path.dirname(path.dirname(p.source.location)))}` : 'shared';
  return p.source.kind;
}

class Overview implements ServerSecurityPanel {
  private readonly queued = new Set<string>();
  private readonly auditing = new Set<string>();
  private run: Run | undefined;
  private generation = 0;
  /** The profiles of the rows as rendered: a button names its row by index within one generation. */
  private shown: string[] = [];
  private lastRows: OverviewRow[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(private readonly s: Services, readonly panel: vscode.WebviewPanel) {
    this.subscriptions.push(
      s.audits.onDidChangeSnapshot(() => this.schedule()),
      s.profiles.onDidChange(() => this.schedule()),
      panel.webview.onDidReceiveMessage((msg: unknown) => void this.onMessage(msg)),
      panel.onDidDispose(() => this.disposed()),
    );
    this.render();
  }

  rows(): OverviewRow[] {
    return this.lastRows;
  }

  private buildRows(): OverviewRow[] {
    const manyFolders = this.s.profiles.profileFiles().length > 1;
    return this.s.profiles.profiles.map((p) => {
      const key = serverOrigin(p);
      const summary = this.s.audits.snapshotFor(p);
      const failure = this.s.audits.lastFailure(p);
      const state = this.auditing.has(key) || this.s.audits.isAuditing(p) ? 'auditing' : this.queued.has(key) ? 'queued' : undefined;
      return { profile: p.name, server: key, source: sourceOf(p, manyFolders), ...(summary ? { summary } : {}), ...(state ? { state } : {}), ...(failure && !state ? { failure } : {}) };
    });
  }

  /** Renders now (the end of an action); event-driven changes come through schedule(). */
  render(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const media = vscode.Uri.joinPath(this.s.context.extensionUri, 'media', 'audit');
    const webview = this.panel.webview;
    this.lastRows = this.buildRows();
    this.shown = this.lastRows.map((r) => r.profile);
    this.generation++;
    webview.html = renderOverviewHtml(this.lastRows, {
      cspSource: webview.cspSource,
      nonce: randomBytes(18).toString('base64'),
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(media, 'overview.js')).toString(),
      styleUris: [webview.asWebviewUri(vscode.Uri.joinPath(media, 'audit.css')).toString(), webview.asWebviewUri(vscode.Uri.joinPath(media, 'overview.css')).toString()],
      locale: safeLocale(vscode.env.language),
      generation: this.generation,
      ...(this.run ? { running: { done: this.run.done, total: this.run.total } } : {}),
    });
  }

  /** Several snapshots land at once during Audit All: one render for them (each replaces the page). */
  private schedule(): void {
    if (this.timer || current !== this) return;
    this.timer = setTimeout(() => this.render(), 150);
  }

  private profileAt(row: unknown, generation: unknown): LoadedProfile | undefined {
    // A click on a page drawn before the last render names a row that may have moved: ignored (the page is current again).
    if (generation !== this.generation || typeof row !== 'number' || !Number.isInteger(row)) return undefined;
    const name = this.shown[row];
    return name === undefined ? undefined : this.s.profiles.find(name);
  }

  private async onMessage(raw: unknown): Promise<void> {
    if (typeof raw !== 'object' || raw === null) return;
    const msg = raw as { command?: unknown; row?: unknown; generation?: unknown };
    try {
      if (msg.command === 'auditAll') await this.auditAll();
      else if (msg.command === 'cancel') this.cancel();
      else if (msg.command === 'audit' || msg.command === 'report') {
        const profile = this.profileAt(msg.row, msg.generation);
        if (!profile) return this.render();
        if (msg.command === 'audit') await this.auditOne(profile.name);
        else await vscode.commands.executeCommand('secureTransfer.showSecurityReport', profile.name);
      }
    } catch (err) {
      this.s.log.error(describeError(err));
      this.s.ui.error(describeError(err));
    }
  }

  async auditOne(profileName: string): Promise<void> {
    const profile = this.s.profiles.find(profileName);
    if (!profile) throw new Error(`There is no profile named "${profileName}": check the name, or run "Secure Transfer: Refresh".`);
    const key = serverOrigin(profile);
    this.auditing.add(key);
    this.render();
    try {
      await this.s.audits.audit(profile, { notify: false });
    } finally {
      this.auditing.delete(key);
      if (current === this) this.render();
    }
  }

  auditAll(): Promise<void> {
    if (this.run) return this.run.promise;
    // One audit per server: several profiles of one server (other users, other folders) share its result.
    const byServer = new Map<string, LoadedProfile>();
    for (const p of this.s.profiles.profiles) if (!byServer.has(serverOrigin(p))) byServer.set(serverOrigin(p), p);
    const todo = [...byServer.entries()];
    if (todo.length === 0) return Promise.resolve();
    for (const [key] of todo) this.queued.add(key);
    const run: Run = { done: 0, total: todo.length, cancelled: false, promise: Promise.resolve() };
    this.run = run;
    this.render();
    run.promise = Promise.resolve(
      vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'Auditing servers', cancellable: true }, async (progress, token) => {
        const sub = token.onCancellationRequested(() => this.cancel());
        const worker = async () => {
          for (let next = todo.shift(); next && !run.cancelled; next = todo.shift()) {
            const [key, profile] = next;
            this.queued.delete(key);
            this.auditing.add(key);
            this.schedule();
            progress.report({ message: `${run.done} of ${run.total} done · ${profile.name}` });
            await this.s.audits.audit(profile, { notify: false });
            this.auditing.delete(key);
            run.done++;
            progress.report({ message: `${run.done} of ${run.total} done`, increment: 100 / run.total });
            this.schedule();
          }
        };
        try {
          await Promise.all(Array.from({ length: Math.min(AUDIT_ALL_PARALLEL, todo.length) }, worker));
        } finally {
          sub.dispose();
        }
      }),
    ).finally(() => {
      const skipped = run.total - run.done;
      for (const [key] of todo) this.queued.delete(key);
      this.run = undefined;
      if (current === this) this.render();
      if (run.cancelled && skipped > 0) this.s.ui.info(`Audit All cancelled: ${skipped} server${skipped === 1 ? '' : 's'} not audited.`);
      this.s.log.info(`Audit All: ${run.done} of ${run.total} server(s) audited${run.cancelled ? ' (cancelled)' : ''}.`);
    });
    return run.promise;
  }

  cancel(): void {
    if (!this.run || this.run.cancelled) return;
    this.run.cancelled = true;
    this.queued.clear();
    this.render();
  }

  private disposed(): void {
    this.cancel();
    if (this.timer) clearTimeout(this.timer);
    for (const d of this.subscriptions) d.dispose();
    if (current === this) current = undefined;
  }
}

/** Opens (or brings forward) the overview. */
export async function showServerSecurity(s: Services): Promise<ServerSecurityPanel> {
  if (current) {
    current.panel.reveal();
    return current;
  }
  const panel = vscode.window.createWebviewPanel('secureTransfer.serverSecurity', OVERVIEW_TITLE, vscode.ViewColumn.Active, {
    enableScripts: true,
    localResourceRoots: [vscode.Uri.joinPath(s.context.extensionUri, 'media')],
  });
  current = new Overview(s, panel);
  return current;
}

/** "Audit All Servers": the overview, filling in as each server's audit lands; resolves when the run ends. */
export async function auditAllProfiles(s: Services): Promise<ServerSecurityPanel> {
  const overview = await showServerSecurity(s);
  await overview.auditAll();
  return overview;
}
