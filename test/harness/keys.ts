/** SSH keys: the client keys authorized for the test user, and fresh host keys per server. */
import { createHash } from 'node:crypto';
import { readFile, writeFile, chmod } from 'node:fs/promises';
import * as path from 'node:path';
import { run, tempDir } from './common';

export interface ServerKey {
  type: string; // as in the .pub file: ssh-ed25519, ecdsa-sha2-nistp256, ssh-rsa, ssh-dss
  fingerprint: string; // SHA256:base64, OpenSSH format
  publicKeyFile: string;
}

export type HostKeyType = 'ed25519' | 'ecdsa' | 'rsa' | 'rsa1024' | 'dsa';

/** ssh-keygen arguments per host key type (data, not branches). */
const HOST_KEY_ARGS: Record<HostKeyType, string[]> = {
  ed25519: ['-t', 'ed25519'],
  ecdsa: ['-t', 'ecdsa', '-b', '256'],
  rsa: ['-t', 'rsa', '-b', '3072'],
  rsa1024: ['-t', 'rsa', '-b', '1024'],
  dsa: ['-t', 'dsa'],
};

/** OpenSSH fingerprint of a one-line public key ("type base64 [comment]"). */
export function publicKeyFingerprint(publicKeyLine: string): string {
  const blob = Buffer.from(publicKeyLine.trim().split(/\s+/)[1] ?? '', 'base64');
  return 'SHA256:' + createHash('sha256').update(blob).digest('base64').replace(/=+$/, '');
}

/**
 * Generates host keys into `dir`. PEM format so both OpenSSH and proftpd's mod_sftp read them
 * (ed25519 has no PEM form; ssh-keygen then writes the OpenSSH format, which both also read).
 */
export async function generateHostKeys(dir: string, types: HostKeyType[]): Promise<Array<ServerKey & { privateKeyFile: string }>> {
  return Promise.all(
    types.map(async (type) => {
      const privateKeyFile = path.join(dir, `ssh_host_${type}_key`);
      await run('ssh-keygen', ['-q', ...HOST_KEY_ARGS[type], '-m', 'PEM', '-N', '', '-C', `st-harness-${type}`, '-f', privateKeyFile]);
      const publicKeyFile = `${privateKeyFile}.pub`;
      const line = await readFile(publicKeyFile, 'utf8');
      return { type: line.split(' ')[0], fingerprint: publicKeyFingerprint(line), publicKeyFile, privateKeyFile };
    }),
  );
}

export interface ClientKeys {
  ed25519: { privateKeyFile: string; publicKey: string }; // unencrypted
  encrypted: { privateKeyFile: string; publicKey: string; passphrase: string }; // ed25519 with passphrase
}

let clientKeysPromise: Promise<ClientKeys> | undefined;

/** Generated once per process; every SSH server the harness starts authorizes both for TEST_USER. */
export function clientKeys(): Promise<ClientKeys> {
  clientKeysPromise ??= (async () => {
    const dir = await tempDir('client-keys', 0o700);
    const passphrase = 'St-key-Pass-phrase-1';
    const make = async (name: string, pass: string) => {
      const privateKeyFile = path.join(dir, name);
      await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', pass, '-C', `st-harness-${name}`, '-f', privateKeyFile]);
      return { privateKeyFile, publicKey: (await readFile(`${privateKeyFile}.pub`, 'utf8')).trim() };
    };
    const [ed25519, encrypted] = await Promise.all([make('id_ed25519', ''), make('id_ed25519_encrypted', passphrase)]);
    return { ed25519, encrypted: { ...encrypted, passphrase } };
  })();
  return clientKeysPromise;
}

/** Writes `<dir>/<user>` with the client keys: OpenSSH authorized_keys form, or RFC 4716 for proftpd. */
export async function writeAuthorizedKeys(dir: string, user: string, form: 'openssh' | 'rfc4716'): Promise<void> {
  const keys = await clientKeys();
  const publicKeys = [keys.ed25519.publicKey, keys.encrypted.publicKey];
  let text = publicKeys.join('\n') + '\n';
  if (form === 'rfc4716') {
    const converted = await Promise.all(
      [keys.ed25519.privateKeyFile, keys.encrypted.privateKeyFile].map((f) => run('ssh-keygen', ['-e', '-f', `${f}.pub`])),
    );
    text = converted.map((r) => r.stdout).join('');
  }
  const file = path.join(dir, user);
  await writeFile(file, text);
  await chmod(file, 0o644); // sshd reads it as the user, proftpd after dropping privileges
}
