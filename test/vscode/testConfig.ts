/**
 * What the test runner (scripts/test-vscode.mjs, where the real servers run) tells the mocha suite
 * inside the extension host: written as JSON, its path in SECURE_TRANSFER_TEST_CONFIG.
 */
import { readFileSync } from 'node:fs';

export interface ServerInfo {
  host: string;
  port: number;
  /** SSH host key or TLS certificate fingerprint, `SHA256:…`. */
  fingerprint: string;
  logFile: string;
}

export interface VscodeTestConfig {
  user: { name: string; password: string };
  sftp: ServerInfo & { keyType: string };
  ftpes: ServerInfo & { caFile: string };
  /** An sshd with legacy algorithms and an RSA-1024 host key (plus ed25519): the audit finds high findings. */
  weakSftp: Omit<ServerInfo, 'fingerprint'> & { fingerprints: string[] };
  /** A folder in the test user's home (same absolute path locally and on every server). */
  remoteDir: string;
  /** The workspace folder VS Code opened. */
  workspace: string;
  /** A large local file for the cancel test. */
  bigFile: string;
}

export const CONFIG_ENV = 'SECURE_TRANSFER_TEST_CONFIG';

export function loadTestConfig(): VscodeTestConfig {
  const file = process.env[CONFIG_ENV];
  if (!file) throw new Error(`${CONFIG_ENV} is not set: run the suite through scripts/test-vscode.mjs.`);
  return JSON.parse(readFileSync(file, 'utf8')) as VscodeTestConfig;
}
