/**
 * The CLI's get/put on the transfer engine, against a real sshd: a remote file changed since we
 * last read it is not overwritten by `put` (exit 1, naming the file and --force) unless forced.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { scratchDir, startSshd, stopAll, TEST_USER, type RunningServer } from '../harness';
import { runInProcess } from '../unit/cli-helpers';

after(stopAll);

let sshd: RunningServer;
let stateDir: string;
before(async () => {
  sshd = await startSshd();
  stateDir = await fs.mkdtemp(path.join(os.tmpdir(), 'st-transfer-cli-state-'));
});

function cli(args: string[]) {
  const pin = sshd.hostKeys![0].fingerprint;
  return runInProcess([...args, '--password-stdin', '--fingerprint', pin], {
    stdin: TEST_USER.password,
    env: { PATH: process.env.PATH, HOME: stateDir, SECURE_TRANSFER_STATE_DIR: stateDir },
  });
}

test('put refuses to overwrite a remote file changed since it was last read (exit 1, names the file and --force); --force overwrites', async () => {
  const { local, remote } = await scratchDir('transfer-cli');
  const file = path.join(local, 'index.html');
  const target = path.posix.join(remote, 'index.html');
  const url = `sftp://${TEST_USER.name}@127.0.0.1:${sshd.port}${target}`;

  await fs.writeFile(file, 'v1\n');
  assert.equal((await cli(['put', file, url])).code, 0);
  assert.equal(await fs.readFile(target, 'utf8'), 'v1\n');

  await fs.writeFile(target, 'a colleague edited this on the server\n');
  await fs.writeFile(file, 'v2\n');
  const refused = await cli(['put', file, url]);
  assert.equal(refused.code, 1, refused.stderr);
  assert.match(refused.stderr, /index\.html changed on the server since it was last read.*--force/);
  assert.equal(refused.stderr.trim().split('\n').length, 1, 'one sentence, no stack trace');
  assert.equal(await fs.readFile(target, 'utf8'), 'a colleague edited this on the server\n');

  const forced = await cli(['put', file, url, '--force']);
  assert.equal(forced.code, 0, forced.stderr);
  assert.equal(await fs.readFile(target, 'utf8'), 'v2\n');

  // get records what it read: a put of the same version afterwards goes through.
  const back = path.join(local, 'back.html');
  assert.equal((await cli(['get', url, back])).code, 0);
  assert.equal(await fs.readFile(back, 'utf8'), 'v2\n');
  await fs.writeFile(file, 'v3\n');
  assert.equal((await cli(['put', file, url])).code, 0);
  assert.equal(await fs.readFile(target, 'utf8'), 'v3\n');
});
