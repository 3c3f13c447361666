/**
 * Proxies (issue 14): which proxy applies (profile / --proxy / environment, NO_PROXY), the URL syntax,
 * and the two handshakes against small fake proxies (the real dante/tinyproxy/microsocks runs are in
 * test/integration/proxy.test.ts): answers bounded and escaped, no byte of the tunnel lost.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import type { Duplex } from 'node:stream';
import { noProxyMatches, parseProxyUrl, type ProxyUrl } from '../../src/core/syntax/proxyUrl';
import { MAX_CONNECT_RESPONSE_BYTES, openProxiedStream, proxyFor } from '../../src/core/session/proxy';
import { epsvPort, pasvTarget } from '../../src/core/session/ftpsProxy';
import { checkProfileFile } from '../../src/core/profiles';
import { CancelledError, SecureTransferError } from '../../src/core/errors';

const target = { host: 'files.example.com', port: 22 };

test('proxy URLs: schemes, default ports, IPv6, a missing scheme is http, credentials never displayed', () => {
  const p = (t: string) => parseProxyUrl(t) as ProxyUrl;
  assert.deepEqual(p('socks5://proxy.corp:1081'), { kind: 'socks5', remoteDns: false, host: 'proxy.corp', port: 1081, username: undefined, password: undefined, display: 'socks5://proxy.corp:1081' });
  assert.equal(p('socks5h://proxy.corp').port, 1080);
  assert.equal(p('socks5h://proxy.corp').remoteDns, true);
  assert.equal(p('socks://proxy.corp/').kind, 'socks5');
  assert.equal(p('http://proxy.corp').port, 80);
  assert.equal(p('http://proxy.corp:80').port, 80);
  assert.equal(p('proxy.corp:3128').display, 'http://proxy.corp:3128');
  assert.deepEqual([p('http://[::1]:3128').host, p('http://[::1]:3128').display], ['::1', 'http://[::1]:3128']);
  const withAuth = p('socks5://ann%40corp:p%3Ass@proxy.corp:1080');
  assert.deepEqual([withAuth.username, withAuth.password, withAuth.display], ['ann@corp', 'p:ss', 'socks5://proxy.corp:1080']);
  for (const bad of ['https://proxy.corp:443', 'socks4://proxy.corp', 'http://proxy.corp/path', 'http://', 'http://proxy.corp:99999']) {
    assert.equal(typeof parseProxyUrl(bad), 'string', bad);
  }
  const refused = parseProxyUrl('https://ann:hunter2@proxy.corp') as string;
  assert.ok(!refused.includes('hunter2'), refused);
  assert.match(refused, /does not support/);
});

test('NO_PROXY follows curl: names and their subdomains, leading dots, *, addresses, CIDR ranges, ports', () => {
  const cases: [string, string, number, boolean][] = [
    ['example.com', 'example.com', 22, true],
    ['example.com', 'files.example.com', 22, true],
    ['example.com', 'badexample.com', 22, false],
    ['.example.com', 'files.example.com', 22, true],
    ['*.example.com', 'files.example.com', 22, true],
    ['EXAMPLE.com.', 'Files.Example.COM', 22, true],
    ['*', 'anything', 22, true],
    ['other.org, example.com', 'files.example.com', 22, true],
    ['other.org example.com', 'files.example.com', 22, true],
    ['example.com:2222', 'example.com', 22, false],
    ['example.com:2222', 'example.com', 2222, true],
    ['10.0.0.0/8', '10.1.2.3', 22, true],
    ['10.0.0.0/8', '11.1.2.3', 22, false],
    ['10.0.0.0/8', 'ten.example', 22, false],
    ['192.0.2.7', '192.0.2.7', 22, true],
    ['::1', '::1', 22, true],
    ['[::1]:22', '::1', 22, true],
    ['[::1]:22', '::1', 23, false],
    ['fd00::/8', 'fd12::5', 22, true],
    ['', 'example.com', 22, false],
    [' , ,', 'example.com', 22, false],
  ];
  for (const [list, host, port, expected] of cases) assert.equal(noProxyMatches(list, host, port), expected, `${list} vs ${host}:${port}`);
  assert.equal(noProxyMatches(undefined, 'example.com', 22), false);
});

test('proxyFor: the profile/--proxy wins; "none" turns the environment off; else HTTPS_PROXY before ALL_PROXY, lower case first', () => {
  const env = { https_proxy: 'http://a:1', HTTPS_PROXY: 'http://b:1', all_proxy: 'socks5://c:1', ALL_PROXY: 'socks5://d:1', HTTP_PROXY: 'http://never:1' };
  assert.equal(proxyFor(target, 'socks5h://mine:1080', env), 'socks5h://mine:1080');
  assert.equal(proxyFor(target, 'none', env), undefined);
  assert.equal(proxyFor(target, ' NONE ', env), undefined);
  assert.equal(proxyFor(target, undefined, env), 'http://a:1');
  assert.equal(proxyFor(target, '', env), 'http://a:1');
  assert.equal(proxyFor(target, undefined, { ...env, https_proxy: undefined }), 'http://b:1');
  assert.equal(proxyFor(target, undefined, { all_proxy: 'socks5://c:1', ALL_PROXY: 'socks5://d:1' }), 'socks5://c:1');
  assert.equal(proxyFor(target, undefined, { ALL_PROXY: 'socks5://d:1' }), 'socks5://d:1');
  assert.equal(proxyFor(target, undefined, { HTTP_PROXY: 'http://never:1', http_proxy: 'http://never:1' }), undefined, 'HTTP_PROXY is for cleartext HTTP only');
  assert.equal(proxyFor(target, undefined, {}), undefined);
  // NO_PROXY (either case) bypasses the environment's proxy, never an explicit one.
  assert.equal(proxyFor(target, undefined, { ...env, NO_PROXY: 'example.com' }), undefined);
  assert.equal(proxyFor(target, undefined, { ...env, no_proxy: '.example.com' }), undefined);
  assert.equal(proxyFor(target, undefined, { ...env, no_proxy: 'other.org' }), 'http://a:1');
  assert.equal(proxyFor(target, 'http://mine:1', { NO_PROXY: '*' }), 'http://mine:1');
  // A password: accepted from the environment, refused from a profile or the command line.
  assert.equal(proxyFor(target, undefined, { ALL_PROXY: 'socks5://ann:hunter2@c:1' }), 'socks5://ann:hunter2@c:1');
  assert.throws(
    () => proxyFor(target, 'socks5://ann:hunter2@c:1', {}),
    (err: unknown) => err instanceof SecureTransferError && err.code === 'bad-proxy' && !err.message.includes('hunter2') && /environment/.test(err.message),
  );
  assert.throws(() => proxyFor(target, 'ftp://c:1', {}), (err: unknown) => err instanceof SecureTransferError && err.kind === 'usage');
  // An environment proxy that can't be used is said, with its variable and the way around it; never a silent direct connection.
  assert.throws(
    () => proxyFor(target, undefined, { HTTPS_PROXY: 'https://ann:hunter2@proxy.corp:443' }),
    (err: unknown) =>
      err instanceof SecureTransferError && err.code === 'bad-proxy' && /^The proxy in the environment variable HTTPS_PROXY "https:\/\/…@proxy\.corp:443" uses "https:\/\/"/.test(err.message) && /--proxy none/.test(err.message) && !err.message.includes('hunter2'),
  );
  assert.equal(proxyFor(target, 'none', { HTTPS_PROXY: 'https://proxy.corp:443' }), undefined);
});

test('a profile file with a proxy password is refused as a secret; a user name alone or "none" is fine', () => {
  const base = { name: 'prod', protocol: 'sftp', host: 'example.com', username: 'deploy' };
  const problems = checkProfileFile({ profiles: [{ ...base, proxy: 'socks5://ann:hunter2@proxy.corp:1080' }] }, 'x.json').problems;
  assert.equal(problems.length, 1, problems.map((p) => p.message).join(' | '));
  assert.equal(problems[0].code, 'secret-in-profile');
  assert.ok(!problems[0].message.includes('hunter2'), problems[0].message);
  assert.match(problems[0].message, /socks5:\/\/ann@proxy\.corp:1080/);
  for (const ok of ['socks5://ann@proxy.corp:1080', 'none', 'http://proxy.corp:3128', 'socks5h://[::1]:1080']) {
    assert.deepEqual(checkProfileFile({ profiles: [{ ...base, proxy: ok }] }, 'x.json').problems, [], ok);
  }
  assert.equal(checkProfileFile({ profiles: [{ ...base, proxy: 'https://proxy.corp' }] }, 'x.json').problems.length, 1);
});

test('FTP passive answers: EPSV port, PASV host and port, garbage refused', () => {
  assert.equal(epsvPort('229 Entering Extended Passive Mode (|||6446|)'), 6446);
  assert.equal(epsvPort('229 ok (!!!21!)'), 21);
  assert.throws(() => epsvPort('229 (|||99999|)'));
  assert.deepEqual(pasvTarget('227 Entering Passive Mode (192,168,1,100,10,229)'), { host: '192.168.1.100', port: 10 * 256 + 229 });
  assert.throws(() => pasvTarget('227 nothing here'));
});

// ---- handshakes against fake proxies -------------------------------------------------------

interface Fake {
  port: number;
  received: Buffer[];
  close(): Promise<void>;
}

async function fakeProxy(onConnection: (socket: net.Socket, received: Buffer[]) => void): Promise<Fake> {
  const received: Buffer[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on('error', () => undefined);
    onConnection(s, received);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    received,
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Reads what arrives on the tunnel after `delayMs` (a reader that attaches late, like ssh2 after reading a key). */
async function readLate(stream: Duplex, delayMs: number, until: string): Promise<string> {
  await new Promise((r) => setTimeout(r, delayMs));
  return new Promise((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => reject(new Error(`only got ${JSON.stringify(text)}`)), 2000);
    stream.on('data', (c: Buffer) => {
      text += c.toString('latin1');
      if (text.includes(until)) {
        clearTimeout(timer);
        resolve(text);
      }
    });
  });
}

test('HTTP CONNECT: request names the server; bytes after the answer reach a late reader', async () => {
  const fake = await fakeProxy((s, received) => {
    s.once('data', (c: Buffer) => {
      received.push(c);
      // The answer and the server's first bytes in one write.
      s.write('HTTP/1.1 200 Connection established\r\nX-Note: hi\r\n\r\nSSH-2.0-Fake\r\n');
      setTimeout(() => s.write('more'), 30);
    });
  });
  try {
    const stream = await openProxiedStream(`http://127.0.0.1:${fake.port}`, target, { timeoutMs: 2000 });
    assert.equal(await readLate(stream, 100, 'more'), 'SSH-2.0-Fake\r\nmore');
    assert.equal(fake.received[0].toString('latin1'), 'CONNECT files.example.com:22 HTTP/1.1\r\nHost: files.example.com:22\r\n\r\n');
    stream.destroy();
  } finally {
    await fake.close();
  }
});

test('HTTP CONNECT with credentials from the URL sends Basic auth; IPv6 targets are bracketed', async () => {
  const fake = await fakeProxy((s, received) =>
    s.once('data', (c: Buffer) => {
      received.push(c);
      s.write('HTTP/1.0 200 OK\r\n\r\n');
    }),
  );
  try {
    const stream = await openProxiedStream(`http://ann:p%40ss@127.0.0.1:${fake.port}`, { host: '::1', port: 2222 }, { timeoutMs: 2000 });
    stream.destroy();
    const request = fake.received[0].toString('latin1');
    assert.match(request, /^CONNECT \[::1\]:2222 HTTP\/1\.1\r\n/);
    assert.match(request, new RegExp(`Proxy-Authorization: Basic ${Buffer.from('ann:p@ss').toString('base64')}\r\n`));
  } finally {
    await fake.close();
  }
});

async function refusal(answer: string | Buffer, proxyUrl?: (port: number) => string): Promise<SecureTransferError> {
  const fake = await fakeProxy((s) => s.once('data', () => s.end(answer)));
  try {
    await openProxiedStream(proxyUrl ? proxyUrl(fake.port) : `http://127.0.0.1:${fake.port}`, target, { timeoutMs: 2000 });
  } catch (err) {
    assert.ok(err instanceof SecureTransferError, String(err));
    return err;
  } finally {
    await fake.close();
  }
  throw new Error('the proxy was not refused');
}

test('HTTP CONNECT refusals are one sentence naming the proxy, its status escaped, never the password', async () => {
  const auth = await refusal('HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic\r\n\r\n');
  assert.equal(auth.code, 'proxy-refused');
  assert.match(auth.message, /^The proxy http:\/\/127\.0\.0\.1:\d+ needs a user name and password \(407 Proxy Authentication Required\): set them in the environment, e\.g\. HTTPS_PROXY=http:\/\/USER:PASSWORD@127\.0\.0\.1:\d+ \(connecting to files\.example\.com:22\)\.$/);
  const wrong = await refusal('HTTP/1.1 407 No\r\n\r\n', (port) => `http://ann:hunter2@127.0.0.1:${port}`);
  assert.match(wrong.message, /rejected the user name and password/);
  assert.ok(!wrong.message.includes('hunter2') && !wrong.message.includes('ann'), wrong.message);
  const forbidden = await refusal('HTTP/1.1 403 Filtered \u001b[31mred\r\n\r\n');
  assert.match(forbidden.message, /refused the tunnel \(403 Filtered \\x1b\[31mred\)/);
  const notHttp = await refusal('SSH-2.0-OpenSSH\r\n\r\n');
  assert.match(notHttp.message, /which is not HTTP/);
  const huge = await refusal(`HTTP/1.1 200 OK\r\nX: ${'a'.repeat(MAX_CONNECT_RESPONSE_BYTES + 10)}\r\n\r\n`);
  assert.match(huge.message, /more than 16 KiB of headers/);
  const closed = await refusal('');
  assert.match(closed.message, /closed the connection before answering CONNECT/);
});

test('SOCKS5: reply and the server\'s first bytes in one write reach a late reader; socks5h sends the name', async () => {
  const fake = await fakeProxy((s, received) => {
    let step = 0;
    s.on('data', (c: Buffer) => {
      received.push(c);
      if (step++ === 0) return void s.write(Buffer.from([5, 0]));
      s.write(Buffer.concat([Buffer.from([5, 0, 0, 1, 127, 0, 0, 1, 0, 22]), Buffer.from('SSH-2.0-Fake\r\n')]));
    });
  });
  try {
    const stream = await openProxiedStream(`socks5h://127.0.0.1:${fake.port}`, target, { timeoutMs: 2000 });
    assert.equal(await readLate(stream, 100, '\n'), 'SSH-2.0-Fake\r\n');
    const request = fake.received[1];
    assert.equal(request[3], 3, 'address type 3: a domain name');
    assert.equal(request.subarray(5, 5 + request[4]).toString(), 'files.example.com');
    stream.destroy();
  } finally {
    await fake.close();
  }
});

test('SOCKS5: socks5:// resolves the name here and sends an address; user and password from the URL', async () => {
  const fake = await fakeProxy((s, received) => {
    let step = 0;
    s.on('data', (c: Buffer) => {
      received.push(c);
      step++;
      if (step === 1) s.write(Buffer.from([5, 2])); // choose user/password
      else if (step === 2) s.write(Buffer.from([1, 0]));
      else s.write(Buffer.from([5, 0, 0, 1, 127, 0, 0, 1, 0, 22]));
    });
  });
  try {
    const stream = await openProxiedStream(`socks5://ann:s%3Acret@127.0.0.1:${fake.port}`, { host: 'localhost', port: 2222 }, { timeoutMs: 2000 });
    stream.destroy();
    const auth = fake.received[1];
    assert.deepEqual([...auth], [1, 3, ...Buffer.from('ann'), 6, ...Buffer.from('s:cret')]);
    const request = fake.received[2];
    assert.ok(request[3] === 1 || request[3] === 4, `an IP address, not a name (type ${request[3]})`);
    assert.equal(request.readUInt16BE(request.length - 2), 2222);
  } finally {
    await fake.close();
  }
});

test('SOCKS5 refusals: a rejected CONNECT, a proxy wanting a password, a wrong password, each one sentence', async () => {
  const rejected = await refusal(Buffer.from([5, 0]), (port) => `socks5h://127.0.0.1:${port}`).catch((e: unknown) => e);
  // The fake above ends after the method choice: the SOCKS handshake is cut.
  assert.ok(rejected instanceof SecureTransferError && /The proxy socks5h:\/\/127\.0\.0\.1:\d+ /.test(rejected.message), String(rejected));

  const answers = async (replies: Buffer[], url: (port: number) => string): Promise<SecureTransferError> => {
    const fake = await fakeProxy((s) => {
      let step = 0;
      s.on('data', () => s.write(replies[Math.min(step++, replies.length - 1)]));
    });
    try {
      await openProxiedStream(url(fake.port), target, { timeoutMs: 2000 });
      throw new Error('not refused');
    } catch (err) {
      assert.ok(err instanceof SecureTransferError, String(err));
      return err;
    } finally {
      await fake.close();
    }
  };
  const notAllowed = await answers([Buffer.from([5, 0]), Buffer.from([5, 2, 0, 1, 0, 0, 0, 0, 0, 0])], (p) => `socks5h://127.0.0.1:${p}`);
  assert.equal(notAllowed.code, 'proxy-refused');
  assert.match(notAllowed.message, /refused the tunnel \(NotAllowed\)/);
  const wantsPassword = await answers([Buffer.from([5, 0xff])], (p) => `socks5h://127.0.0.1:${p}`);
  assert.match(wantsPassword.message, /needs a user name and password: set them in the environment, e\.g\. ALL_PROXY=socks5h:\/\/USER:PASSWORD@127\.0\.0\.1:\d+/);
  const wrongPassword = await answers([Buffer.from([5, 2]), Buffer.from([1, 1])], (p) => `socks5h://ann:hunter2@127.0.0.1:${p}`);
  assert.match(wrongPassword.message, /rejected the user name and password/);
  assert.ok(!wrongPassword.message.includes('hunter2'));
});

test('a proxy that is not listening, one that never answers, and a cancelled attempt', async () => {
  const fake = await fakeProxy(() => undefined); // accepts, says nothing
  const closedPort = await new Promise<number>((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
  try {
    await assert.rejects(openProxiedStream(`socks5h://127.0.0.1:${closedPort}`, target, { timeoutMs: 2000 }), (err: unknown) => {
      assert.ok(err instanceof SecureTransferError && err.code === 'proxy-unreachable', String(err));
      assert.match(err.message, /could not be reached \(ECONNREFUSED\)/);
      return true;
    });
    const started = Date.now();
    await assert.rejects(openProxiedStream(`http://127.0.0.1:${fake.port}`, target, { timeoutMs: 300 }), /did not answer CONNECT within/);
    assert.ok(Date.now() - started < 2000);
    await assert.rejects(openProxiedStream(`socks5h://127.0.0.1:${fake.port}`, target, { timeoutMs: 300 }), (err: unknown) => err instanceof SecureTransferError);
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 100);
    await assert.rejects(openProxiedStream(`http://127.0.0.1:${fake.port}`, target, { timeoutMs: 5000, signal: ac.signal }), (err: unknown) => err instanceof CancelledError);
  } finally {
    await fake.close();
  }
});
