/** Which tool a file comes from: its name first (what the tools call them), then its content. */
import * as path from 'node:path';
import { UsageError } from '../errors';
import { IMPORT_FORMATS, type ImportFormat } from './types';

export function parseFormat(text: string): ImportFormat {
  const f = text.trim().toLowerCase();
  if ((IMPORT_FORMATS as readonly string[]).includes(f)) return f as ImportFormat;
  throw new UsageError(`--format ${JSON.stringify(text.slice(0, 40))} is not one of ${IMPORT_FORMATS.join(', ')}.`, 'bad-import-file');
}

export function detectFormat(file: string, text: string): ImportFormat {
  const base = path.basename(file).toLowerCase();
  if (base === 'sftp.json') return 'vscode-sftp';
  if (base === 'sitemanager.xml' || base.endsWith('.xml')) return 'filezilla';
  if (base.endsWith('.ini')) return 'winscp';
  if (base === 'settings.json' || base === 'sshfs.json' || base.endsWith('.code-workspace')) return 'sshfs';
  const head = text.replace(/^\uFEFF/, '').trimStart();
  if (head.startsWith('<')) return 'filezilla';
  if (/^\s*\[Sessions\\/m.test(text)) return 'winscp';
  if (head.startsWith('{') || head.startsWith('[') || head.startsWith('//') || head.startsWith('/*')) {
    return /"sshfs\.configs"\s*:/.test(text) || base === 'sshfs.json' ? 'sshfs' : 'vscode-sftp';
  }
  throw new UsageError(`${file} looks like none of the formats Secure Transfer imports: name one with --format ${IMPORT_FORMATS.join('|')}.`, 'bad-import-file');
}
