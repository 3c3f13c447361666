/// <reference types="mocha" />
/**
 * Against an sshd of its own (started here, so it can be stopped): a dropped connection is restored by
 * the next tree refresh or file read (the server is stopped with all its sessions and started again on
 * the same port with the same host keys: no window reload, no new trust question); hostile remote
 * names show escaped in the tree; saving over a file changed on the server asks first.
 */
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { mkdirSync, promises as fsp, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import * as vscode from 'vscode';
import { startSshd, stopWithConnections, type RunningServer } from '../../harness';
import type { ReconnectingFileSystem } from '../../../src/core/session/reconnecting';
import { remoteUri } from '../../../src/extension/remoteUri';
import { answerUi, config, getApi, waitFor, testUserIds as ids } from './helpers';

const P = 'reconnect-test';
const dir = (...parts: string[]) => path.posix.join(config.remoteDir, 'reconnect', ...parts);
const exec = <T>(cmd: string, ...args: unknown[]) => vscode.commands.executeCommand<T>(`secureTransfer.${cmd}`, ...args);
const logins = (server: RunningServer) => readFileSync(server.logFile, 'utf8').split('\n').filter((l) => l.includes('Accepted')).length;

/** Every process below `pid` (sshd's per-connection children), from /proc. */


describe('Own sshd: reconnect, hostile names, save conflicts', function () {
  this.timeout(120_000);
  let first: RunningServer;
  let second: RunningServer | undefined;

  before(async () => {
    first = await startSshd();
    mkdirSync(dir(), { recursive: true });
    writeFileSync(dir('kept.txt'), 'still here\n');
    const [uid, gid] = ids();
    for (const f of [dir(), dir('kept.txt')]) await fsp.chown(f, uid, gid);
  });

  after(async () => {
    await exec('disconnect', P);
    await (second ?? first).stop();
  });

  it('the next tree refresh and file read reconnect, verifying the same key without asking again', async () => {
    const api = await getApi();
    answerUi(api);
    await exec('addProfile', { name: P, protocol: 'sftp', host: first.host, port: first.port, username: config.user.name, remotePath: dir(), target: 'user' });
    await exec('setPassword', P, config.user.password);
    const rec = answerUi(api, { confirm: (_m, a) => (a.includes('Trust and Remember') ? 'Trust and Remember' : undefined) });
    assert.equal(await exec('connect', P), true);
    assert.equal(rec.confirms.length, 1, 'the first connection asks about the key');
    const profileNode = (await api.services.tree.getChildren()).find((n) => n.kind === 'profile' && n.profile.name === P)!;
    const names = async () => (await api.services.tree.getChildren(profileNode)).map((n) => (n.kind === 'entry' ? path.posix.basename(n.path) : `message: ${n.kind === 'message' ? n.text : ''}`));
    assert.deepEqual(await names(), ['kept.txt']);

    await stopWithConnections(first);
    second = await startSshd({ port: first.port, hostKeysFrom: first });
    const before = logins(second);

    assert.deepEqual(await names(), ['kept.txt'], 'the tree lists again after the drop');
    const text = new TextDecoder().decode(await vscode.workspace.fs.readFile(remoteUri(P, dir('kept.txt'))));
    assert.equal(text, 'still here\n');
    const state = api.services.connections.state(P);
    assert.equal(state.status, 'connected');
    assert.equal(state.status === 'connected' && (state.fs as ReconnectingFileSystem).reconnects, 1, 'one reconnect restored the link');
    assert.equal(logins(second) - before, 1, 'the restarted server saw exactly one new login');
    assert.equal(rec.confirms.length, 1, 'no new trust question');
    assert.equal(rec.inputs.length, 0, 'no password asked');
  });

  it('shows control characters in remote names escaped in the tree', async () => {
    const api = await getApi();
    answerUi(api);
    const hostile = 'evil\nname\u001b[31m\u009b.txt';
    writeFileSync(dir(hostile), 'x');
    await fsp.chown(dir(hostile), ...ids());
    const profileNode = (await api.services.tree.getChildren()).find((n) => n.kind === 'profile' && n.profile.name === P)!;
    const entry = (await api.services.tree.getChildren(profileNode)).find((n) => n.kind === 'entry' && n.path === dir(hostile));
    assert.ok(entry, 'the hostile name is listed');
    const item = api.services.tree.getTreeItem(entry);
    assert.equal(item.label, 'evil\\x0aname\\x1b[31m\\x9b.txt');
    assert.ok([...String(item.tooltip)].every((ch) => ch >= ' ' && (ch < '\u007f' || ch > '\u009f')), 'the tooltip is escaped too');
    assert.equal(item.resourceUri?.toString(), remoteUri(P, dir(hostile)).toString(), 'the file itself is still reachable');
  });

  it('asks before saving over a file changed on the server: Cancel keeps the server copy, Overwrite replaces it', async () => {
    const api = await getApi();
    writeFileSync(dir('conflict.txt'), 'original\n');
    await fsp.chown(dir('conflict.txt'), ...ids());
    const uri = remoteUri(P, dir('conflict.txt'));
    const editor = await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri));
    await editor.edit((b) => b.insert(new vscode.Position(0, 0), 'mine: '));
    // Someone changes the file on the server. Its mtime goes back (tools that keep the source's mtime do
    // this), so only the provider's own check, not VS Code's "newer on disk" check, can notice.
    writeFileSync(dir('conflict.txt'), 'theirs, changed on the server\n');
    const past = new Date(Date.now() - 3600_000);
    utimesSync(dir('conflict.txt'), past, past);

    const cancelled = answerUi(api, { confirm: () => 'Cancel' });
    assert.equal(await editor.document.save(), false, 'the save fails');
    assert.equal(cancelled.confirms.length, 1);
    assert.match(cancelled.confirms[0].message, /changed since you opened it/);
    assert.deepEqual(cancelled.confirms[0].actions, ['Overwrite']);
    assert.equal(cancelled.confirms[0].safeDefault, 'Cancel', 'Cancel is the default button');
    assert.equal(readFileSync(dir('conflict.txt'), 'utf8'), 'theirs, changed on the server\n', 'Cancel keeps the server copy');
    assert.ok(editor.document.isDirty, 'the editor keeps the unsaved change');

    const overwritten = answerUi(api, { confirm: (_m, a) => a.find((x) => x === 'Overwrite') });
    assert.ok(await editor.document.save());
    assert.equal(overwritten.confirms.length, 1);
    await waitFor('the saved content', () => readFileSync(dir('conflict.txt'), 'utf8') === 'mine: original\n');
    // Our own save is the new baseline: saving again asks nothing.
    const again = answerUi(api);
    await editor.edit((b) => b.insert(new vscode.Position(0, 0), 'more '));
    assert.ok(await editor.document.save());
    assert.equal(again.confirms.length, 0);
    assert.equal(readFileSync(dir('conflict.txt'), 'utf8'), 'more mine: original\n');
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });
});

