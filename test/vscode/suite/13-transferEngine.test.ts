/// <reference types="mocha" />
/**
 * The extension's uploads and downloads go through core's transfer engine: ignore rules, resume of a
 * partial left by an interrupted upload, and the conflict question when a remote file changed on the
 * server since the extension last read or wrote it (Cancel keeps the server's bytes, Overwrite
 * replaces them). Against the real sshd; the test user's files are on this machine.
 */
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, promises as fsp, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import * as vscode from 'vscode';
import { uploadPartialName } from '../../../src/core/transfer/engine';
import { remoteUri } from '../../../src/extension/remoteUri';
import type { TransferRecord } from '../../../src/extension/transfers';
import { answerUi, config, getApi, testUserIds as ids, serverWrite } from './helpers';

const P = 'engine-test';
const dir = (...parts: string[]) => path.posix.join(config.remoteDir, 'engine', ...parts);
const local = (...parts: string[]) => path.join(config.workspace, 'engine-local', ...parts);
const exec = <T>(cmd: string, ...args: unknown[]) => vscode.commands.executeCommand<T>(`secureTransfer.${cmd}`, ...args);
const target = { profileName: P, path: dir(), type: 'directory' };
const MiB = 1024 * 1024;

async function uploadOne(file: string): Promise<TransferRecord> {
  const [r] = (await exec<TransferRecord[]>('uploadFile', target, [file])) ?? [];
  assert.ok(r, 'the upload ran');
  return r;
}

describe('Transfers through the core engine', function () {
  this.timeout(120_000);

  before(async () => {
    const api = await getApi();
    answerUi(api);
    mkdirSync(dir(), { recursive: true });
    await fsp.chown(dir(), ...ids());
    mkdirSync(local(), { recursive: true });
    await exec('addProfile', { name: P, protocol: 'sftp', host: config.sftp.host, port: config.sftp.port, username: config.user.name, remotePath: dir(), target: 'user' });
    await exec('setPassword', P, config.user.password);
    // The host key may already be remembered by earlier suites; if not, remember it now.
    answerUi(api, { confirm: (_m, a) => a.find((x) => x === 'Trust and Remember') });
    assert.equal(await exec('connect', P), true);
  });

  after(async () => {
    await exec('disconnect', P);
  });

  it('a folder upload skips .git/ and resumes a partial left by an interrupted upload, asking nothing', async () => {
    const api = await getApi();
    const rec = answerUi(api);
    const root = local('site');
    mkdirSync(path.join(root, '.git'), { recursive: true });
    writeFileSync(path.join(root, '.git', 'config'), 'never uploaded');
    writeFileSync(path.join(root, 'small.txt'), 'small');
    const big = randomBytes(20 * MiB);
    writeFileSync(path.join(root, 'big.bin'), big);
    const totalLocal = big.length + 'small'.length;

    // What an interrupted upload of big.bin left on the server: its partial, with the first 19 MiB.
    const remoteRoot = dir('site');
    mkdirSync(remoteRoot);
    await fsp.chown(remoteRoot, ...ids());
    // The partial's name is bound to the server's verified identity: the profile's session knows it.
    const session = await api.services.connections.get(api.services.profiles.find(P)!);
    const partial = uploadPartialName(session, path.join(root, 'big.bin'), statSync(path.join(root, 'big.bin')), path.posix.join(remoteRoot, 'big.bin'));
    await serverWrite(path.posix.join(remoteRoot, partial), big.subarray(0, 19 * MiB));

    const [r] = (await exec<TransferRecord[]>('uploadFolder', target, [root])) ?? [];
    assert.equal(r?.state, 'done', r?.error);
    assert.ok(r.total !== undefined && r.total < totalLocal, `only the rest was sent (${r.total} of ${totalLocal} bytes planned)`);
    assert.ok(r.bytes < totalLocal, `bytes moved (${r.bytes}) are fewer than the folder holds`);
    assert.ok(readFileSync(path.posix.join(remoteRoot, 'big.bin')).equals(big), 'the resumed file is whole and correct');
    assert.equal(readFileSync(path.posix.join(remoteRoot, 'small.txt'), 'utf8'), 'small');
    assert.deepEqual(readdirSync(remoteRoot).sort(), ['big.bin', 'small.txt'], 'no partial left, no .git uploaded');
    assert.equal(rec.confirms.length + rec.inputs.length, 0, 'nothing was asked');

    // Uploading the same folder again replaces it in place (not nested inside itself).
    const [again] = (await exec<TransferRecord[]>('uploadFolder', target, [root])) ?? [];
    assert.equal(again?.state, 'done', again?.error);
    assert.ok(!existsSync(path.posix.join(remoteRoot, 'site')));
  });

  it('a file changed on the server after our own upload: Cancel keeps its bytes, Overwrite replaces them', async () => {
    const api = await getApi();
    const file = local('conflict.txt');
    const remote = dir('conflict.txt');
    writeFileSync(file, 'first version\n');
    answerUi(api);
    assert.equal((await uploadOne(file)).state, 'done');

    await serverWrite(remote, 'somebody else changed this on the server\n');
    writeFileSync(file, 'my local edit\n');
    const cancel = answerUi(api, { confirm: (_m, a) => (a.includes('Overwrite') ? 'Cancel' : undefined) });
    const kept = await uploadOne(file);
    assert.equal(cancel.confirms.length, 1, 'asked before overwriting');
    const q = cancel.confirms[0];
    assert.deepEqual(q.actions, ['Overwrite']);
    assert.equal(q.safeDefault, 'Cancel', 'Enter keeps the server version');
    assert.ok(q.message.includes(remote), 'names the file');
    assert.equal(kept.state, 'cancelled');
    assert.match(kept.error ?? '', /changed on the server/);
    assert.equal(readFileSync(remote, 'utf8'), 'somebody else changed this on the server\n', 'Cancel left the server file untouched');

    const overwrite = answerUi(api, { confirm: (_m, a) => a.find((x) => x === 'Overwrite') });
    const replaced = await uploadOne(file);
    assert.equal(overwrite.confirms.length, 1);
    assert.equal(replaced.state, 'done', replaced.error);
    assert.equal(readFileSync(remote, 'utf8'), 'my local edit\n', 'Overwrite replaced it');

    // Our own upload is the new baseline: uploading again asks nothing.
    const quiet = answerUi(api);
    assert.equal((await uploadOne(file)).state, 'done');
    assert.equal(quiet.confirms.length, 0);
  });

  it('files read through the editor or downloaded are remembered too: a later server change makes the upload ask', async () => {
    const api = await getApi();
    answerUi(api);
    for (const name of ['opened.txt', 'downloaded.txt']) await serverWrite(dir(name), 'server original\n');
    await vscode.workspace.fs.readFile(remoteUri(P, dir('opened.txt')));
    const got = await exec<TransferRecord>('download', { profileName: P, path: dir('downloaded.txt'), type: 'file' }, local('downloaded.txt'));
    assert.equal(got?.state, 'done', got?.error);
    writeFileSync(local('opened.txt'), 'local\n');

    for (const name of ['opened.txt', 'downloaded.txt']) {
      await serverWrite(dir(name), 'changed on the server meanwhile\n');
      const rec = answerUi(api, { confirm: () => 'Cancel' });
      const r = await uploadOne(local(name));
      assert.equal(rec.confirms.length, 1, `${name}: asked before overwriting`);
      assert.equal(r.state, 'cancelled');
      assert.equal(readFileSync(dir(name), 'utf8'), 'changed on the server meanwhile\n', `${name}: untouched`);
    }
  });
});
