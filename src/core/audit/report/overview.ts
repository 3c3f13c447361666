/**
 * The "Server Security" overview: one row per profile with its server's latest audit (grade, the
 * finding that sets the grade, how many findings of each severity, when checked) and the buttons to
 * re-run it. Pure: the extension keeps the summaries (extension/auditMonitor.ts) and wraps this HTML
 * in a webview with the Security Report's strict CSP (nothing inline, one nonce'd script). Profile
 * names come from shared profile files and products from servers: every string is escaped here.
 */
import { serverText } from '../../displayText';
import { severityRank } from '../rules/evaluate';
import { capOf, gradeOf, GRADES } from '../rules/grades';
import { SEVERITIES, type AuditReport, type Finding, type Grade, type Severity } from '../types';
import { escapeHtml } from './escape';
import { relativeTime } from './groups';
import { contentSecurityPolicy } from './html';

/** What a row shows of one audit; what the audit monitor keeps per server (older snapshots lack the optional parts). */
export interface AuditSummary {
  probedAt: string;
  /** Absent in snapshots kept before grades existed: derived from `findings` when that is all there is. */
  grade?: Grade;
  /** The finding that sets the grade (the lowest cap, then the worst severity); absent when there are none. */
  worst?: { id: string; title: string; severity: Severity };
  /** "vsftpd 3.0.3": server text, escaped and bounded when the summary is made. */
  product?: string;
  /** How many findings of each severity (severities without findings left out). */
  counts?: Partial<Record<Severity, number>>;
  /** Finding id → worst severity: kept by every snapshot, old ones too. */
  findings?: Record<string, Severity>;
}

/** A product name is short; whatever a server claims beyond this is cut. */
const PRODUCT_MAX_CHARS = 80;
const gradeRank = (g: Grade) => GRADES.indexOf(g);

/** The finding that explains the grade: the lowest cap first (grades.ts), then the worst severity, then report order. */
function worstOf<T extends { id: string; severity: Severity }>(findings: readonly T[]): T | undefined {
  let worst: T | undefined;
  for (const f of findings) {
    if (!worst) worst = f;
    else {
      const byCap = gradeRank(capOf(f)) - gradeRank(capOf(worst));
      if (byCap > 0 || (byCap === 0 && severityRank(f.severity) < severityRank(worst.severity))) worst = f;
    }
  }
  return worst;
}

/** Rule id → the worst severity its findings had: what is remembered of an audit to tell "new or worse" next time. */
export function findingSeverities(findings: readonly Pick<Finding, 'id' | 'severity'>[]): Record<string, Severity> {
  const worst: Record<string, Severity> = {};
  for (const f of findings) if (!worst[f.id] || severityRank(f.severity) < severityRank(worst[f.id])) worst[f.id] = f.severity;
  return worst;
}

/** The overview's part of a report: grade, worst finding, product and counts. */
export function summarizeReport(report: Pick<AuditReport, 'probedAt' | 'findings' | 'grade' | 'product'>): Required<Pick<AuditSummary, 'probedAt' | 'grade' | 'counts'>> & Pick<AuditSummary, 'worst' | 'product'> {
  const counts: Partial<Record<Severity, number>> = {};
  for (const f of report.findings) counts[f.severity] = (counts[f.severity] ?? 0) + 1;
  const worst = worstOf(report.findings);
  const product = report.product ? serverText(`${report.product.name}${report.product.version ? ' ' + report.product.version : ''}`, PRODUCT_MAX_CHARS) : undefined;
  return {
    probedAt: report.probedAt,
    grade: report.grade ?? gradeOf(report.findings),
    counts,
    ...(worst ? { worst: { id: worst.id, title: worst.title, severity: worst.severity } } : {}),
    ...(product ? { product } : {}),
  };
}

/**
 * The grade and worst finding of a summary, also of a snapshot kept before they were: its finding map
 * gives both (the worst's title is then its rule id; a re-run gives the title, product and counts).
 */
export function gradeAndWorst(s: AuditSummary): { grade?: Grade; worst?: AuditSummary['worst']; old: boolean } {
  // Snapshots live in VS Code's state: only a known grade and severity reach a class name.
  if (s.grade && GRADES.includes(s.grade)) {
    const worst = s.worst && SEVERITIES.includes(s.worst.severity) ? { id: String(s.worst.id), title: String(s.worst.title), severity: s.worst.severity } : undefined;
    return { grade: s.grade, worst, old: false };
  }
  if (!s.findings || typeof s.findings !== 'object') return { old: true };
  const list = Object.entries(s.findings)
    .filter(([, sev]) => SEVERITIES.includes(sev))
    .map(([id, severity]) => ({ id, severity }));
  const worst = worstOf(list);
  return { grade: gradeOf(list), worst: worst && { id: worst.id, title: worst.id, severity: worst.severity }, old: true };
}

/** `Security: grade C — Weak MAC offered (checked 2 h ago)`, for the Remote Files tooltip (plain text; the caller escapes for Markdown). */
export function securityLine(s: AuditSummary | undefined, now = Date.now()): string {
  if (!s) return 'Security: not checked yet — run "Show Server Security" to audit it';
  const { grade, worst } = gradeAndWorst(s);
  const then = Date.parse(s.probedAt);
  const when = Number.isNaN(then) ? 'checked at an unknown time' : `checked ${relativeTime(then, now)}`;
  const what = worst ? `${serverText(worst.title, 200)} (${worst.severity})` : 'no findings';
  return `Security: ${grade ? `grade ${grade}` : 'no grade (re-run the audit)'} — ${what} (${when})`;
}

export interface OverviewRow {
  /** The profile's name (from a shared file: hostile). */
  profile: string;
  /** `sftp://files.example.com:22`. */
  server: string;
  /** Where the profile comes from: `shared`, `shared · site`, `user`. */
  source?: string;
  /** The server's latest audit, or none yet. */
  summary?: AuditSummary;
  /** An audit of this row's server is waiting or under way; or the last one started here failed (one sentence). */
  state?: 'queued' | 'auditing';
  failure?: string;
}

export interface OverviewResources {
  cspSource: string;
  nonce: string;
  scriptUri: string;
  /** audit.css (shared with the report), then the overview's own. */
  styleUris: string[];
  now?: number;
  locale?: string;
  /** Audit All in progress: how many servers are done of how many. */
  running?: { done: number; total: number };
  /** Changes with every render: the buttons name their row by index in this render. */
  generation: number;
}

const NONCE = /^[A-Za-z0-9+/=_-]{16,}$/;

function checkedCell(s: AuditSummary | undefined, res: OverviewResources): string {
  if (!s) return '<span class="never">never</span>';
  const then = Date.parse(s.probedAt);
  if (Number.isNaN(then)) return escapeHtml(s.probedAt);
  const full = new Date(then).toLocaleString(res.locale, { dateStyle: 'full', timeStyle: 'long' });
  return `<time class="checked" datetime="${escapeHtml(new Date(then).toISOString())}" title="${escapeHtml(full)}">${relativeTime(then, res.now ?? Date.now())}</time>`;
}

function countsCell(s: AuditSummary | undefined): string {
  if (!s) return '';
  const counts = s.counts ?? (s.findings ? Object.values(s.findings).reduce<Partial<Record<Severity, number>>>((c, sev) => ({ ...c, [sev]: (c[sev] ?? 0) + 1 }), {}) : undefined);
  if (!counts) return '—';
  const parts = SEVERITIES.filter((sev) => (counts[sev] ?? 0) > 0).map((sev) => `<span class="sev severity-${sev}">${Number(counts[sev])} ${sev}</span>`);
  return parts.length ? parts.join(' · ') : 'none';
}

function rowHtml(r: OverviewRow, i: number, res: OverviewResources): string {
  const s = r.summary;
  const gw = s ? gradeAndWorst(s) : undefined;
  const grade = gw?.grade
    ? `<span class="grade grade-${gw.grade}" title="Grade ${gw.grade}${gw.old ? ' (from an older audit: re-run for the details)' : ''}">${gw.grade}</span>`
    : `<span class="grade none" title="${s ? 'No grade: re-run the audit' : 'Not checked yet'}">—</span>`;
  let worst: string;
  if (!s) worst = '<span class="never">not checked yet</span>';
  else if (!gw?.worst) worst = gw?.grade ? '<span class="none">no findings</span>' : '<span class="never">re-run for the details</span>';
  else worst = `<span class="sev severity-${gw.worst.severity}">${gw.worst.severity}</span> <span class="title">${escapeHtml(gw.worst.title)}</span>${gw.worst.title !== gw.worst.id ? ` <code class="rule-id">${escapeHtml(gw.worst.id)}</code>` : ''}`;
  const state = r.state === 'auditing' ? '<span class="state">auditing…</span>' : r.state === 'queued' ? '<span class="state">waiting…</span>' : '';
  const failure = r.failure ? `<div class="failure" role="alert">Audit failed: ${escapeHtml(r.failure)}</div>` : '';
  const busy = r.state !== undefined;
  return `<tr data-row="${i}"${busy ? ' aria-busy="true"' : ''}>
<td class="server"><span class="name">${escapeHtml(r.profile)}</span>${r.source ? ` <span class="source">${escapeHtml(r.source)}</span>` : ''}<br><code>${escapeHtml(r.server)}</code>${s?.product ? ` <span class="product">${escapeHtml(s.product)}</span>` : ''}${failure}</td>
<td class="grade-cell">${grade}</td>
<td class="worst">${worst}</td>
<td class="counts">${countsCell(s)}</td>
<td class="when">${checkedCell(s, res)} ${state}</td>
<td class="row-actions"><button type="button" data-command="audit" data-row="${i}"${busy ? ' disabled' : ''}>Audit now</button> <button type="button" class="secondary" data-command="report" data-row="${i}">Open report</button></td>
</tr>`;
}

/** One line above the table: how many servers, and the worst of them. */
function summaryLine(rows: readonly OverviewRow[]): string {
  const checked = rows.filter((r) => r.summary);
  const graded = checked.map((r) => ({ r, g: gradeAndWorst(r.summary!).grade })).filter((x): x is { r: OverviewRow; g: Grade } => x.g !== undefined);
  const parts = [`${rows.length} profile${rows.length === 1 ? '' : 's'}`, `${checked.length} checked`];
  if (graded.length) {
    const worst = graded.reduce((a, b) => (gradeRank(b.g) > gradeRank(a.g) ? b : a));
    parts.push(`worst: ${escapeHtml(worst.r.profile)} (${worst.g})`);
  }
  return parts.join(' · ');
}

export function renderOverviewHtml(rows: readonly OverviewRow[], res: OverviewResources): string {
  if (!NONCE.test(res.nonce)) throw new Error('renderOverviewHtml needs a random nonce of at least 16 base64 characters.');
  const csp = contentSecurityPolicy(res.cspSource, res.nonce);
  const body = rows.length
    ? `<table class="overview">
<thead><tr><th scope="col">Profile</th><th scope="col">Grade</th><th scope="col">Worst finding</th><th scope="col">Findings</th><th scope="col">Checked</th><th scope="col"><span class="hidden">Actions</span></th></tr></thead>
<tbody>
${rows.map((r, i) => rowHtml(r, i, res)).join('\n')}
</tbody>
</table>`
    : '<p class="none">No profiles yet: add one with "Secure Transfer: Add Profile…".</p>';
  const running = res.running;
  const progress = running ? `<span class="progress" role="status">Auditing: ${running.done} of ${running.total} done</span>` : '';
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${escapeHtml(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
${res.styleUris.map((u) => `<link rel="stylesheet" href="${escapeHtml(u)}">`).join('\n')}
<title>Server Security</title>
</head>
<body data-generation="${Number(res.generation)}">
<header>
<h1>Server Security</h1>
<p class="meta">${summaryLine(rows)}. Read-only probes, no credentials sent; grades A (best) to F.</p>
<nav class="actions">
<button type="button" data-command="auditAll"${running ? ' disabled' : ''}>Audit All</button>
${running ? '<button type="button" class="secondary" data-command="cancel">Cancel</button>\n' : ''}${progress}
</nav>
</header>
<main>
${body}
</main>
<script nonce="${escapeHtml(res.nonce)}" src="${escapeHtml(res.scriptUri)}"></script>
</body>
</html>
`;
}
