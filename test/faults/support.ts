/**
 * Shared helpers of the fault, hostile-server and load tests: sessions to the harness's real
 * servers (optionally through a fault-injecting proxy), hashing, and the one-clear-sentence check.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { sha256File, TEST_USER, type RunningServer } from '../harness';

// Shared with the integration and VS Code suites: one copy, in the harness.
export { MiB, sha256File, stopWithConnections, writeRandomFile } from '../harness';
import { SecureTransferError } from '../../src/core/errors';
import { connectSftp, type SftpConnectOptions, type SftpFileSystem } from '../../src/core/session/sftp';
import { connectFtps, type FtpsFileSystem } from '../../src/core/session/ftps';
import { staticCredentials } from '../../src/core/session/credentials';
import { TrustStore } from '../../src/core/trust/trustStore';
import { refuseUnknown } from '../../src/core/trust/types';
import { count } from './stats';


/** A test that counts itself (and its failure) for the summary table. */
export function faultTest(name: string, fn: (t: TestContext) => Promise<void>, options: { timeout?: number } = {}): void {
  test(name, { timeout: options.timeout ?? 120_000 }, async (t) => {
    count('testsRun');
    try {
      await fn(t);
    } catch (err) {
      count('failures');
      throw err;
    }
  });
}

let trustDir: string | undefined;
async function freshTrustStore(label: string): Promise<TrustStore> {
  trustDir ??= await fs.mkdtemp(path.join(os.tmpdir(), 'st-faults-trust-'));
  return new TrustStore(path.join(trustDir, `${label}-${randomBytes(4).toString('hex')}.json`));
}

/** Where to connect: the server itself, or a proxy in front of it. */
export interface Via {
  port: number;
}

export async function openSftp(server: RunningServer, via?: Via, over: Partial<SftpConnectOptions> = {}): Promise<SftpFileSystem> {
  return connectSftp({
    server: { protocol: 'sftp', host: server.host, port: via?.port ?? server.port, username: TEST_USER.name },
    credentials: staticCredentials(TEST_USER.password),
    trust: { pinned: server.hostKeys!.map((k) => k.fingerprint), knownHostsFiles: [], trustStore: await freshTrustStore('sftp'), decide: refuseUnknown },
    connectTimeoutMs: 10_000,
    ...over,
  });
}

export async function openFtps(server: RunningServer, via?: Via, timeoutMs = 10_000): Promise<FtpsFileSystem> {
  return connectFtps({
    server: { protocol: server.protocol === 'ftps' ? 'ftps' : 'ftpes', host: server.host, port: via?.port ?? server.port, username: TEST_USER.name },
    credentials: staticCredentials(TEST_USER.password),
    tls: { pinned: [server.cert!.fingerprint], trustStore: await freshTrustStore('ftps'), decide: refuseUnknown },
    connectTimeoutMs: timeoutMs,
    requestTimeoutMs: timeoutMs,
  });
}


export function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Asserts a file's content by hash and counts it as a verified transfer. */
export async function assertHash(file: string, expected: string, what: string): Promise<void> {
  assert.equal(await sha256File(file), expected, `${what}: ${file} does not have the expected content`);
  count('transfersVerifiedByHash');
}


/** Remote scratch files belong to the test user, so its servers can replace and delete them. */
export async function giveToTestUser(file: string): Promise<void> {
  const st = await fs.stat(path.dirname(file));
  await fs.chown(file, st.uid, st.gid);
}

/**
 * Awaits `p`, which must reject within `withinMs` with a SecureTransferError whose message is one
 * line (no stack trace); returns that error.
 */
export async function cleanRejection(p: Promise<unknown>, withinMs = 30_000): Promise<SecureTransferError> {
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`still waiting after ${withinMs} ms: the operation hangs`)), withinMs);
  });
  try {
    await Promise.race([p, hang]);
  } catch (err) {
    if (err instanceof Error && err.message.startsWith('still waiting after')) throw err;
    assert.ok(err instanceof SecureTransferError, `expected a SecureTransferError, got ${String((err as Error)?.stack ?? err)}`);
    assertOneSentence(err.message);
    return err;
  } finally {
    clearTimeout(timer);
  }
  assert.fail('expected the operation to fail');
}

export function assertOneSentence(message: string): void {
  assert.ok(message.length > 0, 'the message is empty');
  assert.ok(!/[\r\n]/.test(message), `the message spans several lines: ${JSON.stringify(message)}`);
  assert.ok(!/\bat .+:\d+:\d+\)?/.test(message), `the message contains a stack frame: ${message}`);
}

/** Resolves with `p` or fails the test when it takes longer than `ms` (a hang, not a timing claim). */
export async function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what} still had not finished after ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Bytes one connection moves (both directions) to log in and get ready, measured through a clean proxy. */
export async function measureLoginBytes(open: (via: Via) => Promise<{ close(): Promise<void> }>, target: { host: string; port: number }): Promise<number> {
  const { startTcpProxy } = await import('../harness');
  const proxy = await startTcpProxy(target);
  try {
    const session = await open(proxy);
    const bytes = proxy.clientBytes().length + proxy.serverBytes().length;
    await session.close();
    return bytes;
  } finally {
    await proxy.stop();
  }
}


