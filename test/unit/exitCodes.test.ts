/**
 * Every security refusal is exit 3, every other failure exit 1, and no library's developer text
 * reaches a user (issue 11, item 8). A table: add a row when a new refusal or library error appears.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FTPError } from 'basic-ftp';
import { exitCodeFor, kindOfCode, SecureTransferError } from '../../src/core/errors';
import { mapConnectError, mapSftpError, type AlgorithmOffers } from '../../src/core/session/sftpErrors';
import { ftpError } from '../../src/core/session/ftpsErrors';
import { hostKeyChangedError, hostKeyUnknownError } from '../../src/core/trust/hostKeyVerifier';
import { PolicyViolation } from '../../src/core/policy/types';
import { parseUrl } from '../../src/core/profiles/url';
import { safeLocalJoin } from '../../src/core/transfer/remotePath';

const server = { protocol: 'sftp' as const, host: 'files.example', port: 22, username: 'ann' };
const ctx = { server, timeoutMs: 10_000, offers: new Map() as AlgorithmOffers };
const key = { keyType: 'ssh-ed25519', fingerprint: 'SHA256:' + 'A'.repeat(43) };
const lib = (message: string, extra: Record<string, unknown> = {}) => Object.assign(new Error(message), extra);
const where = 'ftpes://files.example:21';

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  assert.fail('expected a throw');
}

/** [what, the error our code produces for it, the exit code it must have]. */
const CASES: Array<[string, () => unknown, number]> = [
  // Security refusals: exit 3.
  ...['key exchange algorithm', 'host key format', 'C->S cipher', 'S->C cipher', 'C->S MAC', 'S->C MAC', 'C->S compression'].map(
    (what): [string, () => unknown, number] => [`no common ${what}`, () => mapConnectError(lib(`Handshake failed: no matching ${what}`, { level: 'handshake' }), ctx), 3],
  ),
  ['host key signature forged', () => mapConnectError(lib('Handshake failed: signature verification failed', { level: 'handshake' }), ctx), 3],
  ['strict key exchange violated (Terrapin)', () => mapConnectError(lib('Handshake failed: KEXINIT not first packet in strict KEX mode', { level: 'handshake' }), ctx), 3],
  ['host key unknown, non-interactive', () => hostKeyUnknownError(server, key), 3],
  ['host key changed', () => hostKeyChangedError(server, key, ['SHA256:' + 'B'.repeat(43)], 'the profile'), 3],
  ['policy violation', () => new PolicyViolation('policy.allowedHosts', 'files.example is not in policy.allowedHosts.'), 3],
  ['plain ftp:// refused', () => thrown(() => parseUrl('ftp://ann@files.example/x')), 3],
  ['a name that leaves the folder', () => thrown(() => safeLocalJoin('/tmp/x', '../etc')), 3],
  ['PASV to another host', () => ftpError(lib("PASV returned another host (10.9.9.9) for data transfer that you have connected to (127.0.0.1). Even though the FTP protocol allows this, basic-ftp won't connect to it unless you instantiate the Client with allowSeparateTransferHost: true."), 'download', '/x', where), 3],
  ['PASV to another host after every strategy', () => ftpError(lib("None of the available transfer strategies work. Last error response was 'Error: PASV returned another host (10.9.9.9) for data transfer'."), 'list', '/', where), 3],
  ['data connection certificate not valid', () => ftpError(lib('Hostname/IP does not match certificate', { code: 'ERR_TLS_CERT_ALTNAME_INVALID' }), 'download', '/x', where), 3],
  ['data connection certificate self-signed', () => ftpError(lib('self-signed certificate', { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' }), 'download', '/x', where), 3],
  // Failures: exit 1.
  ['data connection TLS failure (not a certificate verdict)', () => ftpError(lib('C0:error:0A00010B:SSL routines:ssl3_get_record:wrong version number:'), 'download', '/x', where), 1],
  ['connection refused', () => mapConnectError(lib('connect ECONNREFUSED', { code: 'ECONNREFUSED' }), ctx), 1],
  ['handshake timeout', () => mapConnectError(lib('Timed out while waiting for handshake', { level: 'client-timeout' }), ctx), 1],
  ['unknown ssh2 error', () => mapConnectError(lib('Instance unusable after Protocol error'), ctx), 1],
  ['SFTP status', () => mapSftpError(lib('Failure', { code: 4 }), 'read', '/x', server), 1],
  ['SFTP internal', () => mapSftpError(lib('Response missing expanded path'), 'read', '/x', server), 1],
  ['FTP reply', () => ftpError(new FTPError({ code: 553, message: '553 Could not create file.' }), 'upload to', '/x', where), 1],
  ['basic-ftp parse error', () => ftpError(lib("Can't parse response to 'PASV': 227 nonsense"), 'list', '/', where), 1],
  ['basic-ftp timeout', () => ftpError(lib('Timeout (data socket)'), 'download', '/x', where), 1],
  ['basic-ftp closed', () => ftpError(lib('Server sent FIN packet unexpectedly, closing connection.'), 'download', '/x', where), 1],
  ['basic-ftp busy (a bug of ours)', () => ftpError(lib("User launched a task while another one is still running. Forgot to use 'await' or '.then()'?"), 'list', '/', where), 1],
];

/** Phrases from ssh2's and basic-ftp's own texts: written for developers, never for our users. */
const LIBRARY_PHRASES = [/instantiate the Client/i, /allowSeparateTransferHost/, /basic-ftp/i, /Forgot to use/, /Instance unusable/, /Response missing/, /Handshake failed/, /transfer strategies/, /FIN packet/, /Can't parse/, /SSL routines/];

for (const [what, make, code] of CASES) {
  test(`${what}: exit ${code}, one sentence, no library wording`, () => {
    const err = make();
    assert.equal(exitCodeFor(err), code, `${what}: ${String((err as Error).message)}`);
    assert.ok(err instanceof SecureTransferError);
    assert.equal(err.kind, kindOfCode(err.code), `${what}: ${err.code} is raised as ${err.kind}, but ERROR_CODES says ${kindOfCode(err.code)}`);
    const message = (err as Error).message;
    assert.ok(!/[\r\n]/.test(message), message);
    for (const phrase of LIBRARY_PHRASES) assert.ok(!phrase.test(message), `${what} shows library text ${phrase}: ${message}`);
  });
}

test('a server-chosen host in a PASV reply is shown escaped', () => {
  const err = ftpError(lib('PASV returned another host (10.\u001b[2J9.9.9) for data transfer'), 'download', '/x', where) as Error;
  assert.ok(!err.message.includes('\u001b'), err.message);
});
