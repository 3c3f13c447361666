import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough, Readable } from 'node:stream';
import { createSecretCommand } from '../../src/cli/commands/secret';
import { memorySecretStore } from '../../src/core/secrets/memoryStore';
import { UsageError, SecurityRefusal } from '../../src/core/errors';
import type { CliContext } from '../../src/cli/context';

function context(stdin = '') {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  stdout.on('data', (d) => (out += d));
  const ctx: CliContext = { stdout, stderr, stdin: Readable.from([stdin]), env: {}, cwd: '/', interactive: false, verbose: false };
  return { ctx, output: () => out };
}

test('secret commands over an in-memory store: set, list, forget', async () => {
  const store = memorySecretStore();
  const cmd = createSecretCommand(() => store);
  const a = context('s3cret-pw\n');
  assert.equal(await cmd(a.ctx, ['set-password', 'sftp://alice@[::1]:2222/some/path']), 0);
  assert.equal(store.raw.get('password:sftp://alice@[::1]:2222'), 's3cret-pw');

  const t = context('otpauth://totp/x?secret=JBSWY3DPEHPK3PXP&digits=8');
  assert.equal(await cmd(t.ctx, ['set-totp', 'sftp://alice@[::1]:2222']), 0);
  assert.match(t.output(), /^Stored the TOTP seed for sftp:\/\/alice@\[::1\]:2222 in the OS keychain\.\nNext code: \d{4} \d{4} \(valid \d+ s more\) — compare with your authenticator app\.\n$/);

  const l = context();
  assert.equal(await cmd(l.ctx, ['list']), 0);
  assert.equal(l.output(), 'sftp://alice@[::1]:2222  password, TOTP seed\n');

  const f = context();
  assert.equal(await cmd(f.ctx, ['forget', 'sftp://alice@[::1]:2222']), 0);
  assert.equal(f.output(), 'Forgot the password, TOTP seed of sftp://alice@[::1]:2222.\n');
  const e = context();
  await cmd(e.ctx, ['list']);
  assert.equal(e.output(), 'No secrets are stored.\n');
});

test('bad command lines are usage errors; plain FTP is refused; nothing is stored', async () => {
  const store = memorySecretStore();
  const cmd = createSecretCommand(() => store);
  await assert.rejects(cmd(context().ctx, []), /needs a subcommand.*Usage/);
  await assert.rejects(cmd(context().ctx, ['__proto__']), UsageError, 'no prototype lookups');
  await assert.rejects(cmd(context().ctx, ['list', 'extra']), /takes no arguments/);
  await assert.rejects(cmd(context('pw').ctx, ['set-password', 'sftp://host.example']), /no user name/);
  await assert.rejects(cmd(context('pw').ctx, ['set-password', 'ftp://a@host.example']), SecurityRefusal);
  await assert.rejects(cmd(context('').ctx, ['set-totp', 'sftp://a@host.example']), /No TOTP seed was given on stdin/);
  assert.deepEqual(await store.keys(), []);
});

test('an sftp:// alias from the ssh config: secrets go under its HostName, Port and User (what `ls` reaches)', async () => {
  const { mkdtemp, writeFile } = await import('node:fs/promises');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const dir = await mkdtemp(join(tmpdir(), 'st-secret-alias-'));
  const config = join(dir, 'ssh_config');
  await writeFile(config, 'Host box\n  HostName files.example.org\n  Port 2200\n  User carol\nHost nouser\n  HostName other.example.org\n');
  const store = memorySecretStore();
  const cmd = createSecretCommand(() => store);
  const a = context('alias-pw\n');
  assert.equal(await cmd(a.ctx, ['set-password', 'sftp://box/', '--ssh-config', config]), 0);
  assert.deepEqual(await store.keys(), ['password:sftp://carol@files.example.org:2200']);
  assert.match(a.output(), /for sftp:\/\/carol@files\.example\.org:2200 /);
  // The URL's own user and port beat the config's, as for a connection.
  assert.equal(await cmd(context('pw2').ctx, ['set-passphrase', `--ssh-config=${config}`, 'sftp://dave@box:2022']), 0);
  assert.ok((await store.keys()).includes('passphrase:sftp://dave@files.example.org:2022'));
  assert.equal(await cmd(context('JBSWY3DPEHPK3PXP').ctx, ['set-totp', 'sftp://box', '--ssh-config', config]), 0);
  const f = context();
  assert.equal(await cmd(f.ctx, ['forget', 'sftp://box', '--ssh-config', config]), 0);
  assert.equal(f.output(), 'Forgot the password, TOTP seed of sftp://carol@files.example.org:2200.\n');
  // No user in the URL nor in the config: still one sentence (the local user name is only a guess).
  await assert.rejects(cmd(context('pw').ctx, ['set-password', 'sftp://nouser', '--ssh-config', config]), /sftp:\/\/nouser has no user name.*add a User line/);
  // --ssh-config none: the alias is just a host name.
  assert.equal(await cmd(context('pw').ctx, ['set-password', 'sftp://erin@box', '--ssh-config', 'none']), 0);
  assert.ok((await store.keys()).includes('password:sftp://erin@box:22'));
});
