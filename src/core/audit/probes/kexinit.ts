/**
 * SSH's binary packet and KEXINIT message (RFC 4253 §6 and §7.1), read before any encryption is on.
 * ssh2's handshake event only shows the negotiated algorithms; the server's KEXINIT lists all it offers.
 */
import { randomBytes } from 'node:crypto';
import type { SshKexInit } from '../types';

export const SSH_MSG_KEXINIT = 20;
/** RFC 4253 §6.1: implementations must handle packets of at least 35000 bytes. */
const MAX_PACKET = 35000;

export class SshWireError extends Error {}

/** The payload of the first complete binary packet in `buf`, or undefined when more bytes are needed. */
export function readBinaryPacket(buf: Buffer): { payload: Buffer; consumed: number } | undefined {
  if (buf.length < 5) return undefined;
  const packetLength = buf.readUInt32BE(0);
  if (packetLength < 5 || packetLength > MAX_PACKET) throw new SshWireError(`the server sent an SSH packet length of ${packetLength} bytes`);
  if (buf.length < 4 + packetLength) return undefined;
  const paddingLength = buf[4];
  const payloadLength = packetLength - paddingLength - 1;
  if (payloadLength < 1) throw new SshWireError('the server sent an SSH packet whose padding exceeds its length');
  return { payload: buf.subarray(5, 5 + payloadLength), consumed: 4 + packetLength };
}

/** A reader for SSH's wire types (RFC 4251 §5). */
export class SshReader {
  private pos = 0;
  constructor(private readonly buf: Buffer) {}

  byte(): number {
    this.need(1);
    return this.buf[this.pos++];
  }
  uint32(): number {
    this.need(4);
    const v = this.buf.readUInt32BE(this.pos);
    this.pos += 4;
    return v;
  }
  bytes(n: number): Buffer {
    this.need(n);
    const v = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }
  string(): Buffer {
    return this.bytes(this.uint32());
  }
  nameList(): string[] {
    const s = this.string().toString('latin1');
    return s === '' ? [] : s.split(',');
  }
  /** An mpint's size in bits, ignoring the sign-padding zero byte. */
  mpintBits(): number {
    const b = this.string();
    let i = 0;
    while (i < b.length && b[i] === 0) i++;
    if (i === b.length) return 0;
    return (b.length - i - 1) * 8 + (32 - Math.clz32(b[i]));
  }
  private need(n: number): void {
    if (this.pos + n > this.buf.length) throw new SshWireError('the server sent a truncated SSH message');
  }
}

export function parseKexInit(payload: Buffer): SshKexInit {
  const r = new SshReader(payload);
  const msg = r.byte();
  if (msg !== SSH_MSG_KEXINIT) throw new SshWireError(`the server's first SSH message was type ${msg}, not KEXINIT (20)`);
  const cookie = r.bytes(16).toString('hex');
  const lists = Array.from({ length: 10 }, () => r.nameList());
  const firstKexPacketFollows = r.byte() !== 0;
  r.uint32(); // reserved
  const pair = (i: number) => ({ clientToServer: lists[i], serverToClient: lists[i + 1] });
  return {
    cookie,
    kex: lists[0],
    serverHostKey: lists[1],
    ciphers: pair(2),
    macs: pair(4),
    compression: pair(6),
    languages: pair(8),
    firstKexPacketFollows,
  };
}

function nameList(names: readonly string[]): Buffer {
  const s = Buffer.from(names.join(','), 'latin1');
  const len = Buffer.alloc(4);
  len.writeUInt32BE(s.length);
  return Buffer.concat([len, s]);
}

/** Wraps a payload in an unencrypted binary packet with 4..255 bytes of random padding to a multiple of 8. */
export function binaryPacket(payload: Buffer): Buffer {
  let padding = 8 - ((5 + payload.length) % 8);
  if (padding < 4) padding += 8;
  const header = Buffer.alloc(5);
  header.writeUInt32BE(1 + payload.length + padding);
  header[4] = padding;
  return Buffer.concat([header, payload, randomBytes(padding)]);
}

/** The KEXINIT the probe sends: broad lists so that any server sees a client it could talk to. */
export function buildClientKexInit(): Buffer {
  const kex = ['curve25519-sha256', 'ecdh-sha2-nistp256', 'diffie-hellman-group14-sha256', 'diffie-hellman-group14-sha1', 'diffie-hellman-group1-sha1'];
  const hostKey = ['ssh-ed25519', 'ecdsa-sha2-nistp256', 'rsa-sha2-256', 'ssh-rsa', 'ssh-dss'];
  const ciphers = ['aes128-ctr', 'aes128-gcm@openssh.com', 'chacha20-poly1305@openssh.com', 'aes128-cbc', '3des-cbc'];
  const macs = ['hmac-sha2-256-etm@openssh.com', 'hmac-sha2-256', 'hmac-sha1'];
  const compression = ['none'];
  const parts = [
    Buffer.from([SSH_MSG_KEXINIT]),
    randomBytes(16),
    nameList(kex),
    nameList(hostKey),
    nameList(ciphers),
    nameList(ciphers),
    nameList(macs),
    nameList(macs),
    nameList(compression),
    nameList(compression),
    nameList([]),
    nameList([]),
    Buffer.from([0, 0, 0, 0, 0]),
  ];
  return binaryPacket(Buffer.concat(parts));
}
