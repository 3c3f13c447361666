/**
 * Whole-file transfers with many requests in flight (ssh2's fastGet/fastPut), made cancellable.
 *
 * fastGet/fastPut take no AbortSignal, so they are handed a thin view of the SFTP channel whose
 * read/write fail with CancelledError once the signal fires: ssh2 then closes both handles and
 * reports that error, as it would for a failed request. The view binds every call to the real
 * channel, so request ids and the channel state stay shared.
 */
import type { SFTPWrapper, TransferOptions } from 'ssh2';
import { CancelledError } from '../errors';

/** OpenSSH's sftp-server accepts at most 255 KiB per request (its limits@openssh.com says so). */
export const OPENSSH_MAX_REQUEST = 255 * 1024;
/** What every SFTP server must accept (draft-ietf-secsh-filexfer: 32768 data bytes). */
export const SAFE_REQUEST = 32 * 1024;
export const CONCURRENCY = 64;

type Callback = (...args: unknown[]) => void;

function cancellableView(sftp: SFTPWrapper, signal: AbortSignal | undefined): SFTPWrapper {
  if (!signal) return sftp;
  const s = sftp as unknown as Record<string, Callback>;
  const guard = (name: 'read' | 'write') => (...args: unknown[]) => {
    if (signal.aborted) {
      const cb = args[args.length - 1] as Callback;
      process.nextTick(cb, new CancelledError());
      return;
    }
    s[name].apply(sftp, args);
  };
  const passthrough = (name: string) => (...args: unknown[]) => s[name].apply(sftp, args);
  return {
    open: passthrough('open'),
    close: passthrough('close'),
    fstat: passthrough('fstat'),
    stat: passthrough('stat'),
    fchmod: passthrough('fchmod'),
    chmod: passthrough('chmod'),
    read: guard('read'),
    write: guard('write'),
    get outgoing() {
      return (sftp as unknown as { outgoing: unknown }).outgoing;
    },
  } as unknown as SFTPWrapper;
}

export interface FastTransferOptions {
  chunkSize: number;
  signal?: AbortSignal;
  onProgress?: (bytes: number, total: number) => void;
}

function run(
  direction: 'fastGet' | 'fastPut',
  sftp: SFTPWrapper,
  from: string,
  to: string,
  opts: FastTransferOptions,
): Promise<void> {
  if (opts.signal?.aborted) return Promise.reject(new CancelledError());
  const view = cancellableView(sftp, opts.signal);
  const options: TransferOptions = {
    concurrency: CONCURRENCY,
    chunkSize: opts.chunkSize,
    step: (total, _chunk, size) => opts.onProgress?.(total, size),
  };
  return new Promise((resolve, reject) => {
    // Called on the real prototype method with the view as `this`: fastXfer only uses the view.
    const method = (Object.getPrototypeOf(sftp) as Record<string, Callback>)[direction];
    method.call(view, from, to, options, (err: Error | null | undefined) => {
      if (err) reject(err);
      else resolve();
    });
  });
}

export function fastDownload(sftp: SFTPWrapper, remote: string, local: string, opts: FastTransferOptions): Promise<void> {
  return run('fastGet', sftp, remote, local, opts);
}

export function fastUpload(sftp: SFTPWrapper, local: string, remote: string, opts: FastTransferOptions): Promise<void> {
  return run('fastPut', sftp, local, remote, opts);
}
