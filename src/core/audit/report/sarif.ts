/**
 * SARIF 2.1.0 for code-scanning dashboards. Every rule is listed in tool.driver.rules; each finding is
 * a result with its ruleId/ruleIndex, a level mapped from its severity, and the server as location.
 */
import { terminalSafeJson } from '../../displayText';
import { VERSION } from '../../version';
import { RULES } from '../rules/ruleTable';
import type { AuditReport, Severity } from '../types';

export const SARIF_SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';
const TOOL = { name: 'secure-transfer-audit', version: VERSION, informationUri: 'https://github.com/secure-transfer/secure-transfer' };

const LEVEL: Readonly<Record<Severity, 'error' | 'warning' | 'note'>> = {
  critical: 'error',
  high: 'error',
  medium: 'warning',
  low: 'note',
  info: 'note',
};

/** GitHub code scanning reads `security-severity` (a CVSS-like score) to rank security results. */
const SECURITY_SEVERITY: Readonly<Record<Severity, string>> = { critical: '9.5', high: '8.0', medium: '5.5', low: '3.0', info: '0.0' };

export function renderSarif(report: AuditReport): string {
  return renderSarifRuns([sarifRun(report)]);
}

/** A SARIF log of these runs (the fleet report: one run per server). */
export function renderSarifRuns(runs: object[]): string {
  return terminalSafeJson(JSON.stringify({ $schema: SARIF_SCHEMA, version: '2.1.0', runs }, null, 2)) + '\n';
}

/** The tool block every run repeats (SARIF wants each run to name its tool and rules). */
export function sarifTool(): object {
  return {
    driver: {
      ...TOOL,
      rules: RULES.map((r) => ({
        id: r.id,
        name: r.id.replace(/(^|-)(\w)/g, (_m, _d, c: string) => c.toUpperCase()),
        shortDescription: { text: r.title },
        fullDescription: { text: r.why },
        help: { text: r.remediation, markdown: `${r.remediation}\n\n${r.references.map((u) => `- <${u}>`).join('\n')}` },
        ...(r.references[0] ? { helpUri: r.references[0] } : {}),
        defaultConfiguration: { level: LEVEL[r.severity] },
        properties: { tags: ['security'], severity: r.severity, 'security-severity': SECURITY_SEVERITY[r.severity] },
      })),
    },
  };
}

/** One server's run; `baselineState` (SARIF §3.27.24) per finding when compared with a baseline. */
export function sarifRun(report: AuditReport, extra: { automationId?: string; baselineState?: (f: AuditReport['findings'][number]) => 'new' | 'updated' | 'unchanged' } = {}): object {
  const ruleIndex = new Map(RULES.map((r, i) => [r.id, i]));
  return {
    tool: sarifTool(),
    ...(extra.automationId ? { automationDetails: { id: extra.automationId } } : {}),
    invocations: [{ executionSuccessful: true, startTimeUtc: report.probedAt }],
    results: report.findings.map((f) => ({
      ruleId: f.id,
      ruleIndex: ruleIndex.get(f.id) ?? -1,
      level: LEVEL[f.severity],
      message: { text: `${f.title}: ${f.evidence}` },
      locations: [
        {
          physicalLocation: { artifactLocation: { uri: report.server } },
          logicalLocations: [{ name: report.server, kind: 'resource' }],
        },
      ],
      ...(extra.baselineState ? { baselineState: extra.baselineState(f) } : {}),
      properties: { severity: f.severity, 'security-severity': SECURITY_SEVERITY[f.severity] },
    })),
  };
}
