/**
 * A recording TCP proxy on 127.0.0.1 for fault injection (cut, stall, throttle) and for proving what
 * a client did or did not send (e.g. no USER/PASS to a plaintext server). Byte limits count the
 * bytes of one connection in both directions.
 */
import * as net from 'node:net';
import { freePort } from './ports';
import { registerStoppable } from './registry';

export interface TcpProxyOptions {
  cutAfterBytes?: number; // destroy both sides once this many bytes went through
  stallAfterBytes?: number; // keep both sides open but forward nothing more
  throttleBytesPerSec?: number; // per direction
  /** Listen here (e.g. a stopped proxy's port: a partial's name includes the port, so a resume must come back to it). */
  port?: number;
}

export interface TcpProxy {
  port: number;
  clientBytes(): Buffer; // everything clients sent (all connections, in arrival order)
  serverBytes(): Buffer; // everything the target sent
  connections(): number;
  /** Bytes each connection received from both sides so far (forwarded or not), in connection order. */
  connectionBytes(): number[];
  stop(): Promise<void>;
}

export async function startTcpProxy(target: { host: string; port: number }, opts: TcpProxyOptions = {}): Promise<TcpProxy> {
  const fromClients: Buffer[] = [];
  const fromServer: Buffer[] = [];
  const sockets = new Set<net.Socket>();
  let connectionCount = 0;
  const perConnection: number[] = [];

  const server = net.createServer((client) => {
    connectionCount++;
    const index = perConnection.push(0) - 1;
    const upstream = net.connect({ host: target.host, port: target.port });
    sockets.add(client).add(upstream);
    let forwarded = 0;
    const closeBoth = () => {
      client.destroy();
      upstream.destroy();
    };
    // A stalled connection stays open both ways: the client must notice the silence by itself.
    const stalled = () => opts.stallAfterBytes !== undefined && forwarded >= opts.stallAfterBytes;
    const pump = (from: net.Socket, to: net.Socket, record: Buffer[]) => {
      from.on('data', (chunk: Buffer) => {
        record.push(Buffer.from(chunk));
        perConnection[index] += chunk.length;
        let allowed = chunk;
        for (const limit of [opts.cutAfterBytes, opts.stallAfterBytes]) {
          if (limit !== undefined) allowed = allowed.subarray(0, Math.max(0, limit - forwarded));
        }
        forwarded += allowed.length;
        if (allowed.length > 0) to.write(allowed);
        if (opts.cutAfterBytes !== undefined && forwarded >= opts.cutAfterBytes) closeBoth();
        if (opts.throttleBytesPerSec && allowed.length > 0) {
          from.pause();
          setTimeout(() => from.resume(), (allowed.length / opts.throttleBytesPerSec) * 1000);
        }
      });
      from.on('end', () => {
        if (!stalled()) to.end();
      });
      from.on('error', closeBoth);
      from.on('close', () => {
        sockets.delete(from);
        if (!stalled()) to.end();
      });
    };
    pump(client, upstream, fromClients);
    pump(upstream, client, fromServer);
  });

  const port = opts.port ?? (await freePort());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port, exclusive: true }, resolve);
  });
  server.unref();

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }));
  registerStoppable(stop);
  return {
    port,
    clientBytes: () => Buffer.concat(fromClients),
    serverBytes: () => Buffer.concat(fromServer),
    connections: () => connectionCount,
    connectionBytes: () => [...perConnection],
    stop,
  };
}
