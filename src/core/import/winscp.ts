/**
 * WinSCP's portable configuration, `WinSCP.ini` (the same keys as the registry's
 * HKCU\Software\Martin Prikryl\WinSCP 2\Sessions): one [Sessions\NAME] section per stored site, NAME
 * percent-encoded with "/" separating folders ("Default Settings" is the template, not a site).
 * Keys (source/core/SessionData.cpp): HostName, PortNumber, UserName, Password (see
 * winscpPassword.ts), PublicKeyFile, RemoteDirectory, FSProtocol (0 SCP only, 1 SFTP with SCP
 * fallback — the default, 2 SFTP only, 5 FTP, 6 WebDAV, 7 S3) and Ftps (0 none, 1 implicit, 2
 * explicit SSL, 3 explicit TLS). String values are percent-encoded too. [Configuration\Security]
 * UseMasterPassword=1 means passwords are encrypted with a master password we cannot know.
 */
import { UsageError } from '../errors';
import { percentDecode, portOf, profileName, shown } from './text';
import type { ImportedEntry } from './types';
import { decodeWinscpPassword } from './winscpPassword';

const SESSIONS = 'Sessions\\';
const FS_NAMES: Readonly<Record<string, string>> = { '0': 'SCP', '6': 'WebDAV', '7': 'Amazon S3' };

/** ini treats "." in a section name as nesting; session names are full of host names: escape them. */
function escapeSectionDots(text: string): string {
  return text.replace(/^(\s*)\[([^\]\r\n]*)\]/gm, (_m, lead: string, name: string) => `${lead}[${name.replace(/\./g, '\\.')}]`);
}

export async function readWinscp(text: string, file: string): Promise<ImportedEntry[]> {
  const ini = await import('ini');
  const doc = ini.parse(escapeSectionDots(text)) as Record<string, unknown>;
  // In the file's order (ini re-inserts names it un-escaped at the end).
  const at = (k: string) => {
    const i = text.indexOf(`[${k}]`);
    return i < 0 ? Infinity : i;
  };
  const sections = Object.keys(doc)
    .filter((k) => k.startsWith(SESSIONS) && typeof doc[k] === 'object' && doc[k] !== null)
    .sort((a, b) => at(a) - at(b));
  if (sections.length === 0 && !Object.keys(doc).some((k) => k.startsWith('Configuration'))) {
    throw new UsageError(`${file} has no [Sessions\\…] sections: point at WinSCP.ini (Tools → Export/Backup Configuration in WinSCP).`, 'bad-import-file');
  }
  const security = doc['Configuration\\Security'] as Record<string, unknown> | undefined;
  const masterPassword = security !== undefined && String(security.UseMasterPassword ?? '0') === '1';
  const entries: ImportedEntry[] = [];
  for (const section of sections) {
    const rawName = section.slice(SESSIONS.length);
    const sessionName = percentDecode(rawName);
    if (sessionName === 'Default Settings') continue;
    const v = doc[section] as Record<string, unknown>;
    const str = (k: string): string | undefined => (typeof v[k] === 'string' && v[k] !== '' ? percentDecode(v[k] as string) : undefined);
    const label = `session ${shown(sessionName)}`;
    const warnings: string[] = [];
    const entry: ImportedEntry = { label, warnings, scrub: { kind: 'ini', section } };
    entries.push(entry);
    const fs = str('FSProtocol') ?? '1';
    const ftps = str('Ftps') ?? '0';
    let protocol: 'sftp' | 'ftpes' | 'ftps';
    if (fs === '1' || fs === '2') protocol = 'sftp';
    else if (fs === '5') {
      protocol = ftps === '1' ? 'ftps' : 'ftpes';
      if (ftps === '0') {
        entry.plainFtp = true;
        warnings.push(`${label} was plain FTP; Secure Transfer only speaks FTP over TLS — make sure the server offers explicit TLS (AUTH TLS), or the connection is refused.`);
      }
    } else {
      warnings.push(`${label}: its protocol (${FS_NAMES[fs] ?? shown(fs)}) is not SFTP or FTP — skipped.`);
      continue;
    }
    const host = str('HostName');
    const username = str('UserName');
    const profile: Record<string, unknown> = {
      name: profileName(...sessionName.split('/')) ?? profileName(host),
      protocol,
      host,
      username,
    };
    const port = portOf(str('PortNumber'));
    if (port !== undefined) profile.port = port;
    const dir = str('RemoteDirectory');
    if (dir) profile.remotePath = dir;
    const key = str('PublicKeyFile');
    if (key && protocol === 'sftp') profile.identityFile = key;
    const encoded = typeof v.Password === 'string' ? v.Password : undefined;
    if (encoded) {
      const password = masterPassword ? undefined : decodeWinscpPassword(encoded, username ?? '', host ?? '');
      if (password !== undefined && password !== '') entry.password = password;
      else if (masterPassword) warnings.push(`${label}: its password is encrypted with WinSCP's master password and cannot be read — store it with "Set Password" (or \`secure-transfer secret set-password\`).`);
      else warnings.push(`${label}: its saved password could not be decoded — store it with "Set Password" (or \`secure-transfer secret set-password\`).`);
    }
    for (const other of ['TunnelPassword', 'ProxyPassword']) {
      if (typeof v[other] === 'string' && v[other] !== '') warnings.push(`${label}: its ${other === 'TunnelPassword' ? 'SSH tunnel' : 'proxy'} password was not imported (and --scrub leaves it in the file) — remove it in WinSCP.`);
    }
    entry.profile = profile as ImportedEntry['profile'];
  }
  return entries;
}
