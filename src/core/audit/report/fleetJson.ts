/**
 * The fleet report as JSON (a `--baseline` for the next run: every entry's report has the single
 * report's shape) and as SARIF 2.1.0 with ONE RUN PER SERVER, each with its own automationDetails.id
 * (code-scanning dashboards keep runs of one tool apart by it). A server that could not be audited is
 * a run whose invocation failed, with the sentence as its notification: the dashboard shows the gap.
 */
import { terminalSafeJson } from '../../displayText';
import type { BaselineChange, FleetReport } from '../fleet';
import { reportObject } from './json';
import { renderSarifRuns, sarifRun, sarifTool } from './sarif';
import { baselineStates } from './fleetSummary';

export function renderFleetJson(report: FleetReport, changes?: readonly BaselineChange[]): string {
  const out = {
    kind: report.kind,
    version: report.version,
    generatedAt: report.generatedAt,
    durationMs: report.durationMs,
    entries: report.entries.map((e) => ({
      name: e.name,
      server: e.server,
      ...(e.report ? { grade: e.report.grade, report: reportObject(e.report) } : { error: e.error, ...(e.errorCode ? { errorCode: e.errorCode } : {}) }),
    })),
    ...(changes
      ? { baseline: { changes: changes.map((c) => ({ name: c.name, server: c.server, id: c.finding.id, ...(c.finding.subject !== undefined ? { subject: c.finding.subject } : {}), severity: c.finding.severity, ...(c.before ? { before: c.before } : {}), title: c.finding.title })) } }
      : {}),
  };
  return terminalSafeJson(JSON.stringify(out, null, 2)) + '\n';
}

/** A run id: the tool, then the profile name (made safe for a path-like id). */
function automationId(name: string, index: number): string {
  const safe = name.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 80) || `server-${index + 1}`;
  return `secure-transfer-audit/${safe}/`;
}

export function renderFleetSarif(report: FleetReport, changes?: readonly BaselineChange[]): string {
  const states = baselineStates(changes);
  const used = new Set<string>();
  const runs = report.entries.map((e, i) => {
    let id = automationId(e.name, i);
    if (used.has(id)) id = id.replace(/\/$/, `-${i + 1}/`);
    used.add(id);
    if (e.report) {
      const server = e.report.server;
      return sarifRun(e.report, { automationId: id, ...(states ? { baselineState: (f) => states(server, f) } : {}) });
    }
    return {
      tool: sarifTool(),
      automationDetails: { id },
      invocations: [{ executionSuccessful: false, startTimeUtc: report.generatedAt, toolExecutionNotifications: [{ level: 'error', message: { text: `${e.name} (${e.server}): ${e.error ?? 'not audited'}` } }] }],
      results: [],
    };
  });
  return renderSarifRuns(runs);
}
