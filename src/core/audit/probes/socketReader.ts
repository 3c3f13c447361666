/**
 * Reading a conversation from a socket with one deadline for the whole probe step: every wait
 * either gets what it asked for, or fails with a clear message when the peer closes or time runs out.
 */
import type { Duplex } from 'node:stream';

export class ProbeError extends Error {}

export class SocketReader {
  private buf = Buffer.alloc(0);
  private ended = false;
  private failure: Error | undefined;
  private wake: (() => void) | undefined;

  constructor(readonly socket: Duplex) {
    socket.on('data', (d: Buffer) => {
      this.buf = Buffer.concat([this.buf, d]);
      this.notify();
    });
    socket.on('end', () => {
      this.ended = true;
      this.notify();
    });
    socket.on('close', () => {
      this.ended = true;
      this.notify();
    });
    socket.on('error', (err: Error) => {
      this.failure = err;
      this.notify();
    });
  }

  /** Stops listening (before the socket is handed to TLS) and returns unread bytes. */
  detach(): Buffer {
    this.socket.removeAllListeners('data');
    this.socket.removeAllListeners('end');
    this.socket.removeAllListeners('close');
    this.socket.removeAllListeners('error');
    this.socket.on('error', () => {}); // late resets must not crash the process
    return this.buf;
  }

  /** Waits until `extract` finds something in the buffer; it returns [value, bytes consumed] or undefined. */
  async until<T>(extract: (buf: Buffer) => [T, number] | undefined, deadline: number, what: string): Promise<T> {
    for (;;) {
      const got = extract(this.buf);
      if (got) {
        this.buf = this.buf.subarray(got[1]);
        return got[0];
      }
      if (this.failure) throw new ProbeError(`${what}: ${this.failure.message}`);
      if (this.ended) throw new ProbeError(`${what}: the server closed the connection`);
      const left = deadline - Date.now();
      if (left <= 0) throw new ProbeError(`${what}: no answer in time`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  private notify(): void {
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }
}

/** One CRLF- or LF-terminated line (latin1, so any byte survives), for `SocketReader.until`. */
export function takeLine(buf: Buffer): [string, number] | undefined {
  const nl = buf.indexOf(0x0a);
  if (nl < 0) return buf.length > 8192 ? [buf.toString('latin1'), buf.length] : undefined;
  return [buf.subarray(0, nl).toString('latin1').replace(/\r$/, ''), nl + 1];
}
