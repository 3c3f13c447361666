/** Reading `.vscode/secure-transfer.json` (JSONC, as VS Code allows in .vscode files). */
import { UsageError } from '../errors';
import { PROFILE_FILE, readBoundedFile } from '../fsutil';
import { JsoncSyntaxError, parseJsonc } from './jsonc';
import { checkProfileFile, ProfileValidationError, type ProfileFile, type ProfileFileCheck, type ProfileProblem } from './validate';

function syntaxProblem(file: string, err: JsoncSyntaxError): ProfileProblem {
  const { line, column } = err.position;
  return {
    path: '',
    message: `${file}: line ${line}, column ${column}: ${err.reason}.`,
    code: 'syntax',
    security: false,
    line,
    column,
  };
}

/** Every problem of the file's text (syntax, then content), for editor diagnostics. Never throws. */
export function checkProfileFileText(text: string, file: string): ProfileFileCheck {
  let doc;
  try {
    doc = parseJsonc(text);
  } catch (err) {
    if (err instanceof JsoncSyntaxError) return { profiles: [], problems: [syntaxProblem(file, err)] };
    throw err;
  }
  return checkProfileFile(doc.value, file, { positions: doc.positions, ends: doc.ends, duplicateKeys: doc.duplicateKeys });
}

/** Parses and validates the file's text; throws ProfileValidationError (a UsageError) with every problem. */
export function parseProfileFileText(text: string, file: string): ProfileFile {
  const { problems, ...result } = checkProfileFileText(text, file);
  if (problems.length > 0) throw new ProfileValidationError(problems, file);
  return result;
}

/** Reads, parses and validates a profile file. `file` is used as written in messages. */
export async function loadProfileFile(file: string): Promise<ProfileFile> {
  let text: string;
  try {
    text = (await readBoundedFile(file, PROFILE_FILE)).toString('utf8');
  } catch (err) {
    if (err instanceof UsageError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new UsageError(`${file} does not exist: create it (Secure Transfer: Add Profile) or pass --config FILE.`, 'no-profile-file');
    if (code === 'EISDIR') throw new UsageError(`${file} is a folder, not a profile file: point to the .json file itself.`, 'no-profile-file');
    throw new UsageError(`${file} cannot be read (${code ?? 'error'}): check its permissions.`, 'no-profile-file', { cause: err });
  }
  return parseProfileFileText(text, file);
}
