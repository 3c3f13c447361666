/**
 * Fleet audit: many servers (profiles) audited in parallel, bounded, into one combined report; and
 * the comparison with a previous JSON report (`--baseline`) that tells new or worse findings apart
 * from ones already known. Pure orchestration: how one server is audited is the caller's `run`.
 */
import { describeError, UsageError } from '../errors';
import { isSeverity, severityRank as rank } from './rules/evaluate';
import type { AuditReport, Finding, Grade, Severity } from './types';

/** One server of a fleet report: its report, or why it could not be audited. */
export interface FleetEntry {
  /** The profile name (fleet audits go by profile), or the URL as given. */
  name: string;
  server: string;
  report?: AuditReport;
  /** One sentence when the server could not be audited. */
  error?: string;
  /**
   * The error's code (`audit-unreachable`, `audit-behind-jump-host`, `policy-violation`…), so a
   * caller can tell "could not reach it" from "not probed by design" without reading the sentence.
   */
  errorCode?: string;
}

export interface FleetReport {
  /** Format marker, so a baseline file can be told from a single-server report. */
  kind: 'secure-transfer-fleet-audit';
  version: 1;
  generatedAt: string;
  durationMs: number;
  entries: FleetEntry[];
}

export const FLEET_REPORT_KIND = 'secure-transfer-fleet-audit';

/** A finding that is new since the baseline, or worse there than now. */
export interface BaselineChange {
  name: string;
  server: string;
  finding: Finding;
  /** The baseline's severity for the same (server, rule, subject); absent when the finding is new. */
  before?: Severity;
  gradeBefore?: Grade;
}

export interface FleetOptions {
  /** At most this many servers audited at once (default 4). */
  concurrency?: number;
  now?: () => number;
}

export const DEFAULT_FLEET_CONCURRENCY = 4;
/** More than this many probes at once is a port scan, not an audit (and would trip rate limits). */
export const MAX_FLEET_CONCURRENCY = 32;

/**
 * Audits every item, at most `concurrency` at once, one entry per item in the items' order. A server
 * that could not be audited is an entry with `error` (one sentence); it never stops the others.
 */
export async function auditFleet<T extends { name: string; server: string }>(items: readonly T[], run: (item: T) => Promise<AuditReport>, options: FleetOptions = {}): Promise<FleetReport> {
  const now = options.now ?? Date.now;
  const started = now();
  const limit = Math.max(1, Math.min(MAX_FLEET_CONCURRENCY, Math.floor(options.concurrency ?? DEFAULT_FLEET_CONCURRENCY) || 1));
  const entries: FleetEntry[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      const { name, server } = items[i];
      try {
        const report = await run(items[i]);
        entries[i] = { name, server: report.server, report };
      } catch (err) {
        const code = (err as { code?: unknown }).code;
        entries[i] = { name, server, error: describeError(err), ...(typeof code === 'string' ? { errorCode: code } : {}) };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return { kind: FLEET_REPORT_KIND, version: 1, generatedAt: new Date(started).toISOString(), durationMs: now() - started, entries };
}


/** The key a finding is compared by: the same rule about the same thing on the same server. */
export function findingKey(server: string, f: Pick<Finding, 'id' | 'subject'>): string {
  return keyOf(server, f);
}

function keyOf(server: string, f: Pick<Finding, 'id' | 'subject'>): string {
  return JSON.stringify([server.toLowerCase(), f.id, f.subject ?? null]);
}

interface BaselineIndex {
  /** key → the worst severity the baseline holds for it. */
  severities: Map<string, Severity>;
  grades: Map<string, Grade>;
  /** Servers the baseline could not audit either (their entry held an error). */
  notAudited: Set<string>;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const GRADE_SET: ReadonlySet<string> = new Set(['A', 'B', 'C', 'D', 'E', 'F']);

/** Reads one report's findings into the index; a problem is returned as words ("entry 3's finding 2 has no id"). */
function indexReport(index: BaselineIndex, report: unknown, where: string): string | undefined {
  if (!isObject(report)) return `${where} is not an object`;
  if (typeof report.server !== 'string') return `${where} has no "server"`;
  if (!Array.isArray(report.findings)) return `${where} has no "findings" list`;
  const server = report.server;
  for (const [i, f] of report.findings.entries()) {
    const at = `finding ${i + 1} of ${where}`;
    if (!isObject(f) || typeof f.id !== 'string') return `${at} has no rule "id"`;
    if (typeof f.severity !== 'string' || !isSeverity(f.severity)) return `${at} has no valid "severity"`;
    if (f.subject !== undefined && typeof f.subject !== 'string') return `${at} has a "subject" that is not text`;
    const key = keyOf(server, { id: f.id, subject: f.subject as string | undefined });
    const before = index.severities.get(key);
    const severity = f.severity as Severity;
    if (before === undefined || rank(severity) < rank(before)) index.severities.set(key, severity);
  }
  if (typeof report.grade === 'string' && GRADE_SET.has(report.grade)) index.grades.set(server.toLowerCase(), report.grade as Grade);
  return undefined;
}

/**
 * The baseline's findings by (server, rule, subject): a fleet report (its entries with a report; an
 * entry that could not be audited then holds nothing) or a single-server JSON report. Anything else
 * is a UsageError saying what is wrong (the caller names the file).
 */
function indexBaseline(baseline: unknown): BaselineIndex {
  const index: BaselineIndex = { severities: new Map(), grades: new Map(), notAudited: new Set() };
  let problem: string | undefined;
  if (isObject(baseline) && baseline.kind === FLEET_REPORT_KIND) {
    if (!Array.isArray(baseline.entries)) problem = 'it has no "entries" list';
    else {
      for (const [i, e] of baseline.entries.entries()) {
        if (!isObject(e)) problem = `entry ${i + 1} is not an object`;
        else if (e.report !== undefined) problem = indexReport(index, e.report, `entry ${i + 1}'s report`);
        else if (typeof e.server === 'string') index.notAudited.add(e.server.toLowerCase());
        if (problem) break;
      }
    }
  } else if (isObject(baseline) && 'findings' in baseline) {
    problem = indexReport(index, baseline, 'the report');
  } else {
    problem = 'it is neither a fleet report nor a single-server report';
  }
  if (problem) throw new UsageError(`${problem}`, 'bad-baseline');
  return index;
}

/** Throws the UsageError `compareWithBaseline` would (what is wrong with it), before anything is probed. */
export function checkBaseline(baseline: unknown): void {
  indexBaseline(baseline);
}

/** The findings of `current` that are new or worse than in `baseline` (a fleet report or a single-server JSON report). */
export function compareWithBaseline(current: FleetReport, baseline: unknown): BaselineChange[] {
  const index = indexBaseline(baseline);
  const changes: BaselineChange[] = [];
  const seen = new Set<string>();
  for (const entry of current.entries) {
    if (!entry.report) continue;
    const server = entry.report.server;
    const gradeBefore = index.grades.get(server.toLowerCase());
    for (const finding of entry.report.findings) {
      const key = keyOf(server, finding);
      // Several profiles of one server, or one rule firing twice about one thing: said once.
      if (seen.has(key)) continue;
      seen.add(key);
      const before = index.severities.get(key);
      if (before !== undefined && rank(finding.severity) >= rank(before)) continue;
      changes.push({ name: entry.name, server, finding, ...(before !== undefined ? { before } : {}), ...(gradeBefore ? { gradeBefore } : {}) });
    }
  }
  // Worst first, then in report order (stable sort).
  return changes.sort((a, b) => rank(a.finding.severity) - rank(b.finding.severity));
}

/**
 * The entries that could not be audited now although the baseline audited them (or did not have
 * them): lost sight of a server is news. One the baseline could not audit either is known, as its
 * findings would be.
 */
export function notAuditedSinceBaseline(current: FleetReport, baseline: unknown): FleetEntry[] {
  const index = indexBaseline(baseline);
  return current.entries.filter((e) => !e.report && !index.notAudited.has(e.server.toLowerCase()));
}

/** Wraps a single-server report as a fleet of one (a single target compared with a baseline). */
export function fleetOf(name: string, report: AuditReport, now: () => number = Date.now): FleetReport {
  return { kind: FLEET_REPORT_KIND, version: 1, generatedAt: new Date(now()).toISOString(), durationMs: report.durationMs, entries: [{ name, server: report.server, report }] };
}
