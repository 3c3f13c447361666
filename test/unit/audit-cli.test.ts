import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { runCli } from '../../src/cli/main';
import { parseAuditTarget } from '../../src/cli/commands/audit';

async function cli(args: string[]) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d) => (out += d));
  stderr.on('data', (d) => (err += d));
  const code = await runCli({ stdout, stderr, stdin: new PassThrough(), env: { SECURE_TRANSFER_STATE_DIR: '/nonexistent-st-audit' }, cwd: '/', interactive: false, verbose: false }, args);
  return { code, out, err };
}

test('audit targets: sftp/ftpes/ftps as parsed, plain ftp:// allowed for auditing only', () => {
  assert.deepEqual(parseAuditTarget('sftp://alice@example.org:2222/x'), { protocol: 'sftp', host: 'example.org', port: 2222, username: 'alice', fingerprints: [] });
  assert.deepEqual(parseAuditTarget('ftp://example.org'), { protocol: 'ftp', host: 'example.org', port: 21, username: undefined, fingerprints: [] });
  assert.equal(parseAuditTarget('FTP://example.org:2121').port, 2121);
  assert.equal(parseAuditTarget('ftps://example.org').port, 990);
});

test('bad arguments are one usage sentence and exit 2, before any connection', async () => {
  const format = await cli(['audit', 'sftp://127.0.0.1:1', '--format', 'xml']);
  assert.equal(format.code, 2);
  assert.match(format.err, /--format xml is not a report format: use text, json, sarif, markdown or html\.\n$/);
  const failOn = await cli(['audit', 'sftp://127.0.0.1:1', '--fail-on', 'severe']);
  assert.equal(failOn.code, 2);
  assert.match(failOn.err, /--fail-on severe is not a severity/);
  assert.equal((await cli(['audit'])).code, 2);
  const pin = await cli(['audit', 'sftp://127.0.0.1:1', '--fingerprint', 'nope']);
  assert.equal(pin.code, 2);
  assert.match(pin.err, /--fingerprint "nope" is not a SHA-256 fingerprint/);
});

test('a password in the URL is refused and never echoed', async () => {
  const r = await cli(['audit', 'ftp://bob:s3cret@example.org']);
  assert.notEqual(r.code, 0);
  assert.ok(!r.err.includes('s3cret'), r.err);
  assert.equal(r.err.trim().split('\n').length, 1, 'one sentence, no stack trace');
});
