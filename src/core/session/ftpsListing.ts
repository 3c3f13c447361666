/**
 * FTP listings → RemoteEntry. Server listings are untrusted input: names that could escape a folder
 * or break a line-based protocol are dropped, never "repaired".
 */
import { FileType, parseList, type FileInfo } from 'basic-ftp';
import type { EntryType, RemoteEntry } from './remoteFileSystem';

const TYPE_OF: Readonly<Record<FileType, EntryType>> = {
  [FileType.Unknown]: 'other',
  [FileType.File]: 'file',
  [FileType.Directory]: 'directory',
  [FileType.SymbolicLink]: 'symlink',
};

/** A name is usable only if it names one entry inside the listed folder and is safe on a command line. */
export function isSafeEntryName(name: string): boolean {
  return name !== '' && name !== '.' && name !== '..' && !/[/\0\r\n]/.test(name);
}

/**
 * basic-ftp's parser, except that a line it chokes on (e.g. `modify=` garbage throws a RangeError)
 * costs only that line, not the whole listing.
 */
export function tolerantParseList(raw: string): FileInfo[] {
  try {
    return parseList(raw);
  } catch (err) {
    if (!(err instanceof RangeError)) throw err;
  }
  const parsable = raw.split(/\r?\n/).filter((line) => {
    try {
      parseList(line);
      return true;
    } catch {
      return false;
    }
  });
  return parseList(parsable.join('\n'));
}

export function toRemoteEntries(files: FileInfo[], now = new Date()): RemoteEntry[] {
  return files.filter((f) => isSafeEntryName(f.name)).map((f) => toRemoteEntry(f, now));
}

export function toRemoteEntry(f: FileInfo, now = new Date()): RemoteEntry {
  const entry: RemoteEntry = {
    name: f.name,
    type: TYPE_OF[f.type] ?? 'other',
    size: Number.isFinite(f.size) && f.size > 0 ? f.size : 0,
    mtime: f.modifiedAt?.getTime() ?? parseListDate(f.rawModifiedAt, now),
  };
  const precision = f.modifiedAt || !entry.mtime ? undefined : listDatePrecision(f.rawModifiedAt);
  if (precision) entry.mtimePrecision = precision;
  if (f.permissions) entry.permissions = (f.permissions.user << 6) | (f.permissions.group << 3) | f.permissions.world;
  if (f.link) entry.target = f.link;
  return entry;
}

const MONTHS: Readonly<Record<string, number>> = {
  jan: 0, feb: 1, mar: 2, apr: 3, may: 4, jun: 5, jul: 6, aug: 7, sep: 8, oct: 9, nov: 10, dec: 11,
};
const UNIX_DATE = /^([A-Za-z]{3})\s+(\d{1,2})\s+(?:(\d{1,2}):(\d{2})|(\d{4}))$/;
const DOS_DATE = /^(\d{2})-(\d{2})-(\d{2,4})\s+(\d{1,2}):(\d{2})\s*([AP]M)?$/i;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}T/;

/**
 * Best effort: LIST dates carry no zone (taken as UTC, vsftpd's default) and, for recent files, no
 * year (the latest year that is not in the future). 0 when the format is unknown.
 */
export function parseListDate(raw: string, now = new Date()): number {
  const s = raw.trim();
  if (ISO_DATE.test(s)) return Date.parse(s) || 0;
  const unix = UNIX_DATE.exec(s);
  if (unix) {
    const month = MONTHS[unix[1].toLowerCase()];
    if (month === undefined) return 0;
    const day = Number(unix[2]);
    if (unix[5]) return Date.UTC(Number(unix[5]), month, day);
    const [h, m] = [Number(unix[3]), Number(unix[4])];
    const thisYear = Date.UTC(now.getUTCFullYear(), month, day, h, m);
    // A day of slack for servers in zones ahead of UTC.
    return thisYear > now.getTime() + 86_400_000 ? Date.UTC(now.getUTCFullYear() - 1, month, day, h, m) : thisYear;
  }
  const dos = DOS_DATE.exec(s);
  if (dos) {
    const yy = Number(dos[3]);
    const year = dos[3].length === 2 ? (yy >= 70 ? 1900 + yy : 2000 + yy) : yy;
    const ampm = dos[6]?.toUpperCase();
    let hour = Number(dos[4]);
    if (ampm === 'PM' && hour < 12) hour += 12;
    if (ampm === 'AM' && hour === 12) hour = 0;
    return Date.UTC(year, Number(dos[1]) - 1, Number(dos[2]), hour, Number(dos[5]));
  }
  return 0;
}

/** How coarse a LIST date is (RemoteEntry.mtimePrecision): a day with a year, else a minute; undefined for ISO times. */
export function listDatePrecision(raw: string): number | undefined {
  const s = raw.trim();
  if (ISO_DATE.test(s)) return undefined;
  const unix = UNIX_DATE.exec(s);
  if (unix) return unix[5] ? 86_400_000 : 60_000;
  return DOS_DATE.test(s) ? 60_000 : undefined;
}

/** RFC 3659 `YYYYMMDDHHMMSS[.sss]`, UTC. */
export function parseMlsxTime(value: string): number {
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(?:\.(\d{1,3}))?$/.exec(value.trim());
  if (!m) return 0;
  const ms = m[7] ? Number(m[7].padEnd(3, '0')) : 0;
  return Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6], ms);
}

const MLST_TYPES: Readonly<Record<string, EntryType>> = { file: 'file', dir: 'directory', cdir: 'directory', pdir: 'directory' };

/**
 * The entry of an `MLST` reply ("250-…\n type=file;size=3;modify=…; /path\n250 End"), named
 * `name`. Undefined when the reply has no fact line.
 */
export function parseMlstReply(message: string, name: string): RemoteEntry | undefined {
  const lines = message.split(/\r?\n/).slice(1, -1);
  const factLine = lines.map((l) => l.replace(/^ /, '')).find((l) => /^[^\s=]+=[^;]*;/.test(l));
  if (!factLine) return undefined;
  const facts = new Map<string, string>();
  for (const fact of factLine.slice(0, factLine.indexOf(' ') < 0 ? undefined : factLine.indexOf(' ')).split(';')) {
    const eq = fact.indexOf('=');
    if (eq > 0) facts.set(fact.slice(0, eq).toLowerCase(), fact.slice(eq + 1));
  }
  const type = facts.get('type')?.toLowerCase() ?? '';
  const entry: RemoteEntry = {
    name,
    type: MLST_TYPES[type] ?? (type.startsWith('os.unix=slink') || type === 'os.unix=symlink' ? 'symlink' : 'other'),
    size: Number(facts.get('size') ?? facts.get('sizd') ?? 0) || 0,
    mtime: parseMlsxTime(facts.get('modify') ?? ''),
  };
  const mode = facts.get('unix.mode');
  if (mode && /^[0-7]{3,4}$/.test(mode)) entry.permissions = parseInt(mode, 8) & 0o777;
  return entry;
}
