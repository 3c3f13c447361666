/**
 * `secure-transfer import FILE [--scrub] [--format F] [--dry-run]`: another tool's saved servers
 * (vscode-sftp's .vscode/sftp.json, SSH FS configs in a settings.json, FileZilla's sitemanager.xml,
 * WinSCP.ini) become profiles in .vscode/secure-transfer.json — next to the file when it is a
 * `.vscode/sftp.json` (that project's own folder), else in the current folder — and their passwords
 * go to the OS keychain. One line per imported profile and per warning; exit 0 when something was
 * imported, 1 when nothing could be (or the keychain failed), 2 for a file that is not a known format.
 */
import * as path from 'node:path';
import { serverText } from '../../core/displayText';
import { describeKind } from '../../core/secrets/secrets';
import type { SecretStore } from '../../core/secrets/secretStore';
import { parseCommandArgs } from '../args';
import type { CliCommand, CliContext } from '../context';
import { KeyringSecretStore } from '../keyringStore';

const USAGE = 'import FILE [--scrub] [--format vscode-sftp|sshfs|filezilla|winscp] [--dry-run]';

const OPTIONS = {
  scrub: { type: 'boolean' },
  format: { type: 'string' },
  'dry-run': { type: 'boolean' },
  verbose: { type: 'boolean', short: 'v' },
} as const;

/** The project folder that receives .vscode/secure-transfer.json: a `.vscode/…` file's own project, else the working folder. */
export function importFolder(file: string, cwd: string): string {
  const dir = path.dirname(path.resolve(cwd, file));
  return path.basename(dir) === '.vscode' ? path.dirname(dir) : cwd;
}

export function createImportCommand(openStore: (ctx: CliContext) => SecretStore): CliCommand {
  return async (ctx, argv) => {
    const { values, positionals } = parseCommandArgs('import', argv, OPTIONS, { min: 1, max: 1, usage: USAGE });
    const { importProfiles, parseFormat } = await import('../../core/import');
    const file = positionals[0];
    const dryRun = values['dry-run'] === true;
    const report = await importProfiles({
      file: path.resolve(ctx.cwd, file),
      format: values.format === undefined ? undefined : parseFormat(values.format),
      folder: importFolder(file, ctx.cwd),
      store: dryRun ? undefined : openStore(ctx),
      scrub: values.scrub === true,
      dryRun,
    });
    const target = path.relative(ctx.cwd, report.target) || report.target;
    for (const p of report.profiles) {
      const name = `"${serverText(p.name, 100)}"`;
      const kinds = [...p.secrets.map(describeKind), ...(p.hopPasswords > 0 ? [`${p.hopPasswords} jump-host password${p.hopPasswords > 1 ? 's' : ''}`] : [])];
      const secrets = kinds.length > 0 ? `; ${kinds.join(', ')} ${dryRun ? 'would go' : 'moved'} to the OS keychain` : '';
      ctx.stdout.write(
        p.alreadyAs !== undefined
          ? `Already in ${target}: ${name} (${p.url}) from ${p.from}${secrets}.\n`
          : `${dryRun ? 'Would import' : 'Imported'} ${name} (${p.url}) from ${p.from}${secrets}.\n`,
      );
    }
    for (const w of report.warnings) ctx.stderr.write(`warning: ${w}\n`);
    const added = report.profiles.filter((p) => p.alreadyAs === undefined).length;
    if (dryRun) ctx.stdout.write(`Dry run: ${added} profile(s) would be added to ${target}; nothing was written or stored.\n`);
    else if (report.written) ctx.stdout.write(`Wrote ${added} profile(s) to ${target}${report.scrubbed > 0 ? `; removed ${report.scrubbed} entr${report.scrubbed === 1 ? 'y\'s' : 'ies\''} secrets from ${file}` : ''}.\n`);
    else if (report.scrubbed > 0) ctx.stdout.write(`Removed ${report.scrubbed} entr${report.scrubbed === 1 ? 'y\'s' : 'ies\''} secrets from ${file}.\n`);
    if (report.profiles.length === 0) {
      ctx.stderr.write(`Nothing was imported from ${file}${report.skipped.length > 0 ? ` (${report.skipped.length} entr${report.skipped.length === 1 ? 'y' : 'ies'} skipped: see the warnings)` : ''}.\n`);
      return 1;
    }
    return 0;
  };
}

export const importCommand: CliCommand = createImportCommand((ctx) => new KeyringSecretStore(ctx.env));
