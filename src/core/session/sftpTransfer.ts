/**
 * Request sizing for SFTP transfers (the pipelined transfer itself is core/session/sftpPipeline.ts,
 * which replaced ssh2's fastGet/fastPut: those leave holes after a cut, so a resume point can't be trusted).
 */

/** OpenSSH's sftp-server accepts at most 255 KiB per request (its limits@openssh.com says so). */
export const OPENSSH_MAX_REQUEST = 255 * 1024;
/** What every SFTP server must accept (draft-ietf-secsh-filexfer: 32768 data bytes). */
export const SAFE_REQUEST = 32 * 1024;
export const CONCURRENCY = 64;

/** The channel window OpenSSH's sshd offers a session (CHAN_SES_WINDOW_DEFAULT), when ssh2 doesn't say. */
const OPENSSH_SESSION_WINDOW = 2 * 1024 * 1024;

/**
 * Upload bytes in flight on one connection, across all its transfers: half the server's channel
 * window. More only waits in the server's buffers, and OpenSSH's sshd grows those by copying them:
 * with 64 × 255 KiB in flight against its 2 MiB window, sshd spent ~1.3 s of CPU per new connection
 * on memmove and page faults and a 256 MiB upload ran at ~100 MB/s; with 4 × 255 KiB (1 MiB) in
 * flight it ran at 220–280 MB/s. Downloads are paced by our own window instead.
 */
export function uploadBytesInFlight(serverWindow: number | undefined): number {
  return Math.floor((serverWindow && serverWindow > 0 ? serverWindow : OPENSSH_SESSION_WINDOW) / 2);
}
