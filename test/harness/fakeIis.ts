/**
 * A fake Microsoft IIS FTP service (node:net + node:tls, in this process) for the audit's product
 * tests: no IIS runs on Linux, so this speaks IIS's own words — the greeting "220 Microsoft FTP
 * Service", SYST "215 Windows_NT", IIS 7–10's FEAT reply (AUTH and PROT levels on one line, CCC), AUTH
 * TLS with a harness certificate, "331 Password required", "530 User cannot log in.", and "534 Policy
 * requires SSL." where the site's SSL policy (controlChannelPolicy / dataChannelPolicy, as in
 * applicationHost.config) requires TLS.
 *
 * The replies follow captures of real IIS servers: the FEAT reply as ProFTPD's mod_proxy source
 * documents it for IIS and as client documentation lists it for "Microsoft FTP Service IIS/7"; "534 Policy
 * requires SSL." to USER in clear; "331 Anonymous access allowed, send identity (e-mail name) as
 * password." for anonymous. It is a fake for probing and anonymous listing only: no real accounts,
 * no uploads. Stopped by stop() or stopAll() (registered like the proxies).
 */
import * as net from 'node:net';
import * as tls from 'node:tls';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { makeCertificate, type CertFiles } from './certs';
import { registerStoppable } from './registry';

export type IisControlChannelPolicy = 'SslAllow' | 'SslRequire' | 'SslRequireCredentialsOnly';
export type IisDataChannelPolicy = 'SslAllow' | 'SslRequire';

export interface FakeIisOptions {
  /** applicationHost.config `<ssl controlChannelPolicy>`; IIS's default is SslRequire. */
  controlChannelPolicy?: IisControlChannelPolicy;
  /** `<ssl dataChannelPolicy>`; IIS's default is SslRequire. */
  dataChannelPolicy?: IisDataChannelPolicy;
  /** `<anonymousAuthentication enabled>`; default false. */
  anonymous?: boolean;
  /** The greeting after "220 " (default "Microsoft FTP Service"; a custom banner as with suppressDefaultBanner + a message). */
  greeting?: string;
  cert?: CertFiles;
}

export interface FakeIis {
  name: 'fake-iis';
  host: '127.0.0.1';
  port: number;
  cert: CertFiles;
  /** Every command line received, in order (PASS arguments masked), and whether it came over TLS. */
  commands(): Array<{ line: string; tls: boolean }>;
  stop(): Promise<void>;
}

/** IIS 7–10's FEAT reply. */
export const IIS_FEAT = '211-Extended features supported:\r\n LANG EN*\r\n UTF8\r\n AUTH TLS;TLS-C;SSL;TLS-P;\r\n PBSZ\r\n PROT C;P;\r\n CCC\r\n HOST\r\n SIZE\r\n MDTM\r\n REST STREAM\r\n211 END\r\n';
const POLICY_REQUIRES_SSL = '534 Policy requires SSL.\r\n';
/** The anonymous area's one file, in IIS's default MS-DOS listing style. */
const LISTING = '12-03-26  10:00AM                   45 README.txt\r\n';

export async function startFakeIis(opts: FakeIisOptions = {}): Promise<FakeIis> {
  const cert = opts.cert ?? (await makeCertificate());
  const secure = { cert: readFileSync(cert.certFile), key: readFileSync(cert.keyFile) };
  const control = opts.controlChannelPolicy ?? 'SslRequire';
  const dataPolicy = opts.dataChannelPolicy ?? 'SslRequire';
  const sockets = new Set<net.Socket>();
  const servers = new Set<net.Server>();
  const received: Array<{ line: string; tls: boolean }> = [];

  const server = net.createServer((raw) => {
    sockets.add(raw);
    raw.on('close', () => sockets.delete(raw));
    raw.on('error', () => undefined);
    let socket: net.Socket = raw;
    let secured = false;
    let user: string | undefined;
    let loggedIn = false;
    let prot: 'C' | 'P' = 'C';
    let pending: Promise<net.Socket> | undefined;
    let buffer = '';

    const send = (text: string) => {
      if (!socket.destroyed) socket.write(text);
    };
    const anonymousName = (name: string) => /^(anonymous|ftp)$/i.test(name);
    /** Whether the control channel policy refuses this command in clear. */
    const needsTls = (verb: string) => !secured && ((control === 'SslRequire' && !['AUTH', 'FEAT', 'SYST', 'QUIT', 'HOST', 'OPTS'].includes(verb)) || (control === 'SslRequireCredentialsOnly' && (verb === 'USER' || verb === 'PASS')));

    const openPassive = async (): Promise<number> => {
      const data = net.createServer();
      servers.add(data);
      await new Promise<void>((resolve) => data.listen(0, '127.0.0.1', resolve));
      const wantTls = prot === 'P';
      pending = new Promise<net.Socket>((resolve) =>
        data.once('connection', (s) => {
          sockets.add(s);
          s.on('error', () => undefined);
          data.close();
          servers.delete(data);
          if (!wantTls) return resolve(s);
          const t = new tls.TLSSocket(s, { isServer: true, ...secure });
          t.on('error', () => undefined);
          t.once('secure', () => resolve(t));
        }),
      );
      return (data.address() as AddressInfo).port;
    };

    const transfer = async (body: string) => {
      if (!pending) return send('425 Use PORT or PASV first.\r\n');
      send('125 Data connection already open; Transfer starting.\r\n');
      const data = await pending;
      pending = undefined;
      await new Promise<void>((resolve) => data.end(body, () => resolve()));
      send('226 Transfer complete.\r\n');
    };

    const commands: Record<string, (arg: string) => void | Promise<void>> = {
      AUTH: (arg) => {
        if (!/^(TLS|TLS-C|SSL)$/i.test(arg.trim())) return send('504 Security mechanism not implemented.\r\n');
        send('234 AUTH command ok. Expecting TLS Negotiation.\r\n');
        raw.removeAllListeners('data');
        const t = new tls.TLSSocket(raw, { isServer: true, ...secure });
        t.on('error', () => undefined);
        t.on('data', onData);
        socket = t;
        secured = true;
      },
      SYST: () => send('215 Windows_NT\r\n'),
      FEAT: () => send(IIS_FEAT),
      OPTS: (arg) => send(/^UTF8 ON$/i.test(arg) ? '200 OPTS UTF8 command successful - UTF8 encoding now ON.\r\n' : '501 Option not supported.\r\n'),
      USER: (arg) => {
        user = arg;
        loggedIn = false;
        send(opts.anonymous && anonymousName(arg) ? '331 Anonymous access allowed, send identity (e-mail name) as password.\r\n' : '331 Password required\r\n');
      },
      PASS: () => {
        if (user === undefined) return send('503 Login with USER first.\r\n');
        loggedIn = !!opts.anonymous && anonymousName(user);
        send(loggedIn ? '230 User logged in.\r\n' : '530 User cannot log in.\r\n');
      },
      PBSZ: () => send(secured ? '200 PBSZ command successful.\r\n' : '503 Bad sequence of commands.\r\n'),
      PROT: (arg) => {
        const level = arg.trim().toUpperCase();
        if (level === 'C' && dataPolicy === 'SslRequire') return send(POLICY_REQUIRES_SSL);
        if (level !== 'C' && level !== 'P') return send('504 Protection level not supported.\r\n');
        prot = level;
        send('200 PROT command successful.\r\n');
      },
      CCC: () => {
        if (!secured) return send('533 Command channel is already cleared.\r\n');
        if (control === 'SslRequire') return send(POLICY_REQUIRES_SSL);
        send('200 CCC command successful.\r\n');
      },
      TYPE: () => send('200 Type set to I.\r\n'),
      STRU: (arg) => send(/^F$/i.test(arg.trim()) ? '200 STRU F ok.\r\n' : '504 Structure not supported.\r\n'),
      PWD: () => send('257 "/" is current directory.\r\n'),
      CWD: () => send('250 CWD command successful.\r\n'),
      NOOP: () => send('200 NOOP command successful.\r\n'),
      PASV: async () => {
        const port = await openPassive();
        send(`227 Entering Passive Mode (127,0,0,1,${port >> 8},${port & 255}).\r\n`);
      },
      EPSV: async () => send(`229 Entering Extended Passive Mode (|||${await openPassive()}|)\r\n`),
      LIST: () => transfer(LISTING),
      NLST: () => transfer('README.txt\r\n'),
      QUIT: () => {
        send('221 Goodbye.\r\n');
        socket.end();
      },
    };
    const beforeLogin = new Set(['AUTH', 'SYST', 'FEAT', 'OPTS', 'USER', 'PASS', 'PBSZ', 'PROT', 'QUIT', 'NOOP', 'HOST', 'CCC']);

    let queue = Promise.resolve();
    function onData(chunk: Buffer) {
      buffer += chunk.toString('latin1');
      if (buffer.length > 64 * 1024) return socket.destroy(); // a fake, but still bounded
      let nl: number;
      while ((nl = buffer.indexOf('\r\n')) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 2);
        const verb = line.split(' ', 1)[0].toUpperCase();
        const arg = line.slice(verb.length + 1);
        received.push({ line: verb === 'PASS' ? 'PASS ****' : line, tls: secured });
        const handler = needsTls(verb)
          ? () => send(POLICY_REQUIRES_SSL)
          : !loggedIn && !beforeLogin.has(verb)
            ? () => send('530 Please login with USER and PASS.\r\n')
            : (commands[verb] ?? (() => send(`500 '${verb}': command not understood.\r\n`)));
        queue = queue.then(() => handler(arg)).catch(() => undefined);
      }
    }
    raw.on('data', onData);
    send(`220 ${opts.greeting ?? 'Microsoft FTP Service'}\r\n`);
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  let stopped: Promise<void> | undefined;
  const stop = () =>
    (stopped ??= new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      for (const s of servers) s.close();
      server.close(() => resolve());
    }));
  registerStoppable(stop);
  return { name: 'fake-iis', host: '127.0.0.1', port: (server.address() as AddressInfo).port, cert, commands: () => received.map((c) => ({ ...c })), stop };
}
