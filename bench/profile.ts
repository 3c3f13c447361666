/**
 * Where our time goes: the benchmark runs one more of our processes under `node --cpu-prof`, and this
 * sums the `.cpuprofile`'s self time per function and per package. Pure functions, unit-tested.
 */

export interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber?: number };
  hitCount?: number;
}
export interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

export interface ProfileLine {
  what: string;
  share: number;
}

export interface ProfileSummary {
  /** Wall time the profile covers, ms. */
  ms: number;
  /** Top functions by self time (`name — place`). */
  functions: ProfileLine[];
  /** Self time per package: ours, ssh2, basic-ftp, Node's own modules, V8 (GC, idle, program). */
  packages: ProfileLine[];
}

/**
 * Where a frame lives, shortened: `ssh2/lib/protocol/Protocol.js`, `node:fs`, our bundle's file name.
 * Bundles name their package: dist/cli.js and the extension bundle are ours, vendor/ssh2.js is ssh2.
 */
export function place(url: string): string {
  if (!url) return '';
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) return url.slice(nm + 'node_modules/'.length);
  if (url.startsWith('node:')) return url;
  const vendor = /\/vendor\/([^/]+)\.js$/.exec(url);
  if (vendor) return `vendor/${vendor[1]}.js`;
  return url.slice(url.lastIndexOf('/') + 1);
}

/** The package a frame belongs to. */
export function packageOf(url: string, functionName: string): string {
  if (!url) {
    if (functionName === '(idle)') return '(idle: waiting for I/O)';
    if (functionName === '(garbage collector)') return '(garbage collector)';
    return '(V8 / native code)';
  }
  if (url.startsWith('node:')) return 'Node.js (node:*)';
  const i = url.lastIndexOf('node_modules/');
  if (i >= 0) return /^((?:@[^/]+\/)?[^/]+)/.exec(url.slice(i + 'node_modules/'.length))?.[1] ?? 'node_modules';
  const vendor = /\/vendor\/([^/]+)\.js$/.exec(url);
  if (vendor) return `${vendor[1]} (vendor bundle)`;
  return 'secure-transfer (our code)';
}

/** Self time (hit counts) per function and per package, top `top` of each. */
export function summarizeProfile(p: CpuProfile, top = 12): ProfileSummary {
  const hitsOf = new Map<number, number>();
  if (p.samples && p.samples.length) for (const id of p.samples) hitsOf.set(id, (hitsOf.get(id) ?? 0) + 1);
  const fns = new Map<string, number>();
  const pkgs = new Map<string, number>();
  let all = 0;
  for (const n of p.nodes) {
    const hits = p.samples && p.samples.length ? (hitsOf.get(n.id) ?? 0) : (n.hitCount ?? 0);
    if (!hits) continue;
    all += hits;
    const f = n.callFrame;
    const key = f.url ? `${f.functionName || '(anonymous)'} — ${place(f.url)}` : f.functionName || '(native)';
    fns.set(key, (fns.get(key) ?? 0) + hits);
    const pkg = packageOf(f.url, f.functionName);
    pkgs.set(pkg, (pkgs.get(pkg) ?? 0) + hits);
  }
  const lines = (m: Map<string, number>) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([what, hits]) => ({ what, share: all ? hits / all : 0 }));
  return { ms: (p.endTime - p.startTime) / 1000, functions: lines(fns), packages: lines(pkgs) };
}

/** The Markdown of one profile: packages first, then functions. */
export function profileMarkdown(title: string, s: ProfileSummary): string {
  const esc = (t: string) => t.replace(/\|/g, '\\|');
  return [
    `### ${title}`,
    '',
    `One more run under \`node --cpu-prof\` (${(s.ms / 1000).toFixed(1)} s profiled); self time.`,
    '',
    '| share | package |',
    '|---:|---|',
    ...s.packages.map((l) => `| ${(l.share * 100).toFixed(1)}% | ${esc(l.what)} |`),
    '',
    '| share | function — file |',
    '|---:|---|',
    ...s.functions.map((l) => `| ${(l.share * 100).toFixed(1)}% | ${esc(l.what)} |`),
    '',
  ].join('\n');
}
