/** vsftpd 3.0.3 in the foreground with a root-owned private config, own passive range and log. */
import { mkdir, writeFile, chmod } from 'node:fs/promises';
import * as path from 'node:path';
import { makeCertificate, type CertFiles } from './certs';
import { requireBinary, tempDir } from './common';
import { freePort, freePortRange } from './ports';
import { launch, type RunningServer, type ServerProtocol } from './server';
import { ensureTestUser } from './user';

export type VsftpdMode = 'explicit' | 'implicit' | 'plaintext' | 'weak';

export interface VsftpdOptions {
  mode: VsftpdMode;
  cert?: CertFiles; // default: makeCertificate()
  port?: number;
  /** Config lines placed last, so they win (e.g. `mdtm_write=NO`: a server that can't set times). */
  extraConfig?: string[];
}

const VSFTPD = '/usr/sbin/vsftpd';

/** Per mode: the protocol clients use and the config lines (see notes/real-servers.md). */
const MODES: Record<VsftpdMode, { protocol: ServerProtocol; tls: boolean; config: string[] }> = {
  explicit: {
    protocol: 'ftpes',
    tls: true,
    config: ['ssl_enable=YES', 'force_local_logins_ssl=YES', 'force_local_data_ssl=YES', 'require_ssl_reuse=YES', 'ssl_ciphers=HIGH', 'anonymous_enable=NO'],
  },
  implicit: {
    protocol: 'ftps',
    tls: true,
    config: [
      'ssl_enable=YES',
      'implicit_ssl=YES',
      'force_local_logins_ssl=YES',
      'force_local_data_ssl=YES',
      'require_ssl_reuse=YES',
      'ssl_ciphers=HIGH',
      'anonymous_enable=NO',
    ],
  },
  // Refusal tests: a server that never offers TLS (the client must not send USER/PASS).
  plaintext: { protocol: 'ftp', tls: false, config: ['ssl_enable=NO', 'anonymous_enable=YES', 'no_anon_password=YES'] },
  // Audit tests: TLS 1.0+ at security level 0, cleartext logins and anonymous allowed.
  weak: {
    protocol: 'ftpes',
    tls: true,
    config: [
      'ssl_enable=YES',
      'ssl_tlsv1=YES',
      'ssl_ciphers=ALL:@SECLEVEL=0',
      'force_local_logins_ssl=NO',
      'force_local_data_ssl=NO',
      'require_ssl_reuse=NO',
      'allow_anon_ssl=YES',
      'anonymous_enable=YES',
      'no_anon_password=YES',
    ],
  },
};

export async function startVsftpd(opts: VsftpdOptions): Promise<RunningServer> {
  requireBinary(VSFTPD);
  await ensureTestUser();
  const mode = MODES[opts.mode];
  const dir = await tempDir(`vsftpd-${opts.mode}`);
  const port = opts.port ?? (await freePort());
  const pasv = await freePortRange(10);
  const logFile = path.join(dir, 'vsftpd.log');
  const emptyDir = path.join(dir, 'empty'); // secure_chroot_dir: must exist, empty, root-owned
  const anonRoot = path.join(dir, 'anon'); // read-only for the anonymous user
  await mkdir(emptyDir, { mode: 0o755 });
  await mkdir(anonRoot, { mode: 0o755 });
  await writeFile(path.join(anonRoot, 'README.txt'), 'anonymous area of a Secure Transfer test server\n');
  const cert = mode.tls ? (opts.cert ?? (await makeCertificate())) : undefined;

  const config = [
    'listen=YES',
    'listen_ipv6=NO',
    'background=NO',
    'listen_address=127.0.0.1',
    `listen_port=${port}`,
    'local_enable=YES',
    'write_enable=YES',
    'local_umask=022',
    'chroot_local_user=NO', // remote paths are the real absolute paths (see README)
    'pam_service_name=vsftpd',
    `secure_chroot_dir=${emptyDir}`,
    `anon_root=${anonRoot}`,
    'pasv_enable=YES',
    'pasv_address=127.0.0.1',
    `pasv_min_port=${pasv.min}`,
    `pasv_max_port=${pasv.max}`,
    'port_enable=NO',
    'seccomp_sandbox=NO',
    'xferlog_enable=YES',
    'xferlog_std_format=NO',
    'log_ftp_protocol=YES',
    `vsftpd_log_file=${logFile}`,
    ...(cert ? [`rsa_cert_file=${cert.certFile}`, `rsa_private_key_file=${cert.keyFile}`] : []),
    ...mode.config,
    ...(opts.extraConfig ?? []),
  ];
  const configFile = path.join(dir, 'vsftpd.conf');
  await writeFile(configFile, config.join('\n') + '\n');
  await chmod(configFile, 0o600); // vsftpd insists on a root-owned config (we run as root)

  return launch({
    name: `vsftpd-${opts.mode}`,
    protocol: mode.protocol,
    command: VSFTPD,
    args: [configFile],
    port,
    dir,
    logFile,
    banner: opts.mode === 'implicit' && cert ? { kind: 'ftp-implicit-tls', cert } : { kind: 'ftp' },
    cert,
  });
}
