/**
 * `get -p` / `put -p` keep modification times to the second, and `chmod` sets modes, against real
 * servers: OpenSSH (SETSTAT), vsftpd (no MFMT: MDTM with a time), ProFTPD and pure-ftpd (MFMT). Every
 * result is read from the server's own disk (the harness servers serve this machine's file system).
 * A vsftpd with mdtm_write=NO can't set times: the upload succeeds with one note.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { scratchDir, startProftpd, startPureFtpd, startSshd, startVsftpd, stopAll, TEST_USER, type RunningServer } from '../harness';
import { runInProcess } from '../unit/cli-helpers';

after(stopAll);

let stateDir: string;
before(async () => {
  stateDir = await fs.mkdtemp(path.join(os.tmpdir(), 'st-times-cli-state-'));
});

function cliFor(server: RunningServer) {
  const pin = server.hostKeys?.[0].fingerprint ?? server.cert!.fingerprint;
  const url = (p: string) => `${server.protocol}://${TEST_USER.name}@127.0.0.1:${server.port}${p}`;
  const run = (args: string[], cwd?: string) =>
    runInProcess([...args, '--password-stdin', '--fingerprint', pin], {
      stdin: TEST_USER.password,
      ...(cwd ? { cwd } : {}),
      env: { PATH: process.env.PATH, HOME: stateDir, SECURE_TRANSFER_STATE_DIR: stateDir },
    });
  return { url, run };
}

const seconds = (ms: number) => Math.floor(ms / 1000);
const mtimeOf = async (p: string) => seconds((await fs.stat(p)).mtimeMs);
const modeOf = async (p: string) => (await fs.stat(p)).mode & 0o7777;

// Odd seconds and milliseconds; one recent (an FTP LIST shows it to the minute), one old (LIST: the day only).
const RECENT = Date.now() - 3 * 86_400_000 + 17_891;
const OLD = Date.UTC(2019, 10, 12, 13, 14, 15, 250);

const SERVERS: Array<[string, () => Promise<RunningServer>]> = [
  ['OpenSSH sshd (SFTP SETSTAT)', () => startSshd()],
  ['vsftpd (MDTM with a time)', () => startVsftpd({ mode: 'explicit' })],
  ['ProFTPD (MFMT)', () => startProftpd({ mode: 'ftps' })],
  ['pure-ftpd (MFMT)', () => startPureFtpd()],
];

for (const [label, start] of SERVERS) {
  describe(label, () => {
    let server: RunningServer;
    before(async () => {
      server = await start();
    });

    test('put -p and get -p keep modification times to the second, folders included; without -p a copy is new', async () => {
      const { url, run } = cliFor(server);
      const { local, remote } = await scratchDir(`times-${server.name}`);
      const src = path.join(local, 'site');
      await fs.mkdir(path.join(src, 'sub'), { recursive: true });
      await fs.writeFile(path.join(src, 'a.txt'), 'a\n');
      await fs.writeFile(path.join(src, 'sub', 'b.txt'), 'bb\n');
      await fs.utimes(path.join(src, 'a.txt'), new Date(), new Date(RECENT));
      await fs.utimes(path.join(src, 'sub', 'b.txt'), new Date(), new Date(OLD));

      const put = await run(['put', '-r', '-p', src, url(path.posix.join(remote, 'site'))]);
      assert.equal(put.code, 0, put.stderr);
      assert.doesNotMatch(put.stderr, /note:/, 'no note where the server sets times');
      assert.equal(await mtimeOf(path.join(remote, 'site', 'a.txt')), seconds(RECENT));
      assert.equal(await mtimeOf(path.join(remote, 'site', 'sub', 'b.txt')), seconds(OLD));
      assert.deepEqual((await fs.readdir(path.join(remote, 'site'))).sort(), ['a.txt', 'sub'], 'no partial left behind');

      // The other way: times set on the server's disk, swapped, so nothing can pass by accident.
      await fs.utimes(path.join(remote, 'site', 'a.txt'), new Date(), new Date(OLD + 3_000));
      await fs.utimes(path.join(remote, 'site', 'sub', 'b.txt'), new Date(), new Date(RECENT + 5_000));
      const back = path.join(local, 'back');
      const get = await run(['get', '-r', '--preserve-times', url(path.posix.join(remote, 'site')), back]);
      assert.equal(get.code, 0, get.stderr);
      assert.equal(await mtimeOf(path.join(back, 'a.txt')), seconds(OLD + 3_000));
      assert.equal(await mtimeOf(path.join(back, 'sub', 'b.txt')), seconds(RECENT + 5_000));
      assert.equal(await fs.readFile(path.join(back, 'sub', 'b.txt'), 'utf8'), 'bb\n');

      // Without -p the copies carry the time they were made.
      const plain = await run(['put', path.join(src, 'a.txt'), url(path.posix.join(remote, 'plain.txt'))]);
      assert.equal(plain.code, 0, plain.stderr);
      assert.ok(Math.abs((await mtimeOf(path.join(remote, 'plain.txt'))) - seconds(Date.now())) < 120);
      const plainGet = await run(['get', url(path.posix.join(remote, 'site', 'a.txt')), path.join(local, 'plain-back.txt')]);
      assert.equal(plainGet.code, 0, plainGet.stderr);
      assert.ok(Math.abs((await mtimeOf(path.join(local, 'plain-back.txt'))) - seconds(Date.now())) < 120);
    });

    test('chmod: octal, symbolic (from the current mode), -R; a missing file is one sentence', async () => {
      const { url, run } = cliFor(server);
      const { local, remote } = await scratchDir(`chmod-${server.name}`);
      await fs.mkdir(path.join(local, 'd', 'sub'), { recursive: true });
      await fs.writeFile(path.join(local, 'd', 'f.txt'), 'f\n');
      await fs.writeFile(path.join(local, 'd', 'sub', 'g.txt'), 'g\n');
      assert.equal((await run(['put', '-r', path.join(local, 'd'), url(path.posix.join(remote, 'd'))])).code, 0);
      const f = path.join(remote, 'd', 'f.txt');
      const g = path.join(remote, 'd', 'sub', 'g.txt');

      let r = await run(['chmod', '640', url(f)]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(await modeOf(f), 0o640);
      r = await run(['chmod', 'g+w,o+r', url(f)]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(await modeOf(f), 0o664);
      r = await run(['chmod', '0600', url(f)]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(await modeOf(f), 0o600);

      await fs.chmod(g, 0o644);
      r = await run(['chmod', '-R', 'u+x,go-r', url(path.posix.join(remote, 'd'))]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(await modeOf(g), 0o700);
      assert.equal(await modeOf(f), 0o700);
      assert.equal(await modeOf(path.join(remote, 'd', 'sub')), 0o711, 'the folder: 755 → u+x,go-r');

      const missing = await run(['chmod', '644', url(path.posix.join(remote, 'nope.txt'))]);
      assert.equal(missing.code, 1, missing.stderr);
      assert.match(missing.stderr, /nope\.txt.* does not exist/);
      assert.equal(missing.stderr.trim().split('\n').length, 1, missing.stderr);
    });
  });
}

test('a server that cannot set times (vsftpd with mdtm_write=NO): put -p succeeds with one note', async () => {
  const server = await startVsftpd({ mode: 'explicit', extraConfig: ['mdtm_write=NO'] });
  const { url, run } = cliFor(server);
  const { local, remote } = await scratchDir('times-refused');
  for (const name of ['one.txt', 'two.txt']) {
    await fs.writeFile(path.join(local, name), name);
    await fs.utimes(path.join(local, name), new Date(), new Date(OLD));
  }
  const put = await run(['put', '-r', '-p', local, url(path.posix.join(remote, 'up'))]);
  assert.equal(put.code, 0, put.stderr);
  assert.equal(put.stderr.match(/note: The server cannot set modification times/g)?.length, 1, put.stderr);
  assert.equal(await fs.readFile(path.join(remote, 'up', 'two.txt'), 'utf8'), 'two.txt');
  assert.notEqual(await mtimeOf(path.join(remote, 'up', 'one.txt')), seconds(OLD));
  await server.stop();
});

test('a profile with preserveTimes keeps times without -p', async () => {
  const server = await startSshd();
  const { run } = cliFor(server);
  const { local, remote } = await scratchDir('times-profile');
  await fs.writeFile(
    path.join(local, 'profiles.json'),
    JSON.stringify({ profiles: [{ name: 'keep', protocol: 'sftp', host: '127.0.0.1', port: server.port, username: TEST_USER.name, preserveTimes: true }] }),
  );
  const file = path.join(local, 'kept.txt');
  await fs.writeFile(file, 'kept\n');
  await fs.utimes(file, new Date(), new Date(OLD));
  // profile:NAME/path: the path is taken from the login folder.
  const put = await run(['put', file, `profile:keep/${path.posix.relative(TEST_USER.home, path.posix.join(remote, 'kept.txt'))}`, '--config', path.join(local, 'profiles.json')]);
  assert.equal(put.code, 0, put.stderr);
  assert.equal(await mtimeOf(path.join(remote, 'kept.txt')), seconds(OLD));
});

test('chmod with a bad mode: exit 2 and one sentence, before anything connects', async () => {
  const r = await runInProcess(['chmod', 'u+y', 'sftp://nobody@127.0.0.1:1/x'], { env: { PATH: process.env.PATH, HOME: stateDir, SECURE_TRANSFER_STATE_DIR: stateDir } });
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /"u\+y" is not a file mode: write it in octal \(644, 0755\)/);
  assert.equal(r.stderr.trim().split('\n').length, 1);
});

test('vsftpd: a version remembered from a stat (MDTM, seconds) is no false conflict when a folder upload sees it in LIST (minutes)', async () => {
  const server = await startVsftpd({ mode: 'explicit' });
  const { url, run } = cliFor(server);
  const { local, remote } = await scratchDir('times-list-precision');
  // A local folder of the remote one's name: `put -r` into the remote parent lands on the same files.
  const src = path.join(local, path.posix.basename(remote));
  await fs.mkdir(src);
  const file = path.join(src, 'index.html');
  await fs.writeFile(file, 'v1\n');
  assert.equal((await run(['put', file, url(path.posix.join(remote, 'index.html'))])).code, 0);
  // 41 s past a minute on the server's disk, so LIST's minute and MDTM's second differ.
  await fs.utimes(path.join(remote, 'index.html'), new Date(), new Date(Date.UTC(2026, 0, 5, 10, 30, 41)));
  // get remembers the version it read (a stat: MDTM, seconds).
  assert.equal((await run(['get', url(path.posix.join(remote, 'index.html')), path.join(local, 'copy.html')])).code, 0);
  await fs.writeFile(file, 'v2\n');
  const again = await run(['put', '-r', src, url(path.posix.dirname(remote))]);
  assert.equal(again.code, 0, again.stderr);
  assert.equal(await fs.readFile(path.join(remote, 'index.html'), 'utf8'), 'v2\n');
  await server.stop();
});
