/**
 * "Show Security Report": runs core's read-only server audit (no credentials) and shows its HTML in a
 * webview with a strict CSP (core renders it; scripts only from media/audit with a nonce). The panel's
 * buttons post { command: 'rerun' } or { command: 'export', format } back here.
 */
import { randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import * as vscode from 'vscode';
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
  /** What the panel's export buttons do; `target` skips the save dialog. */
  exportAs(format: ExportFormat, target?: vscode.Uri): Promise<vscode.Uri | undefined>;
}

async function runAudit(s: Services, profile: LoadedProfile): Promise<AuditReport> {
  // Loaded on first use: the audit's probes are not needed at activation.
  const audit = await import('../core/audit');
  const target = { protocol: profile.protocol, host: profile.host, port: profile.port, username: profile.username };
  const known = audit.knownIdentities(target, await s.trustStore.all(), profile.fingerprints ?? []);
  const report = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Auditing ${profile.name}…` }, () => audit.auditServer(target, { known }));
  // The user is reading this report: it becomes the baseline, and the server's alert is cleared.
  await s.audits.record(profile, report, { seen: true });
  return report;
}

async function render(s: Services, panel: vscode.WebviewPanel, report: AuditReport): Promise<void> {
  const { renderReportHtml } = await import('../core/audit');
  const media = vscode.Uri.joinPath(s.context.extensionUri, 'media', 'audit');
  panel.webview.html = renderReportHtml(report, {
    cspSource: panel.webview.cspSource,
    nonce: randomBytes(18).toString('base64'),
    scriptUri: panel.webview.asWebviewUri(vscode.Uri.joinPath(media, 'audit.js')).toString(),
    styleUri: panel.webview.asWebviewUri(vscode.Uri.joinPath(media, 'audit.css')).toString(),
  });
}

async function exportReport(s: Services, report: AuditReport, format: ExportFormat, target?: vscode.Uri): Promise<vscode.Uri | undefined> {
  const audit = await import('../core/audit');
  const renderers: Readonly<Record<ExportFormat, (r: AuditReport) => string>> = { md: audit.renderMarkdown, json: audit.renderJson, sarif: audit.renderSarif };
  const uri = target ?? (await s.ui.saveDialog({ filters: EXPORT_FILTERS[format], saveLabel: 'Export Report' }));
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
    panel: vscode.window.createWebviewPanel('secureTransfer.securityReport', `Security Report: ${r.profile.name}`, vscode.ViewColumn.Active, {
      enableScripts: true,
      localResourceRoots: [vscode.Uri.joinPath(s.context.extensionUri, 'media')],
    }),
    exportAs: (format, target) => exportReport(s, state.report, format, target),
  };
  await render(s, state.panel, state.report);
  state.panel.webview.onDidReceiveMessage(async (msg: { command?: string; format?: string }) => {
    try {
      if (msg.command === 'rerun') {
        state.report = await runAudit(s, r.profile);
        await render(s, state.panel, state.report);
      } else if (msg.command === 'export' && msg.format && msg.format in EXPORT_FILTERS) {
        const uri = await state.exportAs(msg.format as ExportFormat);
        if (uri) s.ui.info(`Security report saved to ${uri.fsPath}.`);
      }
    } catch (err) {
      s.log.error(describeError(err));
      s.ui.error(describeError(err));
    }
  });
  return state;
}
