import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { InFlightBudget, pipelinedDownload, pipelinedUpload, type SftpChannel } from '../../src/core/session/sftpPipeline';
import { uploadBytesInFlight } from '../../src/core/session/sftpTransfer';

/**
 * An in-memory stand-in for ssh2's SFTP channel (the structural slice the pipeline uses), answering
 * in a shuffled order like a busy server, and counting requests in flight. The pipeline's scheduling
 * is what is under test here; the real protocol is covered by the integration tests.
 */
class MemoryChannel implements SftpChannel {
  readonly files = new Map<string, Buffer>();
  inFlight = 0;
  maxInFlight = 0;
  private readonly handles = new Map<string, string>();
  private next = 0;

  private later(fn: () => void): void {
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    // 0–2 turns of the event loop: answers overtake each other.
    const turns = Math.floor(Math.random() * 3);
    const run = (left: number): void => {
      if (left > 0) setImmediate(() => run(left - 1));
      else {
        this.inFlight--;
        fn();
      }
    };
    run(turns);
  }
  open(p: string, flags: string, attrsOrCb: unknown, last?: (err: Error | null | undefined, handle: Buffer) => void): void {
    const cb = (last ?? attrsOrCb) as (err: Error | null | undefined, handle: Buffer) => void;
    if (flags === 'w' || flags === 'wx') this.files.set(p, Buffer.alloc(0));
    const id = String(this.next++);
    this.handles.set(id, p);
    setImmediate(() => cb(this.files.has(p) ? null : new Error('no such file'), Buffer.from(id)));
  }
  close(_h: Buffer, cb: (err?: Error | null) => void): void {
    setImmediate(() => cb(null));
  }
  fsetstat(_h: Buffer, _attrs: unknown, cb: (err?: Error | null) => void): void {
    setImmediate(() => cb(null));
  }
  fstat(h: Buffer, cb: (err: Error | null | undefined, stats: { size?: number }) => void): void {
    setImmediate(() => cb(null, { size: this.files.get(this.handles.get(h.toString())!)!.length }));
  }
  read(h: Buffer, buf: Buffer, off: number, len: number, pos: number, cb: (err: Error | null | undefined, n: number) => void): void {
    const data = this.files.get(this.handles.get(h.toString())!)!;
    this.later(() => cb(null, data.copy(buf, off, pos, Math.min(pos + len, data.length))));
  }
  write(h: Buffer, buf: Buffer, off: number, len: number, pos: number, cb: (err?: Error | null) => void): void {
    const p = this.handles.get(h.toString())!;
    const copy = Buffer.from(buf.subarray(off, off + len)); // the caller reuses buf once we answer
    this.later(() => {
      const old = this.files.get(p)!;
      const grown = Buffer.alloc(Math.max(old.length, pos + len));
      old.copy(grown);
      copy.copy(grown, pos);
      this.files.set(p, grown);
      cb(null);
    });
  }
}

async function scratch(): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), 'st-pipeline-'));
}

test('uploads keep half the server window in flight (half of OpenSSH 2 MiB when the server does not say)', () => {
  assert.equal(uploadBytesInFlight(4 * 1024 * 1024), 2 * 1024 * 1024);
  assert.equal(uploadBytesInFlight(undefined), 1024 * 1024);
  assert.equal(uploadBytesInFlight(0), 1024 * 1024);
});

test('uploads sharing one budget never have more bytes in flight together than it allows, and arrive intact', async () => {
  const dir = await scratch();
  try {
    const ch = new MemoryChannel();
    const a = randomBytes(40 * 1000 + 7);
    const b = randomBytes(33 * 1000);
    await fs.writeFile(path.join(dir, 'a'), a);
    await fs.writeFile(path.join(dir, 'b'), b);
    const budget = new InFlightBudget(3000);
    await Promise.all([
      pipelinedUpload(ch, path.join(dir, 'a'), '/a', { chunkSize: 1000, inFlight: 64, budget }),
      pipelinedUpload(ch, path.join(dir, 'b'), '/b', { chunkSize: 1000, inFlight: 64, budget }),
    ]);
    assert.equal(ch.maxInFlight, 3);
    assert.deepEqual(ch.files.get('/a'), a);
    assert.deepEqual(ch.files.get('/b'), b);
    // The budget is whole again: a third upload can use all of it.
    ch.maxInFlight = 0;
    await pipelinedUpload(ch, path.join(dir, 'a'), '/c', { chunkSize: 1000, inFlight: 64, budget });
    assert.equal(ch.maxInFlight, 3);
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});

test('a cancelled upload waiting for budget settles and returns what it held', async () => {
  const dir = await scratch();
  try {
    const ch = new MemoryChannel();
    await fs.writeFile(path.join(dir, 'a'), randomBytes(20_000));
    const budget = new InFlightBudget(1000);
    const controller = new AbortController();
    const first = pipelinedUpload(ch, path.join(dir, 'a'), '/a', { chunkSize: 1000, budget });
    const second = pipelinedUpload(ch, path.join(dir, 'a'), '/b', { chunkSize: 1000, budget, signal: controller.signal });
    setImmediate(() => controller.abort());
    await assert.rejects(second, /cancel/i);
    await first;
    assert.ok(budget.tryTake(1000), 'the budget was given back');
    assert.ok(!budget.tryTake(1), 'and only that');
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});

test('many small requests share what a few large ones would use; one larger than the budget still goes, alone', () => {
  const budget = new InFlightBudget(1000);
  for (let i = 0; i < 10; i++) assert.ok(budget.tryTake(100), `small request ${i + 1}`);
  assert.ok(!budget.tryTake(100));
  for (let i = 0; i < 10; i++) budget.give(100);
  assert.ok(budget.tryTake(5000), 'alone, it may exceed the budget');
  assert.ok(!budget.tryTake(1), 'nothing else meanwhile');
  let woken = 0;
  budget.whenFree(() => woken++);
  budget.give(5000);
  assert.equal(woken, 1);
});

test('downloads with answers out of order write every byte in place, several and at most inFlight requests at once', async () => {
  const dir = await scratch();
  try {
    const ch = new MemoryChannel();
    const data = randomBytes(64 * 1000 + 123);
    ch.files.set('/big', data);
    await pipelinedDownload(ch, '/big', path.join(dir, 'big'), { chunkSize: 1000, inFlight: 8 });
    assert.deepEqual(await fs.readFile(path.join(dir, 'big')), data);
    assert.ok(ch.maxInFlight > 1 && ch.maxInFlight <= 8, `${ch.maxInFlight} reads were in flight at most`);
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});

test("a small file's requests use buffers of its size, not of the server's largest request", async () => {
  const dir = await scratch();
  try {
    // Every 4 KiB file of a tree holding 255 KiB per request in flight was most of a transfer's memory.
    const sizes: number[] = [];
    const ch = new MemoryChannel();
    const read = ch.read.bind(ch);
    const write = ch.write.bind(ch);
    ch.read = (h, buf, off, len, pos, cb) => (sizes.push(buf.length), read(h, buf, off, len, pos, cb));
    ch.write = (h, buf, off, len, pos, cb) => (sizes.push(buf.length), write(h, buf, off, len, pos, cb));
    const data = randomBytes(4096);
    ch.files.set('/small', data);
    await pipelinedDownload(ch, '/small', path.join(dir, 'small'), { chunkSize: 255 * 1024 });
    assert.deepEqual(await fs.readFile(path.join(dir, 'small')), data);
    await pipelinedUpload(ch, path.join(dir, 'small'), '/up', { chunkSize: 255 * 1024 });
    assert.deepEqual(ch.files.get('/up'), data);
    // A resumed file: only what is left to move.
    await fs.writeFile(path.join(dir, 'part'), data.subarray(0, 1000));
    await pipelinedDownload(ch, '/small', path.join(dir, 'part'), { chunkSize: 255 * 1024, offset: 1000 });
    assert.deepEqual(await fs.readFile(path.join(dir, 'part')), data);
    assert.deepEqual(sizes, [4096, 4096, 3096]);
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});
