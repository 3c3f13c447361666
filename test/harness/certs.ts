/** TLS certificates for the FTPS servers, made with the openssl CLI. */
import { X509Certificate, createHash } from 'node:crypto';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { run, tempDir } from './common';

export interface CertFiles {
  certFile: string;
  keyFile: string;
  fingerprint: string; // SHA256:base64 of the DER (OpenSSH-style, as the trust store keeps it)
}

export interface CertOptions {
  cn?: string;
  sans?: string[]; // e.g. ['DNS:wrong.example'] for a hostname mismatch
  expired?: boolean;
  keyBits?: number;
}

const DEFAULT_SANS = ['DNS:localhost', 'IP:127.0.0.1', 'IP:::1'];

export function derFingerprint(der: Uint8Array): string {
  return 'SHA256:' + createHash('sha256').update(der).digest('base64').replace(/=+$/, '');
}

export function certificateFingerprint(pem: string): string {
  return derFingerprint(new X509Certificate(pem).raw);
}

let defaultCert: Promise<CertFiles> | undefined;

/**
 * A self-signed certificate (default CN=localhost with DNS and IP SANs, so Node's hostname check
 * passes for 127.0.0.1). The default one is cached per process. `expired` signs with `-days -1`:
 * notAfter lies a day in the past, so verification fails with "certificate has expired".
 */
export function makeCertificate(opts: CertOptions = {}): Promise<CertFiles> {
  const isDefault = opts.cn === undefined && opts.sans === undefined && !opts.expired && opts.keyBits === undefined;
  if (isDefault) return (defaultCert ??= createCertificate(opts));
  return createCertificate(opts);
}

async function createCertificate(opts: CertOptions): Promise<CertFiles> {
  const dir = await tempDir('cert');
  const cn = opts.cn ?? 'localhost';
  const keyFile = path.join(dir, 'key.pem');
  const csrFile = path.join(dir, 'req.csr');
  const extFile = path.join(dir, 'ext.cnf');
  const certFile = path.join(dir, 'cert.pem');
  await run('openssl', ['genpkey', '-algorithm', 'RSA', '-pkeyopt', `rsa_keygen_bits:${opts.keyBits ?? 2048}`, '-out', keyFile]);
  await chmod(keyFile, 0o600); // servers read it as root before dropping privileges
  await run('openssl', ['req', '-new', '-key', keyFile, '-subj', `/CN=${cn}`, '-out', csrFile]);
  await writeFile(extFile, `subjectAltName=${(opts.sans ?? DEFAULT_SANS).join(',')}\n`);
  const days = opts.expired ? '-1' : '3650';
  await run('openssl', ['x509', '-req', '-sha256', '-in', csrFile, '-signkey', keyFile, '-days', days, '-extfile', extFile, '-out', certFile]);
  return { certFile, keyFile, fingerprint: certificateFingerprint(await readFile(certFile, 'utf8')) };
}
