/**
 * The SFTP `check-file-name` request (draft-ietf-secsh-filexfer-extensions "check-file"): the server
 * hashes a file it holds, so a resumed transfer can be verified without reading it back.
 *
 * ssh2's SFTPWrapper has no generic extended request and drops the payload of replies it doesn't
 * know, so this speaks the few SFTP packets it needs on a short-lived side channel of the same SSH
 * connection (no ssh2 internals, no patching). ProFTPD's mod_sftp lists check-file only in the
 * `supported2` field of protocol version 5+, so the side channel asks for version 6. Anything
 * unexpected means "no hash": the caller then falls back to the size check.
 */
import type { Client, ClientChannel } from 'ssh2';
import { CancelledError } from '../errors';
import { HASH_PREFERENCE, isDigestOf, isHashAlgorithm, type HashAlgorithm, type RemoteHash } from './remoteHash';

const FXP = { INIT: 1, VERSION: 2, STATUS: 101, EXTENDED: 200, EXTENDED_REPLY: 201 } as const;
/** The version that makes a v5/v6 server describe its extensions in `supported2`. */
const ASKED_VERSION = 6;
/** A VERSION or check-file reply is small; anything bigger is not what we asked for. */
const MAX_PACKET = 256 * 1024;
const REQUEST_ID = 1;

/** The algorithms a check-file server may answer with (the draft's list). */
export const CHECK_FILE_ALGORITHMS: readonly HashAlgorithm[] = HASH_PREFERENCE;

/** From the main session's VERSION (v3) extensions: could this server have check-file at all? */
export function mayOfferCheckFile(extensions: Readonly<Record<string, string>>): boolean {
  if (advertisesCheckFile(Object.keys(extensions))) return true;
  // Servers that speak v5+ (ProFTPD: "versions" = "2,3,4,5,6") list check-file in v5+ only.
  return (extensions.versions ?? '').split(',').some((v) => Number(v) >= 5);
}

/** Whether a list of SFTP extension names includes check-file. */
export function advertisesCheckFile(names: readonly string[]): boolean {
  return names.some((n) => n === 'check-file' || n === 'check-file-name');
}

/** Reads SSH strings and integers; every read past the end throws (→ "no hash"). */
class Reader {
  private pos = 0;
  constructor(private readonly buf: Buffer) {}
  get done(): boolean {
    return this.pos >= this.buf.length;
  }
  u8(): number {
    return this.take(1).readUInt8(0);
  }
  u16(): number {
    return this.take(2).readUInt16BE(0);
  }
  u32(): number {
    return this.take(4).readUInt32BE(0);
  }
  bytes(): Buffer {
    return this.take(this.u32());
  }
  string(): string {
    return this.bytes().toString('utf8');
  }
  rest(): Buffer {
    return this.take(this.buf.length - this.pos);
  }
  private take(n: number): Buffer {
    if (this.pos + n > this.buf.length) throw new RangeError('truncated SFTP packet');
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
}

export interface SftpVersionInfo {
  version: number;
  /** Extension names: the VERSION pairs plus, from v5, those listed in `supported2`. */
  extensions: string[];
}

/** A VERSION packet's payload (after the type byte) → version and extension names. */
export function parseVersion(payload: Buffer): SftpVersionInfo {
  const r = new Reader(payload);
  const version = r.u32();
  const extensions: string[] = [];
  while (!r.done) {
    const name = r.string();
    const data = r.bytes();
    extensions.push(name);
    if (name === 'supported2') extensions.push(...supported2Extensions(data));
  }
  return { version, extensions };
}

/** draft-ietf-secsh-filexfer-13 §5.4: fixed fields, attribute-extension names, then extension names. */
function supported2Extensions(data: Buffer): string[] {
  const r = new Reader(data);
  for (let i = 0; i < 5; i++) r.u32(); // attribute mask, attribute bits, open flags, access mask, max read
  r.u16(); // open block vector
  r.u16(); // block vector
  const attribCount = r.u32();
  for (let i = 0; i < attribCount; i++) r.string();
  const count = r.u32();
  const names: string[] = [];
  for (let i = 0; i < count; i++) names.push(r.string());
  return names;
}

/** An EXTENDED_REPLY to check-file (after type and id): the algorithm used, then the digest bytes. */
export function parseCheckFileReply(body: Buffer): RemoteHash | undefined {
  const r = new Reader(body);
  const algorithm = r.string().toLowerCase();
  const hex = r.rest().toString('hex');
  return isHashAlgorithm(algorithm) && isDigestOf(algorithm, hex) ? { algorithm, hex } : undefined;
}

function sshString(s: string): Buffer {
  const b = Buffer.from(s, 'utf8');
  const len = Buffer.alloc(4);
  len.writeUInt32BE(b.length);
  return Buffer.concat([len, b]);
}

function packet(type: number, ...parts: Buffer[]): Buffer {
  const body = Buffer.concat(parts);
  const head = Buffer.alloc(5);
  head.writeUInt32BE(body.length + 1);
  head.writeUInt8(type, 4);
  return Buffer.concat([head, body]);
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}

/** check-file-name: path, algorithm list, start offset (u64), length (u64, 0 = to the end), block size (0 = one hash). */
function checkFileRequest(path: string, algorithms: readonly HashAlgorithm[]): Buffer {
  const zero64 = Buffer.alloc(8);
  return packet(FXP.EXTENDED, u32(REQUEST_ID), sshString('check-file-name'), sshString(path), sshString(algorithms.join(',')), zero64, zero64, u32(0));
}

/** Yields whole SFTP packets (type byte first) from a channel's byte stream. */
class PacketStream {
  private buf = Buffer.alloc(0);
  private readonly waiting: Array<{ resolve: (p: Buffer) => void; reject: (e: Error) => void }> = [];
  private readonly ready: Buffer[] = [];
  private readonly failListeners = new Set<(e: Error) => void>();
  private failure?: Error;

  push(data: Buffer): void {
    this.buf = Buffer.concat([this.buf, data]);
    while (this.buf.length >= 4) {
      const len = this.buf.readUInt32BE(0);
      if (len === 0 || len > MAX_PACKET) return this.fail(new RangeError('SFTP packet of unexpected size'));
      if (this.buf.length < 4 + len) return;
      this.deliver(this.buf.subarray(4, 4 + len));
      this.buf = this.buf.subarray(4 + len);
    }
  }

  fail(err: Error): void {
    this.failure ??= err;
    for (const w of this.waiting.splice(0)) w.reject(this.failure);
    for (const l of this.failListeners) l(this.failure);
  }

  /** `p`, unless the stream fails (cancelled, connection lost) first. */
  race<T>(p: Promise<T>): Promise<T> {
    if (this.failure) return Promise.reject(this.failure);
    let onFail!: (e: Error) => void;
    const failed = new Promise<never>((_, reject) => this.failListeners.add((onFail = reject)));
    return Promise.race([p, failed]).finally(() => this.failListeners.delete(onFail));
  }

  next(): Promise<Buffer> {
    const ready = this.ready.shift();
    if (ready) return Promise.resolve(ready);
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => this.waiting.push({ resolve, reject }));
  }

  private deliver(p: Buffer): void {
    const w = this.waiting.shift();
    if (w) w.resolve(p);
    else this.ready.push(p);
  }
}

export interface CheckFileResult {
  /** Whether the server offers check-file at all (for capabilities.hashes). */
  offered: boolean;
  hash?: RemoteHash;
}

export interface CheckFileOptions {
  algorithms?: readonly HashAlgorithm[];
  signal?: AbortSignal;
  /** Aborted when the SSH connection drops: stops waiting for an answer that won't come. */
  connectionLost?: AbortSignal;
  /** A server that doesn't answer INIT or check-file within this long is treated as not hashing. */
  timeoutMs?: number;
}

/**
 * The server's hash of the whole file at `path`. Resolves `{ offered: false }` when the server has
 * no check-file and `{ offered: true }` without a hash when it refused this file (missing, no
 * common algorithm); rejects only with CancelledError.
 */
export async function checkFileHash(client: Client, path: string, opts: CheckFileOptions = {}): Promise<CheckFileResult> {
  if (opts.signal?.aborted) throw new CancelledError();
  let channel: ClientChannel | undefined;
  let abandoned = false;
  const packets = new PacketStream();
  const onAbort = (): void => packets.fail(new CancelledError());
  const onLost = (): void => packets.fail(new Error('connection lost'));
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  opts.connectionLost?.addEventListener('abort', onLost, { once: true });
  // Each answer restarts the clock: hashing a large file may take a while, but not for ever.
  let deadline: NodeJS.Timeout | undefined;
  const armDeadline = (): void => {
    clearTimeout(deadline);
    if (opts.timeoutMs && opts.timeoutMs > 0) deadline = setTimeout(() => packets.fail(new Error('no answer')), opts.timeoutMs);
  };
  armDeadline();
  try {
    const opening = new Promise<ClientChannel>((resolve, reject) => client.subsys('sftp', (err, ch) => (err ? reject(err) : resolve(ch))));
    // A channel that opens after we stopped waiting is closed as soon as it exists.
    opening.then((ch) => (abandoned ? ch.close() : (channel = ch)), () => undefined);
    channel = await packets.race(opening);
    channel.on('data', (d: Buffer) => packets.push(d));
    channel.on('close', () => packets.fail(new Error('side channel closed')));
    channel.on('error', (err: Error) => packets.fail(err));

    channel.write(packet(FXP.INIT, u32(ASKED_VERSION)));
    const version = await packets.next();
    armDeadline();
    if (version[0] !== FXP.VERSION || !advertisesCheckFile(parseVersion(version.subarray(1)).extensions)) return { offered: false };

    channel.write(checkFileRequest(path, opts.algorithms ?? HASH_PREFERENCE));
    const reply = await packets.next();
    const r = new Reader(reply);
    const type = r.u8();
    if (r.u32() !== REQUEST_ID || type !== FXP.EXTENDED_REPLY) return { offered: true }; // STATUS: refused for this file
    const hash = parseCheckFileReply(r.rest());
    return hash ? { offered: true, hash } : { offered: true };
  } catch (err) {
    if (err instanceof CancelledError) throw err;
    return { offered: false };
  } finally {
    clearTimeout(deadline);
    abandoned = true;
    opts.signal?.removeEventListener('abort', onAbort);
    opts.connectionLost?.removeEventListener('abort', onLost);
    channel?.close();
  }
}
