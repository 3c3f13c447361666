/**
 * Request sizing for SFTP transfers (the pipelined transfer itself is core/transfer/sftpPipeline.ts,
 * which replaced ssh2's fastGet/fastPut: those leave holes after a cut, so a resume point can't be trusted).
 */

/** OpenSSH's sftp-server accepts at most 255 KiB per request (its limits@openssh.com says so). */
export const OPENSSH_MAX_REQUEST = 255 * 1024;
/** What every SFTP server must accept (draft-ietf-secsh-filexfer: 32768 data bytes). */
export const SAFE_REQUEST = 32 * 1024;
export const CONCURRENCY = 64;
