/**
 * SFTP against REAL servers (OpenSSH sshd and ProFTPD mod_sftp, started by the harness): file
 * round trips, every authentication path, and host-key refusals that must happen before any
 * credential is asked for or sent.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { generate } from 'otplib';
import { clientKeys, freePort, MiB, scratchDir, sha256File, startProftpd, startSshd, startTcpProxy, stopAll, TEST_USER, writeRandomFile, type RunningServer } from '../harness';
import { tempDir } from '../harness/common';
import { connectSftp, type SftpConnectOptions, type SftpFileSystem } from '../../src/core/session/sftp';
import { scanHostKey } from '../../src/core/session/sftpHostKey';
import type { CredentialProvider, InteractivePrompt } from '../../src/core/session/credentials';
import { TrustStore } from '../../src/core/trust/trustStore';
import { refuseUnknown } from '../../src/core/trust/types';
import { CancelledError, EXIT_CODES, NotFoundError, SecureTransferError, SecurityRefusal } from '../../src/core/errors';

after(stopAll);

const NON_ASCII = 'Grüße – 日本.txt';

/** A provider that records every call, so tests can prove what was (not) asked. */
function spyCredentials(answers: {
  password?: string;
  passphrase?: string;
  keyboard?: (prompts: InteractivePrompt[]) => Promise<string[]> | string[];
  retryKeyboard?: boolean;
}): CredentialProvider & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    password: async () => (calls.push('password'), answers.password),
    passphrase: async (_s, file) => (calls.push(`passphrase:${file}`), answers.passphrase),
    keyboardInteractive: async (_s, _n, _i, prompts) => {
      calls.push(`keyboard:${prompts.map((p) => p.prompt.trim()).join('|')}`);
      return answers.keyboard ? answers.keyboard(prompts) : prompts.map(() => answers.password ?? '');
    },
    onAuthFailure: () => void calls.push('onAuthFailure'),
    retryKeyboardInteractive: () => (calls.push('retryKeyboard'), answers.retryKeyboard === true),
  };
}

async function trustStore(): Promise<TrustStore> {
  const { local } = await scratchDir('trust');
  return new TrustStore(path.join(local, 'trust.json'));
}

async function options(server: RunningServer, over: Partial<SftpConnectOptions> = {}): Promise<SftpConnectOptions> {
  return {
    server: { protocol: 'sftp', host: server.host, port: server.port, username: TEST_USER.name },
    credentials: spyCredentials({ password: TEST_USER.password }),
    trust: { pinned: server.hostKeys!.map((k) => k.fingerprint), knownHostsFiles: [], trustStore: await trustStore(), decide: refuseUnknown },
    // Hermetic: no agent and no ~/.ssh default keys of whoever runs the tests (keys-agents.test.ts covers those).
    env: {},
    home: await tempDir('no-home', 0o700),
    ...over,
  };
}



async function rejection(p: Promise<unknown>): Promise<SecureTransferError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof SecureTransferError, `expected a SecureTransferError, got ${String((err as Error)?.stack ?? err)}`);
    return err;
  }
  assert.fail('expected a rejection');
}

/** Waits until the server's log satisfies `done` (servers write asynchronously). */
async function logUntil(server: RunningServer, done: (log: string) => boolean, ms = 5000): Promise<string> {
  const end = Date.now() + ms;
  let log = await server.readLog();
  while (!done(log) && Date.now() < end) {
    await new Promise((r) => setTimeout(r, 50));
    log = await server.readLog();
  }
  return log;
}

const SERVERS: Array<{ name: string; start: () => Promise<RunningServer> }> = [
  { name: 'OpenSSH', start: () => startSshd() },
  { name: 'ProFTPD mod_sftp', start: () => startProftpd({ mode: 'sftp' }) },
];

for (const { name, start } of SERVERS) {
  describe(`file operations over SFTP (${name})`, () => {
    let server: RunningServer;
    let sftp: SftpFileSystem;
    let remote: string;
    let local: string;

    before(async () => {
      server = await start();
      ({ remote, local } = await scratchDir(`sftp-${name.split(' ')[0]}`));
      sftp = await connectSftp(await options(server));
    });
    after(() => sftp?.close());

    test('reports the login folder and what the server offers', () => {
      assert.equal(sftp.homeDir, TEST_USER.home);
      assert.equal(sftp.connected, true);
      if (name === 'OpenSSH') {
        assert.equal(sftp.capabilities.atomicRename, true);
        assert.equal(sftp.capabilities.maxRequestBytes, 255 * 1024);
        assert.equal(sftp.chunkSize, 255 * 1024);
      } else {
        assert.equal(sftp.chunkSize, 32 * 1024, 'no limits@openssh.com: the safe request size');
      }
    });

    for (const [label, size] of [['empty', 0], ['small', 1000], ['64 MiB', 64 * MiB]] as const) {
      test(`upload and download a ${label} file with a non-ASCII name keep every byte`, async () => {
        const src = path.join(local, `${label}-${NON_ASCII}`);
        const back = path.join(local, `${label}-back-${NON_ASCII}`);
        const target = `${remote}/${label}-${NON_ASCII}`;
        await writeRandomFile(src, size);
        const progress: number[] = [];
        await sftp.uploadFile(src, target, { onProgress: (p) => progress.push(p.bytes) });
        // The remote path is this machine's own file: check it independently of our download.
        assert.equal(await sha256File(target), await sha256File(src));
        await sftp.downloadFile(target, back);
        assert.equal(await sha256File(back), await sha256File(src));
        if (size > 0) assert.equal(progress.at(-1), size);
        const listed = (await sftp.list(remote)).find((e) => e.name === `${label}-${NON_ASCII}`);
        assert.deepEqual({ type: listed?.type, size: listed?.size }, { type: 'file', size });
      });
    }

    test('readFile/writeFile and streams round-trip, with resume offsets', async () => {
      const data = randomBytes(300_000);
      await sftp.writeFile(`${remote}/w.bin`, data);
      assert.ok((await sftp.readFile(`${remote}/w.bin`)).equals(data));

      await sftp.writeFromStream(`${remote}/s.bin`, Readable.from([data.subarray(0, 100_000), data.subarray(100_000)]));
      const chunks: Buffer[] = [];
      for await (const c of await sftp.createReadStream(`${remote}/s.bin`, { offset: 5 })) chunks.push(c as Buffer);
      assert.ok(Buffer.concat(chunks).equals(data.subarray(5)));

      // Resume an upload: the first half is there, the rest is appended from the offset.
      const src = path.join(local, 'resume.bin');
      await fs.writeFile(src, data);
      await sftp.writeFile(`${remote}/r.bin`, data.subarray(0, 150_000));
      await sftp.uploadFile(src, `${remote}/r.bin`, { offset: 150_000 });
      assert.ok((await fs.readFile(`${remote}/r.bin`)).equals(data));
      // Resume a download the same way.
      const partial = path.join(local, 'partial.bin');
      await fs.writeFile(partial, data.subarray(0, 1000));
      await sftp.downloadFile(`${remote}/r.bin`, partial, { offset: 1000 });
      assert.ok((await fs.readFile(partial)).equals(data));
    });

    test('a folder of 3,000 entries (many READDIR batches, several in flight): every name listed exactly once', async () => {
      const names = Array.from({ length: 3000 }, (_, i) => `many-${String(i).padStart(4, '0')}`);
      await fs.mkdir(`${remote}/many`);
      for (const n of names) await fs.writeFile(`${remote}/many/${n}`, '');
      const listed = (await sftp.list(`${remote}/many`)).map((e) => e.name);
      assert.equal(listed.length, names.length);
      assert.deepEqual(listed.sort(), names);
    });

    test('mkdir -p, list types, stat, realpath, rename with and without overwrite, delete, rmdir -r', async () => {
      await sftp.mkdir(`${remote}/a/b/c`);
      await sftp.mkdir(`${remote}/a/b`); // existing: fine
      await sftp.writeFile(`${remote}/a/b/c/${NON_ASCII}`, Buffer.from('x'));
      await fs.symlink(`${remote}/a/b`, `${remote}/a/link`);
      const entries = await sftp.list(`${remote}/a`);
      assert.deepEqual(
        entries.map((e) => [e.name, e.type]).sort(),
        [['b', 'directory'], ['link', 'symlink']],
      );
      assert.equal(entries.find((e) => e.name === 'link')?.target, `${remote}/a/b`);
      assert.equal((await sftp.stat(`${remote}/a/link`)).type, 'directory', 'stat follows links');
      assert.equal(await sftp.realpath(`${remote}/a/b/../b/c`), `${remote}/a/b/c`);
      assert.equal(await sftp.realpath('~'), TEST_USER.home);

      await sftp.writeFile(`${remote}/one`, Buffer.from('1'));
      await sftp.writeFile(`${remote}/two`, Buffer.from('2'));
      await rejection(sftp.rename(`${remote}/one`, `${remote}/two`)); // no overwrite: refused
      await sftp.rename(`${remote}/one`, `${remote}/two`, { overwrite: true });
      assert.equal(await fs.readFile(`${remote}/two`, 'utf8'), '1');
      await sftp.rename(`${remote}/two`, `${remote}/${NON_ASCII}`);
      await sftp.delete(`${remote}/${NON_ASCII}`);
      await assert.rejects(fs.stat(`${remote}/${NON_ASCII}`));

      await rejection(sftp.rmdir(`${remote}/a`)); // not empty
      await sftp.rmdir(`${remote}/a`, { recursive: true });
      await assert.rejects(fs.stat(`${remote}/a`));
      await fs.stat(`${remote}`); // the link target was not followed out of the tree
    });

    test('rename with overwrite also works where posix-rename is not offered (delete, then rename)', async () => {
      const saved = sftp.capabilities;
      sftp.capabilities = { ...saved, atomicRename: false };
      try {
        await sftp.writeFile(`${remote}/from`, Buffer.from('new'));
        await sftp.writeFile(`${remote}/to`, Buffer.from('old'));
        await sftp.rename(`${remote}/from`, `${remote}/to`, { overwrite: true });
        await sftp.rename(`${remote}/to`, `${remote}/fresh`, { overwrite: true }); // no target yet: fine
        assert.equal(await fs.readFile(`${remote}/fresh`, 'utf8'), 'new');
        await assert.rejects(fs.stat(`${remote}/from`));
      } finally {
        sftp.capabilities = saved;
      }
    });

    test('missing paths are NotFoundError and forbidden ones name the path', async () => {
      const missing = await rejection(sftp.stat(`${remote}/nope`));
      assert.ok(missing instanceof NotFoundError);
      assert.ok(missing.message.includes(`${remote}/nope`));
      await assert.rejects(sftp.downloadFile(`${remote}/nope`, path.join(local, 'x')), NotFoundError);
      const denied = await rejection(sftp.writeFile('/root/st-denied.txt', Buffer.from('x')));
      assert.equal(denied.code, 'permission-denied');
      assert.ok(denied.message.includes('/root/st-denied.txt'));
    });

    test('an aborted download stops with CancelledError and the session stays usable', async () => {
      const src = path.join(local, 'abort.bin');
      await writeRandomFile(src, 16 * MiB);
      await sftp.uploadFile(src, `${remote}/abort.bin`);
      const controller = new AbortController();
      const err = await rejection(
        sftp.downloadFile(`${remote}/abort.bin`, path.join(local, 'abort-back.bin'), {
          signal: controller.signal,
          onProgress: () => controller.abort(),
        }),
      );
      assert.ok(err instanceof CancelledError);
      assert.ok((await fs.stat(path.join(local, 'abort-back.bin'))).size < 16 * MiB);
      assert.ok((await sftp.list(remote)).some((e) => e.name === 'abort.bin'));
    });
  });
}

describe('authentication (OpenSSH)', () => {
  let sshd: RunningServer;
  before(async () => {
    sshd = await startSshd();
  });

  test('password', async () => {
    const credentials = spyCredentials({ password: TEST_USER.password });
    const sftp = await connectSftp(await options(sshd, { credentials }));
    await sftp.close();
    assert.deepEqual(credentials.calls, ['password']);
    assert.equal(sftp.connected, false);
  });

  test('private key, without asking for anything', async () => {
    const keys = await clientKeys();
    const credentials = spyCredentials({});
    const sftp = await connectSftp(await options(sshd, { credentials, identityFile: keys.ed25519.privateKeyFile }));
    await sftp.close();
    assert.deepEqual(credentials.calls, []);
    assert.match(await logUntil(sshd, (l) => /Accepted publickey for sttest/.test(l)), /Accepted publickey for sttest/);
  });

  test('encrypted private key with its passphrase', async () => {
    const keys = await clientKeys();
    const credentials = spyCredentials({ passphrase: keys.encrypted.passphrase });
    const sftp = await connectSftp(await options(sshd, { credentials, identityFile: keys.encrypted.privateKeyFile }));
    await sftp.close();
    assert.deepEqual(credentials.calls, [`passphrase:${keys.encrypted.privateKeyFile}`]);
  });

  test('a wrong passphrase is one clear error', async () => {
    const keys = await clientKeys();
    const err = await rejection(connectSftp(await options(sshd, { credentials: spyCredentials({ passphrase: 'wrong' }), identityFile: keys.encrypted.privateKeyFile })));
    assert.equal(err.code, 'bad-passphrase');
    assert.ok(err.message.includes(keys.encrypted.privateKeyFile));
  });

  test('a wrong password fails as auth-failed naming user@host and what was tried', async () => {
    const credentials = spyCredentials({ password: 'not-the-password' });
    const err = await rejection(connectSftp(await options(sshd, { credentials })));
    assert.equal(err.code, 'auth-failed');
    assert.equal(EXIT_CODES[err.kind], 1);
    assert.ok(err.message.includes(`${TEST_USER.name}@${sshd.host}:${sshd.port}`), err.message);
    assert.match(err.message, /tried password/);
    assert.ok(credentials.calls.includes('onAuthFailure'));
  });

  test('publickey then keyboard-interactive TOTP (partial success continues)', async () => {
    const totp = (await startSshd({ pam: 'totp-publickey' })) as RunningServer & { totpSeed?: string };
    const keys = await clientKeys();
    const credentials = spyCredentials({ keyboard: async (prompts) => Promise.all(prompts.map(() => generate({ secret: totp.totpSeed! }))) });
    const sftp = await connectSftp(await options(totp, { credentials, identityFile: keys.ed25519.privateKeyFile }));
    await sftp.close();
    assert.deepEqual(credentials.calls, ['keyboard:Verification code:']);
    const log = await logUntil(totp, (l) => /Accepted keyboard-interactive/.test(l));
    assert.match(log, /Partial publickey for sttest/);
    assert.match(log, /Accepted keyboard-interactive\/pam for sttest/);
  });

  test('a rejected code is retried once with keyboard-interactive when the provider asks for it', async () => {
    const totp = (await startSshd({ pam: 'totp-password' })) as RunningServer & { totpSeed?: string };
    // PAM asks one prompt per round: password, code; the code is wrong until a retry was granted.
    const credentials: ReturnType<typeof spyCredentials> = spyCredentials({
      retryKeyboard: true,
      keyboard: async (prompts) =>
        Promise.all(
          prompts.map(async (p) =>
            /password/i.test(p.prompt) ? TEST_USER.password : credentials.calls.includes('retryKeyboard') ? generate({ secret: totp.totpSeed! }) : '000000',
          ),
        ),
    });
    const sftp = await connectSftp(await options(totp, { credentials }));
    await sftp.close();
    assert.equal(credentials.calls.filter((c) => c === 'retryKeyboard').length, 1);
    assert.equal(credentials.calls.filter((c) => c.startsWith('keyboard:')).length, 4, 'password + code, twice');
  });
});

describe('host-key trust before authentication (OpenSSH)', () => {
  let sshd: RunningServer;
  before(async () => {
    sshd = await startSshd();
  });

  test('a changed key is refused, the provider is never called and sshd saw no authentication', async () => {
    const keys = await clientKeys();
    const { local } = await scratchDir('known-hosts');
    const knownHosts = path.join(local, 'known_hosts');
    // known_hosts vouches for another ed25519 key under this host and port.
    await fs.writeFile(knownHosts, `[${sshd.host}]:${sshd.port} ${keys.ed25519.publicKey.trim()}\n`);
    const credentials = spyCredentials({ password: TEST_USER.password });
    const before = (await sshd.readLog()).length;
    const err = await rejection(
      connectSftp(await options(sshd, {
        credentials,
        identityFile: keys.ed25519.privateKeyFile,
        trust: { knownHostsFiles: [knownHosts], trustStore: await trustStore(), decide: async () => 'remember' },
      })),
    );
    assert.ok(err instanceof SecurityRefusal);
    assert.equal(err.code, 'host-key-changed');
    assert.equal(EXIT_CODES[err.kind], 3);
    assert.ok(err.message.includes(sshd.hostKeys![0].fingerprint), 'shows the presented key');
    assert.deepEqual(credentials.calls, []);

    const log = (await logUntil(sshd, (l) => /Connection (closed|reset)|Disconnected|preauth/.test(l.slice(before)))).slice(before);
    assert.match(log, /Connection from 127\.0\.0\.1/);
    assert.doesNotMatch(log, /Accepted|Failed|Postponed|Partial|userauth|Invalid user|authenticating user/i);

    // Control: the same log does show authentication when the key is trusted.
    const ok = await connectSftp(await options(sshd));
    await ok.close();
    assert.match((await logUntil(sshd, (l) => /Accepted password/.test(l.slice(before)))).slice(before), /Accepted password for sttest/);
  });

  test('an unknown key is refused non-interactively with its fingerprint and how to pin it', async () => {
    const credentials = spyCredentials({ password: TEST_USER.password });
    const err = await rejection(connectSftp(await options(sshd, { credentials, trust: { knownHostsFiles: [], trustStore: await trustStore(), decide: refuseUnknown } })));
    assert.equal(err.code, 'host-key-unknown');
    assert.ok(err.message.includes(`--fingerprint ${sshd.hostKeys![0].fingerprint}`), err.message);
    assert.deepEqual(credentials.calls, []);
  });

  test('a remembered key is trusted from the trust store next time', async () => {
    const store = await trustStore();
    const first = await connectSftp(await options(sshd, { trust: { knownHostsFiles: [], trustStore: store, decide: async () => 'remember' } }));
    assert.equal(first.hostKey.source, 'user-remember');
    await first.close();
    const second = await connectSftp(await options(sshd, { trust: { knownHostsFiles: [], trustStore: store, decide: refuseUnknown } }));
    assert.equal(second.hostKey.source, 'trust-store');
    await second.close();
  });
});

describe('connection failures are one clear sentence', () => {
  test('connection refused', async () => {
    const port = await freePort();
    const err = await rejection(
      connectSftp({
        server: { protocol: 'sftp', host: '127.0.0.1', port, username: 'u' },
        credentials: spyCredentials({}),
        trust: { trustStore: await trustStore(), decide: refuseUnknown, knownHostsFiles: [] },
      }),
    );
    assert.equal(err.code, 'connection-refused');
    assert.ok(err.message.includes(`127.0.0.1:${port}`));
  });

  test('no common cipher names what the server offers', async () => {
    const sshd = await startSshd({ variant: 'hardened' });
    const err = await rejection(connectSftp(await options(sshd, { algorithms: { cipher: ['aes128-cbc'] } })));
    assert.equal(err.code, 'no-common-algorithm');
    assert.match(err.message, /cipher/);
    assert.match(err.message, /aes256-gcm@openssh\.com/, 'the server side');
    assert.match(err.message, /aes128-cbc/, 'our side');
  });
});

describe('more of the connection life cycle (OpenSSH)', { timeout: 120_000 }, () => {
  test('an ssh-agent key is offered first when configured', async () => {
    const sshd = await startSshd();
    const keys = await clientKeys();
    const { local } = await scratchDir('agent');
    const socket = path.join(local, 'agent.sock');
    const agent = spawn('ssh-agent', ['-D', '-a', socket], { stdio: 'ignore' });
    try {
      for (let i = 0; i < 100 && !(await fs.stat(socket).catch(() => undefined)); i++) await new Promise((r) => setTimeout(r, 20));
      await new Promise<void>((resolve, reject) =>
        spawn('ssh-add', [keys.ed25519.privateKeyFile], { env: { ...process.env, SSH_AUTH_SOCK: socket }, stdio: 'ignore' }).on('exit', (code) =>
          code === 0 ? resolve() : reject(new Error(`ssh-add exited ${code}`)),
        ),
      );
      const credentials = spyCredentials({ password: TEST_USER.password });
      const sftp = await connectSftp(await options(sshd, { credentials, agent: socket }));
      await sftp.close();
      assert.deepEqual(credentials.calls, [], 'the agent key was enough: no password asked');
      assert.match(await logUntil(sshd, (l) => /Accepted publickey/.test(l)), /Accepted publickey for sttest/);
    } finally {
      agent.kill();
    }
  });

  test('onClose fires and operations fail clearly when the connection drops', { timeout: 30_000 }, async () => {
    const sshd = await startSshd();
    // sshd's per-connection processes outlive the listener, so drop the connection in a proxy.
    const proxy = await startTcpProxy({ host: sshd.host, port: sshd.port });
    const opts = await options(sshd);
    const sftp = await connectSftp({ ...opts, server: { ...opts.server, port: proxy.port } });
    const closed = new Promise<Error | undefined>((resolve) => sftp.onClose(resolve));
    await proxy.stop();
    await closed;
    assert.equal(sftp.connected, false);
    const err = await rejection(sftp.list('/'));
    assert.equal(err.code, 'connection-lost');
  });

  test('a server that never answers times out with one sentence', { timeout: 30_000 }, async () => {
    const sockets = new Set<net.Socket>();
    const silent = net.createServer((s) => void sockets.add(s.resume())); // accepts and reads, never speaks
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const port = (silent.address() as net.AddressInfo).port;
    try {
      const err = await rejection(
        connectSftp({
          server: { protocol: 'sftp', host: '127.0.0.1', port, username: 'u' },
          credentials: spyCredentials({}),
          trust: { trustStore: await trustStore(), decide: refuseUnknown, knownHostsFiles: [] },
          connectTimeoutMs: 300,
        }),
      );
      assert.equal(err.code, 'connect-timeout');
      assert.ok(err.message.includes(`127.0.0.1:${port}`));
    } finally {
      for (const s of sockets) s.destroy();
      silent.close();
    }
  });

  test('time the user spends deciding about a key does not count against the connect timeout', async () => {
    const sshd = await startSshd();
    const slowDecision = async () => {
      await new Promise((r) => setTimeout(r, 4000));
      return 'once' as const;
    };
    const sftp = await connectSftp(await options(sshd, { connectTimeoutMs: 2000, trust: { knownHostsFiles: [], trustStore: await trustStore(), decide: slowDecision } }));
    assert.equal(sftp.hostKey.source, 'user-once');
    await sftp.close();
  });

  test('scanHostKey reads the fingerprint without logging in', async () => {
    const sshd = await startSshd();
    const before = (await sshd.readLog()).length;
    const info = await scanHostKey({ host: sshd.host, port: sshd.port });
    assert.deepEqual(info, { keyType: 'ssh-ed25519', fingerprint: sshd.hostKeys![0].fingerprint });
    const log = (await logUntil(sshd, (l) => /Connection (closed|reset)|Disconnected|preauth/.test(l.slice(before)))).slice(before);
    assert.doesNotMatch(log, /Accepted|Failed|userauth|Invalid user/i);
  });
});
