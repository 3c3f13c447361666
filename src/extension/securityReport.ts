/**
 * "Show Security Report": runs core's read-only server audit (no credentials) and shows its HTML in a
 * webview with a strict CSP (core renders it; scripts only from media/audit with a nonce). The panel's
 * buttons post { command: 'rerun' } or { command: 'export', format } back here. Exports are offered
 * under a default name (security-report-<server>-<date>.<ext>) and opened on request: Markdown as
 * its rendered preview, JSON and SARIF as text.
 *
 * Below the probes' findings, "Seen after logging in": the server's last login-stage report, recorded
 * by the AuditMonitor after a connection (no login is made for the report), with when it was checked;
 * the Markdown and JSON exports carry it too (SARIF stays the probes' run).
 */
import { randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import * as os from 'node:os';
import * as vscode from 'vscode';
import { hostPort, storedOrigin } from '../core/profiles/serverAddress';
import type { LoginAuditReport } from '../core/audit/types';
import { safeLocale } from './activityText';
import type { AuditReport } from '../core/audit';
import { describeError } from '../core/errors';
import type { LoadedProfile } from '../core/profiles/types';
import type { Services } from './services';
import { resolveProfile, type TargetArg } from './targets';

type ExportFormat = 'md' | 'json' | 'sarif';
const EXPORT_FILTERS: Readonly<Record<ExportFormat, Record<string, string[]>>> = {
  md: { Markdown: ['md'] },
  json: { JSON: ['json'] },
  sarif: { SARIF: ['sarif'] },
};

export interface ReportPanel {
  panel: vscode.WebviewPanel;
  report: AuditReport;
  /** The server's last login-stage report shown under "Seen after logging in" (undefined: none yet). */
  login?: LoginAuditReport;
  /** What the panel's export buttons do; `target` skips the save dialog. */
  exportAs(format: ExportFormat, target?: vscode.Uri): Promise<vscode.Uri | undefined>;
  /** The "Open" of the saved-report message: Markdown rendered (its preview), JSON and SARIF as text. */
  openExport(uri: vscode.Uri): Promise<void>;
}

/** `security-report-files.example.com-22-2026-12-03.md`: the server and the local date of the check. */
export function defaultExportName(profile: Pick<LoadedProfile, 'host' | 'port'>, report: Pick<AuditReport, 'probedAt'>, format: ExportFormat): string {
  const server = hostPort(profile).replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '');
  const t = new Date(report.probedAt);
  const d = Number.isNaN(t.getTime()) ? new Date() : t;
  const date = `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
  return `security-report-${server}-${date}.${format}`;
}

async function runAudit(s: Services, profile: LoadedProfile): Promise<AuditReport> {
  // Loaded on first use: the audit's probes are not needed at activation. The server the profile
  // really reaches (ssh config applied), by the session's route (proxy or ProxyCommand).
  const { auditProfile } = await import('../core/auditProfile');
  const report = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Auditing ${profile.name}…` }, () =>
    auditProfile(profile, { trustStore: s.trustStore, sshConfig: s.sshConfig, activity: s.activity, log: s.log }),
  );
  // The user is reading this report: it becomes the baseline, and the server's alert is cleared.
  await s.audits.record(profile, report, { seen: true });
  return report;
}

async function render(s: Services, panel: vscode.WebviewPanel, report: AuditReport, login?: LoginAuditReport): Promise<void> {
  const { renderReportHtml } = await import('../core/audit');
  const media = vscode.Uri.joinPath(s.context.extensionUri, 'media', 'audit');
  panel.webview.html = renderReportHtml(
    report,
    {
      cspSource: panel.webview.cspSource,
      nonce: randomBytes(18).toString('base64'),
      scriptUri: panel.webview.asWebviewUri(vscode.Uri.joinPath(media, 'audit.js')).toString(),
      styleUri: panel.webview.asWebviewUri(vscode.Uri.joinPath(media, 'audit.css')).toString(),
      locale: safeLocale(vscode.env.language),
    },
    login,
  );
}

async function exportReport(s: Services, profile: LoadedProfile, report: AuditReport, format: ExportFormat, target?: vscode.Uri, login?: LoginAuditReport): Promise<vscode.Uri | undefined> {
  const audit = await import('../core/audit');
  const renderers: Readonly<Record<ExportFormat, (r: AuditReport) => string>> = {
    md: (r) => audit.renderMarkdown(r, login),
    json: (r) => audit.renderJson(r, login),
    sarif: audit.renderSarif,
  };
  // Offered in the first workspace folder (else the home folder) under a name that says what and when.
  const folder = vscode.workspace.workspaceFolders?.find((f) => f.uri.scheme === 'file')?.uri ?? vscode.Uri.file(os.homedir());
  const defaultUri = vscode.Uri.joinPath(folder, defaultExportName(profile, report, format));
  const uri = target ?? (await s.ui.saveDialog({ defaultUri, filters: EXPORT_FILTERS[format], saveLabel: 'Export Report', title: `Export the security report of ${profile.name}` }));
  if (!uri) return undefined;
  await fsp.writeFile(uri.fsPath, renderers[format](report));
  return uri;
}

/** Opens the report panel; resolves once the first report is shown (tests use the returned panel). */
export async function showSecurityReport(s: Services, arg?: TargetArg): Promise<ReportPanel | undefined> {
  const r = await resolveProfile(s.profiles, s.ui, arg, 'to audit');
  if (!r) return undefined;
  const state: ReportPanel = {
    report: await runAudit(s, r.profile),
    login: s.audits.lastLogin(storedOrigin(r.profile)),
    panel: vscode.window.createWebviewPanel('secureTransfer.securityReport', `Security Report: ${r.profile.name}`, vscode.ViewColumn.Active, {
      enableScripts: true,
      localResourceRoots: [vscode.Uri.joinPath(s.context.extensionUri, 'media')],
    }),
    exportAs: (format, target) => exportReport(s, r.profile, state.report, format, target, state.login),
    openExport: async (uri) => {
      if (uri.path.endsWith('.md')) await vscode.commands.executeCommand('markdown.showPreview', uri);
      else await vscode.window.showTextDocument(uri, { preview: true });
    },
  };
  await render(s, state.panel, state.report, state.login);
  state.panel.webview.onDidReceiveMessage(async (msg: { command?: string; format?: string }) => {
    try {
      if (msg.command === 'rerun') {
        state.report = await runAudit(s, r.profile);
        state.login = s.audits.lastLogin(storedOrigin(r.profile));
        await render(s, state.panel, state.report, state.login);
      } else if (msg.command === 'export' && msg.format && msg.format in EXPORT_FILTERS) {
        const uri = await state.exportAs(msg.format as ExportFormat);
        // Not awaited: the panel stays usable while the message is shown; its Open is state.openExport.
        if (uri) void vscode.window.showInformationMessage(`Security report saved to ${uri.fsPath}.`, 'Open').then((a) => (a === 'Open' ? state.openExport(uri) : undefined));
      }
    } catch (err) {
      s.log.error(describeError(err));
      s.ui.error(describeError(err));
    }
  });
  return state;
}
