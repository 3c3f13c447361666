/** The version comes from package.json only: `--version`, the built CLI and the SARIF tool driver say the same. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { VERSION } from '../../src/core/version';
import { renderSarif } from '../../src/core/audit/report/sarif';
import type { AuditReport } from '../../src/core/audit/types';
import { runInProcess } from './cli-helpers';

const ROOT = path.resolve(__dirname, '../../..');
const PACKAGE_VERSION = (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

test('VERSION is package.json\'s version', () => {
  assert.match(PACKAGE_VERSION, /^\d+\.\d+\.\d+/);
  assert.equal(VERSION, PACKAGE_VERSION);
});

test('secure-transfer --version prints package.json\'s version', async () => {
  const { code, stdout } = await runInProcess(['--version']);
  assert.equal(code, 0);
  assert.equal(stdout, `secure-transfer ${PACKAGE_VERSION}\n`);
});

test('the built CLI (dist/cli.js, esbuild) prints package.json\'s version', (t) => {
  const cli = path.join(ROOT, 'dist', 'cli.js');
  if (!existsSync(cli)) return t.skip('dist/cli.js is not built (npm run build)');
  assert.equal(execFileSync(process.execPath, [cli, '--version'], { encoding: 'utf8' }), `secure-transfer ${PACKAGE_VERSION}\n`);
});

test('the SARIF report names package.json\'s version as the tool version', () => {
  const report = { server: 'sftp://files.example:22', target: { protocol: 'sftp', host: 'files.example', port: 22 }, probedAt: new Date(0).toISOString(), durationMs: 1, findings: [], facts: {} } as unknown as AuditReport;
  const sarif = JSON.parse(renderSarif(report)) as { runs: Array<{ tool: { driver: { version: string } } }> };
  assert.equal(sarif.runs[0].tool.driver.version, PACKAGE_VERSION);
});

test('the code-server version is written once, in package.json config.codeServerVersion', async () => {
  const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { config: { codeServerVersion: string } };
  const { CODE_SERVER_VERSION } = await import('../../scripts/codeServer');
  assert.equal(CODE_SERVER_VERSION, pkg.config.codeServerVersion);
  const files = ['scripts/setup-code-server.sh', 'scripts/start.mjs', 'scripts/test-vscode.mjs', 'scripts/test-e2e.mjs', 'scripts/codeServer.ts', 'test/harness/codeServer.ts'];
  for (const file of files) assert.ok(!readFileSync(path.join(ROOT, file), 'utf8').includes(CODE_SERVER_VERSION), `${file} repeats the code-server version`);
});
