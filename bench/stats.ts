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
  /** Peak RSS per round, KiB (GNU time's %M: the largest process of the tool's process tree). */
  rssKiB?: number[];
}

export interface Scenario {
  title: string;
  unit: Unit;
  /** The reference tool (ratio 1.00). */
  baseline: string;
  ours: string;
  /** Minimum ours ÷ baseline throughput ratio (the issue's target), if any. */
  target?: number;
  rows: Measurement[];
  /** A row that is no real client but the physical ceiling (ssh cat, a TLS socket pair): shown beside a missed target. */
  ceiling?: string;
  /** More comparisons: `tool` ÷ `versus` (e.g. the extension's path against our CLI), with a target or not. */
  also?: Array<{ tool: string; versus: string; target?: number }>;
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
  /** Who is compared with whom: "secure-transfer vs sftp". */
  versus: string;
  ratio: number;
  target?: number;
  met?: boolean;
  /** The ceiling row's ratio against the same reference, when the scenario has one. */
  ceiling?: { tool: string; ratio: number };
}

const rowOf = (s: Scenario, tool: string): Measurement => {
  const row = s.rows.find((r) => r.tool === tool);
  if (!row) throw new Error(`scenario "${s.title}" has no row "${tool}"`);
  return row;
};

function compare(s: Scenario, tool: string, versus: string, target: number | undefined): Verdict {
  const r = ratio(rowOf(s, tool), rowOf(s, versus), s.unit);
  const ceiling = s.ceiling && versus === s.baseline && tool !== s.ceiling && s.rows.some((x) => x.tool === s.ceiling) ? { tool: s.ceiling, ratio: ratio(rowOf(s, s.ceiling), rowOf(s, versus), s.unit) } : undefined;
  return { scenario: s.title, versus: `${tool} vs ${versus}`, ratio: r, ...(target !== undefined ? { target, met: r >= target } : {}), ...(ceiling ? { ceiling } : {}) };
}

/** Ours against the reference (the scenario's target). */
export function verdict(s: Scenario): Verdict {
  return compare(s, s.ours, s.baseline, s.target);
}

/** Every comparison of a scenario: ours against the reference, then `also` (rows that ran). */
export function verdicts(s: Scenario): Verdict[] {
  return [verdict(s), ...(s.also ?? []).filter((a) => s.rows.some((r) => r.tool === a.tool) && s.rows.some((r) => r.tool === a.versus)).map((a) => compare(s, a.tool, a.versus, a.target))];
}

/** GNU time's `-f '%e %M'` output: wall seconds and peak RSS (KiB); a failed command adds a line before. */
export function parseGnuTime(text: string): { seconds: number; maxRssKiB: number } | undefined {
  const lines = text.trim().split('\n').reverse();
  for (const line of lines) {
    const m = /^(\d+(?:\.\d+)?) (\d+)$/.exec(line.trim());
    if (m) return { seconds: Number(m[1]), maxRssKiB: Number(m[2]) };
  }
  return undefined;
}

/** Peak RSS of a row over its rounds, in MB (10^6 bytes), or undefined when not measured. */
export function peakRssMB(m: Measurement): number | undefined {
  return m.rssKiB && m.rssKiB.length ? (Math.max(...m.rssKiB) * 1024) / 1e6 : undefined;
}

const mb = (v: number | undefined): string => (v === undefined ? '—' : v.toFixed(0));

/** One summary line per verdict: | scenario | comparison | ratio | target | met | ceiling |. */
export function summaryLine(v: Verdict): string {
  const state = v.met === undefined ? '—' : v.met ? 'met' : '**not met**';
  const ceiling = v.ceiling ? `${v.ceiling.tool}: ${v.ceiling.ratio.toFixed(2)}×` : '';
  return `| ${v.scenario} | ${v.versus} | ${v.ratio.toFixed(2)}× | ${v.target === undefined ? '—' : `≥ ${v.target.toFixed(2)}×`} | ${state} | ${ceiling} |`;
}

export function markdownTable(s: Scenario): string {
  const base = rowOf(s, s.baseline);
  const head = `| ${s.title} | ${s.unit} median | min–max | ratio (throughput vs ${s.baseline}) | peak RSS, MB |\n|---|---:|---:|---:|---:|\n`;
  const lines = s.rows.map((row) => {
    const sum = summarize(values(row, s.unit));
    const name = row.tool === s.ours ? `**${row.tool}**` : row.tool;
    return `| ${name} | ${fmt(sum.median)} | ${fmt(sum.min)}–${fmt(sum.max)} | ${ratio(row, base, s.unit).toFixed(2)} | ${mb(peakRssMB(row))} |`;
  });
  const notes = verdicts(s).map((v) => {
      const t = v.target === undefined ? '' : `target ≥ ${v.target.toFixed(2)}×: **${v.met ? 'met' : 'not met'}**`;
      const c = v.met === false && v.ceiling ? ` (ceiling, ${v.ceiling.tool}: ${v.ceiling.ratio.toFixed(2)}×)` : '';
      return `${v.versus}: ${v.ratio.toFixed(2)}×${t ? `, ${t}` : ''}${c}.`;
    });
  return head + lines.join('\n') + '\n' + (notes.length ? '\n' + notes.join('  \n') + '\n' : '');
}

/** The Growth section: one line per scenario, ours and the reference side by side (time, peak RSS). */
export function growthTable(scenarios: readonly Scenario[]): string {
  const secs = (m: Measurement) => summarize(m.seconds).median;
  const t = (v: number) => (v >= 10 ? v.toFixed(1) : v.toFixed(2));
  const lines = scenarios.map((s) => {
    const ours = rowOf(s, s.ours);
    const ref = rowOf(s, s.baseline);
    return `| ${s.title} | ${s.baseline} | ${t(secs(ours))} s | ${mb(peakRssMB(ours))} | ${t(secs(ref))} s | ${mb(peakRssMB(ref))} | ${verdict(s).ratio.toFixed(2)}× | ${ours.seconds.length} |`;
  });
  return ['| growth row | reference | ours, median | ours, peak RSS MB | reference, median | reference, peak RSS MB | ratio (throughput) | rounds |', '|---|---|---:|---:|---:|---:|---:|---:|', ...lines].join('\n') + '\n';
}
