/**
 * Preloaded (`node -r out/bench/processProbe.js …`) into one extra run of a Node tool by the benchmark,
 * never into a timed run: at exit it writes to $BENCH_PROBE_OUT (JSON) which native addons the process
 * really loaded (`process.report`'s shared objects ending in `.node`: ssh2's sshcrypto.node or not) and
 * the TLS protocol and cipher of each TLS connection it made (FTPS control and data connections).
 */
import { writeFileSync } from 'node:fs';
// eslint-disable-next-line @typescript-eslint/no-require-imports -- the module object itself: a namespace import's properties are read-only
import tls = require('node:tls');

export interface ProbeReport {
  nativeAddons: string[];
  tls: string[];
}

const out = process.env.BENCH_PROBE_OUT;
if (out) {
  const seen = new Set<string>();
  const connect = tls.connect;
  (tls as { connect: typeof tls.connect }).connect = function (this: unknown, ...args: unknown[]) {
    const socket = (connect as (...a: unknown[]) => tls.TLSSocket).apply(this, args);
    socket.once('secureConnect', () => seen.add(`${socket.getProtocol() ?? '?'} ${socket.getCipher()?.standardName ?? socket.getCipher()?.name ?? '?'}`));
    return socket;
  } as typeof tls.connect;
  process.once('exit', () => {
    const report = process.report.getReport() as unknown as { sharedObjects?: string[] };
    const probe: ProbeReport = { nativeAddons: (report.sharedObjects ?? []).filter((f) => f.endsWith('.node')), tls: [...seen] };
    writeFileSync(out, JSON.stringify(probe));
  });
}
