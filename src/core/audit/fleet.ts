/**
 * Fleet audit: many servers (profiles) audited in parallel, bounded, into one combined report; and
 * the comparison with a previous JSON report (`--baseline`) that tells new or worse findings apart
 * from ones already known. Pure orchestration: how one server is audited is the caller's `run`.
 *
 * SKELETON: filled in by the a-fleet branch.
 */
import type { AuditReport, Finding, Grade, Severity } from './types';

/** One server of a fleet report: its report, or why it could not be audited. */
export interface FleetEntry {
  /** The profile name (fleet audits go by profile), or the URL as given. */
  name: string;
  server: string;
  report?: AuditReport;
  /** One sentence when the server could not be audited. */
  error?: string;
}

export interface FleetReport {
  /** Format marker, so a baseline file can be told from a single-server report. */
  kind: 'secure-transfer-fleet-audit';
  version: 1;
  generatedAt: string;
  durationMs: number;
  entries: FleetEntry[];
}

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

export async function auditFleet<T extends { name: string; server: string }>(items: readonly T[], run: (item: T) => Promise<AuditReport>, options: FleetOptions = {}): Promise<FleetReport> {
  void items;
  void run;
  void options;
  throw new Error('auditFleet: not built yet');
}

/** The findings of `current` that are new or worse than in `baseline` (a fleet report or a single-server JSON report). */
export function compareWithBaseline(current: FleetReport, baseline: unknown): BaselineChange[] {
  void current;
  void baseline;
  return [];
}
