/**
 * Byte ranges over FTP (ranged parallel transfers, transfer/ranged.ts): `REST start` + `RETR` that
 * stops at `end`, the way lftp's `pget -n` does. basic-ftp's downloads run to the end of the file, so
 * the exchange is driven here on its control connection, with its data connection (EPSV/PASV, TLS
 * with PROT P resuming the control connection's TLS session, as every transfer of the client).
 *
 * Stopping early: FTP has no "RETR these bytes". Up to DISCARD_LIMIT_BYTES past the range are read
 * and dropped; past that the data connection is closed, the server's next write fails, and it
 * answers the RETR: vsftpd and ProFTPD with one final reply (426, or 226 when all was sent already),
 * pure-ftpd with one more 1xx line (then a NOOP is sent and every reply up to its 200 consumed).
 * No ABOR, and no command before that reply: vsftpd reads an ABOR only after the transfer and
 * answers it too, ProFTPD answers a command sent during the transfer before the RETR, so their
 * replies could not be told apart. A server that doesn't answer within SETTLE_TIMEOUT_MS has its
 * session closed (the range is complete; the pool replaces the session), and so does ProFTPD itself
 * when the data connection closes right after its TLS handshake (mod_tls "unexpected OpenSSL error").
 */
import { writev } from 'node:fs';
import { promisify } from 'node:util';
import type * as tls from 'node:tls';
import { FTPError, type Client, type FTPResponse } from 'basic-ftp';

const fsWritev = promisify(writev);

/** Bytes queued for the local file before the data connection is paused. */
const WRITE_BATCH_BYTES = 4 * 1024 * 1024;
/**
 * Bytes past the range read and dropped before the data connection is closed instead: closing it
 * mid-transfer makes some servers end the session (ProFTPD's mod_tls, when it happens early).
 */
const DISCARD_LIMIT_BYTES = 1024 * 1024;
/**
 * How long a server may take to answer a stopped RETR before its session is closed. vsftpd and
 * ProFTPD answer at once (426); pure-ftpd sends its reply only when the next command arrives, and
 * ProFTPD answers a command sent meanwhile before the RETR: no command can tell the replies apart.
 */
const SETTLE_TIMEOUT_MS = 500;

type Handler = (res: Error | FTPResponse, task: { resolve: (v?: unknown) => void; reject: (e: unknown) => void }) => void;

/** Sends `command` and passes every reply (and connection error) to `handler` until it settles. */
function handle(client: Client, command: string, handler: Handler): Promise<unknown> {
  return client.ftp.handle(command, handler as Parameters<Client['ftp']['handle']>[1]);
}

/** While data flows the control connection is idle: its deadline moves to the data connection. */
function dataStarted(client: Client, data: tls.TLSSocket): void {
  client.ftp.socket.setTimeout(0);
  data.setTimeout(client.ftp.timeout);
}

function dataDone(client: Client): void {
  if (!client.closed) client.ftp.socket.setTimeout(client.ftp.timeout);
}

export interface RangeProgress {
  /** Bytes written to the local file, contiguous from `start`. */
  committed: number;
}

/**
 * `REST start` (when start > 0) + `RETR path`; bytes [start, end) written to `fd` at their offsets.
 * `progress.committed` grows as writes complete. Rejects when the file ends before `end`.
 * Resolves `stoppedEarly` when the data connection was closed before the server finished.
 */
export async function retrRange(
  client: Client,
  path: string,
  fd: number,
  start: number,
  end: number,
  progress: RangeProgress,
  onProgress?: (bytes: number) => void,
): Promise<{ stoppedEarly: boolean }> {
  const ftp = client.ftp;
  const want = end - start;
  await client.prepareTransfer(ftp);
  /** Bytes taken from the data connection / handed to local writes (progress.committed: written). */
  let received = 0;
  let scheduled = 0;
  let queued: Buffer[] = [];
  let writing: Promise<void> = Promise.resolve();
  let writeError: Error | undefined;
  let paused = false;
  let stoppedEarly = false;
  let dataEnded = false;
  let reply: FTPResponse | FTPError | undefined;
  let retrSent = start === 0;
  let started = false;
  let data: tls.TLSSocket | undefined;

  let discarded = 0;
  let sentinel = false;
  let settleTimer: NodeJS.Timeout | undefined;
  const stop = (): void => {
    if (dataEnded || stoppedEarly) return;
    stoppedEarly = true;
    // Closed without TLS close_notify: the server's next write fails and it answers the RETR.
    ftp.dataSocket = undefined;
    dataDone(client);
    // A server that doesn't answer the stopped RETR soon loses the session (the range is complete).
    settleTimer = setTimeout(() => client.close(), SETTLE_TIMEOUT_MS);
  };
  const flush = (): void => {
    if (queued.length === 0) return;
    const batch = queued;
    const position = start + scheduled;
    const bytes = received - scheduled;
    queued = [];
    scheduled = received;
    writing = writing.then(async () => {
      if (writeError) return;
      try {
        let off = 0;
        while (off < bytes) {
          // writev may write less than asked: the rest follows.
          const { bytesWritten } = await fsWritev(fd, sliceFrom(batch, off), position + off);
          if (bytesWritten <= 0) throw new Error('the local file took no bytes');
          off += bytesWritten;
          progress.committed += bytesWritten;
        }
        onProgress?.(progress.committed);
      } catch (err) {
        writeError = err as Error;
      }
      if (paused && received - progress.committed < WRITE_BATCH_BYTES / 2 && data && ftp.dataSocket === data) {
        paused = false;
        data.resume();
      }
    });
  };

  await handle(client, start > 0 ? `REST ${start}` : `RETR ${path}`, (res, task) => {
    const fail = (err: unknown): void => {
      if (ftp.dataSocket) ftp.dataSocket = undefined;
      dataDone(client);
      // What arrived before the failure is written first: the caller keeps it (a resume continues after it).
      flush();
      void writing.then(() => task.reject(err));
    };
    const finish = (): void => {
      // Both the data (or our stop) and the control reply are in: wait for the local writes.
      if (!reply || !(dataEnded || stoppedEarly)) return;
      const final = reply;
      void writing.then(() => {
        dataDone(client);
        if (writeError) task.reject(writeError);
        else if (received < want) {
          task.reject(final instanceof FTPError ? final : new ShortRangeError(`the file ended at byte ${start + received}, before byte ${end}`));
        } else task.resolve();
      });
    };
    if (stoppedEarly) {
      // The range is complete; what remains is the stopped RETR's one final reply (426, 451 or 226).
      // A session that ends meanwhile (or is closed for not answering) has still delivered the range.
      // pure-ftpd answers it with one more 1xx line ("150 0.02 seconds (measured here)…") and nothing
      // after: a NOOP then makes sure, every reply up to its 200 being the RETR's.
      if (!(res instanceof Error) && res.code < 200) {
        if (!sentinel) ftp.send('NOOP');
        sentinel = true;
        return;
      }
      if (sentinel && (res instanceof FTPError || (!(res instanceof Error) && res.code !== 200))) return;
      if (res instanceof Error && !(res instanceof FTPError)) client.close();
      reply = { code: 226, message: '' };
      return finish();
    }
    if (res instanceof Error) return fail(res);
    if (res.code === 350 && !retrSent) {
      retrSent = true;
      ftp.send('RETR ' + path);
      return;
    }
    if (!retrSent) return fail(new FTPError(res));
    if ((res.code === 150 || res.code === 125) && !started) {
      started = true;
      data = ftp.dataSocket as tls.TLSSocket | undefined;
      if (!data) return fail(new Error('Download should begin but no data connection is available.'));
      const socket = data;
      dataStarted(client, socket);
      socket.on('data', (chunk: Buffer) => {
        if (received >= want) {
          // Past the range: a short rest is read and dropped, which leaves the session untouched.
          discarded += chunk.length;
          if (discarded > DISCARD_LIMIT_BYTES) stop();
          return;
        }
        const take = Math.min(chunk.length, want - received);
        received += take;
        queued.push(take === chunk.length ? chunk : chunk.subarray(0, take));
        if (received >= want) {
          flush();
          discarded = chunk.length - take;
          if (discarded > DISCARD_LIMIT_BYTES) stop();
          return;
        }
        if (received - scheduled >= 256 * 1024) flush();
        if (received - progress.committed >= WRITE_BATCH_BYTES && !paused) {
          paused = true;
          socket.pause();
        }
      });
      socket.once('end', () => {
        dataEnded = true;
        flush();
        if (ftp.dataSocket === socket) ftp.dataSocket = undefined;
        finish();
      });
      return;
    }
    if (res.code >= 200 && res.code < 300) {
      reply = res;
      return finish();
    }
    if (res.code >= 300 && res.code < 400) fail(new Error(`Unexpected FTP response is requesting an answer: ${res.message}`));
  }).finally(() => {
    clearTimeout(settleTimer);
    dataDone(client);
  });

  return { stoppedEarly };
}

function sliceFrom(buffers: Buffer[], offset: number): Buffer[] {
  if (offset === 0) return buffers;
  const out: Buffer[] = [];
  let skip = offset;
  for (const b of buffers) {
    if (skip >= b.length) {
      skip -= b.length;
      continue;
    }
    out.push(skip > 0 ? b.subarray(skip) : b);
    skip = 0;
  }
  return out;
}

/** The RETR ended short of the range: the file is shorter than the caller was told. */
export class ShortRangeError extends Error {}
