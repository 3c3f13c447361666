/**
 * FTPS data connections through a proxy. basic-ftp opens them with `new Socket()` to the address in
 * the PASV/EPSV answer; through a proxy every data connection is instead a tunnel (session/proxy.ts)
 * to the control connection's own host and the announced port, with TLS on top exactly as basic-ftp
 * does it: the control connection's TLS options (the server's name, pins, CAs) and its TLS session, so
 * servers that require session reuse (vsftpd's require_ssl_reuse) accept it.
 *
 * The data connection never goes anywhere but the server: the address in a PASV answer is not used.
 * When the server was named by IP address and PASV names another one, the transfer is refused as on a
 * direct connection (`pasv-other-host`); a server named by host name can't be compared (the proxy may
 * resolve the name), so its PASV address is ignored and the name is used.
 */
import * as tls from 'node:tls';
import { FTPError, type Client, type FTPContext, type FTPResponse } from 'basic-ftp';
import { SecurityRefusal } from '../errors';
import { parseIp } from '../syntax/host';
import { openProxiedStream, type ProxyTarget } from './proxy';

/** The port of "229 Entering Extended Passive Mode (|||6446|)" (some servers write `!`). */
export function epsvPort(message: string): number {
  const m = /[|!]{3}(\d{1,5})[|!]/.exec(message);
  const port = m ? Number(m[1]) : NaN;
  if (!(port >= 1 && port <= 65535)) throw new Error(`Can't parse response to 'EPSV': ${message}`);
  return port;
}

/** Host and port of "227 Entering Passive Mode (192,168,1,100,10,229)". */
export function pasvTarget(message: string): { host: string; port: number } {
  // Anchored at the start of a number (as basic-ftp does): no quadratic retries on a long digit run.
  const m = /(?<![-\d])(\d{1,3}),(\d{1,3}),(\d{1,3}),(\d{1,3}),(\d{1,3}),(\d{1,3})/.exec(message);
  if (!m) throw new Error(`Can't parse response to 'PASV': ${message}`);
  const [a, b, c, d, hi, lo] = m.slice(1).map(Number);
  return { host: `${a}.${b}.${c}.${d}`, port: (hi & 255) * 256 + (lo & 255) };
}

function isLoopback(host: string): boolean {
  const ip = parseIp(host);
  if (!ip) return false;
  return ip.family === 4 ? ip.bytes[0] === 127 : ip.bytes.every((b, i) => b === (i === 15 ? 1 : 0));
}

function sameAddress(a: string, b: string): boolean {
  const x = parseIp(a);
  const y = parseIp(b);
  return x !== undefined && y !== undefined && x.family === y.family && x.bytes.every((v, i) => v === y.bytes[i]);
}

/** The port to tunnel to for this PASV answer; refuses another host when the server is an IP address. */
function pasvPort(message: string, server: ProxyTarget): number {
  const announced = pasvTarget(message);
  if (parseIp(server.host) && !sameAddress(announced.host, server.host) && !(isLoopback(announced.host) && isLoopback(server.host))) {
    // basic-ftp's own words for this refusal: ftpsErrors.ts turns them into the `pasv-other-host` sentence.
    throw new Error(`PASV returned another host (${announced.host}) for data transfer than the one connected to (${server.host}).`);
  }
  return announced.port;
}

async function openDataConnection(ftp: FTPContext, command: 'EPSV' | 'PASV', proxy: string, server: ProxyTarget): Promise<FTPResponse> {
  const control = ftp.socket;
  if (!(control instanceof tls.TLSSocket)) {
    throw new SecurityRefusal(`The control connection to ${server.host} is not TLS, so no data connection was opened.`, 'ftps-not-verified');
  }
  const res = await ftp.request(command);
  const port = command === 'EPSV' ? epsvPort(res.message) : pasvPort(res.message, server);
  const tunnel = await openProxiedStream(proxy, { host: server.host, port }, { timeoutMs: ftp.timeout > 0 ? ftp.timeout : undefined });
  const data = tls.connect({ ...ftp.tlsOptions, socket: tunnel, session: ftp.tlsSessionStore ?? control.getSession() });
  // TLS 1.3 tickets are single-use: the next data connection presents the newest one.
  data.on('session', (session: Buffer) => (ftp.tlsSessionStore = session));
  // basic-ftp waits for the handshake itself (uploads wait for 'secureConnect'), as for its own sockets.
  ftp.dataSocket = data;
  return res;
}

/**
 * Replaces the client's passive-mode strategy: EPSV through the proxy, else PASV (kept once one
 * works, as basic-ftp does). Only an FTP refusal or an unreadable answer moves on to PASV; a proxy
 * that fails is reported as it is.
 */
export function useProxyForData(client: Client, proxy: string, server: ProxyTarget): void {
  let chosen: 'EPSV' | 'PASV' | undefined;
  client.prepareTransfer = async (ftp: FTPContext): Promise<FTPResponse> => {
    if (chosen !== 'PASV') {
      try {
        const res = await openDataConnection(ftp, 'EPSV', proxy, server);
        chosen = 'EPSV';
        return res;
      } catch (err) {
        const epsvUnsupported = err instanceof FTPError || (err instanceof Error && /^Can't parse response to 'EPSV'/.test(err.message));
        if (chosen === 'EPSV' || !epsvUnsupported) throw err;
      }
    }
    const res = await openDataConnection(ftp, 'PASV', proxy, server);
    chosen = 'PASV';
    return res;
  };
}
