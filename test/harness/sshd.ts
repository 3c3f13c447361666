/** OpenSSH sshd on 127.0.0.1 with its own config, host keys, authorized keys and log. */
import { readFile, symlink, writeFile, mkdir, chmod } from 'node:fs/promises';
import { rmSync } from 'node:fs';
import * as path from 'node:path';
import { requireBinary, run, tempDir } from './common';
import { generateHostKeys, writeAuthorizedKeys, type HostKeyType, type ServerKey } from './keys';
import { freePort } from './ports';
import { launch, type RunningServer } from './server';
import { TEST_USER, ensureTestUser } from './user';

export type SshdVariant = 'default' | 'weak' | 'hardened';
export type SshdPam = 'totp-password' | 'totp-publickey';

export interface SshdOptions {
  variant?: SshdVariant;
  hostKeyTypes?: HostKeyType[]; // default: per variant (ed25519; weak: rsa1024 + dsa)
  pam?: SshdPam;
  /** sshd_config lines; they come first, and sshd keeps the first value of a keyword, so they win. */
  extraConfig?: string;
  /** Listen on this port instead of a fresh one (e.g. restart "the same server" with other keys). */
  port?: number;
  /** Serve the host keys of an earlier server instead of fresh ones (a restart that keeps its identity). */
  hostKeysFrom?: RunningServer;
}

const SSHD = '/usr/sbin/sshd';

/** Per variant: host keys by default and the algorithm/auth lines (see notes/real-servers.md). */
const VARIANTS: Record<SshdVariant, { hostKeyTypes: HostKeyType[]; config: string[] }> = {
  default: {
    hostKeyTypes: ['ed25519'],
    config: ['PasswordAuthentication yes', 'KbdInteractiveAuthentication no'],
  },
  weak: {
    hostKeyTypes: ['rsa1024', 'dsa'],
    config: [
      'KexAlgorithms +diffie-hellman-group1-sha1,diffie-hellman-group14-sha1,diffie-hellman-group-exchange-sha1',
      'Ciphers +3des-cbc,aes128-cbc,aes192-cbc,aes256-cbc',
      'MACs +hmac-sha1,hmac-sha1-96,hmac-md5,hmac-md5-96,hmac-md5-etm@openssh.com,umac-64@openssh.com',
      'HostKeyAlgorithms +ssh-rsa,ssh-dss',
      'PubkeyAcceptedAlgorithms +ssh-rsa,ssh-dss',
      'PasswordAuthentication yes',
      'KbdInteractiveAuthentication no',
    ],
  },
  hardened: {
    hostKeyTypes: ['ed25519'],
    config: [
      'KexAlgorithms sntrup761x25519-sha512@openssh.com,curve25519-sha256,curve25519-sha256@libssh.org',
      'Ciphers chacha20-poly1305@openssh.com,aes256-gcm@openssh.com,aes128-gcm@openssh.com',
      'MACs hmac-sha2-512-etm@openssh.com,hmac-sha2-256-etm@openssh.com,umac-128-etm@openssh.com',
      'HostKeyAlgorithms ssh-ed25519',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'AuthenticationMethods publickey',
    ],
  },
};

/** PAM google-authenticator setups: the sshd lines and the PAM stack of the server's own service. */
const PAM_SETUPS: Record<SshdPam, { config: string[]; stack: (secretPattern: string) => string[] }> = {
  'totp-password': {
    config: ['UsePAM yes', 'KbdInteractiveAuthentication yes', 'PasswordAuthentication no', 'AuthenticationMethods keyboard-interactive'],
    stack: (secret) => ['auth required pam_unix.so', `auth required pam_google_authenticator.so user=root secret=${secret}`],
  },
  'totp-publickey': {
    config: ['UsePAM yes', 'KbdInteractiveAuthentication yes', 'PasswordAuthentication no', 'AuthenticationMethods publickey,keyboard-interactive:pam'],
    stack: (secret) => [`auth required pam_google_authenticator.so user=root secret=${secret}`],
  },
};

let pamServices = 0;

export async function startSshd(opts: SshdOptions = {}): Promise<RunningServer & { totpSeed?: string }> {
  requireBinary(SSHD);
  await ensureTestUser();
  await mkdir('/run/sshd', { recursive: true }); // privilege-separation dir
  const variant = VARIANTS[opts.variant ?? 'default'];
  const dir = await tempDir(`sshd-${opts.variant ?? 'default'}${opts.pam ? '-' + opts.pam : ''}`);
  const port = opts.port ?? (await freePort());
  const logFile = path.join(dir, 'sshd.log');

  const hostKeys: Array<ServerKey & { privateKeyFile: string }> = opts.hostKeysFrom?.hostKeys
    ? opts.hostKeysFrom.hostKeys.map((k) => ({ ...k, privateKeyFile: k.publicKeyFile.replace(/\.pub$/, '') }))
    : await generateHostKeys(dir, opts.hostKeyTypes ?? variant.hostKeyTypes);
  const authorizedDir = path.join(dir, 'authorized');
  await mkdir(authorizedDir, { mode: 0o755 });
  await writeAuthorizedKeys(authorizedDir, TEST_USER.name, 'openssh');

  let command = SSHD;
  let pamLines: string[] = [];
  let totpSeed: string | undefined;
  let afterStop: (() => void) | undefined;
  if (opts.pam) {
    // sshd names its PAM service after the name it runs under: a private symlink gets a private
    // /etc/pam.d service and leaves /etc/pam.d/sshd alone.
    const service = `sshd-st-${process.pid}-${++pamServices}`;
    command = path.join(dir, service);
    await symlink(SSHD, command);
    totpSeed = await makeTotpSecret(dir);
    const pamFile = path.join('/etc/pam.d', service);
    const stack = [...PAM_SETUPS[opts.pam].stack(path.join(dir, '${USER}.ga')), 'account required pam_unix.so', 'session required pam_permit.so'];
    await writeFile(pamFile, stack.join('\n') + '\n');
    afterStop = () => rmSync(pamFile, { force: true });
    pamLines = PAM_SETUPS[opts.pam].config;
  }

  const [extraFirst, extraMatch] = splitAtMatch(opts.extraConfig ?? '');
  const config = [
    ...extraFirst,
    ...pamLines,
    ...variant.config,
    'ListenAddress 127.0.0.1',
    `Port ${port}`,
    ...hostKeys.map((k) => `HostKey ${k.privateKeyFile}`),
    `PidFile ${path.join(dir, 'sshd.pid')}`,
    `AuthorizedKeysFile ${authorizedDir}/%u`,
    'StrictModes no', // keys and config live under world-writable /tmp
    'LogLevel VERBOSE', // every auth attempt is logged: tests can prove none happened
    'UsePAM no',
    'PermitRootLogin no',
    'MaxStartups 100:30:200', // parallel transfer tests open many connections
    'MaxSessions 64',
    'Subsystem sftp internal-sftp',
    ...extraMatch,
  ];
  const configFile = path.join(dir, 'sshd_config');
  await writeFile(configFile, config.join('\n') + '\n');

  const server = await launch({
    name: `sshd${opts.variant && opts.variant !== 'default' ? '-' + opts.variant : ''}${opts.pam ? '-' + opts.pam : ''}`,
    protocol: 'sftp',
    command,
    args: ['-D', '-e', '-f', configFile, '-E', logFile],
    port,
    dir,
    logFile,
    banner: { kind: 'ssh' },
    hostKeys: hostKeys.map(({ type, fingerprint, publicKeyFile }) => ({ type, fingerprint, publicKeyFile })),
    afterStop,
  });
  return totpSeed === undefined ? server : { ...server, totpSeed };
}

/** Lines before the first Match block go first (to win); a Match block must stay last in sshd_config. */
function splitAtMatch(extra: string): [string[], string[]] {
  const lines = extra.split('\n').filter((l) => l.trim() !== '');
  const at = lines.findIndex((l) => /^\s*Match\s/i.test(l));
  return at < 0 ? [lines, []] : [lines.slice(0, at), lines.slice(at)];
}

/**
 * A TOTP secret for TEST_USER (google-authenticator's file format), readable by root only as the
 * PAM module requires. Reuse allowed and no rate limit: tests log in several times within 30 s.
 */
async function makeTotpSecret(dir: string): Promise<string> {
  const file = path.join(dir, `${TEST_USER.name}.ga`);
  await run('google-authenticator', ['-t', '-D', '-f', '-u', '-w', '3', '-Q', 'NONE', '-q', '-s', file]);
  await chmod(file, 0o400);
  return (await readFile(file, 'utf8')).split('\n')[0].trim();
}

/**
 * A bastion: an sshd that logs at DEBUG1, so its log shows every `direct-tcpip` channel it opened
 * ("server_request_direct_tcpip: originator …, target 127.0.0.1 port N"), i.e. what it forwarded where.
 */
export function startBastion(opts: SshdOptions = {}): Promise<RunningServer> {
  return startSshd({ ...opts, extraConfig: ['LogLevel DEBUG1', 'AllowTcpForwarding yes', opts.extraConfig ?? ''].join('\n') });
}

/** The ports a bastion's log says it forwarded connections to (direct-tcpip channels), in order. */
export function forwardedPorts(bastionLog: string): number[] {
  return [...bastionLog.matchAll(/server_request_direct_tcpip: originator \S+ port \d+, target \S+ port (\d+)/g)].map((m) => Number(m[1]));
}

/** Lines of an sshd log (LogLevel VERBOSE or more) that show an authentication attempt or a login. */
export function authAttempts(log: string): string[] {
  return log.split('\n').filter((l) => /Accepted (password|publickey|keyboard-interactive)|Failed (password|publickey|none|keyboard-interactive)|Postponed|userauth-request|input_userauth_request/.test(l));
}
