/**
 * The SSH probe. Read-only: it reads the server's banner and KEXINIT over a raw socket, then runs one
 * ssh2 handshake per host-key type to see each key, and asks `none` auth once for the methods offered.
 * It never sends a credential and never records a key in any trust store.
 */
import * as net from 'node:net';
import type { Duplex } from 'node:stream';
import { Client, type ConnectConfig } from 'ssh2';
import { sha256Fingerprint } from '../../trust/fingerprint';
import type { AuditTarget, ProbeDial, SshFacts, SshHostKeyFact, SshKexInit } from '../types';
import { buildClientKexInit, parseKexInit, readBinaryPacket } from './kexinit';
import { describeKeyBlob } from './sshKeyBlob';
import { ProbeError, SocketReader, takeLine } from './socketReader';

export const PROBE_CLIENT_BANNER = 'SSH-2.0-SecureTransferAudit_1.0';
const MAX_PRE_BANNER_LINES = 50;

export interface SshProbeOptions {
  timeoutMs: number;
  /**
   * Opens the probe's connections (a proxy, a ProxyCommand, a jump host's channel); default: direct TCP.
   * The probe opens 1 + one per host-key type the server offers (at most 7) connections.
   */
  dial?: ProbeDial;
}

/** Host key algorithms grouped by the key they need: one handshake per key, the first name ssh2 can use. */
const HOST_KEY_FAMILIES: ReadonlyArray<{ key: string; algorithms: string[] }> = [
  { key: 'ssh-ed25519', algorithms: ['ssh-ed25519'] },
  { key: 'ecdsa-sha2-nistp256', algorithms: ['ecdsa-sha2-nistp256'] },
  { key: 'ecdsa-sha2-nistp384', algorithms: ['ecdsa-sha2-nistp384'] },
  { key: 'ecdsa-sha2-nistp521', algorithms: ['ecdsa-sha2-nistp521'] },
  { key: 'ssh-rsa', algorithms: ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'] },
  { key: 'ssh-dss', algorithms: ['ssh-dss'] },
];

/** Legacy algorithms ssh2 knows but leaves out by default: the probe must still reach weak servers. */
const LEGACY = {
  kex: ['diffie-hellman-group-exchange-sha1', 'diffie-hellman-group14-sha1', 'diffie-hellman-group1-sha1'],
  cipher: ['aes128-cbc', 'aes192-cbc', 'aes256-cbc', '3des-cbc'],
  hmac: ['hmac-sha1', 'hmac-md5', 'hmac-sha1-96', 'hmac-md5-96'],
};

export interface BannerAndKexInit {
  banner: string;
  preBannerLines: string[];
  kexinit?: SshKexInit;
}

/** Banner exchange and the server's KEXINIT, over a plain socket (nothing is encrypted yet). */
export async function readBannerAndKexInit(host: string, port: number, timeoutMs: number, dial?: SshProbeOptions['dial']): Promise<BannerAndKexInit> {
  const deadline = Date.now() + timeoutMs;
  const socket: Duplex = dial ? await dial(host, port) : net.connect({ host, port });
  const reader = new SocketReader(socket);
  try {
    socket.write(PROBE_CLIENT_BANNER + '\r\n');
    const preBannerLines: string[] = [];
    let banner = await reader.until(takeLine, deadline, 'reading the SSH banner');
    while (!banner.startsWith('SSH-')) {
      if (preBannerLines.length >= MAX_PRE_BANNER_LINES) throw new ProbeError('the server sent no SSH identification line');
      preBannerLines.push(banner);
      banner = await reader.until(takeLine, deadline, 'reading the SSH banner');
    }
    if (!/^SSH-(2\.0|1\.99)-/.test(banner)) return { banner, preBannerLines };
    socket.write(buildClientKexInit());
    const payload = await reader.until(
      (buf) => {
        const p = readBinaryPacket(buf);
        return p && [p.payload, p.consumed];
      },
      deadline,
      'reading the server KEXINIT',
    );
    return { banner, preBannerLines, kexinit: parseKexInit(payload) };
  } finally {
    reader.detach();
    socket.destroy();
  }
}

interface HandshakeResult {
  key?: SshHostKeyFact;
  authMethods?: string[];
  error?: string;
}

/**
 * One ssh2 handshake restricted to `algorithm`. The host verifier records the key; only when
 * `askAuthMethods` is set does it let the handshake go on, to send `none` and read the methods left.
 */
async function handshake(target: AuditTarget, algorithm: string, askAuthMethods: boolean, timeoutMs: number, dial?: SshProbeOptions['dial']): Promise<HandshakeResult> {
  let sock: Duplex | undefined;
  if (dial) {
    try {
      sock = await dial(target.host, target.port);
    } catch (err) {
      return { error: (err as Error).message };
    }
  }
  return handshakeOver(target, algorithm, askAuthMethods, timeoutMs, sock);
}

function handshakeOver(target: AuditTarget, algorithm: string, askAuthMethods: boolean, timeoutMs: number, sock: Duplex | undefined): Promise<HandshakeResult> {
  return new Promise((resolve) => {
    const client = new Client();
    const result: HandshakeResult = {};
    let settled = false;
    const finish = (error?: string) => {
      if (settled) return;
      settled = true;
      if (error && !result.key) result.error = error;
      client.end();
      client.destroy?.();
      // A stream we were handed (a channel, a ProxyCommand) is closed once the disconnect is flushed,
      // so the route's slot is freed without waiting for the server to hang up.
      if (sock && !sock.destroyed) {
        if (sock.writableEnded && !sock.writableFinished) sock.once('finish', () => sock.destroy());
        else sock.destroy();
      }
      resolve(result);
    };
    const config: ConnectConfig = {
      host: target.host,
      port: target.port,
      ...(sock ? { sock } : {}),
      username: target.username || 'secure-transfer-audit',
      readyTimeout: timeoutMs,
      ident: PROBE_CLIENT_BANNER.slice('SSH-2.0-'.length),
      algorithms: {
        serverHostKey: [algorithm],
        kex: { append: LEGACY.kex },
        cipher: { append: LEGACY.cipher },
        hmac: { append: LEGACY.hmac },
      } as ConnectConfig['algorithms'],
      hostVerifier: (key: Buffer) => {
        const info = describeKeyBlob(key);
        result.key = { algorithm, keyType: info.keyType, bits: info.bits, curve: info.curve, fingerprint: sha256Fingerprint(key) };
        if (!askAuthMethods) setImmediate(() => finish());
        return askAuthMethods;
      },
      authHandler: (methodsLeft: string[] | null, _partial: boolean | null, next: (auth: unknown) => void) => {
        if (methodsLeft === null) return next({ type: 'none', username: config.username });
        result.authMethods = methodsLeft;
        next(false);
        finish();
      },
    } as ConnectConfig;
    client.on('ready', () => {
      // `none` succeeded: the server lets anyone in without any credential.
      result.authMethods = ['none'];
      finish();
    });
    client.on('error', (err: Error) => finish(err.message));
    client.on('close', () => finish('the server closed the connection'));
    client.connect(config);
  });
}

export async function probeSsh(target: AuditTarget, options: SshProbeOptions): Promise<SshFacts> {
  const notes: string[] = [];
  const first = await readBannerAndKexInit(target.host, target.port, options.timeoutMs, options.dial);
  const version = /^SSH-([\d.]+)-(\S*)/.exec(first.banner);
  const protocolVersion = version?.[1] ?? '';
  const facts: SshFacts = {
    banner: first.banner,
    preBannerLines: first.preBannerLines,
    protocolVersion,
    software: version?.[2] ?? '',
    supportsSsh1: protocolVersion.startsWith('1.'),
    kexinit: first.kexinit,
    strictKex: first.kexinit?.kex.includes('kex-strict-s-v00@openssh.com') ?? false,
    hostKeys: [],
    uninspectedHostKeyAlgorithms: [],
    notes,
  };
  if (!first.kexinit) {
    notes.push('The server speaks only SSH-1, so its algorithms were not read.');
    return facts;
  }
  const offered = first.kexinit.serverHostKey;
  const plan = HOST_KEY_FAMILIES.map((f) => f.algorithms.find((a) => offered.includes(a))).filter((a): a is string => !!a);
  const covered = new Set(HOST_KEY_FAMILIES.flatMap((f) => f.algorithms));
  facts.uninspectedHostKeyAlgorithms = offered.filter((a) => !covered.has(a));
  // Ask for the auth methods on the strongest key's handshake; DSA last, as OpenSSL may not verify it.
  const results = await Promise.all(plan.map((alg, i) => handshake(target, alg, i === 0, options.timeoutMs, options.dial)));
  results.forEach((r, i) => {
    if (r.key) facts.hostKeys.push(r.key);
    else notes.push(`The ${plan[i]} host key could not be read: ${r.error ?? 'no answer'}.`);
    if (r.authMethods) facts.authMethods = r.authMethods;
  });
  if (plan.length > 0 && !facts.authMethods) notes.push('The authentication methods offered could not be read.');
  return facts;
}
