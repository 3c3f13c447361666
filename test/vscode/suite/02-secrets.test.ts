/// <reference types="mocha" />
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { secretKey } from '../../../src/core/secrets/secretStore';
import { answerUi, config, getApi } from './helpers';

const PROFILE = 'secrets-only';
const server = { protocol: 'sftp' as const, host: '127.0.0.1', port: 2, username: 'nobody-here' };

describe('secrets in VS Code SecretStorage', () => {
  before(async () => {
    const api = await getApi();
    answerUi(api);
    await vscode.commands.executeCommand('secureTransfer.addProfile', { name: PROFILE, protocol: 'sftp', host: server.host, port: server.port, username: server.username, target: 'user' });
    assert.ok(api.services.profiles.find(PROFILE), 'profile added');
  });

  it('Set Password stores the password in SecretStorage under the server key, never in settings', async () => {
    const api = await getApi();
    const rec = answerUi(api, { input: (o) => (o.password ? 'S3cret-pw-for-test' : undefined) });
    assert.equal(await vscode.commands.executeCommand('secureTransfer.setPassword', PROFILE), true);
    assert.equal(rec.inputs[0].password, true, 'the input box hides what is typed');
    assert.equal(await api.services.secrets.get(secretKey(server, 'password')), 'S3cret-pw-for-test');
    assert.ok((await api.services.secrets.keys()).includes(secretKey(server, 'password')));
    const settings = JSON.stringify(vscode.workspace.getConfiguration('secureTransfer').inspect('profiles'));
    assert.ok(!settings.includes('S3cret-pw-for-test'));
    assert.equal(await api.services.context.secrets.get(`secureTransfer:${secretKey(server, 'password')}`), 'S3cret-pw-for-test');
  });

  it('redacts a stored password from the log', async () => {
    const api = await getApi();
    assert.ok(!api.services.log.redactor.redact('user typed S3cret-pw-for-test here').includes('S3cret-pw-for-test'));
    assert.ok(!api.services.log.redactor.redact('PASS hunter22').includes('hunter22'));
  });

  it('Set TOTP Secret validates the seed and shows the current code', async () => {
    const api = await getApi();
    const rec = answerUi(api);
    const code = await vscode.commands.executeCommand<string>('secureTransfer.setTotpSecret', PROFILE, 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP');
    assert.match(code ?? '', /^\d{6}$/);
    assert.ok(rec.infos.some((m) => m.includes(code!)));
    assert.ok(await api.services.secrets.get(secretKey(server, 'totp')));
    // A malformed seed is one clear sentence, nothing stored.
    await vscode.commands.executeCommand('secureTransfer.setTotpSecret', PROFILE, 'not base32 !!');
    assert.equal(rec.errors.length, 1);
    assert.ok(!rec.errors[0].includes('\n    at '), 'no stack trace');
  });

  it('Forget Secrets asks first, then removes every secret of the server', async () => {
    const api = await getApi();
    const cancelled = answerUi(api, { confirm: () => undefined });
    assert.deepEqual(await vscode.commands.executeCommand('secureTransfer.forgetSecrets', PROFILE), []);
    assert.equal(cancelled.confirms.length, 1);
    assert.ok(await api.services.secrets.get(secretKey(server, 'password')), 'Cancel keeps the secrets');
    answerUi(api, { confirm: (_m, actions) => actions.find((a) => a === 'Forget') });
    const forgotten = await vscode.commands.executeCommand<string[]>('secureTransfer.forgetSecrets', PROFILE);
    assert.deepEqual([...(forgotten ?? [])].sort(), ['password', 'totp']);
    assert.equal(await api.services.secrets.get(secretKey(server, 'password')), undefined);
    assert.equal(await api.services.context.secrets.get(`secureTransfer:${secretKey(server, 'password')}`), undefined);
    assert.deepEqual((await api.services.secrets.keys()).filter((k) => k.includes('nobody-here')), []);
  });

  after(() => assert.ok(config.user.name));
});
