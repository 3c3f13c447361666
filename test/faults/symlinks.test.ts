/**
 * Symbolic links in recursive transfers, against real servers (OpenSSH sftp-server, vsftpd) and the
 * local file system: a dangling link, a self-loop, a two-link loop, a file link and a folder link that
 * leave the tree, a file link and a folder link inside it, and a link back up to an enclosing folder.
 * `get -r` / `put -r` succeed, copy what they should, skip the rest with a note saying why, and with
 * --follow-symlinks follow folder links (inside and outside) without looping.
 */
import { after, before, describe } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { REPO_ROOT, scratchDir, startProftpd, startSshd, startVsftpd, stopAll, TEST_USER, type RunningServer } from '../harness';
import { download, upload, type SkippedEntry, type TransferResult } from '../../src/core/transfer/engine';
import { SKIP_REASONS } from '../../src/core/transfer/symlinks';
import type { RemoteFileSystem } from '../../src/core/session/remoteFileSystem';
import { count } from './stats';
import { faultTest, openFtps, openSftp } from './support';

after(stopAll);

const CLI = path.join(REPO_ROOT, 'dist', 'cli.js');
const SECRET = 'OUTSIDE-THE-TREE: must not be copied without --follow-symlinks\n';

/**
 * Builds the tree under `base/tree` and the outside it points to under `base/outside`:
 *   tree/a.txt, tree/deep/b.txt                       real files
 *   tree/dangling -> missing                          dangling
 *   tree/self -> self, tree/loopA <-> tree/loopB       loops
 *   tree/secret-link -> outside/secret.txt             a file outside
 *   tree/same-dir-link -> a.txt                       a file inside, in the same folder
 *   tree/deep/up-file-link -> ../a.txt                 a file inside, elsewhere
 *   tree/in-dir-link -> deep                          a folder inside
 *   tree/out-dir-link -> outside/dir                   a folder outside (dir/c.txt, dir/back -> tree)
 *   tree/deep/up-link -> ..                           a folder enclosing the link
 */
async function buildTree(base: string): Promise<{ tree: string; outside: string }> {
  const tree = path.join(base, 'tree');
  const outside = path.join(base, 'outside');
  await fs.mkdir(path.join(tree, 'deep'), { recursive: true });
  await fs.mkdir(path.join(outside, 'dir'), { recursive: true });
  await fs.writeFile(path.join(tree, 'a.txt'), 'a\n');
  await fs.writeFile(path.join(tree, 'deep', 'b.txt'), 'b\n');
  await fs.writeFile(path.join(outside, 'secret.txt'), SECRET);
  await fs.writeFile(path.join(outside, 'dir', 'c.txt'), 'c\n');
  await fs.symlink(tree, path.join(outside, 'dir', 'back'));
  await fs.symlink('missing', path.join(tree, 'dangling'));
  await fs.symlink('self', path.join(tree, 'self'));
  await fs.symlink('loopB', path.join(tree, 'loopA'));
  await fs.symlink('loopA', path.join(tree, 'loopB'));
  await fs.symlink(path.join(outside, 'secret.txt'), path.join(tree, 'secret-link'));
  await fs.symlink('a.txt', path.join(tree, 'same-dir-link'));
  await fs.symlink('../a.txt', path.join(tree, 'deep', 'up-file-link'));
  await fs.symlink('deep', path.join(tree, 'in-dir-link'));
  await fs.symlink(path.join(outside, 'dir'), path.join(tree, 'out-dir-link'));
  await fs.symlink('..', path.join(tree, 'deep', 'up-link'));
  return { tree, outside };
}

/** Every regular file under `dir`, relative, with its content. */
async function filesUnder(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (d: string, rel: string): Promise<void> => {
    for (const e of await fs.readdir(d, { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) await walk(path.join(d, e.name), r);
      else if (e.isFile()) out[r] = await fs.readFile(path.join(d, e.name), 'utf8');
      else assert.fail(`${r} arrived as something other than a file or folder`);
    }
  };
  await walk(dir, '');
  return out;
}

const IN_TREE = { 'a.txt': 'a\n', 'deep/b.txt': 'b\n', 'same-dir-link': 'a\n', 'deep/up-file-link': 'a\n' };
const FOLLOWED = {
  ...IN_TREE,
  'secret-link': SECRET,
  'in-dir-link/b.txt': 'b\n',
  'in-dir-link/up-file-link': 'a\n',
  'out-dir-link/c.txt': 'c\n',
};

/** The skip notes by path below `root`. */
function notes(skipped: SkippedEntry[], root: string, sep = '/'): Record<string, string> {
  return Object.fromEntries(skipped.map((s) => [s.path.slice(root.length + 1).split(sep).join('/'), s.reason]));
}

function expectedNotes(outside: string, real: (p: string) => string = (p) => p): Record<string, string> {
  return {
    dangling: SKIP_REASONS.dangling,
    self: SKIP_REASONS.loop,
    loopA: SKIP_REASONS.loop,
    loopB: SKIP_REASONS.loop,
    'secret-link': SKIP_REASONS.leaves(real(path.join(outside, 'secret.txt'))),
    'in-dir-link': SKIP_REASONS.folderLink,
    'out-dir-link': SKIP_REASONS.leaves(real(path.join(outside, 'dir'))),
    'deep/up-link': SKIP_REASONS.folderLink,
  };
}

function expectedFollowedNotes(tree: string): Record<string, string> {
  return {
    dangling: SKIP_REASONS.dangling,
    self: SKIP_REASONS.loop,
    loopA: SKIP_REASONS.loop,
    loopB: SKIP_REASONS.loop,
    'deep/up-link': SKIP_REASONS.backToEnclosing(tree),
    'in-dir-link/up-link': SKIP_REASONS.backToEnclosing(tree),
    'out-dir-link/back': SKIP_REASONS.backToEnclosing(tree),
  };
}

function cli(args: string[], home: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      env: { PATH: process.env.PATH, HOME: home, SECURE_TRANSFER_STATE_DIR: path.join(home, 'state') },
      cwd: home,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdin.end(`${TEST_USER.password}\n`);
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** The CLI's "skipped PATH: REASON" lines, by path below `root`. */
function cliNotes(stderr: string, root: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of stderr.split('\n')) {
    const m = /^skipped (.+?): (.+)$/.exec(line);
    if (m) out[m[1].slice(root.length + 1)] = m[2];
  }
  return out;
}

let home: string;
before(async () => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first.`);
  home = await fs.mkdtemp(path.join(os.tmpdir(), 'st-symlinks-home-'));
});
after(() => fs.rm(home, { recursive: true, force: true }));

describe('get -r over SFTP (OpenSSH): links are resolved with the server\'s realpath', () => {
  let sshd: RunningServer;
  let tree: string;
  let outside: string;
  let local: string;
  let rfs: RemoteFileSystem;
  before(async () => {
    sshd = await startSshd();
    const dirs = await scratchDir('symlinks-sftp');
    ({ tree, outside } = await buildTree(dirs.remote));
    local = dirs.local;
    rfs = await openSftp(sshd);
  });
  after(() => rfs?.close());

  faultTest('by default: files inside the tree are copied, every other link is skipped with the reason', async () => {
    count('hostileInputsTried', 8);
    const into = path.join(local, 'default');
    const r: TransferResult = await download(rfs, tree, into, { recursive: true });
    assert.deepEqual(await filesUnder(into), IN_TREE);
    assert.deepEqual(notes(r.skipped, tree), expectedNotes(outside));
    assert.equal(r.files, 4);
  });

  faultTest('with followSymlinks: folder links inside and outside are followed, loops are not', async () => {
    count('hostileInputsTried', 8);
    const into = path.join(local, 'followed');
    const r = await download(rfs, tree, into, { recursive: true, followSymlinks: true });
    assert.deepEqual(await filesUnder(into), FOLLOWED);
    assert.deepEqual(notes(r.skipped, tree), expectedFollowedNotes(tree));
  });

  faultTest('the CLI (its own process): get -r exits 0, copies what it should and prints one note per skipped link', async () => {
    const url = `sftp://${TEST_USER.name}@127.0.0.1:${sshd.port}${tree}`;
    const pin = ['--fingerprint', sshd.hostKeys![0].fingerprint, '--password-stdin'];
    const into = path.join(local, 'cli');
    const r = await cli(['get', '-r', url, into, ...pin], home);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(await filesUnder(into), IN_TREE);
    assert.deepEqual(cliNotes(r.stderr, tree), expectedNotes(outside));
    assert.match(r.stderr, new RegExp(`^skipped ${tree}/dangling: a symbolic link to a missing target$`, 'm'));

    const followed = path.join(local, 'cli-followed');
    const f = await cli(['get', '-r', '--follow-symlinks', url, followed, ...pin], home);
    assert.equal(f.code, 0, f.stderr);
    assert.deepEqual(await filesUnder(followed), FOLLOWED);
    assert.deepEqual(cliNotes(f.stderr, tree), expectedFollowedNotes(tree));
  });
});

for (const [name, start] of [
  ['vsftpd', () => startVsftpd({ mode: 'explicit' })],
  ['ProFTPD', () => startProftpd({ mode: 'ftps' })],
] as const) {
describe(`get -r over FTPS (${name}): the server cannot resolve links, so a link counts as leaving unless proven inside`, () => {
  let ftpServer: RunningServer;
  let tree: string;
  let local: string;
  let rfs: RemoteFileSystem;
  before(async () => {
    ftpServer = await start();
    const dirs = await scratchDir(`symlinks-${name}`);
    ({ tree } = await buildTree(dirs.remote));
    local = dirs.local;
    rfs = await openFtps(ftpServer);
  });
  after(() => rfs?.close());

  faultTest('the download succeeds; dangling, looping and outside links are skipped with notes', async () => {
    count('hostileInputsTried', 4);
    const into = path.join(local, 'default');
    const r = await download(rfs, tree, into, { recursive: true });
    const n = notes(r.skipped, tree);
    const listed = new Map((await rfs.list(tree)).map((e) => [e.name, e]));
    // vsftpd's LIST shows where a link points, so a link to a file in its own folder is proven inside;
    // ProFTPD's MLSD doesn't, so there it is skipped as unproven (the safe side).
    const targetsListed = listed.get('same-dir-link')?.target !== undefined;
    assert.deepEqual(await filesUnder(into), { 'a.txt': 'a\n', 'deep/b.txt': 'b\n', ...(targetsListed ? { 'same-dir-link': 'a\n' } : {}) });
    if (!targetsListed) assert.equal(n['same-dir-link'], SKIP_REASONS.unproven);
    // Chains within one folder are followed in the listing. (ProFTPD leaves links it can't follow out
    // of its listings altogether: then there is nothing to copy or to note.)
    for (const [name, reason] of [['dangling', SKIP_REASONS.dangling], ['self', SKIP_REASONS.loop], ['loopA', SKIP_REASONS.loop], ['loopB', SKIP_REASONS.loop]] as const) {
      if (listed.has(name)) assert.equal(n[name], reason, name);
    }
    if (name === 'vsftpd') assert.ok(listed.has('dangling'), 'vsftpd lists dangling links: the test must see one');
    assert.equal(n['secret-link'], SKIP_REASONS.unproven);
    // A link inside the tree that the server can't prove inside is not followed either: safe side.
    assert.equal(n['deep/up-file-link'], SKIP_REASONS.unproven);
    assert.equal(n['in-dir-link'], SKIP_REASONS.folderLink);
    assert.equal(n['out-dir-link'], SKIP_REASONS.folderLink);
    assert.equal(r.files, targetsListed ? 3 : 2);
  });

  faultTest('with followSymlinks: the outside file and folders are followed, the loops back up are cut', async () => {
    const into = path.join(local, 'followed');
    const r = await download(rfs, tree, into, { recursive: true, followSymlinks: true });
    assert.deepEqual(await filesUnder(into), FOLLOWED);
    const n = notes(r.skipped, tree);
    assert.equal(n['deep/up-link'], SKIP_REASONS.backToEnclosing(tree));
    assert.equal(n['out-dir-link/back'], SKIP_REASONS.backToEnclosing(tree));
  });
});
}

describe('put -r: the same rules for local links', () => {
  let sshd: RunningServer;
  let tree: string;
  let outside: string;
  let remoteBase: string;
  let rfs: RemoteFileSystem;
  before(async () => {
    sshd = await startSshd();
    const dirs = await scratchDir('symlinks-put');
    remoteBase = dirs.remote;
    ({ tree, outside } = await buildTree(dirs.local));
    rfs = await openSftp(sshd);
  });
  after(() => rfs?.close());

  faultTest('by default: files inside are uploaded, every other link is skipped with the reason', async () => {
    count('hostileInputsTried', 8);
    const to = path.posix.join(remoteBase, 'default');
    const r = await upload(rfs, tree, to, { recursive: true });
    assert.deepEqual(await filesUnder(to), IN_TREE);
    assert.deepEqual(notes(r.skipped, tree, path.sep), expectedNotes(outside));
  });

  faultTest('with followSymlinks: folder links are followed, loops are not', async () => {
    const to = path.posix.join(remoteBase, 'followed');
    const r = await upload(rfs, tree, to, { recursive: true, followSymlinks: true });
    assert.deepEqual(await filesUnder(to), FOLLOWED);
    assert.deepEqual(notes(r.skipped, tree, path.sep), expectedFollowedNotes(tree));
  });

  faultTest('the CLI: put -r prints the notes and honours --follow-symlinks', async () => {
    const url = (p: string) => `sftp://${TEST_USER.name}@127.0.0.1:${sshd.port}${p}`;
    const pin = ['--fingerprint', sshd.hostKeys![0].fingerprint, '--password-stdin'];
    const to = path.posix.join(remoteBase, 'cli');
    const r = await cli(['put', '-r', tree, url(to), ...pin], home);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(await filesUnder(to), IN_TREE);
    assert.deepEqual(cliNotes(r.stderr, tree), expectedNotes(outside));
    const followed = path.posix.join(remoteBase, 'cli-followed');
    const f = await cli(['put', '-r', '--follow-symlinks', tree, url(followed), ...pin], home);
    assert.equal(f.code, 0, f.stderr);
    assert.deepEqual(await filesUnder(followed), FOLLOWED);
  });
});
