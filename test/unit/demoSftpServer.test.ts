/** The demo server's pure parts: path confinement, open flags, status codes, listing lines. */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { constants as fsc, promises as fs, type Stats } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { utils } from 'ssh2';
import { ConfinedRoot, OutsideRootError } from '../../src/demo/confinedRoot';
import { fsOpenFlags, longnameOf, statusFor, SftpStatusError } from '../../src/demo/sftpSession';

const { OPEN_MODE, STATUS_CODE } = utils.sftp;

describe('ConfinedRoot', () => {
  let base: string;
  let root: ConfinedRoot;

  before(async () => {
    base = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'st-demo-unit-')));
    await fs.mkdir(path.join(base, 'root', 'sub'), { recursive: true });
    await fs.mkdir(path.join(base, 'rootsibling'));
    await fs.symlink(path.join(base, 'rootsibling'), path.join(base, 'root', 'sibling-link'));
    await fs.symlink('sub', path.join(base, 'root', 'inner-link'));
    root = await ConfinedRoot.open(path.join(base, 'root'));
  });
  after(() => fs.rm(base, { recursive: true, force: true }));

  const NORMALIZED: ReadonlyArray<readonly [string, string]> = [
    ['', '/'], ['.', '/'], ['/', '/'], ['a/b', '/a/b'], ['/a//b/./c/', '/a/b/c'], ['a/../b', '/b'], ['/a/b/..', '/a'], ['..foo', '/..foo'],
  ];
  for (const [input, expected] of NORMALIZED) {
    it(`normalizes "${input}" to "${expected}"`, () => assert.equal(root.normalize(input), expected));
  }

  for (const escape of ['..', '/..', '../x', 'a/../../x', '/a/b/../../../etc/passwd']) {
    it(`refuses "${escape}", which climbs above the root`, () => assert.throws(() => root.normalize(escape), OutsideRootError));
  }

  it('tells inside from outside, including a sibling whose name starts with the root\'s', () => {
    assert.equal(root.isInside(path.join(base, 'root')), true);
    assert.equal(root.isInside(path.join(base, 'root', '..foo')), true);
    assert.equal(root.isInside(path.join(base, 'rootsibling')), false);
    assert.equal(root.isInside(base), false);
  });

  it('follows a symlink that stays inside and refuses one that leads out', async () => {
    assert.equal(await root.resolve('/inner-link'), path.join(base, 'root', 'sub'));
    await assert.rejects(root.resolve('/sibling-link'), OutsideRootError);
    await assert.rejects(root.resolve('/sibling-link/new.txt'), OutsideRootError);
  });

  it('resolves a not-yet-existing file under an existing folder, and the link itself for resolveEntry', async () => {
    assert.equal(await root.resolve('/sub/new.txt'), path.join(base, 'root', 'sub', 'new.txt'));
    assert.equal(await root.resolveEntry('/sibling-link'), path.join(base, 'root', 'sibling-link'));
  });

  it('never lets the root itself be removed or renamed', async () => {
    await assert.rejects(root.resolveChangeable('/'), OutsideRootError);
    await assert.rejects(root.resolveChangeable('sub/..'), OutsideRootError);
  });

  it('shows real paths inside the root as client paths', () => {
    assert.equal(root.toVirtual(path.join(base, 'root')), '/');
    assert.equal(root.toVirtual(path.join(base, 'root', 'sub', 'x')), '/sub/x');
  });
});

describe('SFTP open flags', () => {
  const CASES: ReadonlyArray<readonly [string, number, number]> = [
    ['read', OPEN_MODE.READ, fsc.O_RDONLY],
    ['write+create+truncate', OPEN_MODE.WRITE | OPEN_MODE.CREAT | OPEN_MODE.TRUNC, fsc.O_WRONLY | fsc.O_CREAT | fsc.O_TRUNC],
    ['read+write', OPEN_MODE.READ | OPEN_MODE.WRITE, fsc.O_RDWR],
    ['append', OPEN_MODE.WRITE | OPEN_MODE.APPEND | OPEN_MODE.CREAT, fsc.O_WRONLY | fsc.O_APPEND | fsc.O_CREAT],
    ['exclusive', OPEN_MODE.WRITE | OPEN_MODE.CREAT | OPEN_MODE.EXCL, fsc.O_WRONLY | fsc.O_CREAT | fsc.O_EXCL],
  ];
  for (const [name, sftpFlags, expected] of CASES) {
    it(`maps ${name}, never following a final symlink`, () => assert.equal(fsOpenFlags(sftpFlags), expected | fsc.O_NOFOLLOW));
  }
});

describe('SFTP status for errors', () => {
  const errno = (code: string) => Object.assign(new Error(code), { code });
  const CASES: ReadonlyArray<readonly [string, unknown, number]> = [
    ['ENOENT', errno('ENOENT'), STATUS_CODE.NO_SUCH_FILE],
    ['EACCES', errno('EACCES'), STATUS_CODE.PERMISSION_DENIED],
    ['ELOOP (symlink refused)', errno('ELOOP'), STATUS_CODE.PERMISSION_DENIED],
    ['EEXIST', errno('EEXIST'), STATUS_CODE.FAILURE],
    ['an escape', new OutsideRootError('/..'), STATUS_CODE.PERMISSION_DENIED],
    ['an explicit status', new SftpStatusError(STATUS_CODE.OP_UNSUPPORTED, 'no'), STATUS_CODE.OP_UNSUPPORTED],
    ['anything else', new Error('boom'), STATUS_CODE.FAILURE],
  ];
  for (const [name, err, status] of CASES) {
    it(`maps ${name}`, () => assert.equal(statusFor(err)[0], status));
  }
});

describe('listing lines', () => {
  it('look like ls -l: type, permissions, size, name', () => {
    const mtime = new Date(2020, 0, 2, 3, 4);
    const st = { mode: fsc.S_IFDIR | 0o750, nlink: 2, uid: 0, gid: 0, size: 4096, mtime, mtimeMs: mtime.getTime() } as Stats;
    assert.match(longnameOf('docs', st, mtime.getTime() + 1000), /^drwxr-x---\s+2 0\s+0\s+4096 Jan {2}2 03:04 docs$/);
    assert.match(longnameOf('old', st, mtime.getTime() + 400 * 24 * 3600 * 1000), / Jan {2}2 {2}2020 old$/);
  });
});
