/** pure-ftpd 1.0.50, unpacked by the setup script into .cache/servers/root; TLS required (-Y 2). */
import { readFile, writeFile, chmod } from 'node:fs/promises';
import * as path from 'node:path';
import { makeCertificate, type CertFiles } from './certs';
import { SERVERS_ROOT, requireBinary, tempDir } from './common';
import { freePort, freePortRange } from './ports';
import { launch, type RunningServer } from './server';
import { ensureTestUser } from './user';

const PURE_FTPD = path.join(SERVERS_ROOT, 'usr/sbin/pure-ftpd');

export interface PureFtpdOptions {
  cert?: CertFiles;
  port?: number;
}

export async function startPureFtpd(opts: PureFtpdOptions = {}): Promise<RunningServer> {
  requireBinary(PURE_FTPD);
  await ensureTestUser();
  const dir = await tempDir('pure-ftpd');
  const port = opts.port ?? (await freePort());
  const pasv = await freePortRange(10);
  const logFile = path.join(dir, 'pure-ftpd.log');
  const cert = opts.cert ?? (await makeCertificate());
  // pure-ftpd wants key and certificate in one PEM file.
  const pemFile = path.join(dir, 'pure-ftpd.pem');
  await writeFile(pemFile, (await readFile(cert.keyFile, 'utf8')) + (await readFile(cert.certFile, 'utf8')));
  await chmod(pemFile, 0o600);

  const args = [
    '-S', `127.0.0.1,${port}`,
    '-Y', '2', // TLS required for the control channel
    '-2', pemFile,
    '-J', 'HIGH:!aNULL',
    '-l', 'unix',
    '-E', // no anonymous logins
    '-H', // no reverse DNS
    '-p', `${pasv.min}:${pasv.max}`,
    '-P', '127.0.0.1',
    '-d', // verbose logging (to syslog when there is one; startup errors land in the log file)
  ];
  return launch({ name: 'pure-ftpd', protocol: 'ftpes', command: PURE_FTPD, args, port, dir, logFile, banner: { kind: 'ftp' }, cert });
}
