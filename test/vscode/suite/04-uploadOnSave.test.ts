/// <reference types="mocha" />
/**
 * A shared (workspace) profile with uploadOnSave: saved files under localRoot go to the mapped remote
 * path; the profile file, .git/ and ignored globs never do. Runs after 03 (the host key is trusted
 * and the password stored for the same server).
 */
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { existsSync, mkdirSync, readFileSync, writeFileSync, promises as fsp } from 'node:fs';
import * as vscode from 'vscode';
import type { TransferRecord } from '../../../src/extension/transfers';
import { answerUi, config, getApi, waitFor } from './helpers';

const P = 'site';
const remote = (...p: string[]) => path.posix.join(config.remoteDir, 'site', ...p);
const local = (...p: string[]) => path.join(config.workspace, ...p);
const profileFile = local('.vscode', 'secure-transfer.json');

async function saveWith(file: string, text: string): Promise<void> {
  const doc = await vscode.workspace.openTextDocument(file);
  const edit = new vscode.WorkspaceEdit();
  edit.replace(doc.uri, new vscode.Range(0, 0, doc.lineCount, 0), text);
  assert.ok(await vscode.workspace.applyEdit(edit));
  assert.ok(await doc.save());
}

describe('upload on save (shared workspace profile)', function () {
  this.timeout(60_000);

  before(async () => {
    const api = await getApi();
    answerUi(api);
    mkdirSync(remote(), { recursive: true });
    const line = readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith(`${config.user.name}:`))!.split(':');
    await fsp.chown(remote(), Number(line[2]), Number(line[3]));
    mkdirSync(local('site', '.git'), { recursive: true });
    for (const f of ['index.html', 'debug.log', 'page.html', path.join('.git', 'config')]) writeFileSync(local('site', f), 'initial\n');
    writeFileSync(profileFile, JSON.stringify({
      profiles: [{
        name: P, protocol: 'sftp', host: config.sftp.host, port: config.sftp.port, username: config.user.name,
        remotePath: remote(), localRoot: 'site', uploadOnSave: true, ignore: ['*.log'],
      }],
    }, null, 2));
    await vscode.commands.executeCommand('secureTransfer.refresh');
    const p = api.services.profiles.find(P);
    assert.equal(p?.source.kind, 'workspace');
  });

  it('marks the shared profile as such in the tree', async () => {
    const api = await getApi();
    const node = (await api.services.tree.getChildren()).find((n) => n.kind === 'profile' && n.profile.name === P)!;
    assert.match(String(api.services.tree.getTreeItem(node).description), /^shared · /);
  });

  it('uploads a saved file to the mapped path, and never the profile file, .git/ or ignored globs', async () => {
    const api = await getApi();
    const recordsFor = (f: string) => api.services.transfers.all.filter((r: TransferRecord) => r.local === f);
    await saveWith(local('site', 'debug.log'), 'ignored\n');
    await saveWith(local('site', '.git', 'config'), 'never\n');
    await saveWith(profileFile, readFileSync(profileFile, 'utf8'));
    await saveWith(local('site', 'index.html'), '<h1>saved</h1>\n');
    await waitFor('index.html on the server', () => existsSync(remote('index.html')) && readFileSync(remote('index.html'), 'utf8') === '<h1>saved</h1>\n');
    for (const f of [local('site', 'debug.log'), local('site', '.git', 'config'), profileFile]) assert.deepEqual(recordsFor(f), [], `${f} was not uploaded`);
    assert.ok(!existsSync(remote('debug.log')));
    assert.ok(!existsSync(remote('.git')));
  });

  it('Upload Active File uses the same mapping', async () => {
    const doc = await vscode.workspace.openTextDocument(local('site', 'page.html'));
    await vscode.window.showTextDocument(doc);
    const records = await vscode.commands.executeCommand<TransferRecord[]>('secureTransfer.uploadActiveFile');
    assert.equal(records?.[0]?.state, 'done');
    assert.equal(readFileSync(remote('page.html'), 'utf8'), 'initial\n');
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('a profile file holding a password is refused, shown in place in the tree', async () => {
    const api = await getApi();
    const good = readFileSync(profileFile, 'utf8');
    try {
      const bad = JSON.parse(good);
      bad.profiles[0].password = 'hunter2';
      writeFileSync(profileFile, JSON.stringify(bad));
      await vscode.commands.executeCommand('secureTransfer.refresh');
      assert.equal(api.services.profiles.find(P), undefined);
      const roots = await api.services.tree.getChildren();
      // The row says what to do; the reason is beside it and in full in its tooltip (and at the spot in the editor).
      const problem = roots.find((n) => n.kind === 'message' && n.text === 'Profiles file has an error — open it' && /keychain/i.test(n.detail ?? '') && /keychain/i.test(n.description ?? ''));
      assert.ok(problem, 'the reason is shown in the tree');
    } finally {
      writeFileSync(profileFile, good);
      await vscode.commands.executeCommand('secureTransfer.refresh');
    }
    assert.ok(api.services.profiles.find(P));
  });
});
