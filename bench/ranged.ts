/**
 * Ranged parallel SFTP transfers (core/transfer/ranged.ts) measured against one session and OpenSSH
 * `sftp` (aes128-gcm, key auth, known_hosts): one large file down and up, each run its own process
 * (connect, transfer, disconnect, Node's start-up included), the tools taking turns round by round.
 * Reports the median MB/s, the ratio to `sftp` and our peak RSS per row, and the load average.
 *
 *   node out/bench/ranged.js            (BENCH_RANGED_MB=256, BENCH_ROUNDS=3, BENCH_SESSIONS=1,2,3,4)
 */
import { spawn } from 'node:child_process';
import { existsSync, rmSync, promises as fs } from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { clientKeys, MiB, startSshd, stopAll, TEST_USER, writeRandomFile } from '../test/harness';
import { connectSftp } from '../src/core/session/sftp';
import { staticCredentials } from '../src/core/session/credentials';
import { TrustStore } from '../src/core/trust/trustStore';
import { refuseUnknown } from '../src/core/trust/types';
import { download, upload } from '../src/core/transfer/engine';
import { SessionPool } from '../src/core/transfer/sessionPool';
import { RANGED_RULES, RangeRecords } from '../src/core/transfer/ranged';

const MB = Number(process.env.BENCH_RANGED_MB ?? 256);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const SESSIONS = (process.env.BENCH_SESSIONS ?? '1,2,3,4').split(',').map(Number);
/** A round-trip time added by a relay in this process (half each way), as over a WAN: `BENCH_RTT_MS=20`. */
const RTT_MS = Number(process.env.BENCH_RTT_MS ?? 0);

/** Forwards to `port`, every chunk delayed by `oneWayMs` (timers of one delay fire in order). */
async function delayRelay(port: number, oneWayMs: number): Promise<number> {
  const server = net.createServer((client) => {
    const upstream = net.connect(port, '127.0.0.1');
    upstream.setNoDelay(true);
    client.setNoDelay(true);
    const pipe = (from: net.Socket, to: net.Socket) => {
      from.on('data', (d) => void setTimeout(() => to.writable && to.write(d), oneWayMs));
      from.on('end', () => void setTimeout(() => to.end(), oneWayMs));
      from.on('error', () => to.destroy());
    };
    pipe(client, upstream);
    pipe(upstream, client);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as net.AddressInfo).port;
}

function spawnTimed(cmd: string, args: string[]): Promise<{ seconds: number; stdout: string }> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve({ seconds: Number(process.hrtime.bigint() - t0) / 1e9, stdout }) : reject(new Error(`${cmd} exited ${code}: ${stderr.slice(0, 400)}`))));
  });
}

/** One of our runs, in this process (the child): `sessions` 1 = the single-connection path. */
async function child(dir: string, ports: number[], fingerprint: string, key: string, direction: string, sessions: number, from: string, to: string): Promise<void> {
  // Spread whatever the round trip (the rule is what this measures).
  Object.assign(RANGED_RULES.sftp, { sessions, minRoundTripMs: 0 });
  const trustStore = new TrustStore(path.join(dir, `trust-${process.pid}.json`));
  let opened = 0;
  const open = () =>
    connectSftp({
      server: { protocol: 'sftp', host: '127.0.0.1', port: ports[opened++ % ports.length], username: TEST_USER.name },
      credentials: staticCredentials(),
      trust: { pinned: [fingerprint], knownHostsFiles: [], trustStore, decide: refuseUnknown },
      identityFile: key,
    });
  const pool = new SessionPool({ factory: open, protocol: 'sftp', shape: { sessions } });
  const rangeRecords = new RangeRecords(path.join(dir, 'ranges'));
  try {
    if (direction === 'get') await download(pool, from, to, { rangeRecords });
    else await upload(pool, from, to, { rangeRecords });
  } finally {
    await pool.close();
  }
  const use = process.resourceUsage();
  process.stdout.write(JSON.stringify({ maxRssKiB: use.maxRSS, cpuSeconds: (use.userCPUTime + use.systemCPUTime) / 1e6 }));
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main(): Promise<void> {
  const shm = existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir();
  const base = await fs.mkdtemp(path.join(shm, 'st-ranged-'));
  await fs.chmod(base, 0o755);
  process.on('exit', () => rmSync(base, { recursive: true, force: true }));
  const local = path.join(base, 'local');
  const remote = path.join(base, 'remote');
  await fs.mkdir(local);
  await fs.mkdir(remote);
  await writeRandomFile(path.join(local, 'big.bin'), MB * MiB);
  await fs.copyFile(path.join(local, 'big.bin'), path.join(remote, 'big.bin'));
  await new Promise((r) => spawn('chown', ['-R', `${TEST_USER.name}:`, remote]).on('close', r));
  const [sshd, keys] = await Promise.all([startSshd(), clientKeys()]);
  const key = keys.ed25519.privateKeyFile;
  // One relay process per session (a relay is single-threaded: shared, it would be the limit).
  const relays = RTT_MS > 0 ? await Promise.all(Array.from({ length: Math.max(...SESSIONS) }, () => startRelay(sshd.port, RTT_MS / 2))) : [];
  const port = relays[0]?.port ?? sshd.port;
  const ports = relays.length > 0 ? relays.map((r) => r.port).join(',') : String(port);
  const knownHosts = path.join(base, 'known_hosts');
  const hostKey = (await fs.readFile(sshd.hostKeys![0].publicKeyFile, 'utf8')).trim().split(' ').slice(0, 2).join(' ');
  await fs.writeFile(knownHosts, `[127.0.0.1]:${port} ${hostKey}\n`);
  const sshOptions = [
    ...['-o', 'Ciphers=aes128-gcm@openssh.com', '-o', `UserKnownHostsFile=${knownHosts}`, '-o', 'GlobalKnownHostsFile=/dev/null'],
    ...['-o', 'StrictHostKeyChecking=yes', '-o', 'BatchMode=yes', '-o', 'IdentitiesOnly=yes', '-i', key],
  ];
  const L = (p: string) => path.join(local, p);
  const R = (p: string) => path.join(remote, p);
  const sftp = async (cmd: string) => {
    const batch = path.join(base, 'batch');
    await fs.writeFile(batch, cmd + '\n');
    return spawnTimed('sftp', ['-q', '-P', String(port), ...sshOptions, '-b', batch, `${TEST_USER.name}@127.0.0.1`]);
  };
  const ours = (direction: 'get' | 'put', n: number) =>
    spawnTimed(process.execPath, [__filename, 'child', base, ports, sshd.hostKeys![0].fingerprint, key, direction, String(n), direction === 'get' ? R('big.bin') : L('big.bin'), direction === 'get' ? L(`dl-${n}.bin`) : R(`up-${n}.bin`)]);
  const rows = new Map<string, { s: number[]; rss: number[]; cpu: number[] }>();
  const note = (name: string, seconds: number, rss = 0, cpu = 0) => {
    const row = rows.get(name) ?? { s: [], rss: [], cpu: [] };
    row.s.push(seconds);
    row.rss.push(rss);
    row.cpu.push(cpu);
    rows.set(name, row);
  };
  const loads: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    loads.push(os.loadavg()[0]);
    for (const direction of ['get', 'put'] as const) {
      await fs.rm(direction === 'get' ? L('dl-sftp.bin') : R('up-sftp.bin'), { force: true });
      note(`${direction} sftp`, (await sftp(direction === 'get' ? `get ${R('big.bin')} ${L('dl-sftp.bin')}` : `put ${L('big.bin')} ${R('up-sftp.bin')}`)).seconds);
      for (const n of SESSIONS) {
        await fs.rm(direction === 'get' ? L(`dl-${n}.bin`) : R(`up-${n}.bin`), { force: true });
        const r = await ours(direction, n);
        await fs.rm(direction === 'get' ? L(`dl-${n}.bin`) : R(`up-${n}.bin`), { force: true }); // tmpfs is RAM
        const used = JSON.parse(r.stdout) as { maxRssKiB: number; cpuSeconds: number };
        note(`${direction} ours ×${n}`, r.seconds, used.maxRssKiB / 1024, used.cpuSeconds);
      }
    }
  }
  console.log(`${MB} MiB, ${ROUNDS} rounds, added RTT ${RTT_MS} ms, ${os.cpus().length} × ${os.cpus()[0]?.model}; load at round starts: ${loads.map((l) => l.toFixed(2)).join(', ')}`);
  console.log('| run | MB/s median [min–max] | ratio to sftp | peak RSS MB | client CPU s/GiB |');
  console.log('|---|---|---|---|---|');
  for (const [name, row] of rows) {
    const base = rows.get(`${name.slice(0, 3)} sftp`)!;
    const rate = (s: number) => (MB * MiB) / 1e6 / s;
    console.log(`| ${name} | ${rate(median(row.s)).toFixed(0)} [${rate(Math.max(...row.s)).toFixed(0)}–${rate(Math.min(...row.s)).toFixed(0)}] | ${(median(base.s) / median(row.s)).toFixed(2)} | ${row.rss[0] ? Math.max(...row.rss).toFixed(0) : '—'} | ${row.cpu[0] ? ((median(row.cpu) * 1024) / MB).toFixed(2) : '—'} |`);
  }
}

/** A relay in its own process; resolves with its port once it listens. */
function startRelay(target: number, oneWayMs: number): Promise<{ port: number }> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [__filename, 'relay', String(target), String(oneWayMs)], { stdio: ['ignore', 'pipe', 'inherit'] });
    proc.stdout.once('data', (d) => resolve({ port: Number(String(d).trim()) }));
    proc.on('error', reject);
    process.on('exit', () => proc.kill());
  });
}

if (process.argv[2] === 'relay') {
  void delayRelay(Number(process.argv[3]), Number(process.argv[4])).then((p) => process.stdout.write(`${p}\n`));
} else if (process.argv[2] === 'child') {
  const [, , , dir, port, fp, key, direction, n, from, to] = process.argv;
  child(dir, port.split(',').map(Number), fp, key, direction, Number(n), from, to).then(
    () => process.exit(0),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
} else {
  main()
    .catch((err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    })
    .finally(() => void stopAll());
}
