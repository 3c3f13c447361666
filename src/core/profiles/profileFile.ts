/** The team-shared profile file: one name for the CLI's default --config, the extension, the ignore rule. */
import * as path from 'node:path';

/** Relative to a workspace folder (or the CLI's working folder), `/`-separated. package.json says it too (a unit test checks). */
export const PROFILE_FILE_PATH = '.vscode/secure-transfer.json';

/** The profile file of a folder, with the platform's separators. */
export function profileFileIn(folder: string): string {
  return path.join(folder, ...PROFILE_FILE_PATH.split('/'));
}
