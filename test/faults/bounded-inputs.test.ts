/**
 * Files named by a profile or a flag, through the real CLI (dist/cli.js): devices, a FIFO and an
 * oversized file are refused with one sentence naming the file, what it should be and the limit,
 * exit 2, no stack trace, within a bounded time, and before any connection is attempted (a listening
 * socket stands in for the server and must see no connection).
 */
import { after, before, describe } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { REPO_ROOT } from '../harness';
import { count } from './stats';
import { faultTest } from './support';

const CLI = path.join(REPO_ROOT, 'dist', 'cli.js');
/** A refusal needs no network: a run still going after this is the bug (/dev/zero grew to 9 GB in 28 s). */
const KILL_AFTER_MS = 15_000;

let home: string;
let listener: net.Server;
let port: number;
let connections = 0;

before(async () => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first.`);
  home = await fs.mkdtemp(path.join(os.tmpdir(), 'st-bounded-inputs-'));
  execFileSync('mkfifo', [path.join(home, 'known_hosts.fifo')]);
  await fs.symlink('/dev/zero', path.join(home, 'id_zero'));
  // One byte over the identity file's 1 MiB cap.
  await fs.writeFile(path.join(home, 'id_huge'), Buffer.alloc(1024 * 1024 + 1, 0x41));
  listener = net.createServer((socket) => {
    connections++;
    socket.destroy();
  });
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  port = (listener.address() as net.AddressInfo).port;
  const profiles = [
    { name: 'zero-key', protocol: 'sftp', host: '127.0.0.1', port, username: 'u', identityFile: '/dev/zero', fingerprints: [`SHA256:${'A'.repeat(43)}`] },
    { name: 'random-ca', protocol: 'ftpes', host: '127.0.0.1', port, username: 'u', caFile: '/dev/urandom' },
  ];
  await fs.writeFile(path.join(home, 'profiles.json'), JSON.stringify({ profiles }));
});
after(async () => {
  await new Promise((resolve) => listener.close(resolve));
  await fs.rm(home, { recursive: true, force: true });
});

function cli(args: string[], stdinFile?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      env: { PATH: process.env.PATH, HOME: home, SECURE_TRANSFER_STATE_DIR: path.join(home, 'state') },
      cwd: home,
      stdio: [stdinFile ?? 'pipe', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdin?.end('');
    const timer = setTimeout(() => child.kill('SIGKILL'), KILL_AFTER_MS);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stderr });
    });
  });
}

const sftpUrl = () => `sftp://u@127.0.0.1:${port}/`;
const ftpesUrl = () => `ftpes://u@127.0.0.1:${port}/`;
const pin = ['--fingerprint', `SHA256:${'A'.repeat(43)}`];

const CASES: Array<{ name: string; args: () => string[]; says: () => string }> = [
  {
    name: 'a shared profile with identityFile /dev/zero',
    args: () => ['ls', 'profile:zero-key/', '--config', path.join(home, 'profiles.json')],
    says: () => 'identityFile /dev/zero is not a regular file: point it at a private key file (at most 1 MiB).',
  },
  {
    name: 'a shared profile with caFile /dev/urandom',
    args: () => ['ls', 'profile:random-ca/', '--config', path.join(home, 'profiles.json'), '--password-stdin'],
    says: () => 'caFile /dev/urandom is not a regular file: point it at a PEM file of CA certificates (at most 10 MiB).',
  },
  {
    name: '--ca /dev/urandom',
    args: () => ['ls', ftpesUrl(), '--ca', '/dev/urandom', '--password-stdin'],
    says: () => 'caFile /dev/urandom is not a regular file: point it at a PEM file of CA certificates (at most 10 MiB).',
  },
  {
    name: '--identity through a symlink to /dev/zero',
    args: () => ['ls', sftpUrl(), ...pin, '--identity', path.join(home, 'id_zero')],
    says: () => `identityFile ${path.join(home, 'id_zero')} is not a regular file: point it at a private key file (at most 1 MiB).`,
  },
  {
    name: '--identity one byte over the cap',
    args: () => ['ls', sftpUrl(), ...pin, '--identity', path.join(home, 'id_huge')],
    says: () => `identityFile ${path.join(home, 'id_huge')} is larger than 1 MiB: point it at a private key file (at most 1 MiB).`,
  },
  {
    name: '--known-hosts naming a FIFO (must not block waiting for a writer)',
    args: () => ['ls', sftpUrl(), '--known-hosts', path.join(home, 'known_hosts.fifo'), '--password-stdin'],
    says: () => `The known_hosts file ${path.join(home, 'known_hosts.fifo')} is not a regular file: point it at an OpenSSH known_hosts file (at most 64 MiB).`,
  },
  {
    name: '--config /dev/zero',
    args: () => ['ls', 'profile:x/', '--config', '/dev/zero'],
    says: () => 'The profile file /dev/zero is not a regular file: point it at a .json profile file (at most 1 MiB).',
  },
];

describe('files named by a profile or a flag are bounded', () => {
  for (const c of CASES) {
    faultTest(`${c.name}: refused with one sentence, exit 2, before connecting`, async () => {
      count('hostileInputsTried');
      const before = connections;
      const r = await cli(c.args());
      assert.equal(r.signal, null, `the CLI was still running after ${KILL_AFTER_MS} ms (stderr: ${r.stderr})`);
      assert.equal(r.stderr, `secure-transfer ls: ${c.says()}\n`, 'one line: the sentence, no stack trace');
      assert.equal(r.code, 2);
      assert.equal(connections, before, 'a connection was attempted before the file was checked');
      count('boundedInputsRefused');
    });
  }
});

describe('standard input is bounded too', () => {
  faultTest('--password-stdin fed from /dev/zero: refused with one sentence, exit 2, before connecting', async () => {
    count('hostileInputsTried');
    const before = connections;
    const zero = await fs.open('/dev/zero', 'r');
    try {
      const r = await cli(['ls', ftpesUrl(), '--password-stdin'], zero.fd);
      assert.equal(r.signal, null, `the CLI was still running after ${KILL_AFTER_MS} ms (stderr: ${r.stderr})`);
      assert.equal(r.stderr, 'secure-transfer ls: Standard input is longer than 64 KiB: pipe in only the password, passphrase or TOTP seed.\n');
      assert.equal(r.code, 2);
      assert.equal(connections, before, 'a connection was attempted before stdin was read');
      count('boundedInputsRefused');
    } finally {
      await zero.close();
    }
  });
});
