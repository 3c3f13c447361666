/// <reference types="mocha" />
/**
 * The extension against a real OpenSSH sshd: trust prompts, the tree, the `secure-transfer:` file
 * system, every remote command, uploads and downloads, cancel, upload on save, a changed host key.
 * The test user's files are on this machine, so the server's copy is checked directly on disk.
 */
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { existsSync, mkdirSync, promises as fsp, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as vscode from 'vscode';
import type { RemoteNode } from '../../../src/extension/remoteTree';
import { remoteUri } from '../../../src/extension/remoteUri';
import type { TransferRecord } from '../../../src/extension/transfers';
import { answerUi, config, getApi, waitFor, testUserIds as ids } from './helpers';

const P = 'sftp-test';
const TRUST_ONCE = 'Trust Once';
const TRUST_REMEMBER = 'Trust and Remember';
const dir = (...parts: string[]) => path.posix.join(config.remoteDir, 'sftp', ...parts);
const exec = <T>(cmd: string, ...args: unknown[]) => vscode.commands.executeCommand<T>(`secureTransfer.${cmd}`, ...args);
const authAttempts = () => readFileSync(config.sftp.logFile, 'utf8').split('\n').filter((l) => /Accepted|Failed|Invalid user/.test(l)).length;
const answeringPassword = (o: vscode.InputBoxOptions) => (o.password ? config.user.password : undefined);

describe('SFTP against a real sshd', function () {
  this.timeout(120_000);

  before(async () => {
    const api = await getApi();
    answerUi(api);
    mkdirSync(dir(), { recursive: true });
    await fsp.chown(dir(), ...ids());
    await exec('addProfile', { name: P, protocol: 'sftp', host: config.sftp.host, port: config.sftp.port, username: config.user.name, remotePath: dir(), target: 'user' });
    assert.ok(api.services.profiles.find(P));
    writeFileSync(dir('hello.txt'), 'hello from the server\n');
    mkdirSync(dir('zeta-folder'));
    mkdirSync(dir('alpha-folder'));
    writeFileSync(dir('alpha.txt'), 'a');
    for (const f of ['hello.txt', 'zeta-folder', 'alpha-folder', 'alpha.txt']) await fsp.chown(dir(f), ...ids());
  });

  it('asks about an unknown host key with its type and SHA256 fingerprint; Cancel refuses before any login', async () => {
    const api = await getApi();
    const rec = answerUi(api, { confirm: () => undefined, input: answeringPassword });
    const before = authAttempts();
    assert.equal(await exec('connect', P), undefined);
    assert.equal(rec.confirms.length, 1);
    const q = rec.confirms[0];
    assert.deepEqual(q.actions, [TRUST_ONCE, TRUST_REMEMBER]);
    assert.equal(q.safeDefault, "Don't Trust", 'the default button refuses');
    assert.ok(q.detail.includes(config.sftp.fingerprint), 'shows the fingerprint');
    assert.ok(q.detail.includes(config.sftp.keyType), 'shows the key type');
    assert.equal(rec.inputs.length, 0, 'no password was asked');
    assert.equal(authAttempts(), before, 'the server saw no authentication attempt');
    assert.equal(api.services.connections.state(P).status, 'error');
    assert.deepEqual(await api.services.trustStore.find('host-key', config.sftp.host, config.sftp.port), []);
    // The tree shows the refusal in place and does not ask again on its own (only Connect retries).
    const profileNode = (await api.services.tree.getChildren()).find((n) => n.kind === 'profile' && n.profile.name === P)!;
    const [child] = await api.services.tree.getChildren(profileNode);
    assert.ok(child.kind === 'message' && child.text.includes('not trusted'));
    assert.equal(rec.confirms.length, 1);
  });

  it('Trust Once connects (asking the password) without remembering the key', async () => {
    const api = await getApi();
    const rec = answerUi(api, { confirm: (_m, a) => (a.includes(TRUST_ONCE) ? TRUST_ONCE : undefined), input: answeringPassword });
    assert.equal(await exec('connect', P), true);
    assert.equal(api.services.connections.state(P).status, 'connected');
    assert.equal(rec.inputs.filter((i) => i.password).length, 1);
    assert.deepEqual(await api.services.trustStore.find('host-key', config.sftp.host, config.sftp.port), []);
    await exec('disconnect', P);
    assert.equal(api.services.connections.state(P).status, 'disconnected');
  });

  it('Trust and Remember records the key; the next connection asks nothing (password from SecretStorage)', async () => {
    const api = await getApi();
    answerUi(api);
    await exec('setPassword', P, config.user.password);
    const rec = answerUi(api, { confirm: (_m, a) => (a.includes(TRUST_REMEMBER) ? TRUST_REMEMBER : undefined) });
    assert.equal(await exec('connect', P), true);
    const stored = await api.services.trustStore.find('host-key', config.sftp.host, config.sftp.port);
    assert.deepEqual(stored.map((r) => r.fingerprint), [config.sftp.fingerprint]);
    await exec('disconnect', P);
    assert.equal(await exec('connect', P), true);
    assert.equal(rec.confirms.length, 1, 'asked only the first time');
    assert.equal(rec.inputs.length, 0, 'the stored password was used');
  });

  it('lists the remote folder in the tree: folders first, then files, with resource URIs', async () => {
    const api = await getApi();
    const roots = await api.services.tree.getChildren();
    const profileNode = roots.find((n) => n.kind === 'profile' && n.profile.name === P)!;
    assert.ok(profileNode);
    const item = api.services.tree.getTreeItem(profileNode);
    assert.match(String(item.description), /user · connected/);
    const children = await api.services.tree.getChildren(profileNode);
    const names = children.map((c) => (c.kind === 'entry' ? path.posix.basename(c.path) : c.kind));
    assert.deepEqual(names.slice(0, 2), ['alpha-folder', 'zeta-folder']);
    assert.ok(names.indexOf('alpha.txt') > names.indexOf('zeta-folder'));
    const file = children.find((c) => c.kind === 'entry' && c.path === dir('hello.txt'))!;
    assert.equal(api.services.tree.getTreeItem(file).resourceUri?.toString(), remoteUri(P, dir('hello.txt')).toString());
  });

  it('shows a listing error in place, as a child of what failed', async () => {
    const api = await getApi();
    const missing: RemoteNode = { kind: 'entry', profileName: P, path: dir('no-such-folder'), type: 'directory', size: 0 };
    const children = await api.services.tree.getChildren(missing);
    assert.equal(children.length, 1);
    assert.equal(children[0].kind, 'message');
  });

  it('reads, writes atomically, stats, lists, creates, renames and deletes through the file system provider', async () => {
    const uri = (p: string) => remoteUri(P, dir(p));
    const text = new TextDecoder();
    assert.equal(text.decode(await vscode.workspace.fs.readFile(uri('hello.txt'))), 'hello from the server\n');
    await vscode.workspace.fs.writeFile(uri('written.txt'), new TextEncoder().encode('new content'));
    assert.equal(readFileSync(dir('written.txt'), 'utf8'), 'new content');
    assert.deepEqual(readdirSync(dir()).filter((n) => n.endsWith('.part')), [], 'no temporary file left behind');
    const st = await vscode.workspace.fs.stat(uri('written.txt'));
    assert.equal(st.type, vscode.FileType.File);
    assert.equal(st.size, 11);
    const listing = await vscode.workspace.fs.readDirectory(uri(''));
    assert.ok(listing.some(([n, t]) => n === 'alpha-folder' && t === vscode.FileType.Directory));
    await vscode.workspace.fs.createDirectory(uri('made/deep'));
    assert.ok(existsSync(dir('made/deep')));
    await vscode.workspace.fs.rename(uri('written.txt'), uri('renamed.txt'));
    assert.ok(existsSync(dir('renamed.txt')) && !existsSync(dir('written.txt')));
    await assert.rejects(Promise.resolve(vscode.workspace.fs.rename(uri('renamed.txt'), uri('hello.txt'))), /exists/i);
    await vscode.workspace.fs.delete(uri('made'), { recursive: true });
    assert.ok(!existsSync(dir('made')));
    await assert.rejects(Promise.resolve(vscode.workspace.fs.stat(uri('gone.txt'))), (e: unknown) => e instanceof vscode.FileSystemError && e.code === 'FileNotFound');
  });

  it('opens a remote file in an editor, edits and saves it to the server', async () => {
    await exec('open', { profileName: P, path: dir('hello.txt'), type: 'file' });
    const editor = await waitFor('the remote editor', () => vscode.window.visibleTextEditors.find((e) => e.document.uri.toString() === remoteUri(P, dir('hello.txt')).toString()));
    await editor.edit((b) => b.insert(new vscode.Position(0, 0), 'edited: '));
    assert.ok(await editor.document.save());
    assert.equal(readFileSync(dir('hello.txt'), 'utf8'), 'edited: hello from the server\n');
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('New Folder, Rename, Copy Remote Path and Delete (which asks first)', async () => {
    const api = await getApi();
    const created = await exec<string>('newFolder', { profileName: P, path: dir(), type: 'directory' }, 'made-by-command');
    assert.equal(created, dir('made-by-command'));
    assert.ok(existsSync(dir('made-by-command')));
    const renamed = await exec<string>('rename', { profileName: P, path: dir('made-by-command'), type: 'directory' }, 'renamed-folder');
    assert.equal(renamed, dir('renamed-folder'));
    assert.ok(existsSync(dir('renamed-folder')));
    assert.equal(await exec('copyRemotePath', { profileName: P, path: dir('renamed-folder') }), dir('renamed-folder'));
    assert.equal(await vscode.env.clipboard.readText(), dir('renamed-folder'));
    const rec = answerUi(api, { confirm: () => undefined });
    assert.equal(await exec('delete', { profileName: P, path: dir('renamed-folder'), type: 'directory' }), false);
    assert.equal(rec.confirms.length, 1);
    assert.ok(existsSync(dir('renamed-folder')), 'Cancel keeps it');
    answerUi(api, { confirm: (_m, a) => a.find((x) => x === 'Delete') });
    assert.equal(await exec('delete', { profileName: P, path: dir('renamed-folder'), type: 'directory' }), true);
    assert.ok(!existsSync(dir('renamed-folder')));
  });

  it('Upload File…, Upload Folder… (skipping .git) and Download… move the bytes', async () => {
    const api = await getApi();
    answerUi(api);
    const local = path.join(config.workspace, 'up');
    mkdirSync(path.join(local, 'sub', '.git'), { recursive: true });
    writeFileSync(path.join(local, 'one.txt'), 'one');
    writeFileSync(path.join(local, 'sub', 'two.txt'), 'two');
    writeFileSync(path.join(local, 'sub', '.git', 'config'), 'secret-ish');
    const [file] = await exec<TransferRecord[]>('uploadFile', { profileName: P, path: dir(), type: 'directory' }, [path.join(local, 'one.txt')]) ?? [];
    assert.equal(file?.state, 'done');
    assert.equal(readFileSync(dir('one.txt'), 'utf8'), 'one');
    const [folder] = await exec<TransferRecord[]>('uploadFolder', { profileName: P, path: dir(), type: 'directory' }, [path.join(local, 'sub')]) ?? [];
    assert.equal(folder?.state, 'done');
    assert.equal(readFileSync(dir('sub', 'two.txt'), 'utf8'), 'two');
    assert.ok(!existsSync(dir('sub', '.git')), '.git is never uploaded');

    const down = path.join(config.workspace, 'down');
    const got = await exec<TransferRecord>('download', { profileName: P, path: dir('one.txt'), type: 'file' }, path.join(down, 'one-copy.txt'));
    assert.equal(got?.state, 'done');
    assert.equal(readFileSync(path.join(down, 'one-copy.txt'), 'utf8'), 'one');
    const gotDir = await exec<TransferRecord>('download', { profileName: P, path: dir('sub'), type: 'directory' }, path.join(down, 'sub'));
    assert.equal(gotDir?.state, 'done');
    assert.equal(readFileSync(path.join(down, 'sub', 'two.txt'), 'utf8'), 'two');
    assert.ok(api.services.transfers.all.some((r) => r.direction === 'download' && r.state === 'done'), 'listed in Transfers');

    // The paths are exact targets: a folder sent again lands on its twin, never inside it.
    const [again] = await exec<TransferRecord[]>('uploadFolder', { profileName: P, path: dir(), type: 'directory' }, [path.join(local, 'sub')]) ?? [];
    assert.equal(again?.state, 'done');
    assert.ok(!existsSync(dir('sub', 'sub')), 'the upload did not nest the folder in its twin');
    assert.equal((await exec<TransferRecord>('download', { profileName: P, path: dir('sub'), type: 'directory' }, path.join(down, 'sub')))?.state, 'done');
    assert.ok(!existsSync(path.join(down, 'sub', 'sub')), 'the download did not nest the folder in its twin');
    mkdirSync(path.join(down, 'elsewhere'));
    assert.equal((await exec<TransferRecord>('download', { profileName: P, path: dir('sub'), type: 'directory' }, path.join(down, 'elsewhere')))?.state, 'done');
    assert.equal(readFileSync(path.join(down, 'elsewhere', 'two.txt'), 'utf8'), 'two', 'an existing folder of another name is the target itself');
  });

  it('Upload to Remote… from the Explorer and a drop onto a remote folder upload the files', async () => {
    const api = await getApi();
    answerUi(api);
    const a = path.join(config.workspace, 'explorer-a.txt');
    const b = path.join(config.workspace, 'dropped-b.txt');
    writeFileSync(a, 'from explorer');
    writeFileSync(b, 'dropped');
    const target = { profileName: P, path: dir('alpha-folder'), type: 'directory' };
    await exec('uploadToRemote', vscode.Uri.file(a), [vscode.Uri.file(a)], target);
    assert.equal(readFileSync(dir('alpha-folder', 'explorer-a.txt'), 'utf8'), 'from explorer');

    const data = new vscode.DataTransfer();
    data.set('text/uri-list', new vscode.DataTransferItem(vscode.Uri.file(b).toString()));
    const node: RemoteNode = { kind: 'entry', profileName: P, path: dir('alpha-folder'), type: 'directory', size: 0 };
    await api.services.tree.handleDrop(node, data);
    assert.equal(readFileSync(dir('alpha-folder', 'dropped-b.txt'), 'utf8'), 'dropped');
  });

  it('Cancel aborts a running upload', async () => {
    const api = await getApi();
    answerUi(api);
    const running = exec<TransferRecord[]>('uploadFile', { profileName: P, path: dir(), type: 'directory' }, [config.bigFile]);
    const rec = await waitFor('the upload to move bytes', () => api.services.transfers.all.find((r) => r.local === config.bigFile && r.state === 'running' && r.bytes > 0));
    assert.equal(await exec('cancelTransfer', rec.id), true);
    await running;
    assert.equal(rec.state, 'cancelled');
    const size = existsSync(dir('big.bin')) ? (await fsp.stat(dir('big.bin'))).size : 0;
    assert.ok(size < rec.total!, `the server has less than the whole file (${size} of ${rec.total})`);
  });

  it('refuses a changed host key with both fingerprints; only Replace Pinned Key… gets through', async () => {
    const api = await getApi();
    const fake = 'SHA256:' + 'A'.repeat(43);
    await api.services.trustStore.forget('host-key', config.sftp.host, config.sftp.port);
    await api.services.trustStore.remember({ kind: 'host-key', protocol: 'sftp', host: config.sftp.host, port: config.sftp.port, fingerprint: fake, keyType: config.sftp.keyType });
    await exec('disconnect', P);
    const rec = answerUi(api, { confirm: () => TRUST_REMEMBER });
    const before = authAttempts();
    assert.equal(await exec('connect', P), undefined);
    assert.equal(rec.confirms.length, 0, 'a changed key is never a question');
    assert.equal(rec.modalErrors.length, 1);
    assert.ok(rec.modalErrors[0].detail.includes(fake) && rec.modalErrors[0].detail.includes(config.sftp.fingerprint), 'both fingerprints shown');
    assert.equal(authAttempts(), before, 'nothing was sent to the server');
    const state = api.services.connections.state(P);
    assert.equal(state.status === 'error' && state.code, 'host-key-changed');
    const profileNode = (await api.services.tree.getChildren()).find((n) => n.kind === 'profile' && n.profile.name === P)!;
    const [child] = await api.services.tree.getChildren(profileNode);
    assert.equal(child.kind === 'message' && child.contextValue, 'message.identityChanged');

    const replace = answerUi(api, { confirm: (_m, a) => a.find((x) => x === 'Forget and Reconnect' || x === TRUST_REMEMBER) });
    assert.equal(await exec('replacePinnedKey', P), true);
    assert.equal(replace.confirms.length, 2, 'confirmed the replacement, then asked about the new key');
    assert.ok(replace.confirms[1].detail.includes(config.sftp.fingerprint));
    assert.equal(api.services.connections.state(P).status, 'connected');
    const stored = await api.services.trustStore.find('host-key', config.sftp.host, config.sftp.port);
    assert.deepEqual(stored.map((r) => r.fingerprint), [config.sftp.fingerprint]);
  });
});

