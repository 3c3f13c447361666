/**
 * `secure-transfer sync` against REAL servers (OpenSSH sshd, vsftpd explicit FTPS — LIST only, so
 * minute-precise times), both directions: --dry-run changes nothing (bytes and mtimes of both trees,
 * and no record written); the result is byte-exact; a second run transfers nothing; a change made on
 * the server's disk since the last sync is a conflict, skipped with exit 5 and overwritten with
 * --force; deletes happen only with --delete; `.git/` and the profile file are never synced; a
 * hostile remote name and a link leading out of the folder are not followed.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { scratchDir, startProftpd, startSshd, startVsftpd, stopAll, TEST_USER, type RunningServer } from '../harness';
import { runInProcess } from '../unit/cli-helpers';
import { SYNC_CONFLICTS_EXIT } from '../../src/cli/commands/sync';

after(stopAll);

interface Snapshot {
  [rel: string]: string;
}

/** Every entry below `dir`: files as size + mtime (ms) + SHA-256, folders and links by kind. */
async function snapshot(dir: string): Promise<Snapshot> {
  const out: Snapshot = {};
  const walk = async (d: string, rel: string): Promise<void> => {
    for (const name of (await fs.readdir(d)).sort()) {
      const p = path.join(d, name);
      const r = rel ? `${rel}/${name}` : name;
      const st = await fs.lstat(p);
      if (st.isDirectory()) {
        out[`${r}/`] = 'dir';
        await walk(p, r);
      } else if (st.isSymbolicLink()) out[r] = `link ${await fs.readlink(p)}`;
      else out[r] = `${st.size} ${st.mtimeMs} ${createHash('sha256').update(await fs.readFile(p)).digest('hex')}`;
    }
  };
  await walk(dir, '');
  return out;
}

/** Files below `dir` by content only (what a sync must make equal). */
async function contents(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const [rel, v] of Object.entries(await snapshot(dir))) if (v !== 'dir' && !v.startsWith('link ')) out[rel] = v.split(' ')[2];
  return out;
}

async function write(file: string, text: string, mtime?: Date): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  await fs.writeFile(file, text);
  if (mtime) await fs.utimes(file, mtime, mtime);
}

/** A site with what a sync must never send: version control data and the profile file. */
async function makeSite(root: string): Promise<void> {
  await write(path.join(root, 'index.html'), '<h1>home</h1>\n');
  await write(path.join(root, 'css', 'site.css'), 'body { margin: 0 }\n');
  await write(path.join(root, 'img', 'deep', 'logo.svg'), '<svg/>\n');
  await write(path.join(root, 'empty.txt'), '');
  await write(path.join(root, '.git', 'HEAD'), 'ref: refs/heads/main\n');
  await write(path.join(root, '.vscode', 'secure-transfer.json'), '{ "profiles": [] }\n');
  await write(path.join(root, 'notes.log'), 'ignored by --ignore\n');
}

const SERVERS: Array<[string, () => Promise<RunningServer>, (s: RunningServer) => string]> = [
  ['SFTP (OpenSSH)', () => startSshd(), (s) => s.hostKeys![0].fingerprint],
  ['FTPS (vsftpd explicit, LIST times)', () => startVsftpd({ mode: 'explicit' }), (s) => s.cert!.fingerprint],
];

for (const [label, start, pinOf] of SERVERS) {
  describe(`secure-transfer sync over ${label}`, () => {
    let server: RunningServer;
    let stateDir: string;
    before(async () => {
      server = await start();
      stateDir = await fs.mkdtemp(path.join(os.tmpdir(), 'st-sync-state-'));
    });
    const scheme = () => (server.protocol === 'sftp' ? 'sftp' : 'ftpes');
    const url = (p: string) => `${scheme()}://${TEST_USER.name}@127.0.0.1:${server.port}${p}`;
    const cli = (args: string[], cwd?: string) =>
      runInProcess([...args, '--password-stdin', '--fingerprint', pinOf(server)], {
        stdin: TEST_USER.password,
        cwd,
        env: { PATH: process.env.PATH, HOME: stateDir, SECURE_TRANSFER_STATE_DIR: stateDir },
      });

    test('upload: --dry-run changes nothing; the run is byte-exact without .git, the profile file or ignored files; a second run transfers nothing', async () => {
      const { local, remote } = await scratchDir(`sync-up-${server.name}`);
      const src = path.join(local, 'site');
      await makeSite(src);
      await write(path.join(remote, 'stale.html'), 'only on the server\n');
      const before = { local: await snapshot(src), remote: await snapshot(remote) };

      const dry = await cli(['sync', src, url(remote), '--dry-run', '--ignore', '*.log']);
      assert.equal(dry.code, 0, dry.stderr);
      assert.match(dry.stdout, /New \(4\):/);
      assert.match(dry.stdout, /\+ css\/site\.css/);
      assert.match(dry.stdout, /Deleted at the source \(1\) \(kept: add --delete to remove them\):\n {2}- stale\.html/);
      assert.match(dry.stdout, /Dry run: nothing was changed\./);
      assert.doesNotMatch(dry.stdout, /[+~] .*(secure-transfer\.json|\.git|notes\.log)/, 'never planned to be sent');
      assert.match(dry.stdout, /Left out \(3\):[\s\S]*site\/\.git: matches an ignore pattern/);
      assert.deepEqual(await snapshot(src), before.local, 'local tree untouched (bytes and mtimes)');
      assert.deepEqual(await snapshot(remote), before.remote, 'remote tree untouched (bytes and mtimes)');
      await assert.rejects(fs.readdir(path.join(stateDir, 'sync')), 'a dry run writes no record');

      const run = await cli(['sync', src, url(remote), '--ignore', '*.log']);
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stdout, /Synced: 4 files transferred .*, 0 deleted, 0 conflicts skipped, 0 unchanged\./);
      const want = await contents(src);
      delete want['.git/HEAD'];
      delete want['.vscode/secure-transfer.json'];
      delete want['notes.log'];
      assert.deepEqual(await contents(remote), { ...want, 'stale.html': (await contents(remote))['stale.html'] }, 'byte-exact, and stale.html kept without --delete');
      await assert.rejects(fs.stat(path.join(remote, '.git')));
      await assert.rejects(fs.stat(path.join(remote, '.vscode')));
      const record = await fs.readdir(path.join(stateDir, 'sync'));
      assert.equal(record.length, 1);
      assert.equal((await fs.stat(path.join(stateDir, 'sync', record[0]))).mode & 0o777, 0o600);

      const again = await cli(['sync', src, url(remote), '--ignore', '*.log', '--json']);
      assert.equal(again.code, 0, again.stderr);
      const json = JSON.parse(again.stdout) as { plan: { rows: Array<{ rel: string; action: string }>; unchanged: number }; result: { transferred: number } };
      assert.deepEqual(
        json.plan.rows.map((r) => `${r.action} ${r.rel}`),
        ['deleted stale.html'],
        'nothing to transfer the second time',
      );
      assert.equal(json.result.transferred, 0);
      assert.equal(json.plan.unchanged, 4);

      // --delete removes what the source lacks, and only then.
      const del = await cli(['sync', src, url(remote), '--ignore', '*.log', '--delete']);
      assert.equal(del.code, 0, del.stderr);
      await assert.rejects(fs.stat(path.join(remote, 'stale.html')));
      assert.match(del.stdout, /1 deleted/);
    });

    test('upload: a change made on the server since the last sync is a conflict, skipped (exit 5) and overwritten only with --force', async () => {
      const { local, remote } = await scratchDir(`sync-conflict-${server.name}`);
      const src = path.join(local, 'site');
      await makeSite(src);
      assert.equal((await cli(['sync', src, url(remote)])).code, 0);

      await fs.writeFile(path.join(remote, 'index.html'), 'a colleague fixed a typo on the server\n');
      await write(path.join(src, 'index.html'), '<h1>home, v2</h1>\n');
      await write(path.join(src, 'css', 'site.css'), 'body { margin: 1px }\n');
      const r = await cli(['sync', src, url(remote)]);
      assert.equal(r.code, SYNC_CONFLICTS_EXIT, r.stderr);
      assert.match(r.stdout, /Conflicts \(1\) \(skipped: add --force to overwrite\):\n {2}! index\.html {2}\(changed on the server and locally since the last sync\)/);
      assert.match(r.stdout, /conflict, left alone: index\.html/);
      assert.equal(await fs.readFile(path.join(remote, 'index.html'), 'utf8'), 'a colleague fixed a typo on the server\n', 'the server copy is kept');
      assert.equal(await fs.readFile(path.join(remote, 'css', 'site.css'), 'utf8'), 'body { margin: 1px }\n', 'the rest was synced');

      const still = await cli(['sync', src, url(remote), '--dry-run']);
      assert.equal(still.code, 0);
      assert.match(still.stdout, /! index\.html/, 'still a conflict on the next run');

      const forced = await cli(['sync', src, url(remote), '--force']);
      assert.equal(forced.code, 0, forced.stderr);
      assert.equal(await fs.readFile(path.join(remote, 'index.html'), 'utf8'), '<h1>home, v2</h1>\n');
      const after = await cli(['sync', src, url(remote), '--dry-run']);
      assert.match(after.stdout, /Nothing to transfer or delete\./);
    });

    test('download: byte-exact, a second run transfers nothing, local edits are conflicts, deletes only with --delete; hostile names and links out are not followed', async () => {
      const { local, remote } = await scratchDir(`sync-down-${server.name}`);
      await makeSite(remote);
      await write(path.join(remote, 'bad\\..\\escape.txt'), 'a name with backslashes\n');
      await fs.symlink('/etc/hostname', path.join(remote, 'outside-link'));
      const dest = path.join(local, 'copy');
      await write(path.join(dest, 'only-here.txt'), 'local only\n');
      // Never synced, and newer here: a conflict, not silently overwritten.
      await write(path.join(dest, 'index.html'), 'my newer local draft\n', new Date(Date.now() + 3_600_000));
      const before = { local: await snapshot(dest), remote: await snapshot(remote) };

      const dry = await cli(['sync', url(remote), dest, '--dry-run']);
      assert.equal(dry.code, 0, dry.stderr);
      assert.deepEqual(await snapshot(dest), before.local, 'dry run: local untouched');
      assert.deepEqual(await snapshot(remote), before.remote, 'dry run: remote untouched');
      assert.match(dry.stdout, /! index\.html {2}\(newer locally and never synced\)/);
      assert.match(dry.stdout, /bad\\\\\.\.\\\\escape\.txt.*could write outside/, 'the hostile name is listed (escaped) as left out');

      const run = await cli(['sync', url(remote), dest]);
      assert.equal(run.code, SYNC_CONFLICTS_EXIT, run.stderr);
      assert.equal(await fs.readFile(path.join(dest, 'index.html'), 'utf8'), 'my newer local draft\n');
      const got = await contents(dest);
      const want = await contents(remote);
      for (const rel of ['.git/HEAD', '.vscode/secure-transfer.json', 'bad\\..\\escape.txt', 'index.html']) delete want[rel];
      for (const rel of ['only-here.txt', 'index.html']) delete got[rel];
      assert.deepEqual(got, want, 'byte-exact, without .git, the profile file or the hostile name');
      await assert.rejects(fs.lstat(path.join(dest, 'outside-link')), 'a link out of the folder is not followed');
      await assert.rejects(fs.lstat(path.join(local, 'escape.txt')));
      await assert.rejects(fs.lstat(path.join(dest, '.git')));

      const again = await cli(['sync', url(remote), dest, '--dry-run', '--json']);
      const plan = (JSON.parse(again.stdout) as { plan: { rows: Array<{ rel: string; action: string }> } }).plan;
      assert.deepEqual(
        plan.rows.map((r) => `${r.action} ${r.rel}`),
        ['conflict index.html', 'deleted only-here.txt'],
        'a second run transfers nothing',
      );

      await write(path.join(dest, 'css', 'site.css'), 'edited locally after the sync\n');
      const edited = await cli(['sync', url(remote), dest, '--dry-run']);
      assert.match(edited.stdout, /! css\/site\.css {2}\(changed locally since the last sync\)/);

      const del = await cli(['sync', url(remote), dest, '--delete']);
      assert.equal(del.code, SYNC_CONFLICTS_EXIT, del.stderr);
      await assert.rejects(fs.stat(path.join(dest, 'only-here.txt')), 'removed with --delete');
      assert.equal(await fs.readFile(path.join(dest, 'css', 'site.css'), 'utf8'), 'edited locally after the sync\n', 'a conflict is never deleted or overwritten');
    });

    test('profile:NAME/path: the profile file in the synced folder is never sent, the profile\'s ignore globs apply, and the record is the server\'s (a URL and a profile agree)', async () => {
      const { local, remote } = await scratchDir(`sync-profile-${server.name}`);
      const src = path.join(local, 'site');
      await makeSite(src);
      await write(path.join(src, 'scratch.tmp'), 'ignored by the profile\n');
      const profile = { name: 'deploy', protocol: scheme(), host: '127.0.0.1', port: server.port, username: TEST_USER.name, remotePath: remote, ignore: ['*.tmp', '*.log'] };
      await write(path.join(src, '.vscode', 'secure-transfer.json'), JSON.stringify({ profiles: [profile] }));
      const byProfile = await cli(['sync', '.', 'profile:deploy'], src);
      assert.equal(byProfile.code, 0, byProfile.stderr);
      assert.match(byProfile.stdout, /Synced: 4 files transferred/);
      await assert.rejects(fs.stat(path.join(remote, '.vscode')));
      await assert.rejects(fs.stat(path.join(remote, 'scratch.tmp')));
      const byUrl = await cli(['sync', src, url(remote), '--ignore', '*.tmp', '--ignore', '*.log', '--dry-run']);
      assert.equal(byUrl.code, 0, byUrl.stderr);
      assert.match(byUrl.stdout, /Nothing to transfer or delete\. 4 unchanged\./);
      assert.match(byUrl.stdout, /against the last sync/, 'the profile\'s record serves the URL of the same server and folders');
    });

    test('--checksum on a server without hashes is refused in one sentence (exit 2)', async () => {
      const { local, remote } = await scratchDir(`sync-checksum-${server.name}`);
      await write(path.join(remote, 'a.txt'), 'a\n');
      await write(path.join(local, 'a.txt'), 'a\n');
      const r = await cli(['sync', local, url(remote), '--checksum']);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /offers no file hashes, so --checksum can't compare by content: drop --checksum/);
      assert.equal(r.stderr.trim().split('\n').length, 1);
    });
  });
}

describe('secure-transfer sync --checksum over SFTP (ProFTPD mod_sftp, check-file)', () => {
  let server: RunningServer;
  let stateDir: string;
  before(async () => {
    server = await startProftpd({ mode: 'sftp' });
    stateDir = await fs.mkdtemp(path.join(os.tmpdir(), 'st-sync-checksum-state-'));
  });
  const cli = (args: string[]) =>
    runInProcess([...args, '--password-stdin', '--fingerprint', server.hostKeys![0].fingerprint], {
      stdin: TEST_USER.password,
      env: { PATH: process.env.PATH, HOME: stateDir, SECURE_TRANSFER_STATE_DIR: stateDir },
    });

  test('hashes decide, not times: the same bytes with other times are unchanged; other bytes with equal size and time are changed', async () => {
    const { local, remote } = await scratchDir('sync-checksum-proftpd');
    const url = `sftp://${TEST_USER.name}@127.0.0.1:${server.port}${remote}`;
    const old = new Date(Date.now() - 86_400_000);
    await write(path.join(local, 'same.txt'), 'the same bytes\n', old);
    await write(path.join(remote, 'same.txt'), 'the same bytes\n');
    const stamp = new Date(Math.floor(Date.now() / 1000) * 1000 - 3_600_000);
    await write(path.join(local, 'other.txt'), 'version one\n', stamp);
    await write(path.join(remote, 'other.txt'), 'version two\n', stamp);

    const bySize = await cli(['sync', local, url, '--dry-run']);
    assert.equal(bySize.code, 0, bySize.stderr);
    assert.match(bySize.stdout, /! same\.txt {2}\(newer on the server and never synced\)/);
    assert.doesNotMatch(bySize.stdout, /other\.txt/, 'equal size and time: unchanged without hashes');

    const byHash = await cli(['sync', local, url, '--dry-run', '--checksum']);
    assert.equal(byHash.code, 0, byHash.stderr);
    assert.match(byHash.stdout, /Compared by the server's hash/);
    assert.match(byHash.stdout, /~ other\.txt {2}\(content differs, never synced\)/);
    assert.doesNotMatch(byHash.stdout, /same\.txt/);

    const run = await cli(['sync', local, url, '--checksum']);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(await fs.readFile(path.join(remote, 'other.txt'), 'utf8'), 'version one\n');
    const again = await cli(['sync', local, url, '--checksum', '--dry-run']);
    assert.match(again.stdout, /Nothing to transfer or delete\. 2 unchanged\./);
  });
});

describe('secure-transfer sync arguments', () => {
  test('one side must be remote', async () => {
    const r = await runInProcess(['sync', 'a', 'b']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /one local folder and one remote folder/);
  });
});
