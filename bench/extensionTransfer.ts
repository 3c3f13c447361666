/**
 * The extension's transfer path as its own process, for the benchmark: bundled by bench/buildDriver.mjs
 * with scripts/extensionBuild.mjs's `extensionBuildOptions` (the shipped extension's esbuild options), so
 * ssh2 and basic-ftp load from `vendor/` exactly as in the .vsix — without ssh2's native addon, which
 * the bundle leaves external and cannot find. It runs the extension's own TransferService (against a
 * small stub of the `vscode` module written next to the bundle) with what the extension passes it: the
 * profile's connection as the seed session, extra sessions from `extraSessionFactory` (they ask nothing),
 * progress and file-row listeners, the remote-version record.
 *
 * Usage: node extension.js '<json Job>' (the password, if any, on stdin: the extension would take it
 * from the keychain, so here it goes into an in-memory secret store). Exit code 0 when the transfer
 * finished, 1 with one sentence on stderr otherwise. BENCH_DRIVER_VERBOSE=1 prints the connection log.
 */
import { connect, type ConnectContext } from '../src/core/connect';
import { credentialsFor } from '../src/core/mfa/provider';
import type { LoadedProfile, Protocol } from '../src/core/profiles/types';
import { secretKey, type SecretStore } from '../src/core/secrets/secretStore';
import { extraSessionFactory } from '../src/core/transfer/sessionReuse';
import { TrustStore } from '../src/core/trust/trustStore';
import { refuseUnknown } from '../src/core/trust/types';
import type { Logger } from '../src/core/log';
import { TransferService } from '../src/extension/transfers';

export interface DriverJob {
  direction: 'download' | 'upload';
  protocol: Protocol;
  host: string;
  port: number;
  username: string;
  /** Pinned fingerprints (the profile file's `fingerprints`). */
  fingerprints?: string[];
  /** FTPS: the CA file that signs the server certificate (the profile's `caFile`). */
  caFile?: string;
  identityFile?: string;
  local: string;
  remote: string;
  recursive?: boolean;
  /** The extension's trust store folder (a scratch folder). */
  stateDir: string;
}

function memorySecrets(): SecretStore {
  const m = new Map<string, string>();
  return {
    get: async (k) => m.get(k),
    set: async (k, v) => void m.set(k, v),
    delete: async (k) => void m.delete(k),
    keys: async () => [...m.keys()],
  };
}

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) return '';
  let text = '';
  for await (const chunk of process.stdin) text += chunk;
  return text.replace(/\r?\n$/, '');
}

async function main(): Promise<number> {
  const job = JSON.parse(process.argv[2] ?? '') as DriverJob;
  const verbose = process.env.BENCH_DRIVER_VERBOSE === '1';
  const say = (level: string) => (m: string) => (verbose || level === 'warn' ? process.stderr.write(`[${level}] ${m}\n`) : undefined);
  const log: Logger = { trace: say('trace'), debug: say('debug'), info: say('info'), warn: say('warn'), error: say('error') };
  const profile: LoadedProfile = {
    name: 'bench',
    protocol: job.protocol,
    host: job.host,
    port: job.port,
    username: job.username,
    ...(job.fingerprints ? { fingerprints: job.fingerprints } : {}),
    ...(job.caFile ? { caFile: job.caFile } : {}),
    ...(job.identityFile ? { identityFile: job.identityFile } : {}),
    source: { kind: 'workspace', location: 'bench' },
  };
  const secrets = memorySecrets();
  const password = await readStdin();
  if (password) await secrets.set(secretKey(profile, 'password'), password);
  const trustStore = TrustStore.inDir(job.stateDir);
  const context = (): Omit<ConnectContext, 'credentials' | 'decide' | 'signal'> => ({ trustStore, sshConfig: { file: false }, knownHostsFiles: [], log, env: {} });
  // The extension keeps the profile's connection open for the tree; here it is closed after the transfer.
  const seeds: Array<{ close(): Promise<void> }> = [];
  const session = async (p: LoadedProfile, signal: AbortSignal) => {
    const s = await connect(p, { ...context(), signal, decide: refuseUnknown, credentials: credentialsFor(p, secrets) });
    seeds.push(s);
    return s;
  };
  let failed: string | undefined;
  const service = new TransferService(session, log, () => undefined, (record) => (failed = record.state === 'done' ? undefined : (record.error ?? record.state)), {
    extraSessions: (p, first) => extraSessionFactory(p, { context, secrets, trustStore, log, first }),
    showFinished: (m) => log.info(m),
  });
  try {
    await service.run({ direction: job.direction, profile, local: job.local, remote: job.remote, recursive: job.recursive });
  } finally {
    for (const s of seeds) await s.close().catch(() => undefined);
    service.dispose();
  }
  if (failed) {
    process.stderr.write(`${failed}\n`);
    return 1;
  }
  return 0;
}

main().then(
  (code) => (process.exitCode = code),
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
