/**
 * Statistics and the Markdown table of the side-by-side benchmark. Pure functions, unit-tested.
 */

export interface Summary {
  median: number;
  min: number;
  max: number;
  n: number;
}

export function summarize(samples: readonly number[]): Summary {
  if (samples.length === 0) throw new Error('summarize() needs at least one sample');
  const s = [...samples].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  const median = s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
  return { median, min: s[0], max: s[s.length - 1], n: s.length };
}

/** How a measurement turns into "higher is better" throughput. */
export type Unit = 'MB/s' | 'files/s' | 'ms';

export interface Measurement {
  tool: string;
  /** Seconds per round. */
  seconds: number[];
  /** Work per round: bytes for MB/s, files for files/s; ignored for ms. */
  work: number;
}

export interface Scenario {
  title: string;
  unit: Unit;
  /** The reference tool (ratio 1.00). */
  baseline: string;
  ours: string;
  /** Minimum ours ÷ baseline throughput ratio (the target), if any. */
  target?: number;
  rows: Measurement[];
}

/** Per-round values in the scenario's unit (MB/s = 10^6 bytes/s, as the baseline notes use). */
export function values(m: Measurement, unit: Unit): number[] {
  const per: Record<Unit, (s: number) => number> = {
    'MB/s': (s) => m.work / 1e6 / s,
    'files/s': (s) => m.work / s,
    ms: (s) => s * 1000,
  };
  return m.seconds.map(per[unit]);
}

/** Throughput ratio of a row against the baseline, from medians: higher is better, also for ms. */
export function ratio(row: Measurement, baseline: Measurement, unit: Unit): number {
  const a = summarize(values(row, unit)).median;
  const b = summarize(values(baseline, unit)).median;
  return unit === 'ms' ? b / a : a / b;
}

const fmt = (v: number): string => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));

export interface Verdict {
  scenario: string;
  ratio: number;
  target?: number;
  met?: boolean;
}

export function verdict(s: Scenario): Verdict {
  const base = s.rows.find((r) => r.tool === s.baseline);
  const ours = s.rows.find((r) => r.tool === s.ours);
  if (!base || !ours) throw new Error(`scenario "${s.title}" lacks its baseline or our row`);
  const r = ratio(ours, base, s.unit);
  return { scenario: s.title, ratio: r, ...(s.target !== undefined ? { target: s.target, met: r >= s.target } : {}) };
}

export function markdownTable(s: Scenario): string {
  const base = s.rows.find((r) => r.tool === s.baseline)!;
  const head = `| ${s.title} | ${s.unit} median | min–max | ratio (throughput vs ${s.baseline}) |\n|---|---:|---:|---:|\n`;
  const lines = s.rows.map((row) => {
    const sum = summarize(values(row, s.unit));
    const name = row.tool === s.ours ? `**${row.tool}**` : row.tool;
    return `| ${name} | ${fmt(sum.median)} | ${fmt(sum.min)}–${fmt(sum.max)} | ${ratio(row, base, s.unit).toFixed(2)} |`;
  });
  const v = verdict(s);
  const target = v.target === undefined ? '' : `\nTarget ≥ ${v.target.toFixed(2)}×: **${v.met ? 'met' : 'not met'}** (${v.ratio.toFixed(2)}×).\n`;
  return head + lines.join('\n') + '\n' + target;
}
