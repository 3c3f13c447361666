/**
 * Activates the extension's esbuild bundle outside VS Code, in a fresh Node process (a cold
 * require, as in the extension host), against a stub of the `vscode` module. It measures OUR code's
 * load + activate only, not VS Code's own extension-host overhead. Used by the unit test that keeps
 * transports lazy and by the benchmark's `extension` scenario.
 *
 * What loaded at activation is seen two ways: the requests the bundle makes at run time (the vendor
 * bundles dist/vendor/ssh2.js, basic-ftp.js and otplib.js, and esbuild externals), and V8's function
 * coverage mapped through the bundle's source map for packages inlined into the bundle itself (they
 * never show up in require.cache; a package "loaded" when any of its functions ran).
 */
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { Session } from 'node:inspector';
import Module, { SourceMap } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';

export const REPO = path.resolve(__dirname, '../../..');

/**
 * Must not run at activation: transports load on the first connection, the keychain on first use.
 * Key: what the report says; value: the bundled packages (by node_modules name) that belong to it.
 */
export const LAZY_PACKAGES: Readonly<Record<string, readonly string[]>> = {
  ssh2: ['ssh2', 'asn1', 'bcrypt-pbkdf', 'tweetnacl', 'cpu-features'],
  'basic-ftp': ['basic-ftp'],
  otplib: ['otplib', '@otplib/core', '@otplib/uri', '@otplib/hotp', '@otplib/totp', '@otplib/plugin-crypto-noble', '@otplib/plugin-base32-scure'],
  '@napi-rs/keyring': ['@napi-rs/keyring'],
};
/**
 * Requests the bundle leaves to Node at run time that only a transport makes: esbuild externals, and
 * the vendor bundles scripts/extensionBuild.mjs splits off (dist/vendor/<package>.js).
 */
const LAZY_REQUESTS: ReadonlyArray<[RegExp, string]> = [
  [/^\.\/vendor\/ssh2\.js$/, 'ssh2'],
  [/^\.\/vendor\/basic-ftp\.js$/, 'basic-ftp'],
  [/^\.\/vendor\/otplib\.js$/, 'otplib'],
  [/^\.\/vendor\//, 'dist/vendor/*'],
  [/^@napi-rs\/keyring/, '@napi-rs/keyring'],
  [/^cpu-features$/, 'ssh2'],
  [/sshcrypto\.node$/, 'ssh2 (native addon)'],
];

export interface ProbeResult {
  requireMs: number;
  activateMs: number;
  /** Command ids activate() registered. */
  commands: string[];
  /** What the bundle itself required at run time (builtins, externals), with inclusive time. */
  requests: Array<{ request: string; ms: number }>;
  /** node_modules packages, and `src/…` files, with at least one function called (coverage runs). */
  executed?: string[];
  /** Self time by source (profile runs), highest first. */
  breakdown?: Array<{ what: string; ms: number }>;
  error?: string;
}

export interface ProbeOptions {
  coverage?: boolean;
  profile?: boolean;
}

const MARK = 'ACTIVATION-PROBE ';

/**
 * The extension's own files: the bundle and the chunks next to it (scripts/extensionBuild.mjs splits
 * what activation doesn't need into dist/chunk-*.js); dist/vendor/ holds the transports.
 */
export function isBundleFile(bundle: string, file: string): boolean {
  return file === bundle || (path.dirname(file) === path.dirname(bundle) && /^chunk-[A-Z0-9]+\.js$/.test(path.basename(file)));
}

/** Runs one activation in a new Node process. */
export function probeActivation(bundle: string, options: ProbeOptions = {}): Promise<ProbeResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [__filename, bundle, JSON.stringify(options)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('close', (code) => {
      const line = out.split('\n').find((l) => l.startsWith(MARK));
      if (!line) return reject(new Error(`The activation probe exited with ${code} without a result: ${err.trim().slice(0, 800)}`));
      resolve(JSON.parse(line.slice(MARK.length)) as ProbeResult);
    });
  });
}

/** What activation loaded that it must not, as report names (empty when all stayed lazy). */
export function lazyViolations(result: ProbeResult): string[] {
  const found = new Set<string>();
  for (const [name, packages] of Object.entries(LAZY_PACKAGES)) if (result.executed?.some((p) => packages.includes(p))) found.add(name);
  for (const { request } of result.requests) {
    const name = LAZY_REQUESTS.find(([re]) => re.test(request))?.[1];
    if (name) found.add(name);
  }
  return [...found].sort();
}

/**
 * A scratch copy of the project's build entry points: the real scripts/build.mjs and package.mjs run
 * there (sources and node_modules are symlinked), so their output never touches the shared dist/.
 */
export function buildSandbox(): { dir: string; run: (script: 'build.mjs' | 'package.mjs') => void; cleanup: () => void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'st-activation-'));
  mkdirSync(path.join(dir, 'scripts'));
  // build.mjs and package.mjs import their shared modules (extensionBuild.mjs, profileValidator.mjs).
  for (const s of readdirSync(path.join(REPO, 'scripts')).filter((f) => f.endsWith('.mjs'))) copyFileSync(path.join(REPO, 'scripts', s), path.join(dir, 'scripts', s));
  // Linked: what esbuild reads. Copied: what vsce packs (it does not follow linked folders).
  for (const entry of ['src', 'node_modules']) symlinkSync(path.join(REPO, entry), path.join(dir, entry));
  for (const entry of ['media', 'schemas', 'package.json', 'tsconfig.json', 'README.md', 'CHANGELOG.md', 'LICENSE', '.vscodeignore']) {
    if (existsSync(path.join(REPO, entry))) cpSync(path.join(REPO, entry), path.join(dir, entry), { recursive: true });
  }
  const run = (script: string): void => {
    const r = spawnSync(process.execPath, [path.join('scripts', script)], { cwd: dir, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`scripts/${script} failed (exit ${r.status}): ${(r.stderr || r.stdout).trim().slice(0, 800)}`);
  };
  return { dir, run, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

// ------------------------------------------------------------------ the child process

type Stub = ((...args: unknown[]) => unknown) & Record<PropertyKey, unknown>;

/** Answers that must be real values for activate() to take its normal path. */
function overrides(commands: string[]): Record<string, unknown> {
  return {
    'commands.registerCommand': (id: string) => {
      commands.push(id);
      return stub('disposable');
    },
    'commands.executeCommand': async () => undefined,
    'workspace.getConfiguration': () => ({ get: (_key: string, fallback?: unknown) => fallback, has: () => false, inspect: () => undefined, update: async () => undefined }),
    'workspace.workspaceFolders': undefined,
    'workspace.textDocuments': [],
    'workspace.isTrusted': true,
    'window.activeTextEditor': undefined,
    ExtensionMode: { Production: 1, Development: 2, Test: 3 },
  };
}

let answers: Record<string, unknown> = {};

/**
 * The module object: every top-level name @types/vscode declares, as own properties (esbuild's
 * __toESM copies own properties only, so a bare Proxy would come out empty).
 */
function vscodeModule(): Record<string, unknown> {
  const types = readFileSync(require.resolve('@types/vscode/index.d.ts'), 'utf8');
  const names = new Set([...types.matchAll(/^\texport (?:namespace|class|enum|const|let|function) (\w+)/gm)].map((m) => m[1]));
  return Object.fromEntries([...names].map((name) => [name, name in answers ? answers[name] : stub(name)]));
}

/**
 * Anything not in `answers` is a callable, constructible object whose every property is another such
 * object: no-op disposables, events and emitters. Not thenable, so `await` on it settles.
 */
function stub(at: string): Stub {
  const cache = new Map<PropertyKey, unknown>();
  const target = function () {} as unknown as Stub;
  return new Proxy(target, {
    get(_t, prop) {
      if (prop === 'then') return undefined;
      if (prop === Symbol.iterator) return function* () {};
      if (prop === Symbol.toPrimitive) return () => 0;
      if (typeof prop === 'symbol') return undefined;
      const where = at ? `${at}.${prop}` : prop;
      if (where in answers) return answers[where];
      if (!cache.has(prop)) cache.set(prop, stub(where));
      return cache.get(prop);
    },
    set(_t, prop, value) {
      cache.set(prop, value);
      return true;
    },
    apply: () => stub(`${at}()`),
    // Subclasses (class X extends vscode.TreeItem) keep their own prototype.
    construct: (_t, _args, newTarget) => Reflect.construct(function () {}, [], newTarget) as object,
  });
}

function post<T>(session: Session, method: string, params?: object): Promise<T> {
  return new Promise((resolve, reject) => session.post(method, params ?? {}, (err, res) => (err ? reject(err) : resolve(res as T))));
}

/** Maps positions in the bundle back to what they came from: a node_modules package or a src file. */
function sourceLocator(bundle: string): (offsetOrLine: { offset?: number; line?: number; column?: number }) => string {
  const text = readFileSync(bundle, 'utf8');
  const lineStarts = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) lineStarts.push(i + 1);
  let map: SourceMap | undefined;
  try {
    map = new SourceMap(JSON.parse(readFileSync(`${bundle}.map`, 'utf8')) as ConstructorParameters<typeof SourceMap>[0]);
  } catch {
    map = undefined; // no source map (the minified .vsix build): everything is "bundle"
  }
  return ({ offset, line, column }) => {
    if (offset !== undefined) {
      let lo = 0;
      let hi = lineStarts.length - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (lineStarts[mid] <= offset) lo = mid;
        else hi = mid - 1;
      }
      line = lo;
      column = offset - lineStarts[lo];
    }
    const entry = map?.findEntry(line ?? 0, column ?? 0) as { originalSource?: string } | undefined;
    const source = entry?.originalSource;
    if (!source) return 'bundle (unmapped)';
    const nm = source.lastIndexOf('node_modules/');
    if (nm >= 0) {
      const parts = source.slice(nm + 'node_modules/'.length).split('/');
      return parts[0].startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0];
    }
    const src = source.lastIndexOf('/src/');
    return src >= 0 ? source.slice(src + 1) : source;
  };
}

interface CoverageFunction {
  ranges: Array<{ startOffset: number; count: number }>;
}
interface CpuProfile {
  nodes: Array<{ id: number; callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number } }>;
  samples: number[];
  timeDeltas: number[];
}

async function child(bundle: string, options: ProbeOptions): Promise<ProbeResult> {
  const commands: string[] = [];
  answers = overrides(commands);
  const vscode = vscodeModule();
  const requests: Array<{ request: string; ms: number }> = [];
  const loader = Module as unknown as { _load: (request: string, parent: { filename?: string } | undefined, isMain: boolean) => unknown };
  const load = loader._load;
  loader._load = function (request, parent, isMain) {
    if (request === 'vscode') return vscode;
    if (!parent?.filename || !isBundleFile(bundle, parent.filename)) return load.call(this, request, parent, isMain);
    const t0 = performance.now();
    try {
      return load.call(this, request, parent, isMain);
    } finally {
      requests.push({ request, ms: performance.now() - t0 });
    }
  };

  const session = new Session();
  if (options.coverage || options.profile) session.connect();
  if (options.coverage) {
    await post(session, 'Profiler.enable');
    await post(session, 'Profiler.startPreciseCoverage', { callCount: true, detailed: false });
  }
  if (options.profile) {
    await post(session, 'Profiler.enable');
    await post(session, 'Profiler.setSamplingInterval', { interval: 50 });
    await post(session, 'Profiler.start');
  }

  const storage = mkdtempSync(path.join(os.tmpdir(), 'st-activation-ctx-'));
  const context = {
    subscriptions: [] as unknown[],
    secrets: stub('context.secrets'),
    globalState: { get: (_key: string, fallback?: unknown) => fallback, update: async () => undefined, keys: () => [], setKeysForSync: () => undefined },
    workspaceState: { get: (_key: string, fallback?: unknown) => fallback, update: async () => undefined, keys: () => [] },
    globalStorageUri: { fsPath: path.join(storage, 'global'), scheme: 'file' },
    logUri: { fsPath: path.join(storage, 'log'), scheme: 'file' },
    extensionUri: { fsPath: path.dirname(path.dirname(bundle)), scheme: 'file' },
    extensionPath: path.dirname(path.dirname(bundle)),
    extensionMode: 1,
  };
  const result: ProbeResult = { requireMs: NaN, activateMs: NaN, commands, requests };
  try {
    const t0 = performance.now();
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const extension = require(bundle) as { activate: (ctx: unknown) => Promise<unknown> };
    const t1 = performance.now();
    await extension.activate(context);
    const t2 = performance.now();
    result.requireMs = t1 - t0;
    result.activateMs = t2 - t1;
  } catch (err) {
    result.error = err instanceof Error ? err.message : String(err);
  }

  // Stop measuring first: reading the source map is not activation.
  const coverage = options.coverage ? (await post<{ result: Array<{ url: string; functions: CoverageFunction[] }> }>(session, 'Profiler.takePreciseCoverage')).result : undefined;
  const profile = options.profile ? (await post<{ profile: CpuProfile }>(session, 'Profiler.stop')).profile : undefined;
  const locators = new Map<string, ReturnType<typeof sourceLocator>>();
  const fileOf = (url: string): string | undefined => (url.startsWith('file://') && isBundleFile(bundle, url.slice('file://'.length)) ? url.slice('file://'.length) : undefined);
  const locate = (file: string, at: Parameters<ReturnType<typeof sourceLocator>>[0]): string => {
    if (!locators.has(file)) locators.set(file, sourceLocator(file));
    return locators.get(file)!(at);
  };
  if (coverage) {
    const executed = new Set<string>();
    for (const script of coverage) {
      const file = fileOf(script.url);
      if (!file) continue;
      for (const fn of script.functions) {
        const [whole] = fn.ranges;
        // Offset 0 is the file's own top level (esbuild's wrapper): it always runs and names no module.
        if (whole && whole.count > 0 && whole.startOffset > 0) executed.add(locate(file, { offset: whole.startOffset }));
      }
    }
    result.executed = [...executed].sort();
  }
  if (profile) {
    const byNode = new Map(profile.nodes.map((n) => [n.id, n]));
    const self = new Map<string, number>();
    profile.samples.forEach((id, i) => {
      const frame = byNode.get(id)?.callFrame;
      const file = frame && fileOf(frame.url);
      const what = !frame ? '?' : file ? locate(file, { line: frame.lineNumber, column: frame.columnNumber }) : frame.url ? `node:${frame.functionName}` : frame.functionName || '(native)';
      self.set(what, (self.get(what) ?? 0) + (profile.timeDeltas[i + 1] ?? 0) / 1000);
    });
    self.delete('(idle)');
    result.breakdown = [...self].map(([what, ms]) => ({ what, ms })).sort((a, b) => b.ms - a.ms);
  }
  session.disconnect();
  rmSync(storage, { recursive: true, force: true });
  return result;
}

if (require.main === module) {
  const [bundle, options] = process.argv.slice(2);
  child(path.resolve(bundle), JSON.parse(options ?? '{}') as ProbeOptions)
    .then((r) => {
      process.stdout.write(`${MARK}${JSON.stringify(r)}\n`);
      // Whatever activation left running (watchers, timers) must not keep the probe alive.
      process.exit(0);
    })
    .catch((err: unknown) => {
      process.stdout.write(`${MARK}${JSON.stringify({ requireMs: NaN, activateMs: NaN, commands: [], requests: [], error: String(err) })}\n`);
      process.exit(0);
    });
}
