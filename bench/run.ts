/**
 * `npm run bench`: this project against OpenSSH's sftp/scp and lftp, side by side in one run, on
 * real servers started by the test harness. Every tool — ours included — runs as its own process
 * with the same verification of the server; see bench/README.md for what is measured and how.
 *
 * Environment: BENCH_QUICK=1 (a smoke run of a minute or two), BENCH_ROUNDS, BENCH_SFTP_MB,
 * BENCH_FTPS_MB, BENCH_SMALL_FILES, BENCH_LIST_ENTRIES, BENCH_GROWTH=0, BENCH_GROWTH_ROUNDS,
 * BENCH_GROWTH_FILE_MB, BENCH_GROWTH_TREES, BENCH_GROWTH_LISTS, BENCH_GROWTH_FTPS=0,
 * BENCH_ONLY=sftp-large,sftp-small,list,ftps-large,ftps-small,growth,extension, BENCH_PROFILE=0|all,
 * BENCH_OUT=file.md. BENCH_ONLY=extension alone (start-up time and .vsix size) needs no servers.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, promises as fs, readdirSync, rmSync, statSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { clientKeys, startSshd, startVsftpd, stopAll, TEST_USER } from '../test/harness';
import { growthTable, markdownTable, parseGnuTime, summaryLine, verdicts, type Measurement, type Scenario, type Unit, type Verdict } from './stats';
import { profileMarkdown, summarizeProfile, type CpuProfile } from './profile';
import { extensionStartup, type StartupOptions } from './extensionStartup';
import type { DriverJob } from './extensionTransfer';
import type { ProbeReport } from './processProbe';

const MiB = 1024 * 1024;
const REPO = path.resolve(__dirname, '../..');
/** The hand-written part of results.md: what was tried for the rows below target, and what it changed. */
const TRIED = path.join(REPO, 'bench', 'tried.md');
const CLI = path.join(REPO, 'dist', 'cli.js');
const GNU_TIME = '/usr/bin/time';
const env = process.env;
const QUICK = env.BENCH_QUICK === '1';
const num = (name: string, quick: number, full: number): number => {
  const v = Number(env[name]);
  return Number.isFinite(v) && v > 0 ? v : QUICK ? quick : full;
};
const list = (name: string, quick: number[], full: number[]): number[] => {
  const v = (env[name] ?? '').split(',').map(Number).filter((n) => Number.isFinite(n) && n > 0);
  return v.length ? v : QUICK ? quick : full;
};
const CONFIG = {
  rounds: num('BENCH_ROUNDS', 1, 5),
  sftpBytes: num('BENCH_SFTP_MB', 16, 256) * MiB,
  ftpsBytes: num('BENCH_FTPS_MB', 32, 1024) * MiB,
  smallFiles: num('BENCH_SMALL_FILES', 200, 2000),
  smallBytes: 4096,
  listEntries: num('BENCH_LIST_ENTRIES', 1000, 10000),
  growth: env.BENCH_GROWTH !== '0',
  growthFtps: env.BENCH_GROWTH_FTPS !== '0',
  growthRounds: num('BENCH_GROWTH_ROUNDS', 1, 2),
  growthFileMiB: list('BENCH_GROWTH_FILE_MB', [1, 16], [1, 64, 1024]),
  growthTrees: list('BENCH_GROWTH_TREES', [20, 100], [100, 2000, 20000]),
  growthLists: list('BENCH_GROWTH_LISTS', [100, 1000], [1000, 10000, 100000]),
  only: env.BENCH_ONLY ? env.BENCH_ONLY.split(',').map((s) => s.trim()) : undefined,
  profile: env.BENCH_PROFILE !== '0',
  out: env.BENCH_OUT ?? (QUICK ? path.join(os.tmpdir(), 'secure-transfer-bench-quick.md') : path.join(REPO, 'bench', 'results.md')),
};
const OURS = 'secure-transfer CLI';
const EXT = 'extension path (bundle, no addon)';
const SSH_CAT = 'ssh cat (no SFTP: the ceiling)';
const TLS_PAIR = 'TLS socket pair (no FTP: the ceiling)';
/** The `extension` scenario: each round is a new Node process, so rounds are cheap. */
const EXTENSION: StartupOptions = { rounds: QUICK ? 5 : 15, profile: !CONFIG.profile ? 'never' : env.BENCH_PROFILE === 'all' ? 'all' : 'missed' };
const wants = (key: string): boolean => !CONFIG.only || CONFIG.only.includes(key);
const load1 = (): number => os.loadavg()[0];

// ------------------------------------------------------------------ processes

interface Spawned {
  cmd: string;
  args: string[];
  stdin?: string;
  env?: NodeJS.ProcessEnv;
}

interface Timed {
  seconds: number;
  rssKiB?: number;
}

const hasGnuTime = existsSync(GNU_TIME);
let timeFileN = 0;

/**
 * Runs a tool as its own process and times it from spawn to exit. Under GNU time (`%M`), its peak RSS:
 * the largest resident set of the process and the descendants it waited for (sftp's ssh, `sh -c`'s command).
 */
async function timed(p: Spawned, scratch: string): Promise<Timed> {
  const timeFile = path.join(scratch, `time-${++timeFileN}`);
  const [cmd, args] = hasGnuTime ? [GNU_TIME, ['-f', '%e %M', '-o', timeFile, p.cmd, ...p.args]] : [p.cmd, p.args];
  const t0 = process.hrtime.bigint();
  const { code, stderr } = await exec(cmd, args, p);
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  if (code !== 0) throw new Error(`${p.cmd} ${p.args.join(' ').slice(0, 300)} exited with ${code}: ${stderr.trim().slice(-600)}`);
  if (!hasGnuTime) return { seconds };
  const parsed = parseGnuTime(await fs.readFile(timeFile, 'utf8'));
  await fs.rm(timeFile, { force: true });
  return { seconds, ...(parsed ? { rssKiB: parsed.maxRssKiB } : {}) };
}

/** Runs a process to its end (untimed), stdout ignored unless asked for. */
function exec(cmd: string, args: string[], opts: { stdin?: string; env?: NodeJS.ProcessEnv; stdout?: boolean } = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['pipe', opts.stdout ? 'pipe' : 'ignore', 'pipe'], env: opts.env ?? process.env });
    let stderr = '';
    let stdout = '';
    child.stderr!.on('data', (d) => (stderr = (stderr + d).slice(-20000)));
    child.stdout?.on('data', (d) => (stdout += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin!.on('error', () => undefined);
    child.stdin!.end(opts.stdin ?? '');
  });
}

async function must(cmd: string, args: string[]): Promise<void> {
  const r = await exec(cmd, args);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')} exited with ${r.code}: ${r.stderr.trim().slice(0, 500)}`);
}

async function writeRandomFile(file: string, size: number): Promise<void> {
  const handle = await fs.open(file, 'w');
  for (let written = 0; written < size; written += 4 * MiB) await handle.write(randomBytes(Math.min(4 * MiB, size - written)));
  await handle.close();
}

async function fresh(...paths: string[]): Promise<void> {
  await Promise.all(paths.map((p) => fs.rm(p, { recursive: true, force: true })));
}

async function makeTree(dir: string, files: number, bytes: number): Promise<void> {
  await fs.mkdir(dir, { recursive: true });
  const names = Array.from({ length: files }, (_, i) => path.join(dir, `f${String(i).padStart(6, '0')}.bin`));
  for (let i = 0; i < names.length; i += 200) await Promise.all(names.slice(i, i + 200).map((n) => fs.writeFile(n, bytes ? randomBytes(bytes) : '')));
}

/** What a finished run must have left: a file of this size, or a folder with this many files. */
type Expect = { size: number } | { files: number };

async function checkOutput(target: string, expect: Expect, tool: string): Promise<void> {
  if ('size' in expect) {
    const size = await fs.stat(target).then((s) => s.size, () => -1);
    if (size !== expect.size) throw new Error(`${tool} left ${size < 0 ? 'no file' : `${size} bytes`} at ${target}, expected ${expect.size}`);
  } else {
    const got = (await fs.readdir(target).catch(() => [])).length;
    if (got !== expect.files) throw new Error(`${tool} left ${got} of ${expect.files} files in ${target}`);
  }
}

/** Newest modification time under a folder (files only). */
function newest(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

/** dist/cli.js as `node scripts/build.mjs` writes it; rebuilt when missing or older than its sources. */
async function ensureDist(): Promise<string> {
  const sources = Math.max(newest(path.join(REPO, 'src')), ...['scripts/build.mjs', 'scripts/extensionBuild.mjs', 'package.json'].map((f) => statSync(path.join(REPO, f)).mtimeMs));
  const built = existsSync(CLI) ? statSync(CLI).mtimeMs : 0;
  if (built >= sources) return 'dist/cli.js was up to date with src/';
  console.log(built ? 'dist/cli.js is older than src/: running node scripts/build.mjs…' : 'dist/cli.js is missing: running node scripts/build.mjs…');
  const r = await new Promise<number>((resolve) => spawn(process.execPath, ['scripts/build.mjs'], { cwd: REPO, stdio: 'inherit' }).on('close', (c) => resolve(c ?? -1)));
  if (r !== 0) throw new Error('node scripts/build.mjs failed');
  return `dist/cli.js was ${built ? 'stale' : 'missing'} and was rebuilt by node scripts/build.mjs before the run`;
}

// ------------------------------------------------------------------ plans

interface Tool {
  name: string;
  /** The command line, built when the run starts (a ceiling server's port is known only then). */
  spawn: () => Spawned;
  /** Untimed, before each run (the TLS pair's server). */
  prepare?: () => Promise<void>;
  /** Untimed, after each run: the output is complete; throws when not. */
  check?: () => Promise<void>;
  /** Not timed: removes what the last run wrote. */
  reset: () => Promise<void>;
  /** Known to fail now and then (lftp's parallel mirror): retried, failures reported, not timed. */
  flaky?: boolean;
  /** A Node process (ours): `node --cpu-prof` can profile it. */
  node?: boolean;
}

const FLAKY_ATTEMPTS = 4;

/**
 * Before each run of ours: an empty state folder (set by main), so a row isn't charged for the
 * remembered versions the rows before it left (the record grows with every distinct path).
 */
let freshOurState: () => Promise<void> = async () => undefined;

interface Plan {
  key: string;
  title: string;
  unit: Unit;
  work: number;
  baseline: string;
  target?: number;
  ceiling?: string;
  also?: Scenario['also'];
  tools: Tool[];
  rounds: number;
}

/** Rounds interleave the tools, so drift on the machine hits every tool alike. */
async function measure(plan: Plan, scratch: string): Promise<{ scenario: Scenario; notes: string[] }> {
  const rows: Measurement[] = plan.tools.map((t) => ({ tool: t.name, seconds: [], work: plan.work, rssKiB: [] }));
  const failures = new Map<string, string[]>();
  for (let round = 0; round < plan.rounds; round++) {
    for (const [i, tool] of plan.tools.entries()) {
      for (let attempt = 1; ; attempt++) {
        await tool.reset();
        if (tool.node) await freshOurState();
        try {
          await tool.prepare?.();
          const r = await timed(tool.spawn(), scratch);
          await tool.check?.();
          rows[i].seconds.push(r.seconds);
          if (r.rssKiB !== undefined) rows[i].rssKiB!.push(r.rssKiB);
          break;
        } catch (err) {
          // One transient failure of any tool (a reset data connection) is retried and reported; lftp's mirror gets more.
          if (attempt >= (tool.flaky ? FLAKY_ATTEMPTS : 2)) throw err;
          const list = failures.get(tool.name) ?? [];
          list.push(((err as Error).message.split('\n').find((l) => /error|left/i.test(l)) ?? (err as Error).message).replace(/^.*?: (?=mirror)/, '').slice(-200));
          failures.set(tool.name, list);
        }
      }
    }
  }
  for (const t of plan.tools) await t.reset();
  const notes = [...failures].map(([tool, errs]) => `${tool} failed ${errs.length} time(s) and was re-run (failed runs are not timed): ${[...new Set(errs)].join('; ').slice(0, 300)}`);
  const scenario: Scenario = { title: plan.title, unit: plan.unit, baseline: plan.baseline, ours: OURS, rows, ...(plan.target !== undefined ? { target: plan.target } : {}), ...(plan.ceiling ? { ceiling: plan.ceiling } : {}), ...(plan.also ? { also: plan.also } : {}) };
  return { scenario, notes };
}

/** One more run of a Node tool under `node --cpu-prof`, summarized. */
async function cpuProfile(tool: Tool, title: string, scratch: string): Promise<string> {
  const dir = await fs.mkdtemp(path.join(scratch, 'prof-'));
  try {
    await tool.reset();
    if (tool.node) await freshOurState();
    await tool.prepare?.();
    const s = tool.spawn();
    const r = await exec(s.cmd, ['--cpu-prof', `--cpu-prof-dir=${dir}`, ...s.args], s);
    if (r.code !== 0) return `### ${title}\n\nThe profiled run failed: ${r.stderr.trim().slice(0, 300)}\n`;
    const file = (await fs.readdir(dir)).find((f) => f.endsWith('.cpuprofile'));
    if (!file) return `### ${title}\n\nNode wrote no .cpuprofile.\n`;
    return profileMarkdown(title, summarizeProfile(JSON.parse(await fs.readFile(path.join(dir, file), 'utf8')) as CpuProfile));
  } finally {
    await tool.reset();
    await fs.rm(dir, { recursive: true, force: true });
  }
}

// ------------------------------------------------------------------ the run

async function main(): Promise<void> {
  const started = Date.now();
  const loadAtStart = load1();
  if (CONFIG.only?.every((k) => k === 'extension')) return extensionOnly(started, loadAtStart);
  const distNote = await ensureDist();
  const shm = existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir();
  const base = await fs.mkdtemp(path.join(shm, 'st-bench-'));
  await fs.chmod(base, 0o755); // the test user's servers must reach `remote`
  const local = path.join(base, 'local');
  const remote = path.join(base, 'remote');
  const scratch = path.join(base, 'scratch');
  const home = path.join(base, 'home');
  const state = path.join(base, 'state');
  for (const d of [local, remote, scratch, home, state]) await fs.mkdir(d);
  // Synchronous: at 'exit' nothing asynchronous runs any more, and gigabytes must not stay in RAM.
  process.on('exit', () => rmSync(base, { recursive: true, force: true }));
  console.log(`Preparing files under ${base} (${QUICK ? 'quick' : 'full'} run, ${CONFIG.rounds} round(s), growth rows ${CONFIG.growth && wants('growth') ? `${CONFIG.growthRounds} round(s)` : 'off'})…`);

  // The extension's transfer path, bundled as the .vsix bundles it (no node_modules above it: no native addon).
  const driver = path.join(base, 'extension-driver');
  await must(process.execPath, [path.join(REPO, 'bench', 'buildDriver.mjs'), driver]);
  const DRIVER = path.join(driver, 'extension.js');

  const L = (p: string) => path.join(local, p);
  const R = (p: string) => path.join(remote, p);
  /** A source file for downloads and uploads alike: one copy in RAM (the remote name is a hard link). */
  const sourceFile = async (name: string, bytes: number): Promise<void> => {
    if (existsSync(L(name))) return;
    await writeRandomFile(L(name), bytes);
    await fs.link(L(name), R(name));
  };
  const sourceTree = async (name: string, files: number): Promise<void> => {
    if (existsSync(L(name))) return;
    await makeTree(L(name), files, CONFIG.smallBytes);
    await must('cp', ['-al', L(name), R(name)]);
  };
  const listing = async (name: string, entries: number): Promise<void> => {
    if (!existsSync(R(name))) await makeTree(R(name), entries, 0);
  };
  const wantTargets = ['sftp-large', 'sftp-small', 'list', 'ftps-large', 'ftps-small'].some(wants);
  if (wants('sftp-large')) await sourceFile('big-sftp.bin', CONFIG.sftpBytes);
  if (wants('ftps-large')) await sourceFile('big-ftps.bin', CONFIG.ftpsBytes);
  if (wants('sftp-small') || wants('ftps-small')) await sourceTree('small', CONFIG.smallFiles);
  if (wants('list')) await listing('list', CONFIG.listEntries);
  const growth = CONFIG.growth && wants('growth');
  if (growth) {
    for (const m of CONFIG.growthFileMiB) await sourceFile(`grow-${m}.bin`, m * MiB);
    for (const n of CONFIG.growthTrees) await sourceTree(`tree-${n}`, n);
    for (const n of CONFIG.growthLists) await listing(`list-${n}`, n);
  }
  await must('chown', ['-R', `${TEST_USER.name}:`, remote]);

  const [sshd, vsftpd, keys] = await Promise.all([startSshd(), startVsftpd({ mode: 'explicit' }), clientKeys()]);
  const key = keys.ed25519.privateKeyFile;
  const knownHosts = path.join(base, 'known_hosts');
  const hostKey = (await fs.readFile(sshd.hostKeys![0].publicKeyFile, 'utf8')).trim().split(' ').slice(0, 2).join(' ');
  await fs.writeFile(knownHosts, `[127.0.0.1]:${sshd.port} ${hostKey}\n`);
  const cert = vsftpd.cert!;

  // ---- how each tool is run
  const sshOptions = [
    ...['-o', 'Ciphers=aes128-gcm@openssh.com', '-o', `UserKnownHostsFile=${knownHosts}`, '-o', 'GlobalKnownHostsFile=/dev/null'],
    ...['-o', 'StrictHostKeyChecking=yes', '-o', 'BatchMode=yes', '-o', 'IdentitiesOnly=yes', '-i', key],
  ];
  const at = `${TEST_USER.name}@127.0.0.1`;
  let fileN = 0;
  const scriptFile = async (prefix: string, text: string): Promise<string> => {
    const file = path.join(scratch, `${prefix}-${++fileN}`);
    await fs.writeFile(file, text + '\n', { mode: 0o600 });
    return file;
  };
  const sftpBatch = async (commands: string): Promise<() => Spawned> => {
    const file = await scriptFile('batch', commands);
    return () => ({ cmd: 'sftp', args: ['-q', '-P', String(sshd.port), ...sshOptions, '-b', file, at] });
  };
  /** `ssh host cat`: one SSH stream and no SFTP at all — the ceiling for any SFTP client on one connection here. */
  const sshCat = (command: string, redirect: string) => (): Spawned => ({ cmd: 'sh', args: ['-c', `exec ssh -q -p ${sshd.port} ${sshOptions.join(' ')} ${at} ${command} ${redirect}`] });
  const scp = (...args: string[]) => (): Spawned => ({ cmd: 'scp', args: ['-q', '-O', '-P', String(sshd.port), ...sshOptions, ...args] });
  /** `tls12`: lftp's parallel mirror over TLS 1.3 fails against vsftpd (gnutls "unexpected TLS packet"). */
  const lftp = async (commands: string, tls12 = false, failExit = true): Promise<() => Spawned> => {
    const script = [
      `set ssl:ca-file ${cert.certFile}`,
      'set ssl:verify-certificate true',
      'set ftp:ssl-force true',
      'set ftp:ssl-protect-data true',
      `set cmd:fail-exit ${failExit}`,
      'set net:max-retries 1',
      ...(tls12 ? ['set ssl:priority "NORMAL:-VERS-TLS1.3"'] : []),
      `open -u "${TEST_USER.name},${TEST_USER.password}" -p ${vsftpd.port} 127.0.0.1`,
      commands,
      'bye',
    ];
    const file = await scriptFile('lftp', script.join('\n'));
    return () => ({ cmd: 'lftp', args: ['-f', file] });
  };
  /**
   * lftp's parallel mirror loses a file now and then to a gnutls error; a user just runs mirror again
   * (it only fetches what is missing), so a run is up to three passes, all timed, then checked.
   */
  const lftpMirror = (args: string) => lftp(Array(3).fill(`mirror --parallel=8 ${args}`).join('\n'), true, false);

  // Ours: the CLI from dist/, as installed; HOME and the state folder are scratch (no ~/.ssh, no keychain: no D-Bus).
  const cliEnv: NodeJS.ProcessEnv = { PATH: env.PATH, HOME: home, SECURE_TRANSFER_STATE_DIR: state };
  freshOurState = async () => {
    await fs.rm(state, { recursive: true, force: true });
    await fs.mkdir(state, { recursive: true, mode: 0o700 });
  };
  const sftpUrl = (p: string) => `sftp://${TEST_USER.name}@127.0.0.1:${sshd.port}${p}`;
  const ftpsUrl = (p: string) => `ftpes://${TEST_USER.name}@127.0.0.1:${vsftpd.port}${p}`;
  /** SFTP: the same known_hosts file OpenSSH checks, the same key; FTPS: the CA file lftp checks, the password on stdin. */
  const sftpAuth = ['--known-hosts', knownHosts, '--identity', key, '--ssh-config', 'none'];
  const ftpsAuth = ['--ca', cert.certFile, '--password-stdin'];
  const cli = (protocol: 'sftp' | 'ftpes', args: string[]) => (): Spawned => ({
    cmd: process.execPath,
    args: [CLI, ...args, ...(protocol === 'sftp' ? sftpAuth : ftpsAuth)],
    env: cliEnv,
    ...(protocol === 'ftpes' ? { stdin: TEST_USER.password } : {}),
  });
  const cliGet = (protocol: 'sftp' | 'ftpes', from: string, to: string, recursive = false) => cli(protocol, ['get', (protocol === 'sftp' ? sftpUrl : ftpsUrl)(from), to, ...(recursive ? ['-r'] : [])]);
  const cliPut = (protocol: 'sftp' | 'ftpes', from: string, to: string, recursive = false) => cli(protocol, ['put', from, (protocol === 'sftp' ? sftpUrl : ftpsUrl)(to), ...(recursive ? ['-r'] : [])]);
  // The extension's path: a profile with the server's pinned fingerprint (SFTP) or its CA file (FTPS).
  const job = (protocol: 'sftp' | 'ftpes', direction: 'download' | 'upload', localPath: string, remotePath: string, recursive = false): DriverJob => ({
    direction,
    protocol,
    host: '127.0.0.1',
    port: protocol === 'sftp' ? sshd.port : vsftpd.port,
    username: TEST_USER.name,
    ...(protocol === 'sftp' ? { fingerprints: [sshd.hostKeys![0].fingerprint], identityFile: key } : { caFile: cert.certFile }),
    local: localPath,
    remote: remotePath,
    recursive,
    stateDir: state,
  });
  const extension = (j: DriverJob) => (): Spawned => ({ cmd: process.execPath, args: [DRIVER, JSON.stringify(j)], env: cliEnv, ...(j.protocol === 'ftpes' ? { stdin: TEST_USER.password } : {}) });
  /** The TLS ceiling: a server process started (untimed) before each run, the client process timed. */
  const tlsPair = (mode: 'get' | 'put', serverFile: string, clientFile: string, size: number): Pick<Tool, 'prepare' | 'spawn' | 'check'> => {
    let port = 0;
    let server: Promise<number> = Promise.resolve(0);
    const script = path.join(REPO, 'out', 'bench', 'tlsCeiling.js');
    return {
      prepare: async () => {
        const child = spawn(process.execPath, [script, 'serve', mode, serverFile, cert.certFile, cert.keyFile], { stdio: ['ignore', 'pipe', 'inherit'] });
        server = new Promise((resolve) => child.on('close', (c) => resolve(c ?? -1)));
        port = await new Promise<number>((resolve, reject) => {
          child.stdout.once('data', (d: Buffer) => resolve(Number(String(d).trim())));
          child.once('error', reject);
        });
      },
      spawn: () => ({ cmd: process.execPath, args: [script, 'client', mode, clientFile, String(port), cert.certFile] }),
      check: async () => {
        if ((await server) !== 0) throw new Error('the TLS ceiling server failed');
        await checkOutput(mode === 'get' ? clientFile : serverFile, { size }, 'the TLS pair');
      },
    };
  };

  // ---- what each tool runs on (crypto backend, cipher), from one extra untimed run each
  await sourceFile('probe.bin', 64 * 1024);
  await must('chown', [`${TEST_USER.name}:`, R('probe.bin')]);
  const probeRun = async (s: Spawned, extraEnv: NodeJS.ProcessEnv): Promise<{ probe?: ProbeReport; stderr: string }> => {
    const out = path.join(scratch, `probe-${++fileN}.json`);
    const r = await exec(s.cmd, ['-r', path.join(REPO, 'out', 'bench', 'processProbe.js'), ...s.args], { ...s, env: { ...s.env, ...extraEnv, BENCH_PROBE_OUT: out } });
    await fresh(L('probe-out.bin'));
    const probe = existsSync(out) ? (JSON.parse(await fs.readFile(out, 'utf8')) as ProbeReport) : undefined;
    return { probe, stderr: r.code === 0 ? r.stderr : `(failed: ${r.stderr.trim().slice(0, 200)})` };
  };
  const backend = (p?: ProbeReport): string =>
    !p ? 'unknown (the probe run failed)' : p.nativeAddons.some((f) => f.endsWith('sshcrypto.node')) ? `ssh2's native addon (${p.nativeAddons.find((f) => f.endsWith('sshcrypto.node'))!.replace(/^.*?(?=node_modules\/)/, '')})` : "ssh2's JavaScript/OpenSSL fallback (no sshcrypto.node loaded)";
  const sshCipher = (stderr: string): string => /SSH handshake with [^:]+:\d+: ([^,]+), ([^,]+), (\S+)/.exec(stderr)?.[3] ?? 'not seen';
  const cliSftpProbe = await probeRun(cli('sftp', ['get', sftpUrl(R('probe.bin')), L('probe-out.bin'), '-v'])(), {});
  const cliFtpsProbe = await probeRun(cli('ftpes', ['get', ftpsUrl(R('probe.bin')), L('probe-out.bin')])(), {});
  const extSftpProbe = await probeRun(extension(job('sftp', 'download', L('probe-out.bin'), R('probe.bin')))(), { BENCH_DRIVER_VERBOSE: '1' });
  const extFtpsProbe = await probeRun(extension(job('ftpes', 'download', L('probe-out.bin'), R('probe.bin')))(), {});
  const backends = [
    `- ${OURS} (\`node dist/cli.js\`, ${distNote}): ${backend(cliSftpProbe.probe)}; SSH cipher ${sshCipher(cliSftpProbe.stderr)}; FTPS TLS ${cliFtpsProbe.probe?.tls.join(', ') || 'not seen'}.`,
    `- ${EXT} (bench/extensionTransfer.ts bundled with extensionBuildOptions: transports from vendor/): ${backend(extSftpProbe.probe)}; SSH cipher ${sshCipher(extSftpProbe.stderr)}; FTPS TLS ${extFtpsProbe.probe?.tls.join(', ') || 'not seen'}.`,
    '- OpenSSH sftp/scp/ssh: `-o Ciphers=aes128-gcm@openssh.com`. lftp: GnuTLS, its own choice of TLS suite (TLS 1.2 for `mirror --parallel`, see quirks).',
  ];
  console.log(backends.join('\n'));

  // ---- scenarios with targets
  const sftpMiB = CONFIG.sftpBytes / MiB;
  const ftpsMiB = CONFIG.ftpsBytes / MiB;
  const n = CONFIG.smallFiles;
  const file = (p: string, size: number) => () => checkOutput(p, { size }, path.basename(p));
  const tree = (p: string, files: number) => () => checkOutput(p, { files }, path.basename(p));
  /** The extension's path against our CLI (with the issue's target for SFTP) and against the reference. */
  const extVsCli = (baseline: string, target?: number): Scenario['also'] => [
    { tool: EXT, versus: OURS, ...(target !== undefined ? { target } : {}) },
    { tool: EXT, versus: baseline },
  ];
  const plans: Plan[] = [];
  const rounds = CONFIG.rounds;
  if (wants('sftp-large')) {
    const size = CONFIG.sftpBytes;
    const src = 'big-sftp.bin';
    plans.push(
      {
        key: 'sftp-large', title: `SFTP download, ${sftpMiB} MiB (aes128-gcm)`, unit: 'MB/s', work: size, baseline: 'sftp', target: 1.3, ceiling: SSH_CAT, also: extVsCli('sftp', 0.9), rounds,
        tools: [
          { name: 'sftp', spawn: await sftpBatch(`get ${R(src)} ${L('dl-sftp.bin')}`), check: file(L('dl-sftp.bin'), size), reset: () => fresh(L('dl-sftp.bin')) },
          { name: 'scp -O', spawn: scp(`${at}:${R(src)}`, L('dl-scp.bin')), check: file(L('dl-scp.bin'), size), reset: () => fresh(L('dl-scp.bin')) },
          { name: SSH_CAT, spawn: sshCat(`cat ${R(src)}`, `> ${L('dl-cat.bin')}`), check: file(L('dl-cat.bin'), size), reset: () => fresh(L('dl-cat.bin')) },
          { name: OURS, spawn: cliGet('sftp', R(src), L('dl-ours.bin')), check: file(L('dl-ours.bin'), size), reset: () => fresh(L('dl-ours.bin')), node: true },
          { name: EXT, spawn: extension(job('sftp', 'download', L('dl-ext.bin'), R(src))), check: file(L('dl-ext.bin'), size), reset: () => fresh(L('dl-ext.bin')), node: true },
        ],
      },
      {
        key: 'sftp-large', title: `SFTP upload, ${sftpMiB} MiB (aes128-gcm)`, unit: 'MB/s', work: size, baseline: 'sftp', target: 1.3, ceiling: SSH_CAT, also: extVsCli('sftp', 0.9), rounds,
        tools: [
          { name: 'sftp', spawn: await sftpBatch(`put ${L(src)} ${R('up-sftp.bin')}`), check: file(R('up-sftp.bin'), size), reset: () => fresh(R('up-sftp.bin')) },
          { name: 'scp -O', spawn: scp(L(src), `${at}:${R('up-scp.bin')}`), check: file(R('up-scp.bin'), size), reset: () => fresh(R('up-scp.bin')) },
          { name: SSH_CAT, spawn: sshCat(`'cat > ${R('up-cat.bin')}'`, `< ${L(src)}`), check: file(R('up-cat.bin'), size), reset: () => fresh(R('up-cat.bin')) },
          { name: OURS, spawn: cliPut('sftp', L(src), R('up-ours.bin')), check: file(R('up-ours.bin'), size), reset: () => fresh(R('up-ours.bin')), node: true },
          { name: EXT, spawn: extension(job('sftp', 'upload', L(src), R('up-ext.bin'))), check: file(R('up-ext.bin'), size), reset: () => fresh(R('up-ext.bin')), node: true },
        ],
      },
    );
  }
  if (wants('sftp-small')) {
    plans.push(
      {
        key: 'sftp-small', title: `SFTP download, ${n} × 4 KiB files`, unit: 'files/s', work: n, baseline: 'sftp -r', target: 2, also: extVsCli('sftp -r', 0.9), rounds,
        tools: [
          { name: 'sftp -r', spawn: await sftpBatch(`get -r ${R('small')} ${L('dl-small-sftp')}`), check: tree(L('dl-small-sftp'), n), reset: () => fresh(L('dl-small-sftp')) },
          { name: 'scp -O -r', spawn: scp('-r', `${at}:${R('small')}`, L('dl-small-scp')), check: tree(L('dl-small-scp'), n), reset: () => fresh(L('dl-small-scp')) },
          { name: OURS, spawn: cliGet('sftp', R('small'), L('dl-small-ours'), true), check: tree(L('dl-small-ours'), n), reset: () => fresh(L('dl-small-ours')), node: true },
          { name: EXT, spawn: extension(job('sftp', 'download', L('dl-small-ext'), R('small'), true)), check: tree(L('dl-small-ext'), n), reset: () => fresh(L('dl-small-ext')), node: true },
        ],
      },
      {
        key: 'sftp-small', title: `SFTP upload, ${n} × 4 KiB files`, unit: 'files/s', work: n, baseline: 'sftp -r', target: 2, also: extVsCli('sftp -r', 0.9), rounds,
        tools: [
          { name: 'sftp -r', spawn: await sftpBatch(`put -r ${L('small')} ${R('up-small-sftp')}`), check: tree(R('up-small-sftp'), n), reset: () => fresh(R('up-small-sftp')) },
          { name: 'scp -O -r', spawn: scp('-r', L('small'), `${at}:${R('up-small-scp')}`), check: tree(R('up-small-scp'), n), reset: () => fresh(R('up-small-scp')) },
          { name: OURS, spawn: cliPut('sftp', L('small'), R('up-small-ours'), true), check: tree(R('up-small-ours'), n), reset: () => fresh(R('up-small-ours')), node: true },
          { name: EXT, spawn: extension(job('sftp', 'upload', L('small'), R('up-small-ext'), true)), check: tree(R('up-small-ext'), n), reset: () => fresh(R('up-small-ext')), node: true },
        ],
      },
    );
  }
  if (wants('list')) {
    plans.push({
      key: 'list', title: `SFTP listing, ${CONFIG.listEntries} entries (connect + list)`, unit: 'ms', work: 0, baseline: 'sftp ls -l', target: 1.5, rounds,
      tools: [
        { name: 'sftp ls -l', spawn: await sftpBatch(`ls -l ${R('list')}`), reset: async () => undefined },
        { name: OURS, spawn: cli('sftp', ['ls', sftpUrl(R('list'))]), reset: async () => undefined, node: true },
      ],
    });
  }
  if (wants('ftps-large')) {
    const size = CONFIG.ftpsBytes;
    const src = 'big-ftps.bin';
    plans.push(
      {
        key: 'ftps-large', title: `FTPS download, ${ftpsMiB} MiB (vsftpd, TLS 1.3)`, unit: 'MB/s', work: size, baseline: 'lftp', target: 1.0, ceiling: TLS_PAIR, also: extVsCli('lftp'), rounds,
        tools: [
          { name: 'lftp', spawn: await lftp(`get ${R(src)} -o ${L('dl-lftp.bin')}`), check: file(L('dl-lftp.bin'), size), reset: () => fresh(L('dl-lftp.bin')) },
          { name: TLS_PAIR, ...tlsPair('get', L(src), L('dl-tls.bin'), size), reset: () => fresh(L('dl-tls.bin')) },
          { name: OURS, spawn: cliGet('ftpes', R(src), L('dl-ours.bin')), check: file(L('dl-ours.bin'), size), reset: () => fresh(L('dl-ours.bin')), node: true },
          { name: EXT, spawn: extension(job('ftpes', 'download', L('dl-ext.bin'), R(src))), check: file(L('dl-ext.bin'), size), reset: () => fresh(L('dl-ext.bin')), node: true },
        ],
      },
      {
        key: 'ftps-large', title: `FTPS upload, ${ftpsMiB} MiB (vsftpd, TLS 1.3)`, unit: 'MB/s', work: size, baseline: 'lftp', target: 1.0, ceiling: TLS_PAIR, also: extVsCli('lftp'), rounds,
        tools: [
          { name: 'lftp', spawn: await lftp(`put ${L(src)} -o ${R('up-lftp.bin')}`), check: file(R('up-lftp.bin'), size), reset: () => fresh(R('up-lftp.bin')) },
          { name: TLS_PAIR, ...tlsPair('put', R('up-tls.bin'), L(src), size), reset: () => fresh(R('up-tls.bin')) },
          { name: OURS, spawn: cliPut('ftpes', L(src), R('up-ours.bin')), check: file(R('up-ours.bin'), size), reset: () => fresh(R('up-ours.bin')), node: true },
          { name: EXT, spawn: extension(job('ftpes', 'upload', L(src), R('up-ext.bin'))), check: file(R('up-ext.bin'), size), reset: () => fresh(R('up-ext.bin')), node: true },
        ],
      },
    );
  }
  if (wants('ftps-small')) {
    const mirror = 'lftp mirror --parallel=8 (TLS 1.2, ≤3 passes)';
    const mirrorR = 'lftp mirror -R --parallel=8 (TLS 1.2, ≤3 passes)';
    plans.push(
      {
        key: 'ftps-small', title: `FTPS download, ${n} × 4 KiB files`, unit: 'files/s', work: n, baseline: mirror, target: 1.5, also: extVsCli(mirror), rounds,
        tools: [
          { name: mirror, spawn: await lftpMirror(`${R('small')} ${L('dl-small-lftp')}`), check: tree(L('dl-small-lftp'), n), reset: () => fresh(L('dl-small-lftp')), flaky: true },
          { name: OURS, spawn: cliGet('ftpes', R('small'), L('dl-small-ours'), true), check: tree(L('dl-small-ours'), n), reset: () => fresh(L('dl-small-ours')), node: true },
          { name: EXT, spawn: extension(job('ftpes', 'download', L('dl-small-ext'), R('small'), true)), check: tree(L('dl-small-ext'), n), reset: () => fresh(L('dl-small-ext')), node: true },
        ],
      },
      {
        key: 'ftps-small', title: `FTPS upload, ${n} × 4 KiB files`, unit: 'files/s', work: n, baseline: mirrorR, target: 1.5, also: extVsCli(mirrorR), rounds,
        tools: [
          { name: mirrorR, spawn: await lftpMirror(`-R ${L('small')} ${R('up-small-lftp')}`), check: tree(R('up-small-lftp'), n), reset: () => fresh(R('up-small-lftp')), flaky: true },
          { name: OURS, spawn: cliPut('ftpes', L('small'), R('up-small-ours'), true), check: tree(R('up-small-ours'), n), reset: () => fresh(R('up-small-ours')), node: true },
          { name: EXT, spawn: extension(job('ftpes', 'upload', L('small'), R('up-small-ext'), true)), check: tree(R('up-small-ext'), n), reset: () => fresh(R('up-small-ext')), node: true },
        ],
      },
    );
  }

  // ---- growth: how time and memory grow with size (ours and the reference only, fewer rounds)
  const growthPlans: Plan[] = [];
  if (growth) {
    const gr = CONFIG.growthRounds;
    const sizeName = (m: number) => (m >= 1024 ? `${m / 1024} GiB` : `${m} MiB`);
    for (const m of CONFIG.growthFileMiB) {
      const src = `grow-${m}.bin`;
      const size = m * MiB;
      growthPlans.push(
        {
          key: 'growth', title: `SFTP get, one ${sizeName(m)} file`, unit: 'MB/s', work: size, baseline: 'sftp', rounds: gr,
          tools: [
            { name: 'sftp', spawn: await sftpBatch(`get ${R(src)} ${L('g-sftp.bin')}`), check: file(L('g-sftp.bin'), size), reset: () => fresh(L('g-sftp.bin')) },
            { name: OURS, spawn: cliGet('sftp', R(src), L('g-ours.bin')), check: file(L('g-ours.bin'), size), reset: () => fresh(L('g-ours.bin')), node: true },
          ],
        },
        {
          key: 'growth', title: `SFTP put, one ${sizeName(m)} file`, unit: 'MB/s', work: size, baseline: 'sftp', rounds: gr,
          tools: [
            { name: 'sftp', spawn: await sftpBatch(`put ${L(src)} ${R('g-sftp.bin')}`), check: file(R('g-sftp.bin'), size), reset: () => fresh(R('g-sftp.bin')) },
            { name: OURS, spawn: cliPut('sftp', L(src), R('g-ours.bin')), check: file(R('g-ours.bin'), size), reset: () => fresh(R('g-ours.bin')), node: true },
          ],
        },
      );
      if (CONFIG.growthFtps) {
        growthPlans.push(
          {
            key: 'growth', title: `FTPS get, one ${sizeName(m)} file`, unit: 'MB/s', work: size, baseline: 'lftp', rounds: gr,
            tools: [
              { name: 'lftp', spawn: await lftp(`get ${R(src)} -o ${L('g-lftp.bin')}`), check: file(L('g-lftp.bin'), size), reset: () => fresh(L('g-lftp.bin')) },
              { name: OURS, spawn: cliGet('ftpes', R(src), L('g-ours.bin')), check: file(L('g-ours.bin'), size), reset: () => fresh(L('g-ours.bin')), node: true },
            ],
          },
          {
            key: 'growth', title: `FTPS put, one ${sizeName(m)} file`, unit: 'MB/s', work: size, baseline: 'lftp', rounds: gr,
            tools: [
              { name: 'lftp', spawn: await lftp(`put ${L(src)} -o ${R('g-lftp.bin')}`), check: file(R('g-lftp.bin'), size), reset: () => fresh(R('g-lftp.bin')) },
              { name: OURS, spawn: cliPut('ftpes', L(src), R('g-ours.bin')), check: file(R('g-ours.bin'), size), reset: () => fresh(R('g-ours.bin')), node: true },
            ],
          },
        );
      }
    }
    for (const t of CONFIG.growthTrees) {
      const src = `tree-${t}`;
      growthPlans.push(
        {
          key: 'growth', title: `SFTP get -r, ${t} × 4 KiB files`, unit: 'files/s', work: t, baseline: 'sftp -r', rounds: gr,
          tools: [
            { name: 'sftp -r', spawn: await sftpBatch(`get -r ${R(src)} ${L('g-tree-sftp')}`), check: tree(L('g-tree-sftp'), t), reset: () => fresh(L('g-tree-sftp')) },
            { name: OURS, spawn: cliGet('sftp', R(src), L('g-tree-ours'), true), check: tree(L('g-tree-ours'), t), reset: () => fresh(L('g-tree-ours')), node: true },
          ],
        },
        {
          key: 'growth', title: `SFTP put -r, ${t} × 4 KiB files`, unit: 'files/s', work: t, baseline: 'sftp -r', rounds: gr,
          tools: [
            { name: 'sftp -r', spawn: await sftpBatch(`put -r ${L(src)} ${R('g-tree-sftp')}`), check: tree(R('g-tree-sftp'), t), reset: () => fresh(R('g-tree-sftp')) },
            { name: OURS, spawn: cliPut('sftp', L(src), R('g-tree-ours'), true), check: tree(R('g-tree-ours'), t), reset: () => fresh(R('g-tree-ours')), node: true },
          ],
        },
      );
    }
    for (const e of CONFIG.growthLists) {
      growthPlans.push({
        key: 'growth', title: `SFTP listing, ${e} entries`, unit: 'ms', work: 0, baseline: 'sftp ls -l', rounds: gr,
        tools: [
          { name: 'sftp ls -l', spawn: await sftpBatch(`ls -l ${R(`list-${e}`)}`), reset: async () => undefined },
          { name: OURS, spawn: cli('sftp', ['ls', sftpUrl(R(`list-${e}`))]), reset: async () => undefined, node: true },
        ],
      });
    }
  }

  // ---- run
  const sections: string[] = [];
  const summary: Verdict[] = [];
  const profiles: string[] = [];
  for (const plan of plans) {
    const load = load1();
    console.log(`\n== ${plan.title} (load ${load.toFixed(2)})`);
    const t0 = Date.now();
    const { scenario, notes } = await measure(plan, scratch);
    const took = (Date.now() - t0) / 1000;
    const table = markdownTable(scenario) + notes.map((x) => `\nNote: ${x}\n`).join('');
    console.log(table);
    sections.push(`### ${plan.title}\n\nLoad average (1 min) at the start of this scenario: ${load.toFixed(2)}; the scenario took ${took.toFixed(0)} s (all tools, all rounds).\n\n${table}`);
    const vs = verdicts(scenario);
    summary.push(...vs);
    if (!CONFIG.profile) continue;
    // Profile ours when it misses the reference's target, the extension's path when it misses ours (BENCH_PROFILE=all: ours always).
    for (const [i, v] of vs.entries()) {
      if (v.met !== false && !(i === 0 && env.BENCH_PROFILE === 'all')) continue;
      const toolName = v.versus.split(' vs ')[0];
      const tool = plan.tools.find((t) => t.name === toolName && t.node);
      if (!tool) continue;
      console.log(`   profiling ${toolName} (${v.met === false ? 'target not met' : 'BENCH_PROFILE=all'})…`);
      profiles.push(await cpuProfile(tool, `${plan.title}: ${toolName} (${v.versus} ${v.ratio.toFixed(2)}×${v.target !== undefined ? `, target ≥ ${v.target.toFixed(2)}×` : ''})`, scratch));
    }
  }
  const growthScenarios: Scenario[] = [];
  const growthLoads: string[] = [];
  for (const plan of growthPlans) {
    const load = load1();
    console.log(`\n== growth: ${plan.title} (load ${load.toFixed(2)})`);
    const t0 = Date.now();
    const { scenario, notes } = await measure(plan, scratch);
    console.log(markdownTable(scenario));
    growthScenarios.push(scenario);
    growthLoads.push(`${plan.title}: ${load.toFixed(2)} (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
    for (const x of notes) growthLoads.push(`Note: ${x}`);
  }

  let startup: Awaited<ReturnType<typeof extensionStartup>> | undefined;
  let startupLoad = 0;
  if (wants('extension')) {
    startupLoad = load1();
    console.log(`\n== Extension start-up (load ${startupLoad.toFixed(2)})`);
    startup = await extensionStartup(EXTENSION);
    sections.push(startup.section.replace('\n\n', `\n\nLoad average (1 min) at the start of this scenario: ${startupLoad.toFixed(2)}.\n\n`));
    console.log(startup.section);
  }

  const loadAtEnd = load1();
  const summaryMd = [
    '| scenario | comparison | ratio | target | | ceiling (same reference) |',
    '|---|---|---:|---:|---|---|',
    ...summary.map(summaryLine),
    ...(startup?.summaryRows.map((r) => r.replace(/^\| ([^|]+) \| ([^|]+) \| ([^|]+) \| ([^|]+) \|$/, `| $1 | measured at load ${startupLoad.toFixed(2)} | $2 | $3 | $4 | |`)) ?? []),
  ].join('\n');
  const cpu = os.cpus();
  const md = [
    '# Benchmark: secure-transfer vs OpenSSH sftp/scp and lftp',
    '',
    `Generated by \`npm run bench\`${QUICK ? ' (BENCH_QUICK=1)' : ''} on ${new Date().toISOString().replace('T', ' ').slice(0, 16)} UTC in ${((Date.now() - started) / 60000).toFixed(1)} min.`,
    '',
    `- Machine: ${cpu.length} × ${cpu[0]?.model ?? 'cpu'}; Node ${process.version}; files on ${shm}; servers on loopback (OpenSSH sshd, vsftpd explicit FTPS with require_ssl_reuse).`,
    `- Load average (1 min): ${loadAtStart.toFixed(2)} at the start, ${loadAtEnd.toFixed(2)} at the end, and per scenario below. Above ~2 on 2 cores, other work competed with the tools for CPU: absolute figures (and, less so, ratios) move with it.`,
    `- Rounds: ${CONFIG.rounds} per tool for target rows${growth ? `, ${CONFIG.growthRounds} for growth rows` : ''}; tools interleaved within each round; median and min–max.`,
    '- Every tool is its own process and verifies the server: OpenSSH with a known_hosts file and StrictHostKeyChecking=yes, our CLI with the same known_hosts file (`--known-hosts`); lftp with `ssl:ca-file` and `ssl:verify-certificate`, our CLI with the same CA file (`--ca`); the extension path with a profile that pins the host key (`fingerprints`) or names the CA (`caFile`). Every run includes process start, connecting and logging in; every output is checked (size or file count) after each run, untimed.',
    `- Peak RSS: ${hasGnuTime ? "GNU time's %M (max resident set of the tool's process, or the largest of the processes it waited for: sftp's ssh child, `sh -c`'s command)" : 'not measured (GNU time, Debian package `time`, is missing)'}.`,
    '- Crypto backend and cipher (one extra untimed run of each, with a preloaded probe that lists the native addons the process loaded and its TLS sessions):',
    ...backends.map((b) => `  ${b}`),
    '',
    '## Summary (throughput ratio: higher is better; for listings, their time ÷ our time)',
    '',
    summaryMd,
    '',
    '## Measurements',
    '',
    ...sections,
    ...(growthScenarios.length
      ? [
          '## Growth',
          '',
          `Time and peak RSS of our CLI and the reference as the work grows (${CONFIG.growthRounds} round(s) each; median). Goal: RSS flat with file size, ≤ 150 MB for 1 GiB.`,
          '',
          growthTable(growthScenarios),
          `Load average (1 min) at the start of each growth row (and how long the row took): ${growthLoads.join('; ')}.`,
          '',
        ]
      : []),
    ...(profiles.length ? ['## Rows below target: CPU profiles', '', ...profiles] : []),
    '## What was tried and what it changed',
    '',
    // Kept by hand in bench/tried.md (what was changed for the rows above and what each moved), so a new run keeps it.
    existsSync(TRIED) ? (await fs.readFile(TRIED, 'utf8')).trim() : '(Nothing written yet: bench/tried.md holds it.)',
    '',
  ].join('\n');
  await fs.writeFile(CONFIG.out, md);
  console.log(`\nSummary:\n${summaryMd}\n\nWrote ${CONFIG.out} in ${((Date.now() - started) / 1000).toFixed(0)} s.`);
  if (!wantTargets && !growth) console.log('(no transfer scenario was selected)');
}

/** BENCH_ONLY=extension: no servers and no test files, just start-up time and package size. */
async function extensionOnly(started: number, load: number): Promise<void> {
  const { section, summaryRows } = await extensionStartup(EXTENSION);
  const md = [
    '# Benchmark: secure-transfer extension start-up',
    '',
    `Generated by \`BENCH_ONLY=extension npm run bench\`${QUICK ? ' (BENCH_QUICK=1)' : ''} on ${new Date().toISOString().slice(0, 10)}: ${os.cpus().length} cores (${os.cpus()[0]?.model ?? 'cpu'}),`,
    `Node ${process.version}; machine load (1-min load average) ${load.toFixed(2)} at the start and ${load1().toFixed(2)} at the end.`,
    '',
    '## Summary',
    '',
    '| scenario | value | target | |',
    '|---|---:|---:|---|',
    ...summaryRows,
    '',
    '## Measurements',
    '',
    section,
  ].join('\n');
  await fs.writeFile(CONFIG.out, md);
  console.log(`${section}\n\nSummary:\n${summaryRows.join('\n')}\n\nWrote ${CONFIG.out} in ${((Date.now() - started) / 1000).toFixed(0)} s.`);
}

main()
  .catch((err: unknown) => {
    console.error(`Benchmark failed: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  })
  .finally(() => stopAll());
