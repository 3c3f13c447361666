/**
 * A download's local partial: what is planted at its name is never followed or written through,
 * only this user's own single-link regular file is resumed, and the identity of the server is part
 * of its name. (Run as root, like every test here: "another user's file" is one chowned away.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs, closeSync, writeSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SecureTransferError } from '../../src/core/errors';
import { newLocalFileMode, openLocalPartial, placeLocalPartial } from '../../src/core/localPartial';
import { freshPartialName, isOlderPartialOf, isPartialName, partialName, sourceIdentity } from '../../src/core/transfer/partialName';

async function scratch(): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), 'st-local-partial-'));
}

async function assertUnsafe(p: Promise<unknown>): Promise<void> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(err instanceof SecureTransferError, `expected a refusal, got ${String(err)}`);
  assert.equal(err.code, 'unsafe-partial');
  assert.ok(!err.message.includes('\n'));
}

test('a fresh partial is created 0600 and exclusively; our own leftover is replaced, never followed', async () => {
  const dir = await scratch();
  try {
    const partial = path.join(dir, '.f.st-0000aaaaaaaa.part');
    closeSync(await openLocalPartial(partial, 0));
    assert.equal((await fs.stat(partial)).mode & 0o777, 0o600);
    await fs.writeFile(partial, 'old bytes');
    const fd = await openLocalPartial(partial, 0);
    writeSync(fd, 'new');
    closeSync(fd);
    assert.equal(await fs.readFile(partial, 'utf8'), 'new');
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});

test('a symlink, a folder, another user\'s file or a hard-linked file at the partial name is refused, and left as it was', async () => {
  const dir = await scratch();
  try {
    const victim = path.join(dir, 'victim.txt');
    await fs.writeFile(victim, 'precious\n');
    const link = path.join(dir, '.a.part');
    await fs.symlink(victim, link);
    const folder = path.join(dir, '.b.part');
    await fs.mkdir(folder);
    const foreign = path.join(dir, '.c.part');
    await fs.writeFile(foreign, 'theirs');
    await fs.chown(foreign, 65534, 65534);
    const hard = path.join(dir, '.d.part');
    await fs.link(victim, hard);
    for (const planted of [link, folder, foreign, hard]) {
      await assertUnsafe(openLocalPartial(planted, 0));
      await assertUnsafe(openLocalPartial(planted, 3));
    }
    assert.equal(await fs.readFile(victim, 'utf8'), 'precious\n', 'the link target is untouched');
    assert.ok((await fs.lstat(link)).isSymbolicLink());
    assert.equal(await fs.readFile(foreign, 'utf8'), 'theirs');
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});

test('a resumed partial is cut to the offset and made 0600 again', async () => {
  const dir = await scratch();
  try {
    const partial = path.join(dir, '.e.part');
    await fs.writeFile(partial, '0123456789', { mode: 0o644 });
    await fs.chmod(partial, 0o644);
    closeSync(await openLocalPartial(partial, 4));
    assert.equal(await fs.readFile(partial, 'utf8'), '0123');
    assert.equal((await fs.stat(partial)).mode & 0o777, 0o600);
    await assertUnsafe(openLocalPartial(partial, 9)); // shorter than the offset: not a prefix we wrote
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});

test('placing keeps an existing target\'s mode; a new target gets the remote mode like `sftp get` (u+w, umask)', async () => {
  const dir = await scratch();
  try {
    const target = path.join(dir, 'secret');
    await fs.writeFile(target, 'old', { mode: 0o600 });
    const partial = path.join(dir, '.secret.part');
    closeSync(await openLocalPartial(partial, 0));
    await placeLocalPartial(partial, target, 0o644);
    assert.equal((await fs.stat(target)).mode & 0o777, 0o600);

    const fresh = path.join(dir, 'tool');
    const p2 = path.join(dir, '.tool.part');
    closeSync(await openLocalPartial(p2, 0));
    await placeLocalPartial(p2, fresh, 0o755);
    assert.equal((await fs.stat(fresh)).mode & 0o777, newLocalFileMode(0o755));
    assert.equal(newLocalFileMode(0o755, 0o022), 0o755);
    assert.equal(newLocalFileMode(0o444, 0o022), 0o644);
    assert.equal(newLocalFileMode(0o777, 0o077), 0o700);
    assert.equal(newLocalFileMode(undefined, 0o022), 0o644);
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});

test('placing refuses a partial that was swapped for a symlink, and leaves the target alone', async () => {
  const dir = await scratch();
  try {
    const target = path.join(dir, 'target');
    await fs.writeFile(target, 'old');
    const partial = path.join(dir, '.target.part');
    await fs.symlink('/etc/passwd', partial);
    const err = await placeLocalPartial(partial, target, 0o644).catch((e: unknown) => e);
    assert.ok(err instanceof SecureTransferError);
    assert.equal(err.code, 'partial-replaced');
    assert.equal(await fs.readFile(target, 'utf8'), 'old');
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});

test('partial names depend on the verified identity of the server: another key, host, port or user never shares one', () => {
  const id = (s: string) => partialName('f.bin', sourceIdentity(s, 'sftp', '/srv/f.bin', 10, 1000), '/tmp/f.bin');
  const base = id('sftp://alice@example.com:22 SHA256:AAAA');
  for (const other of ['sftp://alice@example.com:22 SHA256:BBBB', 'sftp://alice@example.org:22 SHA256:AAAA', 'sftp://alice@example.com:2222 SHA256:AAAA', 'sftp://bob@example.com:22 SHA256:AAAA']) {
    assert.notEqual(id(other), base, other);
  }
  assert.equal(id('sftp://alice@example.com:22 SHA256:AAAA'), base);
});

test('a fresh partial name is random, a partial name, and counts as an older partial of the same target', () => {
  const p = partialName('f.bin', 'x', '/tmp/f.bin');
  const a = freshPartialName(p);
  const b = freshPartialName(p);
  assert.notEqual(a, b);
  assert.ok(isPartialName(a));
  assert.ok(isOlderPartialOf(a, p), 'a later run deletes it as stale');
  assert.equal(path.dirname(freshPartialName(`/dl/${p}`)), '/dl');
});
