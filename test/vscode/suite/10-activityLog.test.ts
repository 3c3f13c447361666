/// <reference types="mocha" />
/**
 * Monitoring: connects, uploads, downloads and deletes land in the local activity log (JSON lines in
 * the extension's log folder) with bytes and result, never a secret; "Show Activity Log" shows the
 * entries of the server picked in a QuickPick as a read-only document.
 */
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as vscode from 'vscode';
import type { ActivityEntry } from '../../../src/core/audit/activityLog';
import { answerUi, config, getApi } from './helpers';

const P = 'sftp-test';
const server = `sftp://${config.sftp.host}:${config.sftp.port}`;
const remoteDir = path.posix.join(config.remoteDir, 'sftp');
const exec = <T>(cmd: string, ...args: unknown[]) => vscode.commands.executeCommand<T>(`secureTransfer.${cmd}`, ...args);

describe('activity log', function () {
  this.timeout(60_000);
  const payload = 'activity log payload\n';
  const name = `logged-${Date.now()}.txt`;

  before(async () => {
    const api = await getApi();
    answerUi(api);
    const local = path.join(mkdtempSync(path.join(os.tmpdir(), 'st-activity-')), name);
    writeFileSync(local, payload);
    const [up] = await exec<{ state: string }[]>('uploadFile', { profileName: P, path: remoteDir, type: 'directory' }, [local]);
    assert.equal(up?.state, 'done');
    const down = await exec<{ state: string }>('download', { profileName: P, path: path.posix.join(remoteDir, name), type: 'file' }, local + '.back');
    assert.equal(down?.state, 'done');
    assert.equal(await exec('delete', { profileName: P, path: path.posix.join(remoteDir, name), type: 'file' }, { confirmed: true }), true);
  });

  it('records connect, upload, download and delete with bytes and result, and no secret', async () => {
    const api = await getApi();
    const entries = await api.services.activity.read({ server });
    const mine = (action: string) => entries.find((e) => e.action === action && e.path === path.posix.join(remoteDir, name));
    assert.ok(entries.some((e) => e.action === 'connect' && e.result === 'ok' && e.fingerprint === config.sftp.fingerprint));
    assert.deepEqual(pick(mine('upload')), { result: 'ok', bytes: payload.length });
    assert.deepEqual(pick(mine('download')), { result: 'ok', bytes: payload.length });
    assert.equal(mine('delete')?.result, 'ok');
    const file = readFileSync(path.join(api.services.context.logUri.fsPath, 'activity.jsonl'), 'utf8');
    assert.ok(!file.includes(config.user.password), 'no password in the log file');
  });

  it('Show Activity Log picks a server and shows only its entries, read-only', async () => {
    const api = await getApi();
    let offered: string[] = [];
    answerUi(api, {
      pick: (items) => {
        offered = items.map((i) => i.label);
        return items.find((i) => i.label === server);
      },
    });
    const doc = await exec<vscode.TextDocument>('showActivityLog');
    assert.ok(doc, 'a document was shown');
    assert.ok(offered.includes('All servers') && offered.includes(server) && offered.includes(`sftp://${config.weakSftp.host}:${config.weakSftp.port}`));
    const text = doc.getText();
    assert.match(text, new RegExp(`upload\\s+ok\\s+${payload.length} bytes\\s+${path.posix.join(remoteDir, name).replace(/[.]/g, '\\.')}`));
    assert.match(text, /delete\s+ok/);
    assert.ok(!text.includes(`sftp://${config.weakSftp.host}:${config.weakSftp.port}`), 'only the picked server');
    assert.ok(!text.includes(config.user.password));
    assert.equal(doc.uri.scheme, 'secure-transfer-activity', 'a virtual document, not a file');
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });
});

function pick(e: ActivityEntry | undefined): { result?: string; bytes?: number } {
  return { result: e?.result, bytes: e?.bytes };
}
