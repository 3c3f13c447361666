/** ProFTPD 1.3.8, unpacked by the setup script into .cache/servers/root (it conflicts with vsftpd in apt). */
import { mkdir, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { makeCertificate, type CertFiles } from './certs';
import { SERVERS_ROOT, requireBinary, tempDir } from './common';
import { generateHostKeys, writeAuthorizedKeys, type HostKeyType } from './keys';
import { freePort, freePortRange } from './ports';
import { launch, type RunningServer, type ServerProtocol } from './server';
import { TEST_USER, ensureTestUser } from './user';

export type ProftpdMode = 'ftps' | 'sftp' | 'weak';

export interface ProftpdOptions {
  mode: ProftpdMode;
  cert?: CertFiles; // TLS modes; default makeCertificate()
  hostKeyTypes?: HostKeyType[]; // sftp mode; default ['ed25519', 'rsa']
  port?: number;
  /** ftps/weak modes: load mod_digest, which offers HASH and XSHA256/XSHA1/XMD5 (listed in FEAT). */
  digest?: boolean;
  /** FTP modes: `AllowStoreRestart on`, so uploads can resume (APPE/REST+STOR); off by default, as in ProFTPD. */
  allowStoreRestart?: boolean;
}

const PROFTPD = path.join(SERVERS_ROOT, 'usr/sbin/proftpd');
const MODULES = path.join(SERVERS_ROOT, 'usr/lib/proftpd');

/** Per mode: the protocol and the mode's own directives (see notes/real-servers.md). */
const MODES: Record<ProftpdMode, { protocol: ServerProtocol; config: (ctx: ModeContext) => string[] }> = {
  ftps: {
    protocol: 'ftpes',
    config: ({ cert, logFile }) => [
      'TLSEngine on',
      'TLSRequired on',
      'TLSProtocol TLSv1.2 TLSv1.3',
      `TLSRSACertificateFile ${cert?.certFile}`,
      `TLSRSACertificateKeyFile ${cert?.keyFile}`,
      'TLSVerifyClient off',
      `TLSLog ${logFile}`,
    ],
  },
  // mod_sftp with its defaults: password + publickey, and (by default) CBC, SHA-1 kex, 1024-bit DH-GEX.
  sftp: {
    protocol: 'sftp',
    config: ({ hostKeyFiles, authorizedDir, logFile }) => [
      'SFTPEngine on',
      ...hostKeyFiles.map((f) => `SFTPHostKey ${f}`),
      'SFTPAuthMethods publickey password',
      'SFTPKeyBlacklist none',
      `SFTPAuthorizedUserKeys file:${authorizedDir}/%u`,
      `SFTPLog ${logFile}`,
    ],
  },
  weak: {
    protocol: 'ftpes',
    config: ({ cert, logFile, anonDir }) => [
      'TLSEngine on',
      'TLSRequired off',
      'TLSProtocol TLSv1 TLSv1.1 TLSv1.2 TLSv1.3',
      'TLSCipherSuite ALL:@SECLEVEL=0',
      `TLSRSACertificateFile ${cert?.certFile}`,
      `TLSRSACertificateKeyFile ${cert?.keyFile}`,
      'TLSVerifyClient off',
      `TLSLog ${logFile}`,
      `<Anonymous ${anonDir}>`,
      '  User ftp',
      '  Group nogroup',
      '  UserAlias anonymous ftp',
      '  RequireValidShell off',
      '</Anonymous>',
    ],
  },
};

interface ModeContext {
  cert?: CertFiles;
  hostKeyFiles: string[];
  authorizedDir: string;
  anonDir: string;
  logFile: string;
}

export async function startProftpd(opts: ProftpdOptions): Promise<RunningServer> {
  requireBinary(PROFTPD);
  await ensureTestUser();
  const mode = MODES[opts.mode];
  const dir = await tempDir(`proftpd-${opts.mode}`);
  const port = opts.port ?? (await freePort());
  const pasv = await freePortRange(10);
  const logFile = path.join(dir, 'proftpd.log');
  const authorizedDir = path.join(dir, 'authorized');
  const anonDir = path.join(dir, 'anon');
  await mkdir(authorizedDir, { mode: 0o755 });
  await mkdir(anonDir, { mode: 0o755 });
  await writeFile(path.join(anonDir, 'README.txt'), 'anonymous area of a Secure Transfer test server\n');

  const isSftp = opts.mode === 'sftp';
  const cert = isSftp ? undefined : (opts.cert ?? (await makeCertificate()));
  const hostKeys = isSftp ? await generateHostKeys(dir, opts.hostKeyTypes ?? ['ed25519', 'rsa']) : [];
  if (isSftp) await writeAuthorizedKeys(authorizedDir, TEST_USER.name, 'rfc4716');

  const config = [
    'ServerType standalone',
    'ServerName "Secure Transfer test"',
    'DefaultServer on',
    'DefaultAddress 127.0.0.1',
    'SocketBindTight on',
    'UseIPv6 off',
    `Port ${port}`,
    `ModulePath ${MODULES}`,
    'LoadModule mod_tls.c',
    'LoadModule mod_sftp.c',
    ...(opts.digest ? ['LoadModule mod_digest.c'] : []),
    'User nobody',
    'Group nogroup',
    `PidFile ${path.join(dir, 'proftpd.pid')}`,
    `ScoreboardFile ${path.join(dir, 'proftpd.scoreboard')}`,
    `DelayTable ${path.join(dir, 'proftpd.delay')}`,
    `SystemLog ${logFile}`,
    `TransferLog ${path.join(dir, 'xfer.log')}`,
    'WtmpLog off',
    'UseReverseDNS off',
    'AuthOrder mod_auth_unix.c',
    'RequireValidShell off',
    'MaxInstances 100',
    `PassivePorts ${pasv.min} ${pasv.max}`,
    'AllowOverwrite on',
    ...(opts.allowStoreRestart ? ['AllowStoreRestart on'] : []),
    'Umask 022',
    ...mode.config({ cert, hostKeyFiles: hostKeys.map((k) => k.privateKeyFile), authorizedDir, anonDir, logFile }),
  ];
  const configFile = path.join(dir, 'proftpd.conf');
  await writeFile(configFile, config.join('\n') + '\n');

  return launch({
    name: `proftpd-${opts.mode}`,
    protocol: mode.protocol,
    command: PROFTPD,
    args: ['-n', '-c', configFile],
    port,
    dir,
    logFile,
    banner: { kind: isSftp ? 'ssh' : 'ftp' },
    hostKeys: isSftp ? hostKeys.map(({ type, fingerprint, publicKeyFile }) => ({ type, fingerprint, publicKeyFile })) : undefined,
    cert,
  });
}
