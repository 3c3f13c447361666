/**
 * The FTPS ceiling row: the same bytes over one Node TLS socket on loopback, file to file, with no FTP
 * at all — what any Node FTPS client could reach on one data connection here. Two processes, like an
 * FTPS client and server: `serve get|put FILE CERT KEY` listens on a free loopback port, prints it, and
 * for `get` sends FILE to the first connection (then ends), for `put` writes what arrives into FILE;
 * `client get|put FILE PORT CA` is the timed side (receives into FILE, or sends FILE and waits until
 * the server has written it all and closed). The certificate is verified against CA, as lftp does.
 */
import { createReadStream, createWriteStream, readFileSync } from 'node:fs';
import * as tls from 'node:tls';
import { pipeline } from 'node:stream/promises';

async function serve(mode: string, file: string, cert: string, key: string): Promise<void> {
  const server = tls.createServer({ cert: readFileSync(cert), key: readFileSync(key) });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  process.stdout.write(`${(server.address() as { port: number }).port}\n`);
  const socket = await new Promise<tls.TLSSocket>((resolve) => server.once('secureConnection', resolve));
  server.close();
  if (mode === 'get') await pipeline(createReadStream(file, { highWaterMark: 1 << 20 }), socket);
  else {
    await pipeline(socket, createWriteStream(file, { highWaterMark: 1 << 20 }));
    socket.destroy();
  }
}

async function client(mode: string, file: string, port: number, ca: string): Promise<void> {
  const socket = tls.connect({ host: '127.0.0.1', port, ca: readFileSync(ca) });
  await new Promise<void>((resolve, reject) => socket.once('secureConnect', resolve).once('error', reject));
  if (mode === 'get') await pipeline(socket, createWriteStream(file, { highWaterMark: 1 << 20 }));
  else {
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    await pipeline(createReadStream(file, { highWaterMark: 1 << 20 }), socket);
    await closed;
  }
}

const [role, mode, file, a, b] = process.argv.slice(2);
(role === 'serve' ? serve(mode, file, a, b) : client(mode, file, Number(a), b)).catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
