import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { binaryPacket, buildClientKexInit, parseKexInit, readBinaryPacket, SshReader, SshWireError } from '../../src/core/audit/probes/kexinit';
import { describeKeyBlob } from '../../src/core/audit/probes/sshKeyBlob';

const FIXTURES = path.join(__dirname, '..', '..', '..', 'test', 'fixtures', 'audit');

/** Splits a capture into its identification line and the KEXINIT payload, as the probe does. */
function load(name: string) {
  const bytes = readFileSync(path.join(FIXTURES, name));
  const nl = bytes.indexOf(0x0a);
  const banner = bytes.subarray(0, nl).toString('latin1').replace(/\r$/, '');
  const packet = readBinaryPacket(bytes.subarray(nl + 1));
  assert.ok(packet, 'the capture holds a whole packet');
  return { banner, packet, kexinit: parseKexInit(packet.payload), rest: bytes.subarray(nl + 1) };
}

test('parses every list of a real weak OpenSSH KEXINIT', () => {
  const { banner, kexinit, packet, rest } = load('openssh-9.2-weak.kexinit.bin');
  assert.match(banner, /^SSH-2\.0-OpenSSH_9\.2p1/);
  assert.equal(packet.consumed, rest.length, 'the packet ends exactly where the capture ends');
  assert.deepEqual(kexinit.kex.slice(-4), ['diffie-hellman-group1-sha1', 'diffie-hellman-group14-sha1', 'diffie-hellman-group-exchange-sha1', 'kex-strict-s-v00@openssh.com']);
  assert.ok(kexinit.kex.includes('sntrup761x25519-sha512@openssh.com'));
  assert.deepEqual(kexinit.serverHostKey, ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa', 'ssh-dss', 'ssh-ed25519']);
  assert.deepEqual(kexinit.ciphers.clientToServer, [
    'chacha20-poly1305@openssh.com', 'aes128-ctr', 'aes192-ctr', 'aes256-ctr', 'aes128-gcm@openssh.com', 'aes256-gcm@openssh.com',
    '3des-cbc', 'aes128-cbc', 'aes192-cbc', 'aes256-cbc',
  ]);
  assert.deepEqual(kexinit.ciphers.serverToClient, kexinit.ciphers.clientToServer);
  for (const mac of ['hmac-md5', 'hmac-md5-96', 'hmac-sha1-96', 'hmac-md5-etm@openssh.com', 'umac-64@openssh.com', 'hmac-sha2-256-etm@openssh.com']) {
    assert.ok(kexinit.macs.clientToServer.includes(mac), mac);
    assert.ok(kexinit.macs.serverToClient.includes(mac), mac);
  }
  assert.deepEqual(kexinit.compression.clientToServer, ['none', 'zlib@openssh.com']);
  assert.deepEqual(kexinit.languages, { clientToServer: [], serverToClient: [] });
  assert.equal(kexinit.firstKexPacketFollows, false);
  assert.match(kexinit.cookie, /^[0-9a-f]{32}$/);
});

test('parses a real hardened OpenSSH KEXINIT', () => {
  const { kexinit } = load('openssh-9.2-hardened.kexinit.bin');
  assert.deepEqual(kexinit.kex, ['sntrup761x25519-sha512@openssh.com', 'curve25519-sha256', 'curve25519-sha256@libssh.org', 'kex-strict-s-v00@openssh.com']);
  assert.deepEqual(kexinit.serverHostKey, ['ssh-ed25519']);
  assert.deepEqual(kexinit.macs.clientToServer, ['hmac-sha2-256-etm@openssh.com', 'hmac-sha2-512-etm@openssh.com']);
});

test('asks for more bytes until a whole packet is there', () => {
  const { rest } = load('openssh-9.2-hardened.kexinit.bin');
  assert.equal(readBinaryPacket(rest.subarray(0, 4)), undefined);
  assert.equal(readBinaryPacket(rest.subarray(0, rest.length - 1)), undefined);
  assert.ok(readBinaryPacket(rest));
});

test('refuses absurd lengths, a non-KEXINIT message and truncated name-lists', () => {
  assert.throws(() => readBinaryPacket(Buffer.from([0xff, 0xff, 0xff, 0xff, 4, 0, 0, 0])), SshWireError);
  assert.throws(() => readBinaryPacket(Buffer.from([0, 0, 0, 8, 9, 1, 2, 3, 4, 5, 6, 7])), SshWireError);
  assert.throws(() => parseKexInit(Buffer.from([21, ...Buffer.alloc(16)])), /not KEXINIT/);
  const { packet } = load('openssh-9.2-weak.kexinit.bin');
  assert.throws(() => parseKexInit(packet.payload.subarray(0, 60)), /truncated/);
});

test('our own KEXINIT is a well-formed packet that parses back', () => {
  const packet = buildClientKexInit();
  assert.equal(packet.length % 8, 0, 'RFC 4253 §6: a multiple of the block size (8)');
  const read = readBinaryPacket(packet);
  assert.ok(read);
  assert.equal(read.consumed, packet.length);
  assert.ok(packet[4] >= 4, 'at least four bytes of padding');
  const k = parseKexInit(read.payload);
  assert.ok(k.kex.includes('curve25519-sha256'));
  assert.ok(k.serverHostKey.includes('ssh-ed25519'));
  assert.deepEqual(k.ciphers.clientToServer, k.ciphers.serverToClient);
  assert.equal(binaryPacket(Buffer.alloc(3)).length % 8, 0);
});

test('mpint sizes ignore the sign byte and leading zeros', () => {
  const mpint = (bytes: number[]) => Buffer.concat([Buffer.from([0, 0, 0, bytes.length]), Buffer.from(bytes)]);
  assert.equal(new SshReader(mpint([0x00, 0x80, 0x00])).mpintBits(), 16);
  assert.equal(new SshReader(mpint([0x01, 0x00])).mpintBits(), 9);
  assert.equal(new SshReader(mpint([])).mpintBits(), 0);
});

test('host key blobs give their type and size', () => {
  const str = (b: Buffer | string) => {
    const data = typeof b === 'string' ? Buffer.from(b) : b;
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    return Buffer.concat([len, data]);
  };
  const modulus = Buffer.concat([Buffer.from([0x00, 0xc0]), Buffer.alloc(127, 1)]); // 1024 bits
  assert.deepEqual(describeKeyBlob(Buffer.concat([str('ssh-rsa'), str(Buffer.from([1, 0, 1])), str(modulus)])), { keyType: 'ssh-rsa', bits: 1024 });
  assert.deepEqual(describeKeyBlob(Buffer.concat([str('ecdsa-sha2-nistp384'), str('nistp384'), str(Buffer.alloc(97))])), { keyType: 'ecdsa-sha2-nistp384', curve: 'nistp384', bits: 384 });
  assert.deepEqual(describeKeyBlob(Buffer.concat([str('ssh-ed25519'), str(Buffer.alloc(32))])), { keyType: 'ssh-ed25519', bits: 256 });
});

test('parses a real ProFTPD mod_sftp KEXINIT (a second implementation)', () => {
  const { banner, kexinit } = load('proftpd-1.3.8-mod_sftp.kexinit.bin');
  assert.equal(banner, 'SSH-2.0-mod_sftp');
  assert.deepEqual(kexinit.kex.slice(-4), ['diffie-hellman-group14-sha1', 'rsa1024-sha1', 'ext-info-s', 'kex-strict-s-v00@openssh.com']);
  assert.deepEqual(kexinit.serverHostKey, ['ssh-ed25519', 'rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa']);
  assert.deepEqual(kexinit.ciphers.clientToServer.slice(-5), ['aes256-cbc', 'aes192-cbc', 'aes128-cbc', 'cast128-cbc', '3des-cbc']);
  assert.ok(kexinit.macs.serverToClient.includes('hmac-sha1-96-etm@openssh.com'));
  assert.deepEqual(kexinit.compression.serverToClient, ['none']);
});
