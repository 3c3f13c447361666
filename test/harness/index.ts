/**
 * The real-server test harness: integration tests import everything from here.
 * See test/harness/README.md.
 */
import { stopStoppables } from './registry';
import { stopAllServers } from './server';

export { TEST_USER, ensureTestUser, scratchDir } from './user';
export { freePort, freePortRange } from './ports';
export { clientKeys, publicKeyFingerprint, type ServerKey, type ClientKeys, type HostKeyType } from './keys';
export { makeCertificate, certificateFingerprint, type CertFiles, type CertOptions } from './certs';
export { type RunningServer, type ServerProtocol, isListeningBy, readFirstLine } from './server';
export { startSshd, startBastion, forwardedPorts, authAttempts, type SshdOptions, type SshdVariant, type SshdPam } from './sshd';
export { startVsftpd, type VsftpdOptions, type VsftpdMode } from './vsftpd';
export { startProftpd, type ProftpdOptions, type ProftpdMode } from './proftpd';
export { startPureFtpd, type PureFtpdOptions } from './pureftpd';
export { startFakeIis, IIS_FEAT, type FakeIis, type FakeIisOptions, type IisControlChannelPolicy, type IisDataChannelPolicy } from './fakeIis';
export { startTcpProxy, type TcpProxy, type TcpProxyOptions } from './tcpProxy';
export { startSocksProxy, startHttpProxy, type RunningProxy, type SocksProxyOptions, type HttpProxyOptions } from './proxy';
export { REPO_ROOT, SERVERS_ROOT } from './common';
export { reapOrphans } from './reaper';
export { descendants, stopWithConnections } from './restart';
export { MiB, sha256File, writeRandomFile } from './files';

/** Stops every server and proxy this process started (also done automatically at process exit). */
export async function stopAll(): Promise<void> {
  await Promise.all([stopAllServers(), stopStoppables()]);
}
