/**
 * Activation stays cheap: the extension's esbuild bundle (built by the real scripts/build.mjs) is
 * activated in a fresh Node process against a stub of `vscode`; the requests it makes (dist/vendor/*.js)
 * and V8 coverage tell which packages ran. ssh2, basic-ftp, otplib and @napi-rs/keyring must wait for
 * the first connection or the first one-time code.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { buildSandbox, isBundleFile, lazyViolations, probeActivation, REPO, type ProbeResult } from './activationProbe';

let sandbox: ReturnType<typeof buildSandbox> | undefined;
let result: ProbeResult;

before(async () => {
  sandbox = buildSandbox();
  sandbox.run('build.mjs');
  result = await probeActivation(path.join(sandbox.dir, 'dist', 'extension.js'), { coverage: true });
});
after(() => sandbox?.cleanup());

test('activate() completes against the vscode stub and registers every command package.json declares', () => {
  assert.equal(result.error, undefined, `activate() threw: ${result.error}`);
  const pkg = JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { contributes: { commands: Array<{ command: string }> } };
  assert.deepEqual([...new Set(result.commands)].sort(), pkg.contributes.commands.map((c) => c.command).sort());
});

test('the coverage signal maps the bundle back to its sources (else "nothing loaded" would mean nothing)', () => {
  assert.ok(result.executed?.includes('src/extension/extension.ts'), `executed: ${result.executed?.join(', ')}`);
});

test('activation loads no transport: ssh2 (and its native addon), basic-ftp, otplib and @napi-rs/keyring stay lazy', () => {
  assert.deepEqual(lazyViolations(result), [], `loaded at activation: ${lazyViolations(result).join(', ')}; every package that ran: ${result.executed?.join(', ')}`);
});

/** dist/extension.js and the chunks it loads on demand (dist/chunk-*.js): the extension's own code. */
function bundleFiles(dist: string): string[] {
  return readdirSync(dist).filter((f) => f.endsWith('.js') && isBundleFile(path.join(dist, 'extension.js'), path.join(dist, f))).map((f) => path.join(dist, f));
}

test('the transports live in dist/vendor/, not in dist/extension.js or its chunks (so they are parsed on first use only)', () => {
  const dist = path.join(sandbox!.dir, 'dist');
  const sources = bundleFiles(dist).flatMap((f) => (JSON.parse(readFileSync(`${f}.map`, 'utf8')) as { sources: string[] }).sources);
  const inlined = sources.filter((s) => /node_modules\/(ssh2|basic-ftp|otplib|@otplib|@noble|tweetnacl|bcrypt-pbkdf|asn1|ajv\/dist\/(compile|core|vocabularies)|fast-uri)\//.test(s));
  assert.deepEqual(inlined, [], 'bundled into dist/extension.js instead of a vendor file');
  for (const file of ['ssh2.js', 'basic-ftp.js', 'otplib.js']) assert.ok(existsSync(path.join(dist, 'vendor', file)), `dist/vendor/${file} missing`);
});

test("every vendor request of the bundle resolves next to it and yields the package's real exports", () => {
  const dist = path.join(sandbox!.dir, 'dist');
  const bundle = bundleFiles(dist).map((f) => readFileSync(f, 'utf8')).join('\n');
  const requests = [...bundle.matchAll(/require\("(\.\/vendor\/[^"]+)"\)\("([^"]+)"\)/g)].map(([, file, specifier]) => ({ file, specifier }));
  assert.deepEqual([...new Set(requests.map((r) => r.specifier))].sort(), ['@otplib/uri', 'basic-ftp', 'otplib', 'ssh2', 'ssh2/lib/protocol/constants']);
  for (const { file, specifier } of requests) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const vendored = (require(path.join(dist, file)) as (s: string) => object)(specifier);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    assert.deepEqual(Object.keys(vendored).sort(), Object.keys(require(specifier) as object).sort(), `${file} (${specifier})`);
  }
});

/** Bundles a one-command extension with the project's own extension build (vendor plugin included). */
function buildWithProjectConfig(dir: string, source: string): string {
  const entry = path.join(dir, 'eager.ts');
  writeFileSync(entry, source);
  const driver = path.join(dir, 'build.mjs');
  const shared = pathToFileURL(path.join(REPO, 'scripts', 'extensionBuild.mjs')).href;
  writeFileSync(driver, `import { buildExtension } from ${JSON.stringify(shared)};\nawait buildExtension({ entry: ${JSON.stringify(entry)}, outdir: ${JSON.stringify(path.join(dir, 'dist'))} });\n`);
  const r = spawnSync(process.execPath, [driver], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return path.join(dir, 'dist', 'extension.js');
}

const EXTENSION_SOURCE = (imports: string, use: string): string =>
  `import * as vscode from 'vscode';\n${imports}\nexport async function activate(): Promise<void> {\n  vscode.commands.registerCommand('x.connect', ${use});\n}\n`;

test('an eager `import` of ssh2 on the activation path is caught (its vendor file is required at activation)', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'st-eager-'));
  try {
    const eager = await probeActivation(buildWithProjectConfig(dir, EXTENSION_SOURCE("import { Client } from 'ssh2';", '() => new Client()')), { coverage: true });
    assert.equal(eager.error, undefined);
    assert.deepEqual(eager.commands, ['x.connect']);
    assert.ok(lazyViolations(eager).includes('ssh2'), `not caught; requests: ${eager.requests.map((r) => r.request).join(', ')}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the same import behind a dynamic import() stays lazy (the check does not flag every use)', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'st-lazy-'));
  try {
    const lazy = await probeActivation(buildWithProjectConfig(dir, EXTENSION_SOURCE('', "async () => new (await import('ssh2')).Client()")), { coverage: true });
    assert.equal(lazy.error, undefined);
    assert.deepEqual(lazyViolations(lazy), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an eager `import` of ssh2 inlined by a plain esbuild bundle is caught too (the coverage detector)', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'st-eager-'));
  try {
    const entry = path.join(dir, 'eager.ts');
    writeFileSync(entry, EXTENSION_SOURCE("import { Client } from 'ssh2';", '() => new Client()'));
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const esbuild = require('esbuild') as typeof import('esbuild');
    await esbuild.build({
      entryPoints: [entry], outfile: path.join(dir, 'eager.js'), bundle: true, platform: 'node', target: 'node20', format: 'cjs', sourcemap: true, logLevel: 'silent',
      external: ['vscode', 'cpu-features', '*.node', '@napi-rs/keyring'], nodePaths: [path.join(REPO, 'node_modules')],
    });
    const eager = await probeActivation(path.join(dir, 'eager.js'), { coverage: true });
    assert.equal(eager.error, undefined);
    assert.ok(lazyViolations(eager).includes('ssh2'), `not caught; ran: ${eager.executed?.join(', ')}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
