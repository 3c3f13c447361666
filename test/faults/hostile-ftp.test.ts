/**
 * A hostile FTPS server of the tests' own (test/hostile/hostileFtpServer.ts, real TLS with the
 * harness certificate): lying MLSD and LIST listings, 100,000 entries, malformed and missing
 * replies. Listings must never carry names that leave the folder, downloads never write outside
 * the chosen folder, memory stays bounded, and every failure is one sentence within the timeout.
 */
import { after, before, describe } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { makeCertificate, type CertFiles } from '../harness';
import { connectFtps, type FtpsFileSystem } from '../../src/core/session/ftps';
import { staticCredentials } from '../../src/core/session/credentials';
import { TrustStore } from '../../src/core/trust/trustStore';
import { refuseUnknown } from '../../src/core/trust/types';
import { SecureTransferError } from '../../src/core/errors';
import { download } from '../../src/core/transfer/engine';
import { printableName } from '../../src/cli/commands/files';
import { startHostileFtpServer, type HostileFtpOptions, type HostileFtpServer } from '../hostile/hostileFtpServer';
import { CONTROL_CHARS, ESCAPE_TARGETS, HOSTILE_NAMES, isContainedName } from '../hostile/names';
import { count } from './stats';
import { assertOneSentence, faultTest, within } from './support';

const TIMEOUT_MS = 2_000;
let cert: CertFiles;
let work: string;
const servers: HostileFtpServer[] = [];

before(async () => {
  cert = await makeCertificate();
  work = await fs.mkdtemp(path.join(os.tmpdir(), 'st-hostile-ftp-'));
});
after(async () => {
  await Promise.all(servers.map((s) => s.close()));
  await fs.rm(work, { recursive: true, force: true });
});

async function serve(opts: Omit<HostileFtpOptions, 'certFile' | 'keyFile'>): Promise<HostileFtpServer> {
  const s = await startHostileFtpServer({ ...opts, certFile: cert.certFile, keyFile: cert.keyFile });
  servers.push(s);
  return s;
}

async function open(s: HostileFtpServer): Promise<FtpsFileSystem> {
  return connectFtps({
    server: { protocol: 'ftpes', host: s.host, port: s.port, username: s.username },
    credentials: staticCredentials(s.password),
    tls: { pinned: [cert.fingerprint], trustStore: new TrustStore(path.join(work, `trust-${s.port}.json`)), decide: refuseUnknown },
    connectTimeoutMs: TIMEOUT_MS,
    requestTimeoutMs: TIMEOUT_MS,
  });
}

/** Names that fit on one FTP line (a CR or LF would end the line, not the name). */
const LINE_NAMES = HOSTILE_NAMES.filter((n) => !/[\r\n]/.test(n));
const mlsdLine = (name: string, type = 'file') => `type=${type};size=5;modify=20240101000000; ${name}`;
const listLine = (name: string) => `-rw-r--r--    1 1000     1000            5 Jan 01  2024 ${name}`;

function assertSafeListing(names: string[]): void {
  for (const n of names) {
    assert.ok(isContainedName(n), `unsafe name passed through: ${JSON.stringify(n)}`);
    assert.ok(!/[\r\n]/.test(n), `a name with a line break would break FTP commands: ${JSON.stringify(n)}`);
    assert.doesNotMatch(printableName(n), CONTROL_CHARS, `name prints with control characters: ${JSON.stringify(n)}`);
  }
}

describe('hostile FTPS server', () => {
  faultTest('MLSD listings: names that leave the folder are dropped, the rest print safely', async () => {
    const s = await serve({ mlsd: () => [...LINE_NAMES.map((n) => mlsdLine(n)), 'type=cdir; /', 'type=pdir; ..', 'garbage without facts', mlsdLine('sub', 'dir')] });
    const rfs = await open(s);
    try {
      const names = (await rfs.list('/')).map((e) => e.name);
      count('hostileInputsTried', LINE_NAMES.length + 3);
      assertSafeListing(names);
      assert.ok(names.includes('ok.txt') && names.includes('sub'));
    } finally {
      await rfs.close();
    }
  });

  faultTest('LIST listings (no MLST): names that leave the folder are dropped, symlink targets are not trusted as names', async () => {
    const s = await serve({
      // basic-ftp picks its parser from the LAST line (a garbage last line fails the listing cleanly).
      list: () => ['total 42', '\u001b[2J', ...LINE_NAMES.map(listLine), 'lrwxrwxrwx    1 1000     1000            5 Jan 01  2024 link -> /etc/passwd', listLine('last.txt')],
    });
    const rfs = await open(s);
    try {
      const entries = await rfs.list('/');
      count('hostileInputsTried', LINE_NAMES.length + 3);
      assertSafeListing(entries.map((e) => e.name));
      assert.ok(entries.some((e) => e.name === 'ok.txt'));
    } finally {
      await rfs.close();
    }
  });

  faultTest('a recursive download writes nothing outside the chosen folder', async () => {
    const files: Record<string, string> = { '/ok.txt': 'fine', '/sub/deep.txt': 'deep' };
    for (const n of LINE_NAMES) {
      files[path.posix.join('/', n)] ??= 'pwned';
      files[path.posix.join('/sub', n)] ??= 'pwned';
    }
    const s = await serve({
      mlsd: (p) => (p.replace(/\/+$/, '') === '/sub' ? [...LINE_NAMES.map((n) => mlsdLine(n)), mlsdLine('deep.txt')] : [...LINE_NAMES.map((n) => mlsdLine(n)), mlsdLine('sub', 'dir')]),
      files,
    });
    const rfs = await open(s);
    const sandbox = await fs.mkdtemp(path.join(work, 'sandbox-'));
    const target = path.join(sandbox, 'chosen');
    await fs.mkdir(target);
    try {
      count('hostileInputsTried', LINE_NAMES.length * 2);
      const result = await download(rfs, '/', target, { recursive: true }).catch((err: unknown) => {
        assert.ok(err instanceof SecureTransferError, `expected a SecureTransferError, got ${String((err as Error)?.stack ?? err)}`);
        assertOneSentence(err.message);
        return err;
      });
      const written = await fs.readdir(sandbox, { recursive: true });
      for (const p of written) assert.ok(p === 'chosen' || p.startsWith('chosen' + path.sep), `written outside the chosen folder: ${JSON.stringify(p)}`);
      for (const escaped of Object.values(ESCAPE_TARGETS)) {
        for (const base of [target, path.join(target, 'download'), path.join(target, 'download', 'sub')]) {
          assert.ok(!existsSync(path.resolve(base, escaped)), `escaped to ${path.resolve(base, escaped)}`);
        }
      }
      assert.ok(!(result instanceof Error), `the honest files must download: ${result instanceof Error ? result.message : ''}`);
      assert.equal(await fs.readFile(path.join(target, 'download', 'ok.txt'), 'utf8'), 'fine');
      assert.equal(await fs.readFile(path.join(target, 'download', 'sub', 'deep.txt'), 'utf8'), 'deep');
    } finally {
      await rfs.close();
    }
  });

  faultTest('100,000 MLSD entries: listed completely with bounded memory', async () => {
    const N = 100_000;
    const s = await serve({
      mlsd: function* () {
        for (let i = 0; i < N; i++) yield mlsdLine(`f-${String(i).padStart(6, '0')}`);
      },
    });
    const rfs = await open(s);
    try {
      global.gc?.();
      const before = process.memoryUsage().heapUsed;
      const entries = await within(rfs.list('/'), 60_000, 'listing 100,000 entries');
      const grown = process.memoryUsage().heapUsed - before;
      count('hostileInputsTried');
      assert.equal(entries.length, N);
      assert.ok(grown < 300 * 1024 * 1024, `heap grew by ${Math.round(grown / 1024 / 1024)} MiB for ${N} entries`);
    } finally {
      await rfs.close();
    }
  });

  /** Malformed or missing replies: each must end in a clean error (or a harmless success), never a hang or a crash. */
  const MALFORMED: Array<{ name: string; server: Omit<HostileFtpOptions, 'certFile' | 'keyFile'>; op: (rfs: FtpsFileSystem) => Promise<unknown> }> = [
    { name: 'a greeting that is not FTP', server: { greeting: 'HTTP/1.1 400 Bad Request\r\n\r\n' }, op: (r) => r.list('/') },
    { name: 'a greeting that never ends (8 MB of continuation lines)', server: { greeting: () => endless('220-still greeting you\r\n', 8 * 1024 * 1024) }, op: (r) => r.list('/') },
    { name: 'no reply to the greeting at all', server: { greeting: '' }, op: (r) => r.list('/') },
    { name: 'AUTH TLS refused', server: { replies: { AUTH: '500 What is TLS\r\n' } }, op: (r) => r.list('/') },
    { name: 'PWD without a quoted path', server: { replies: { PWD: '257 somewhere nice\r\n' } }, op: (r) => r.list('/') },
    { name: 'PASV with an impossible address', server: { mlsd: () => [mlsdLine('a')], replies: { PASV: '227 Entering Passive Mode (999,0,0,1,1,1)\r\n' } }, op: (r) => r.list('/') },
    { name: 'PASV pointing at another host', server: { mlsd: () => [mlsdLine('a')], replies: { PASV: '227 Entering Passive Mode (10,255,255,1,4,1)\r\n' } }, op: (r) => r.list('/') },
    { name: 'a reply code that is not a number', server: { replies: { MLSD: 'XYZ whatever\r\n' } }, op: (r) => r.list('/') },
    { name: 'no reply to MLSD', server: { silentOn: ['MLSD'] }, op: (r) => r.list('/') },
    { name: 'a FEAT reply with a 1 MB line', server: { replies: { FEAT: `211-Features:\r\n ${'X'.repeat(1024 * 1024)}\r\n211 End\r\n` } }, op: (r) => r.list('/') },
    { name: 'SIZE says more than RETR sends', server: { files: { '/f': 'short' }, replies: { SIZE: '213 99999999\r\n' } }, op: (r) => r.readFile('/f') },
  ];

  for (const c of MALFORMED) {
    faultTest(`malformed: ${c.name}`, async (t) => {
      const s = await serve(c.server);
      count('hostileInputsTried');
      global.gc?.();
      const before = process.memoryUsage().heapUsed;
      const outcome = await within(
        open(s).then(async (rfs) => {
          try {
            await c.op(rfs);
            return 'succeeded';
          } finally {
            await rfs.close();
          }
        }),
        TIMEOUT_MS * 10,
        c.name,
      ).catch((err: unknown) => err);
      t.diagnostic(`outcome: ${outcome instanceof Error ? outcome.message.slice(0, 300) : String(outcome)}`);
      if (outcome !== 'succeeded') {
        assert.ok(outcome instanceof SecureTransferError, `expected a SecureTransferError, got ${String((outcome as Error)?.stack ?? outcome)}`);
        assertOneSentence(outcome.message);
        assert.ok(outcome.message.length < 2_000, `the message is ${outcome.message.length} characters long`);
      }
      assert.ok(process.memoryUsage().heapUsed - before < 256 * 1024 * 1024, 'memory grew without bound');
    });
  }
});

function endless(line: string, bytes: number): Iterable<string> {
  return (function* () {
    const chunk = line.repeat(Math.ceil(65536 / line.length));
    for (let sent = 0; sent < bytes; sent += chunk.length) yield chunk;
  })();
}
