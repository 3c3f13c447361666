/**
 * The audit's KEXINIT reader under arbitrary bytes (fast-check): a server's first packet is
 * untrusted input, so any bytes must give a parsed message or an SshWireError — never a RangeError,
 * TypeError or a hang — and every well-formed KEXINIT must parse back to what was sent.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { SSH_MSG_KEXINIT, SshWireError, binaryPacket, parseKexInit, readBinaryPacket } from '../../src/core/audit/probes/kexinit';

function parsesOrWireError(fn: () => unknown): void {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof SshWireError, `threw ${String((err as Error)?.stack ?? err)}`);
    assert.ok(!/[\r\n]/.test(err.message) && err.message.length > 0);
  }
}

const bytes = (max: number) => fc.uint8Array({ maxLength: max }).map((a) => Buffer.from(a));
/** Mostly KEXINIT-shaped: the right type byte and cookie, then anything. */
const kexinitish = fc.tuple(bytes(16), bytes(300)).map(([cookie, rest]) => Buffer.concat([Buffer.from([SSH_MSG_KEXINIT]), cookie, rest]));
const nameList = fc.array(fc.stringMatching(/^[a-z0-9@.+-]{1,24}$/), { maxLength: 6 });

function encodeList(names: string[]): Buffer {
  const s = Buffer.from(names.join(','), 'latin1');
  const len = Buffer.alloc(4);
  len.writeUInt32BE(s.length);
  return Buffer.concat([len, s]);
}

test('any payload: parseKexInit returns or throws an SshWireError, nothing else', () => {
  fc.assert(fc.property(fc.oneof(bytes(400), kexinitish), (payload) => parsesOrWireError(() => parseKexInit(payload))), { numRuns: 3000 });
});

test('any bytes as a binary packet: complete, "need more", or an SshWireError', () => {
  fc.assert(
    fc.property(fc.oneof(bytes(64), fc.tuple(fc.integer({ min: 0, max: 0xffffffff }), fc.nat(255), bytes(64)).map(([len, pad, rest]) => {
      const h = Buffer.alloc(5);
      h.writeUInt32BE(len);
      h[4] = pad;
      return Buffer.concat([h, rest]);
    })), (buf) =>
      parsesOrWireError(() => {
        const r = readBinaryPacket(buf);
        if (r) assert.ok(r.consumed <= buf.length && r.payload.length >= 1);
      }),
    ),
    { numRuns: 3000 },
  );
});

test('a well-formed KEXINIT parses back to the lists that were sent', () => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }).map((a) => Buffer.from(a)), fc.array(nameList, { minLength: 10, maxLength: 10 }), fc.boolean(), (cookie, lists, follows) => {
      const payload = Buffer.concat([Buffer.from([SSH_MSG_KEXINIT]), cookie, ...lists.map(encodeList), Buffer.from([follows ? 1 : 0, 0, 0, 0, 0])]);
      const { payload: unwrapped } = readBinaryPacket(binaryPacket(payload))!;
      const k = parseKexInit(unwrapped);
      assert.equal(k.cookie, cookie.toString('hex'));
      assert.deepEqual([k.kex, k.serverHostKey, k.ciphers.clientToServer, k.ciphers.serverToClient, k.macs.clientToServer, k.macs.serverToClient, k.compression.clientToServer, k.compression.serverToClient, k.languages.clientToServer, k.languages.serverToClient], lists);
      assert.equal(k.firstKexPacketFollows, follows);
    }),
    { numRuns: 500 },
  );
});
