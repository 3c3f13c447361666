/// <reference types="mocha" />
/** The extension against a real vsftpd with explicit TLS (require_ssl_reuse=YES). */
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { mkdirSync, readFileSync, writeFileSync, promises as fsp } from 'node:fs';
import * as vscode from 'vscode';
import { remoteUri } from '../../../src/extension/remoteUri';
import type { TransferRecord } from '../../../src/extension/transfers';
import { answerUi, config, getApi } from './helpers';

const P = 'ftpes-test';
const dir = (...p: string[]) => path.posix.join(config.remoteDir, 'ftpes', ...p);

describe('FTPS (explicit) against a real vsftpd', function () {
  this.timeout(60_000);

  before(async () => {
    const api = await getApi();
    answerUi(api);
    mkdirSync(dir(), { recursive: true });
    const line = readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith(`${config.user.name}:`))!.split(':');
    await fsp.chown(dir(), Number(line[2]), Number(line[3]));
    await vscode.commands.executeCommand('secureTransfer.addProfile', { name: P, protocol: 'ftpes', host: config.ftpes.host, port: config.ftpes.port, username: config.user.name, remotePath: dir(), target: 'user' });
    await vscode.commands.executeCommand('secureTransfer.setPassword', P, config.user.password);
  });

  it('asks about the self-signed certificate with its fingerprint, then works through the file system', async () => {
    const api = await getApi();
    const rec = answerUi(api, { confirm: (_m, a) => (a.includes('Trust Once') ? 'Trust Once' : undefined) });
    assert.equal(await vscode.commands.executeCommand('secureTransfer.connect', P), true, rec.errors.join(' '));
    assert.equal(rec.confirms.length, 1);
    assert.ok(rec.confirms[0].detail.includes(config.ftpes.fingerprint));
    assert.match(rec.confirms[0].message, /TLS certificate/);
    await vscode.workspace.fs.writeFile(remoteUri(P, dir('tls.txt')), new TextEncoder().encode('over TLS'));
    assert.equal(readFileSync(dir('tls.txt'), 'utf8'), 'over TLS');
    const listing = await vscode.workspace.fs.readDirectory(remoteUri(P, dir()));
    assert.deepEqual(listing.map(([n]) => n).filter((n) => !n.startsWith('.')), ['tls.txt']);
    const local = path.join(config.workspace, 'ftp-up.txt');
    writeFileSync(local, 'uploaded over FTPS');
    const [r] = (await vscode.commands.executeCommand<TransferRecord[]>('secureTransfer.uploadFile', { profileName: P, path: dir(), type: 'directory' }, [local])) ?? [];
    assert.equal(r?.state, 'done');
    assert.equal(readFileSync(dir('ftp-up.txt'), 'utf8'), 'uploaded over FTPS');
    await vscode.commands.executeCommand('secureTransfer.disconnect', P);
  });
});
