/**
 * File modes through put and get, against the real servers. OpenSSH's own `sftp` client (without
 * -p) is the oracle for SFTP: every case runs once through Secure Transfer and once through `sftp`
 * against the same sshd, and the modes (and groups) must agree. FTP has no such oracle; there the
 * rules are asserted directly: an atomic replace keeps the target's mode (SITE CHMOD), a new file
 * gets the source's mode minus the umask, a download keeps an existing local file's mode and a new
 * one follows the remote mode. A partial is 0600 while it is in flight.
 */
import { after, before, describe } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promises as fs, readdirSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { download, upload } from '../../src/core/transfer/engine';
import { replaceRemoteFile } from '../../src/core/transfer/replaceRemote';
import { isPartialName } from '../../src/core/transfer/partialName';
import { currentUmask, newLocalFileMode } from '../../src/core/localPartial';
import type { RemoteFileSystem } from '../../src/core/session/remoteFileSystem';
import { clientKeys, scratchDir, startProftpd, startPureFtpd, startSshd, startTcpProxy, startVsftpd, stopAll, TEST_USER, type RunningServer } from '../harness';
import { count } from './stats';
import { faultTest, giveToTestUser, MiB, openFtps, openSftp, writeRandomFile } from './support';

const run = promisify(execFile);
after(stopAll);

const GROUP = 'stmodes';

async function modeOf(p: string): Promise<number> {
  return (await fs.stat(p)).mode & 0o777;
}

/** A remote file of the test user with this mode (and group). */
async function remoteFile(p: string, mode: number, gid?: number): Promise<void> {
  await fs.writeFile(p, 'old content\n');
  await giveToTestUser(p);
  if (gid !== undefined) await fs.chown(p, (await fs.stat(p)).uid, gid);
  await fs.chmod(p, mode);
}

async function localFile(p: string, mode: number, content = 'new content\n'): Promise<void> {
  await fs.writeFile(p, content);
  await fs.chmod(p, mode);
}

/** A group the test user belongs to besides its own (for "keeps its group"); idempotent. */
async function secondGroup(): Promise<number> {
  await run('groupadd', ['-f', GROUP]);
  await run('usermod', ['-aG', GROUP, TEST_USER.name]);
  const { stdout } = await run('getent', ['group', GROUP]);
  return Number(stdout.split(':')[2]);
}

/** OpenSSH's sftp client, non-interactive, key auth, the server's key pinned in a known_hosts file. */
async function opensshSftp(sshd: RunningServer, work: string, commands: string[]): Promise<void> {
  const keys = await clientKeys();
  const knownHosts = path.join(work, 'known_hosts');
  const hostKey = (await fs.readFile(sshd.hostKeys![0].publicKeyFile, 'utf8')).trim().split(' ').slice(0, 2).join(' ');
  await fs.writeFile(knownHosts, `[${sshd.host}]:${sshd.port} ${hostKey}\n`);
  const batch = path.join(work, 'batch');
  await fs.writeFile(batch, commands.map((c) => c + '\n').join(''));
  await run('sftp', [
    '-q', '-b', batch, '-P', String(sshd.port), '-i', keys.ed25519.privateKeyFile,
    '-o', `UserKnownHostsFile=${knownHosts}`, '-o', 'StrictHostKeyChecking=yes', '-o', 'BatchMode=yes', '-o', 'IdentitiesOnly=yes',
    `${TEST_USER.name}@${sshd.host}`,
  ]);
}

/** Runs `fn` with a fresh session, closed afterwards. */
async function withSession<T>(open: () => Promise<RemoteFileSystem>, fn: (s: RemoteFileSystem) => Promise<T>): Promise<T> {
  const s = await open();
  try {
    return await fn(s);
  } finally {
    await s.close();
  }
}

describe('modes over SFTP, with OpenSSH sftp as the oracle', () => {
  let sshd: RunningServer;
  before(async () => {
    sshd = await startSshd();
  });

  faultTest('put over a 0600 file keeps it 0600, as sftp put does', async () => {
    const { local, remote } = await scratchDir('modes-put-0600');
    await localFile(path.join(local, 'src.txt'), 0o644);
    await remoteFile(path.join(remote, 'ours.txt'), 0o600);
    await remoteFile(path.join(remote, 'oracle.txt'), 0o600);
    await withSession(() => openSftp(sshd), (s) => upload(s, path.join(local, 'src.txt'), `${remote}/ours.txt`));
    await opensshSftp(sshd, local, [`put ${local}/src.txt ${remote}/oracle.txt`]);
    assert.equal(await fs.readFile(path.join(remote, 'ours.txt'), 'utf8'), 'new content\n');
    assert.equal(await modeOf(path.join(remote, 'oracle.txt')), 0o600, 'the oracle keeps 0600');
    assert.equal(await modeOf(path.join(remote, 'ours.txt')), 0o600);
    count('modesKept');
  });

  faultTest('put over a 0755 script keeps 0755 and its group, as sftp put does', async () => {
    const gid = await secondGroup();
    const { local, remote } = await scratchDir('modes-put-0755');
    await localFile(path.join(local, 'deploy.sh'), 0o644, '#!/bin/sh\necho new\n');
    await remoteFile(path.join(remote, 'ours.sh'), 0o755, gid);
    await remoteFile(path.join(remote, 'oracle.sh'), 0o755, gid);
    await withSession(() => openSftp(sshd), (s) => upload(s, path.join(local, 'deploy.sh'), `${remote}/ours.sh`));
    await opensshSftp(sshd, local, [`put ${local}/deploy.sh ${remote}/oracle.sh`]);
    const [ours, oracle] = await Promise.all([fs.stat(path.join(remote, 'ours.sh')), fs.stat(path.join(remote, 'oracle.sh'))]);
    assert.equal(oracle.mode & 0o777, 0o755);
    assert.equal(oracle.gid, gid, 'the oracle keeps the group');
    assert.equal(ours.mode & 0o777, 0o755, 'still executable');
    assert.equal(ours.gid, gid, 'still in its group');
    assert.equal(await fs.readFile(path.join(remote, 'ours.sh'), 'utf8'), '#!/bin/sh\necho new\n');
    count('modesKept');
  });

  faultTest('a new file gets the source mode minus the umask (0755 stays executable, 0600 stays private), as sftp put does', async () => {
    const { local, remote } = await scratchDir('modes-put-new');
    for (const [name, mode] of [['tool.sh', 0o755], ['secret.key', 0o600], ['wide.txt', 0o777]] as const) {
      await localFile(path.join(local, name), mode);
      await withSession(() => openSftp(sshd), (s) => upload(s, path.join(local, name), `${remote}/ours-${name}`));
      await opensshSftp(sshd, local, [`put ${local}/${name} ${remote}/oracle-${name}`]);
      const oracle = await modeOf(path.join(remote, `oracle-${name}`));
      assert.equal(oracle & ~mode, 0, `the oracle is never wider than the source (${name})`);
      assert.equal((await modeOf(path.join(remote, `ours-${name}`))).toString(8), oracle.toString(8), name);
      count('modesKept');
    }
    assert.equal(await modeOf(path.join(remote, 'ours-tool.sh')) & 0o100, 0o100, 'the tool is executable');
  });

  faultTest('get over a local 0600 file keeps it 0600, as sftp get does', async () => {
    const { local, remote } = await scratchDir('modes-get-0600');
    await remoteFile(path.join(remote, 'config.env'), 0o644);
    await localFile(path.join(local, 'ours.env'), 0o600, 'old\n');
    await localFile(path.join(local, 'oracle.env'), 0o600, 'old\n');
    await withSession(() => openSftp(sshd), (s) => download(s, `${remote}/config.env`, path.join(local, 'ours.env')));
    await opensshSftp(sshd, local, [`get ${remote}/config.env ${local}/oracle.env`]);
    assert.equal(await modeOf(path.join(local, 'oracle.env')), 0o600);
    assert.equal(await modeOf(path.join(local, 'ours.env')), 0o600);
    assert.equal(await fs.readFile(path.join(local, 'ours.env'), 'utf8'), 'old content\n');
    count('modesKept');
  });

  faultTest('a remote executable arrives executable, as sftp get does', async () => {
    const { local, remote } = await scratchDir('modes-get-exec');
    await remoteFile(path.join(remote, 'run.sh'), 0o755);
    await remoteFile(path.join(remote, 'ro.txt'), 0o444);
    for (const name of ['run.sh', 'ro.txt']) {
      await withSession(() => openSftp(sshd), (s) => download(s, `${remote}/${name}`, path.join(local, `ours-${name}`)));
      await opensshSftp(sshd, local, [`get ${remote}/${name} ${local}/oracle-${name}`]);
      assert.equal((await modeOf(path.join(local, `ours-${name}`))).toString(8), (await modeOf(path.join(local, `oracle-${name}`))).toString(8), name);
      count('modesKept');
    }
    assert.equal(await modeOf(path.join(local, 'ours-run.sh')) & 0o100, 0o100);
  });

  faultTest("an editor save (the FileSystemProvider's replace) keeps a 0600 file 0600 and a script's 0755 and group; a new file is 0666 minus the umask", async () => {
    const gid = await secondGroup();
    const { remote } = await scratchDir('modes-save');
    await remoteFile(path.join(remote, 'secret.env'), 0o600);
    await remoteFile(path.join(remote, 'run.sh'), 0o755, gid);
    await withSession(
      () => openSftp(sshd),
      async (s) => {
        for (const name of ['secret.env', 'run.sh']) await replaceRemoteFile(s, `${remote}/${name}`, Buffer.from('saved\n'), await s.stat(`${remote}/${name}`));
        await replaceRemoteFile(s, `${remote}/new.txt`, Buffer.from('new\n'), undefined);
      },
    );
    assert.equal(await fs.readFile(path.join(remote, 'secret.env'), 'utf8'), 'saved\n');
    assert.equal((await modeOf(path.join(remote, 'secret.env'))).toString(8), '600');
    const script = await fs.stat(path.join(remote, 'run.sh'));
    assert.equal((script.mode & 0o777).toString(8), '755');
    assert.equal(script.gid, gid);
    // sshd's umask, as `sftp put` of a 0666 file shows it.
    const { local } = await scratchDir('modes-save-oracle');
    await localFile(path.join(local, 'any.txt'), 0o666);
    await opensshSftp(sshd, local, [`put ${local}/any.txt ${remote}/oracle.txt`]);
    assert.equal((await modeOf(path.join(remote, 'new.txt'))).toString(8), (await modeOf(path.join(remote, 'oracle.txt'))).toString(8));
    assert.deepEqual(readdirSync(remote).filter(isPartialName), [], 'no temporary file is left');
    count('modesKept', 3);
  });

  faultTest('a partial is 0600 while in flight, both ways, even for a 0644 file', async () => {
    const { local, remote } = await scratchDir('modes-in-flight');
    await writeRandomFile(path.join(local, 'big.bin'), 2 * MiB);
    await fs.chmod(path.join(local, 'big.bin'), 0o644);
    // Slowed down so the transfer is seen in flight (what is asserted is the mode, never the time).
    const proxy = await startTcpProxy(sshd, { throttleBytesPerSec: 2 * MiB });
    try {
      const inFlight = (dir: string) => (p: { bytes: number; totalBytes?: number }, seen: number[]) => {
        if (seen.length > 0 || p.bytes === 0 || p.bytes >= (p.totalBytes ?? Infinity)) return;
        const partial = readdirSync(dir).find(isPartialName);
        if (partial) seen.push(statSync(path.join(dir, partial)).mode & 0o777);
      };
      const up: number[] = [];
      const check = inFlight(remote);
      await withSession(() => openSftp(sshd, proxy), (s) => upload(s, path.join(local, 'big.bin'), `${remote}/big.bin`, { onProgress: (p) => check(p, up) }));
      assert.deepEqual(up.map((m) => m.toString(8)), ['600'], 'the remote partial was seen, 0600');
      const down: number[] = [];
      const checkDown = inFlight(local);
      await withSession(() => openSftp(sshd, proxy), (s) => download(s, `${remote}/big.bin`, path.join(local, 'back.bin'), { onProgress: (p) => checkDown(p, down) }));
      assert.deepEqual(down.map((m) => m.toString(8)), ['600'], 'the local partial was seen, 0600');
      assert.equal(await modeOf(path.join(local, 'back.bin')), newLocalFileMode(0o644));
      count('modesKept', 2);
    } finally {
      await proxy.stop();
    }
  });
});

const FTP_SERVERS: Array<[string, () => Promise<RunningServer>]> = [
  ['vsftpd', () => startVsftpd({ mode: 'explicit' })],
  ['ProFTPD', () => startProftpd({ mode: 'ftps' })],
  ['pure-ftpd', () => startPureFtpd()],
];

for (const [label, start] of FTP_SERVERS) {
  describe(`modes over FTPS (${label}, SITE CHMOD)`, () => {
    let server: RunningServer;
    before(async () => {
      server = await start();
    });

    faultTest(`${label}: put over 0600 keeps 0600, over 0755 keeps 0755; a new file gets the source mode minus the umask`, async () => {
      const { local, remote } = await scratchDir(`modes-ftp-put-${label}`);
      await localFile(path.join(local, 'src.txt'), 0o644);
      await localFile(path.join(local, 'tool.sh'), 0o755);
      await localFile(path.join(local, 'secret.key'), 0o600);
      await remoteFile(path.join(remote, 'private.txt'), 0o600);
      await remoteFile(path.join(remote, 'script.sh'), 0o755);
      const notes: string[] = [];
      await withSession(
        () => openFtps(server),
        async (s) => {
          for (const [from, to] of [['src.txt', 'private.txt'], ['src.txt', 'script.sh'], ['tool.sh', 'new-tool.sh'], ['secret.key', 'new-secret.key']]) {
            notes.push(...(await upload(s, path.join(local, from), `${remote}/${to}`)).notes);
          }
        },
      );
      assert.deepEqual(notes, [], `${label} has SITE CHMOD: nothing to say`);
      assert.equal(await fs.readFile(path.join(remote, 'private.txt'), 'utf8'), 'new content\n');
      assert.equal((await modeOf(path.join(remote, 'private.txt'))).toString(8), '600');
      assert.equal((await modeOf(path.join(remote, 'script.sh'))).toString(8), '755');
      assert.equal((await modeOf(path.join(remote, 'new-tool.sh'))).toString(8), (0o755 & ~currentUmask()).toString(8));
      assert.equal((await modeOf(path.join(remote, 'new-secret.key'))).toString(8), '600');
      count('modesKept', 4);
    });

    faultTest(`${label}: the upload of a private file is 0600 while in flight`, async () => {
      const { local, remote } = await scratchDir(`modes-ftp-flight-${label}`);
      const size = 16 * MiB;
      await writeRandomFile(path.join(local, 'secret.bin'), size);
      const target = path.join(remote, '.secret.bin.part');
      // The file is looked at every millisecond while the data flows (the server writes it here).
      const seen: Array<{ size: number; mode: number }> = [];
      const poll = setInterval(() => {
        try {
          const st = statSync(target);
          if (st.size > 0 && st.size < size) seen.push({ size: st.size, mode: st.mode & 0o777 });
        } catch {
          // not created yet
        }
      }, 1);
      try {
        await withSession(() => openFtps(server), (s) => s.uploadFile(path.join(local, 'secret.bin'), target, { mode: 0o600 }));
      } finally {
        clearInterval(poll);
      }
      assert.ok(seen.length > 0, 'the file was seen half written');
      assert.deepEqual([...new Set(seen.map((x) => x.mode.toString(8)))], ['600'], 'always 0600 while in flight');
      assert.equal((await modeOf(target)).toString(8), '600');
      count('modesKept');
    });

    faultTest(`${label}: an editor save keeps a 0600 file 0600`, async () => {
      const { remote } = await scratchDir(`modes-ftp-save-${label}`);
      await remoteFile(path.join(remote, 'secret.env'), 0o600);
      const notes: string[] = [];
      await withSession(
        () => openFtps(server),
        (s) => s.stat(`${remote}/secret.env`).then((e) => replaceRemoteFile(s, `${remote}/secret.env`, Buffer.from('saved\n'), e, { onNote: (n) => notes.push(n) })),
      );
      assert.deepEqual(notes, []);
      assert.equal(await fs.readFile(path.join(remote, 'secret.env'), 'utf8'), 'saved\n');
      assert.equal((await modeOf(path.join(remote, 'secret.env'))).toString(8), '600');
      count('modesKept');
    });

    faultTest(`${label}: get over a local 0600 file keeps 0600; a remote executable arrives executable`, async () => {
      const { local, remote } = await scratchDir(`modes-ftp-get-${label}`);
      await remoteFile(path.join(remote, 'config.env'), 0o644);
      await remoteFile(path.join(remote, 'run.sh'), 0o755);
      await localFile(path.join(local, 'config.env'), 0o600, 'old\n');
      await withSession(
        () => openFtps(server),
        async (s) => {
          await download(s, `${remote}/config.env`, path.join(local, 'config.env'));
          await download(s, `${remote}/run.sh`, path.join(local, 'run.sh'));
        },
      );
      assert.equal(await fs.readFile(path.join(local, 'config.env'), 'utf8'), 'old content\n');
      assert.equal((await modeOf(path.join(local, 'config.env'))).toString(8), '600');
      assert.equal((await modeOf(path.join(local, 'run.sh'))).toString(8), newLocalFileMode(0o755).toString(8));
      count('modesKept', 2);
    });
  });
}
