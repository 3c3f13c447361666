/**
 * The benchmark's `extension` scenario: what installing and starting the extension costs.
 * - The .vsix is packed by the real scripts/package.mjs (in a scratch folder, so the shared dist/ is
 *   left alone); its size and its minified dist/extension.js are what users get.
 * - That bundle is activated in a fresh Node process per round against a stub of `vscode`: the time
 *   is OUR code's load + activate (require of the bundle, then awaiting activate()), not VS Code's own
 *   extension-host overhead.
 * - The requests the bundle makes (dist/vendor/*.js: ssh2, basic-ftp, otplib live there) and V8
 *   coverage on the scripts/build.mjs bundle (it has a source map) tell which packages ran at
 *   activation: ssh2, basic-ftp, otplib and @napi-rs/keyring must not.
 * - When the time target is missed, a CPU profile shows where the time goes.
 */
import { copyFileSync, cpSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { buildSandbox, LAZY_PACKAGES, lazyViolations, probeActivation, REPO, type ProbeResult } from '../test/unit/activationProbe';
import { summarize } from './stats';

export const TARGETS = { activationMs: 50, vsixBytes: 1.5e6 };

export interface StartupOptions {
  rounds: number;
  /** 'missed': profile only when the activation target is missed. */
  profile: 'never' | 'missed' | 'all';
}

export interface StartupResult {
  /** The Markdown section for results.md. */
  section: string;
  /** Rows for the Summary table: | scenario | value | target | met |. */
  summaryRows: string[];
}

/** What a profile's frames are called in the table: Node's own loader steps by what they do. */
const FRAME_GROUPS: ReadonlyArray<[RegExp, string]> = [
  [/^(node:)?(wrapSafe|compileFunctionForCJSLoader|compileFunction)$/, 'V8 parses and compiles the bundle'],
  [/^(readFileUtf8|node:readFileSync|node:read|node:tryReadSync)$/, 'Node reads the bundle file'],
  [/^bundle \(unmapped\)$/, "bundle top level (esbuild's module wrappers, hoisted modules)"],
  [/^node:/, 'Node.js module loader, other'],
  [/^dispatch$/, 'the profiler itself (inspector messages)'],
];
const groupOf = (what: string): string => FRAME_GROUPS.find(([re]) => re.test(what))?.[1] ?? what;

const ms = (v: number): string => (v >= 10 ? v.toFixed(0) : v.toFixed(1));
const kib = (bytes: number): string => `${Math.round(bytes / 1024)} KiB`;
const met = (ok: boolean): string => (ok ? 'met' : '**not met**');

/**
 * What the activation bundle is made of, per package or src folder: the sources its source map lists
 * (`sourcesContent` lengths, so source bytes, not minified bytes). The split build (extensionBuild.mjs)
 * drops esbuild's `// path` comments, so the map is the one record of what went in.
 */
export function bundleComposition(bundle: string): Array<{ what: string; bytes: number }> {
  const map = JSON.parse(readFileSync(`${bundle}.map`, 'utf8')) as { sources: string[]; sourcesContent?: Array<string | null> };
  const sizes = new Map<string, number>();
  map.sources.forEach((source, i) => {
    const marker = /(?:^|\/)(node_modules\/(?:@[^/]+\/)?[^/]+|src\/[^/]+(?:\/[^/.]+(?=\/))?)\//.exec(source);
    const what = marker ? marker[1].replace(/^node_modules\//, '') : "esbuild's runtime and glue";
    sizes.set(what, (sizes.get(what) ?? 0) + (map.sourcesContent?.[i]?.length ?? 0));
  });
  return [...sizes].map(([what, bytes]) => ({ what, bytes })).sort((a, b) => b.bytes - a.bytes);
}

export async function extensionStartup(options: StartupOptions): Promise<StartupResult> {
  const sandbox = buildSandbox();
  try {
    sandbox.run('package.mjs');
    const vsix = readdirSync(sandbox.dir).find((f) => f.endsWith('.vsix'));
    if (!vsix) throw new Error('scripts/package.mjs wrote no .vsix');
    const vsixBytes = statSync(path.join(sandbox.dir, vsix)).size;
    // Keep the shipped (minified) bundle: build.mjs below writes its own dist/extension.js.
    const shipped = path.join(sandbox.dir, 'shipped', 'dist', 'extension.js');
    mkdirSync(path.dirname(shipped), { recursive: true });
    // Every .js the package ships next to it: the split build's chunks and the profile validator too.
    for (const f of readdirSync(path.join(sandbox.dir, 'dist')).filter((f) => f.endsWith('.js'))) copyFileSync(path.join(sandbox.dir, 'dist', f), path.join(path.dirname(shipped), f));
    cpSync(path.join(sandbox.dir, 'dist', 'vendor'), path.join(path.dirname(shipped), 'vendor'), { recursive: true });
    const vendorFiles = readdirSync(path.join(path.dirname(shipped), 'vendor')).filter((f) => f.endsWith('.js'));
    const vendorSizes = vendorFiles.map((f) => `${f} ${kib(statSync(path.join(path.dirname(shipped), 'vendor', f)).size)}`).join(', ');
    sandbox.run('build.mjs');
    const dev = path.join(sandbox.dir, 'dist', 'extension.js');

    // Rounds interleave the two builds, so drift on the machine hits both alike.
    const runs: ProbeResult[] = [];
    const devRuns: ProbeResult[] = [];
    for (let i = 0; i < options.rounds; i++) {
      for (const [bundle, into] of [[shipped, runs], [dev, devRuns]] as const) {
        const r = await probeActivation(bundle);
        if (r.error) throw new Error(`activate() of ${path.relative(sandbox.dir, bundle)} failed against the vscode stub: ${r.error}`);
        into.push(r);
      }
    }
    const requireMs = summarize(runs.map((r) => r.requireMs));
    const activateMs = summarize(runs.map((r) => r.activateMs));
    const totalMs = summarize(runs.map((r) => r.requireMs + r.activateMs));
    const devTotalMs = summarize(devRuns.map((r) => r.requireMs + r.activateMs));
    const coverage = await probeActivation(dev, { coverage: true });
    const loaded = lazyViolations(coverage);
    const declared = (JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { contributes: { commands: unknown[] } }).contributes.commands.length;
    const registered = new Set(runs[0].commands).size;
    const timeMet = totalMs.median < TARGETS.activationMs;
    const sizeMet = vsixBytes < TARGETS.vsixBytes;

    const row = (name: string, s: ReturnType<typeof summarize>, target = '', verdict = '') => `| ${name} | ${ms(s.median)} ms | ${ms(s.min)}–${ms(s.max)} ms | ${target} | ${verdict} |`;
    const lines = [
      `${options.rounds} fresh Node processes, each: \`require()\` of the shipped bundle (the minified dist/extension.js inside the .vsix) and \`await activate(context)\` with a stub \`vscode\` module (no-op disposables and events; the configuration answers defaults; no workspace folder). This is our code's load + activate, not VS Code's own extension-host overhead, which comes on top in the editor.`,
      '',
      '| measure | median | min–max | target | |',
      '|---|---:|---:|---:|---|',
      row('require(bundle)', requireMs),
      row('activate()', activateMs),
      row('**activation** (require + activate)', totalMs, `< ${TARGETS.activationMs} ms`, met(timeMet)),
      row(`same, unminified scripts/build.mjs bundle (${kib(statSync(dev).size)})`, devTotalMs),
      `| .vsix size (${vsix}) | ${kib(vsixBytes)} | | < ${TARGETS.vsixBytes / 1e6} MB | ${met(sizeMet)} |`,
      `| shipped bundle (minified dist/extension.js) | ${kib(statSync(shipped).size)} | | | |`,
      `| vendor bundles (dist/vendor/, loaded on first use) | ${vendorSizes || 'none'} | | | |`,
      '',
      `Commands registered by activate(): ${registered} of the ${declared} in package.json.`,
      loaded.length
        ? `**Loaded at activation, but must wait for the first connection: ${loaded.join(', ')}.**`
        : `Transports loaded at activation: none (${Object.keys(LAZY_PACKAGES).join(', ')} and ssh2's native addon stayed unloaded: no dist/vendor/ file was required, and V8 coverage of the scripts/build.mjs bundle shows none of them ran).`,
      '',
    ];

    if (options.profile === 'all' || (options.profile === 'missed' && !timeMet)) {
      const profiled = await probeActivation(dev, { profile: true });
      const groups = new Map<string, number>();
      for (const { what, ms: t } of profiled.breakdown ?? []) groups.set(groupOf(what), (groups.get(groupOf(what)) ?? 0) + t);
      const total = [...groups.values()].reduce((a, b) => a + b, 0);
      const top = [...groups].sort((a, b) => b[1] - a[1]).slice(0, 12);
      const requests = new Map<string, number>();
      for (const r of runs) for (const q of r.requests) requests.set(q.request, (requests.get(q.request) ?? 0) + q.ms / runs.length);
      const topRequests = [...requests].sort((a, b) => b[1] - a[1]).slice(0, 5);
      const composition = bundleComposition(dev);
      const devBytes = composition.reduce((a, c) => a + c.bytes, 0);
      lines.push(
        `#### Where activation time goes (CPU profile of one activation of the unminified build, which has a source map; self time; ≈ ms is the share of that build's median)`,
        '',
        '| share | ≈ ms | what |',
        '|---:|---:|---|',
        ...top.map(([what, t]) => `| ${((t / total) * 100).toFixed(1)}% | ${ms((t / total) * devTotalMs.median)} | ${what.replace(/\|/g, '\\|')} |`),
        '',
        `Node modules the bundle requires at run time (first load, mean inclusive time): ${topRequests.map(([r, t]) => `${r} ${ms(t)} ms`).join(', ')}.`,
        '',
        `#### What the activation bundle is made of (source bytes per package, from the unminified build's source map, ${kib(devBytes)}; chunks loaded on first use are not counted)`,
        '',
        '| bytes | share | package or source folder |',
        '|---:|---:|---|',
        ...composition.slice(0, 12).map((c) => `| ${kib(c.bytes)} | ${((c.bytes / devBytes) * 100).toFixed(0)}% | ${c.what} |`),
        '',
      );
    }

    return {
      section: `### Extension start-up\n\n${lines.join('\n')}`,
      summaryRows: [
        `| Extension activation (require + activate, stub vscode) | ${ms(totalMs.median)} ms | < ${TARGETS.activationMs} ms | ${met(timeMet)} |`,
        `| Extension .vsix size | ${(vsixBytes / 1e6).toFixed(2)} MB | < ${TARGETS.vsixBytes / 1e6} MB | ${met(sizeMet)} |`,
        `| Transports loaded at activation | ${loaded.length ? loaded.join(', ') : 'none'} | none | ${met(loaded.length === 0)} |`,
      ],
    };
  } finally {
    sandbox.cleanup();
  }
}
