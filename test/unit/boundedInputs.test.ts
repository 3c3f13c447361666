/**
 * readBoundedFile / checkBoundedFile: files a profile or a flag names are read only if they are regular
 * files under their cap, decided on the open descriptor; devices, FIFOs (without blocking), folders,
 * links to devices and files one byte over are refused with one sentence naming the file and the limit.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BoundedInputError, checkBoundedFile, IDENTITY_FILE, INPUT_FILE_LIMITS, readBoundedFile, type BoundedFileSpec } from '../../src/core/fsutil';
import { exitCodeFor } from '../../src/core/errors';
import { readCaFile } from '../../src/core/trust/certificates';
import { loadKnownHosts } from '../../src/core/trust/knownHosts';
import { loadProfileFile } from '../../src/core/profiles/load';

const SMALL: BoundedFileSpec = { what: 'identityFile', expected: 'a private key file', maxBytes: 1024, code: 'bad-identity-file' };
let dir: string;

before(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'st-bounded-'));
  execFileSync('mkfifo', [path.join(dir, 'fifo')]);
  await fs.symlink('/dev/zero', path.join(dir, 'zero-link'));
  await fs.writeFile(path.join(dir, 'exact'), Buffer.alloc(1024, 1));
  await fs.writeFile(path.join(dir, 'over'), Buffer.alloc(1025, 1));
  await fs.writeFile(path.join(dir, 'fine'), 'hello');
  await fs.symlink(path.join(dir, 'fine'), path.join(dir, 'fine-link'));
});
after(() => fs.rm(dir, { recursive: true, force: true }));

async function refused(p: Promise<unknown>, file: string, reason: 'not-regular' | 'too-large', spec = SMALL): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof BoundedInputError, `expected a BoundedInputError, got ${String(err)}`);
    assert.equal(err.reason, reason);
    assert.equal(exitCodeFor(err), 2, 'a usage / bad-input exit code');
    assert.ok(err.message.includes(file), `names the file: ${err.message}`);
    assert.ok(err.message.includes(spec.expected), `says what it should be: ${err.message}`);
    assert.match(err.message, /\(at most \d+ (KiB|MiB|bytes)\)\.$/, 'states the limit');
    assert.ok(!err.message.includes('\n'), 'one sentence, one line');
    return true;
  });
}

test('/dev/zero is refused as not a regular file, with the sentence the issue asks for', async () => {
  await assert.rejects(readBoundedFile('/dev/zero', IDENTITY_FILE), {
    message: 'identityFile /dev/zero is not a regular file: point it at a private key file (at most 1 MiB).',
  });
  await refused(checkBoundedFile('/dev/zero', SMALL), '/dev/zero', 'not-regular');
});

test('/dev/urandom is refused without reading it', async () => {
  await refused(readBoundedFile('/dev/urandom', SMALL), '/dev/urandom', 'not-regular');
});

test('a FIFO is refused at once: opening it does not wait for a writer', async () => {
  const fifo = path.join(dir, 'fifo');
  await refused(readBoundedFile(fifo, SMALL), fifo, 'not-regular');
  await refused(checkBoundedFile(fifo, SMALL), fifo, 'not-regular');
});

test('a folder is refused', async () => {
  await refused(readBoundedFile(dir, SMALL), dir, 'not-regular');
});

test('a symlink to /dev/zero is judged by what it opens, not by its name', async () => {
  const link = path.join(dir, 'zero-link');
  await refused(readBoundedFile(link, SMALL), link, 'not-regular');
});

test('a file exactly at the cap is read; one byte over is refused', async () => {
  assert.equal((await readBoundedFile(path.join(dir, 'exact'), SMALL)).length, 1024);
  const over = path.join(dir, 'over');
  await refused(readBoundedFile(over, SMALL), over, 'too-large');
  await refused(checkBoundedFile(over, SMALL), over, 'too-large');
});

test('a regular file (also through a symlink) is read whole', async () => {
  assert.equal((await readBoundedFile(path.join(dir, 'fine-link'), SMALL)).toString(), 'hello');
  await checkBoundedFile(path.join(dir, 'fine'), SMALL);
});

test('open errors are left to the caller: a missing file rejects with ENOENT, and the pre-check passes it by', async () => {
  await assert.rejects(readBoundedFile(path.join(dir, 'missing'), SMALL), { code: 'ENOENT' });
  await checkBoundedFile(path.join(dir, 'missing'), SMALL);
});

test('the caps are named in one place', () => {
  assert.deepEqual(INPUT_FILE_LIMITS, { identityFile: 1 << 20, caFile: 10 << 20, knownHosts: 64 << 20, profileFile: 1 << 20, stdin: 64 << 10 });
});

test('standard input (--password-stdin) is read up to its cap, then refused: /dev/zero does not grow memory', async () => {
  const { createReadStream } = await import('node:fs');
  const { readStdin } = await import('../../src/cli/context');
  await assert.rejects(readStdin(createReadStream('/dev/zero')), {
    message: 'Standard input is longer than 64 KiB: pipe in only the password, passphrase or TOTP seed.',
  });
  assert.equal(await readStdin(createReadStream(path.join(dir, 'fine'))), 'hello');
});

test('the CA file, a named known_hosts file and the profile file go through the same check', async () => {
  await assert.rejects(readCaFile('/dev/urandom'), { message: 'caFile /dev/urandom is not a regular file: point it at a PEM file of CA certificates (at most 10 MiB).' });
  await assert.rejects(loadKnownHosts(['/dev/zero']), { message: 'The known_hosts file /dev/zero is not a regular file: point it at an OpenSSH known_hosts file (at most 64 MiB).' });
  await assert.rejects(loadProfileFile('/dev/zero'), { message: 'The profile file /dev/zero is not a regular file: point it at a .json profile file (at most 1 MiB).' });
  await assert.rejects(loadProfileFile(dir), { message: `The profile file ${dir} is a folder, not a regular file: point it at a .json profile file (at most 1 MiB).` });
});

test('OpenSSH\'s default known_hosts that is a link to /dev/null counts as empty (a common setup), not as an error', async () => {
  const home = path.join(dir, 'home');
  await fs.mkdir(path.join(home, '.ssh'), { recursive: true });
  await fs.symlink('/dev/null', path.join(home, '.ssh', 'known_hosts'));
  const before = process.env.HOME;
  process.env.HOME = home;
  try {
    assert.deepEqual(await loadKnownHosts(), { entries: [], skipped: [] });
  } finally {
    process.env.HOME = before;
  }
});
