/**
 * Activation stays cheap: the extension's esbuild bundle (built by the real scripts/build.mjs) is
 * activated in a fresh Node process against a stub of `vscode`, and V8 coverage tells which bundled
 * packages ran. ssh2, basic-ftp, otplib and @napi-rs/keyring must wait for the first connection or
 * the first one-time code.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { buildSandbox, lazyViolations, probeActivation, REPO, type ProbeResult } from './activationProbe';

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

test('an eager `import` of ssh2 in an esbuild bundle is caught (the detector works on bundled code)', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'st-eager-'));
  try {
    const entry = path.join(dir, 'eager.ts');
    writeFileSync(
      entry,
      "import * as vscode from 'vscode';\nimport { Client } from 'ssh2';\nexport async function activate(): Promise<void> {\n  vscode.commands.registerCommand('x.connect', () => new Client());\n}\n",
    );
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const esbuild = require('esbuild') as typeof import('esbuild');
    await esbuild.build({
      entryPoints: [entry], outfile: path.join(dir, 'eager.js'), bundle: true, platform: 'node', target: 'node20', format: 'cjs', sourcemap: true, logLevel: 'silent',
      external: ['vscode', 'cpu-features', '*.node', '@napi-rs/keyring'], nodePaths: [path.join(REPO, 'node_modules')],
    });
    const eager = await probeActivation(path.join(dir, 'eager.js'), { coverage: true });
    assert.equal(eager.error, undefined);
    assert.deepEqual(eager.commands, ['x.connect']);
    assert.ok(lazyViolations(eager).includes('ssh2'), `not caught; ran: ${eager.executed?.join(', ')}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
