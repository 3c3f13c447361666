/** `secure-transfer import` in-process with an in-memory keychain: output lines, exit codes, where profiles go. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, existsSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import { createImportCommand, importFolder } from '../../src/cli/commands/import';
import { runCli } from '../../src/cli/main';
import { memorySecretStore } from '../../src/core/secrets/memoryStore';
import type { CliContext } from '../../src/cli/context';
import { exitCodeFor, describeError } from '../../src/core/errors';

const FIXTURES = path.join(__dirname, '..', '..', '..', 'test', 'fixtures', 'import');

function ctx(cwd: string) {
  const out = new PassThrough();
  const err = new PassThrough();
  let stdout = '';
  let stderr = '';
  out.on('data', (d) => (stdout += d));
  err.on('data', (d) => (stderr += d));
  const c: CliContext = { stdout: out, stderr: err, stdin: new PassThrough(), env: {}, cwd, interactive: false, verbose: false };
  return { c, text: () => ({ stdout, stderr }) };
}

async function run(cwd: string, argv: string[]) {
  const { c, text } = ctx(cwd);
  const store = memorySecretStore();
  let code: number;
  try {
    code = await createImportCommand(() => store)(c, argv);
  } catch (e) {
    c.stderr.write(describeError(e));
    code = exitCodeFor(e);
  }
  return { code, store, ...text() };
}

test('the profiles go next to a .vscode/ file (its project), else into the working folder', () => {
  assert.equal(importFolder('proj/.vscode/sftp.json', '/w'), path.resolve('/w/proj'));
  assert.equal(importFolder('/home/me/.config/filezilla/sitemanager.xml', '/w/proj'), '/w/proj');
  assert.equal(importFolder('.vscode/settings.json', '/w/proj'), '/w/proj');
});

test('one line per profile and per warning; exit 0; exit 1 when nothing could be imported; exit 2 for a bad format', async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'st-import-cli-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(path.join(dir, '.vscode'));
  copyFileSync(path.join(FIXTURES, 'WinSCP.ini'), path.join(dir, 'WinSCP.ini'));
  const r = await run(dir, ['WinSCP.ini', '--scrub']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.split('\n').filter((l) => l.startsWith('Imported ')).length, 3, r.stdout);
  assert.match(r.stdout, /^Imported "Work - deploy@www\.example\.com" \(sftp:\/\/deploy@www\.example\.com:2022\) from session "Work\/deploy@www\.example\.com"; password moved to the OS keychain\.$/m);
  assert.match(r.stdout, /Wrote 3 profile\(s\) to \.vscode\/secure-transfer\.json; removed 2 entries' secrets from WinSCP\.ini\./);
  assert.match(r.stderr, /^warning: session "Only SCP": its protocol \(SCP\) is not SFTP or FTP — skipped\.$/m);
  assert.ok(existsSync(path.join(dir, '.vscode', 'secure-transfer.json')));

  writeFileSync(path.join(dir, 'empty.json'), '[{ "protocol": "local", "host": "x", "username": "y" }]');
  const none = await run(dir, ['empty.json', '--dry-run']);
  assert.equal(none.code, 1);
  assert.match(none.stderr, /Nothing was imported from empty\.json \(1 entry skipped: see the warnings\)\./);

  const bad = await run(dir, ['WinSCP.ini', '--format', 'putty']);
  assert.equal(bad.code, 2);
  const usage = await run(dir, []);
  assert.equal(usage.code, 2);
  assert.match(usage.stderr, /Usage: secure-transfer import FILE/);
});

test('--help lists the import command', async () => {
  const { c, text } = ctx(os.tmpdir());
  assert.equal(await runCli(c, ['--help']), 0);
  assert.match(text().stdout, /import <file> \[--scrub\] \[--format vscode-sftp\|sshfs\|filezilla\|winscp\] \[--dry-run\]/);
});
