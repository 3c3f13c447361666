/**
 * Errors as data (issue 12): every code is one of ERROR_CODES, each with the kind (exit code) it is
 * raised with; the exit codes the table can produce are the ones the README and `--help` document;
 * callers build sentences from `details`, never from another error's message.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { describeError, ERROR_CODES, EXIT_CODES, kindOfCode, SecureTransferError, type ErrorCode } from '../../src/core/errors';
import { forbiddenAlgorithmsViolation } from '../../src/core/connect';
import { mapConnectError, noCommonAlgorithmText, type AlgorithmOffers } from '../../src/core/session/sftpErrors';
import { PolicyViolation } from '../../src/core/policy/types';
import { hostKeyChangedError } from '../../src/core/trust/hostKeyVerifier';
import { showIdentityChanged } from '../../src/extension/trustPrompt';
import type { Ui } from '../../src/extension/ui';

const ROOT = path.resolve(__dirname, '../../..');

/** `0` ok, `1` failure … as the README's "Exit codes:" paragraph lists them. */
function documentedExitCodes(text: string): Map<number, string> {
  const para = /Exit codes: ([\s\S]*?)\.\n/.exec(text)?.[1];
  assert.ok(para, 'the README documents the exit codes');
  return new Map([...para.matchAll(/`(\d)` ([a-z ]+)/g)].map((m) => [Number(m[1]), m[2].trim()]));
}

test('every code in ERROR_CODES has a kind whose exit code the README and --help document', () => {
  const readme = documentedExitCodes(readFileSync(path.join(ROOT, 'README.md'), 'utf8'));
  const usage = readFileSync(path.join(ROOT, 'src/cli/main.ts'), 'utf8');
  const meaning: Record<number, RegExp> = { 1: /^failure/, 2: /^usage/, 3: /^refused for security/ };
  for (const [code, kind] of Object.entries(ERROR_CODES)) {
    const exit = EXIT_CODES[kind];
    assert.ok(readme.has(exit), `${code}: exit ${exit} is not in the README`);
    assert.match(readme.get(exit)!, meaning[exit], `${code}: the README's exit ${exit} does not mean ${kind}`);
    assert.match(usage, new RegExp(`Exit codes: [^\\n]*\\b${exit} `), `${code}: exit ${exit} is not in --help`);
  }
  // And every documented error exit code is one some code really produces.
  const produced = new Set(Object.values(ERROR_CODES).map((k) => EXIT_CODES[k]));
  for (const exit of [1, 2, 3]) assert.ok(produced.has(exit), `no code produces exit ${exit}`);
});

test('an FTP reply code is a failure (exit 1), like every code not in the table of fixed codes', () => {
  assert.equal(kindOfCode('ftp-550'), 'failure');
  assert.equal(kindOfCode('host-key-changed'), 'security');
  assert.equal(kindOfCode('bad-url'), 'usage');
});

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const file = path.join(dir, name);
    return statSync(file).isDirectory() ? sourceFiles(file) : file.endsWith('.ts') ? [file] : [];
  });
}

test('every code in the table is raised somewhere (no stale rows)', () => {
  const src = sourceFiles(path.join(ROOT, 'src'))
    .filter((f) => !f.endsWith(path.join('core', 'errors.ts')))
    .map((f) => readFileSync(f, 'utf8'))
    .join('\n');
  const kinds = new Set(Object.keys(EXIT_CODES));
  for (const code of Object.keys(ERROR_CODES)) {
    if (kinds.has(code)) continue; // the default code of a kind's base class
    assert.ok(src.includes(`'${code}'`), `${code} is in ERROR_CODES but no source file raises it`);
  }
});

test('the type checker knows every code: an unknown one does not compile', () => {
  // @ts-expect-error -- 'no-such-code' is not an ErrorCode
  const bad: ErrorCode = 'no-such-code';
  assert.equal(typeof bad, 'string');
});

const server = { protocol: 'sftp' as const, host: 'files.example', port: 2222, username: 'ann' };

test('the policy.forbiddenAlgorithms sentence is built from the error fields, not its message', () => {
  const err = new SecureTransferError('anything at all; even with a semicolon', 'security', 'no-common-algorithm', {
    details: { server: { host: 'files.example', port: 2222 }, what: 'cipher', serverOffers: '3des-cbc', clientOffers: 'aes256-gcm@openssh.com' },
  });
  const violation = forbiddenAlgorithmsViolation(err);
  assert.ok(violation instanceof PolicyViolation);
  assert.equal(violation.rule, 'policy.forbiddenAlgorithms');
  assert.equal(violation.details?.rule, 'policy.forbiddenAlgorithms');
  assert.equal(
    violation.message,
    'files.example:2222 and Secure Transfer have no cipher in common: the server offers 3des-cbc, this client offers aes256-gcm@openssh.com; ' +
      'this client left out what policy.forbiddenAlgorithms forbids, so the server must enable an allowed algorithm or the policy must change.',
  );
  assert.ok(!violation.message.includes('anything at all'));
});

test('the negotiation failure carries its fields, and its sentence and the policy one start alike', () => {
  const offers: AlgorithmOffers = new Map([['C->S cipher', { local: 'aes128-ctr', remote: 'evil\u001b[2J-cbc' }]]);
  const err = mapConnectError(Object.assign(new Error('Handshake failed: no matching C->S cipher'), { level: 'handshake' }), { server, timeoutMs: 1000, offers });
  assert.ok(err instanceof SecureTransferError && err.code === 'no-common-algorithm');
  const details = (err as SecureTransferError<'no-common-algorithm'>).details!;
  assert.deepEqual(details, { server: { host: 'files.example', port: 2222 }, what: 'cipher', serverOffers: 'evil\\x1b[2J-cbc', clientOffers: 'aes128-ctr' });
  assert.ok(err.message.startsWith(noCommonAlgorithmText(details) + ';'), err.message);
  assert.ok(forbiddenAlgorithmsViolation(err as SecureTransferError<'no-common-algorithm'>).message.startsWith(noCommonAlgorithmText(details) + ';'));
});

test('a changed host key names expected and presented fingerprints as fields, and the prompt lists them from there', async () => {
  const presented = { keyType: 'ssh-ed25519', fingerprint: 'SHA256:' + 'P'.repeat(43) };
  const expected = ['SHA256:' + 'E'.repeat(43)];
  const err = hostKeyChangedError(server, presented, expected, 'the profile');
  assert.deepEqual(err.details, { server: { host: 'files.example', port: 2222 }, keyType: 'ssh-ed25519', expected, presented: presented.fingerprint });
  let shown = '';
  const ui = { modalError: async (_m: string, detail: string) => void (shown = detail) } as unknown as Ui;
  await showIdentityChanged(ui, err, 'prod');
  // The message names the presented key twice (once in the --fingerprint fix): only the fields decide.
  assert.match(shown, new RegExp(`\\nExpected: ${expected[0]}\\nPresented: ${presented.fingerprint}\\n`));
  assert.equal(shown.match(/Expected: /g)?.length, 1);
});

test('describeError: a Node error stays readable (message and code) but escaped; anything else is escaped too', () => {
  const errno = Object.assign(new Error('open \u001b[31m/tmp/x'), { code: 'EACCES' });
  assert.equal(describeError(errno), 'open \\x1b[31m/tmp/x (EACCES)');
  const withCode = Object.assign(new Error('ENOENT: no such file or directory, open \'/x\''), { code: 'ENOENT' });
  assert.equal(describeError(withCode), "ENOENT: no such file or directory, open '/x'");
  assert.equal(describeError(new Error('line one\nline two\u202e')), 'line one\\x0aline two\\u{202e}');
  assert.equal(describeError(Object.assign(new Error('x'), { code: 'not a code\u001b' })), 'x');
  assert.equal(describeError('plain \u001b string'), 'plain \\x1b string');
  assert.equal(describeError(new SecureTransferError('Ours, as written.', 'failure', 'connection-lost')), 'Ours, as written.');
});
