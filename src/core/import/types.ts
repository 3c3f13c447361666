/**
 * What every reader of another tool's configuration returns: one entry per site/session/config, with
 * the profile fields it maps to (validated later by the one profile validator), the secrets it held
 * (for the OS keychain, never for a file) and one sentence per thing that was not carried over.
 */
import type { Protocol } from '../profiles/types';

export const IMPORT_FORMATS = ['vscode-sftp', 'sshfs', 'filezilla', 'winscp'] as const;
export type ImportFormat = (typeof IMPORT_FORMATS)[number];

/** What each format is called in messages. */
export const FORMAT_NAMES: Readonly<Record<ImportFormat, string>> = {
  'vscode-sftp': 'vscode-sftp (.vscode/sftp.json)',
  sshfs: 'SSH FS (sshfs.configs)',
  filezilla: 'FileZilla (sitemanager.xml)',
  winscp: 'WinSCP (WinSCP.ini)',
};

/** A jump host's own password, keyed in the keychain by that hop's address (as every secret is). */
export interface ImportedHopSecret {
  host: string;
  port: number;
  username: string;
  password: string;
}

/** Where a secret sits in the source file, so `--scrub` can remove exactly that (format-specific). */
export type ScrubHandle =
  /** JSON: the paths of the members to remove (e.g. ['profiles', 'dev', 'password']). */
  | { kind: 'json'; paths: (string | number)[][] }
  /** FileZilla: the n-th <Server> element of the document (0-based, document order). */
  | { kind: 'xml'; server: number }
  /** WinSCP: the raw section name whose Password line goes. */
  | { kind: 'ini'; section: string };

export interface ImportedEntry {
  /** Who the entry is in the source, escaped for display: `site "Web/Shop"`, `profiles.dev`. */
  label: string;
  /**
   * The profile it maps to (not yet validated), or undefined when the entry was skipped: its
   * warnings say why.
   */
  profile?: Record<string, unknown> & { name?: string; protocol?: Protocol };
  password?: string;
  passphrase?: string;
  /** Passwords of jump hosts (vscode-sftp `hop`), each stored under that hop's own address. */
  hopSecrets?: ImportedHopSecret[];
  /** The source said plain FTP (the profile says ftpes: a warning says so). */
  plainFtp?: boolean;
  /** One sentence each, naming the entry. */
  warnings: string[];
  /** Where this entry's secrets sit in the source file (for --scrub). */
  scrub?: ScrubHandle;
}

/** A reader: the file's text → its entries. Throws a UsageError (one sentence) when the text is not that format at all. */
export type ImportReader = (text: string, file: string) => ImportedEntry[] | Promise<ImportedEntry[]>;
