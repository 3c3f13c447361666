/**
 * Fetches a server's SSH host key without logging in (like ssh-keyscan): the handshake stops at
 * host-key verification, so nothing about the user is sent. For the CLI's and the extension's
 * "what is this server's fingerprint?" messages and the "Replace Pinned Key…" flow.
 */
import { Client } from 'ssh2';
import type { ServerAddress } from '../profiles/types';
import { hostKeyInfo, type HostKeyInfo } from '../trust/hostKeyVerifier';
import { mapConnectError, recordOffer, type AlgorithmOffers } from './sftpErrors';

export function scanHostKey(server: Pick<ServerAddress, 'host' | 'port'>, timeoutMs = 10_000): Promise<HostKeyInfo> {
  const address: ServerAddress = { protocol: 'sftp', username: 'scan', ...server };
  const offers: AlgorithmOffers = new Map();
  return new Promise((resolve, reject) => {
    const client = new Client();
    let result: HostKeyInfo | undefined;
    client.on('error', (err) => (result ? resolve(result) : reject(mapConnectError(err, { server: address, timeoutMs, offers }))));
    client.on('close', () => (result ? resolve(result) : reject(mapConnectError(new Error('Connection lost before handshake'), { server: address, timeoutMs, offers }))));
    client.connect({
      host: server.host,
      port: server.port,
      username: address.username,
      readyTimeout: timeoutMs,
      hostVerifier: (key: Buffer, verify: (ok: boolean) => void) => {
        result = hostKeyInfo(key);
        verify(false); // refuse on purpose: we only wanted the key
      },
      authHandler: (_left, _partial, next) => (next as unknown as (m: false) => void)(false),
      debug: (line: string) => recordOffer(offers, line),
    });
  });
}
