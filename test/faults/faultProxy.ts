/**
 * A loopback TCP proxy whose fault is armed at a chosen moment (after the login), counting bytes
 * from then on. The harness's startTcpProxy counts from each connection's first byte, which can't
 * aim at "the middle of this operation" when a session opens more than one connection (FTPS checks
 * the certificate on a first connection, then logs in on a second).
 */
import * as net from 'node:net';

export type Fault = { kind: 'cut' | 'stall'; afterBytes: number };

export interface FaultProxy {
  port: number;
  /** From now on, `afterBytes` more bytes (both directions, all connections) pass, then the fault. */
  arm(fault: Fault): void;
  /** Starts counting bytes anew. */
  mark(): void;
  /** Bytes forwarded since the last mark() or arm(). */
  moved(): number;
  stop(): Promise<void>;
}

export async function startFaultProxy(target: { host: string; port: number }): Promise<FaultProxy> {
  const sockets = new Set<net.Socket>();
  let fault: Fault | undefined;
  let moved = 0;
  let stalled = false;

  const server = net.createServer((client) => {
    const upstream = net.connect({ host: target.host, port: target.port });
    sockets.add(client).add(upstream);
    const closeBoth = () => {
      client.destroy();
      upstream.destroy();
    };
    const pump = (from: net.Socket, to: net.Socket) => {
      from.on('data', (chunk: Buffer) => {
        if (stalled) return; // read and drop: the peer keeps writing into silence
        let allowed = chunk;
        if (fault) allowed = chunk.subarray(0, Math.max(0, fault.afterBytes - moved));
        moved += allowed.length;
        if (allowed.length > 0) to.write(allowed);
        if (fault && moved >= fault.afterBytes) {
          if (fault.kind === 'cut') closeBoth();
          else stalled = true;
        }
      });
      from.on('error', closeBoth);
      from.on('close', () => {
        sockets.delete(from);
        if (!stalled) to.end();
      });
    };
    pump(client, upstream);
    pump(upstream, client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port: 0 }, resolve);
  });
  server.unref();
  return {
    port: (server.address() as net.AddressInfo).port,
    arm: (f) => {
      fault = f;
      moved = 0;
    },
    mark: () => {
      moved = 0;
    },
    moved: () => moved,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
