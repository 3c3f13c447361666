/**
 * Problems of the shared profile file (`.vscode/secure-transfer.json`) as real diagnostics: Error
 * severity (any problem makes the whole file refused), at the exact JSON span core's validator
 * found, from the editor's text while the file is open (so they follow typing) and from disk
 * otherwise. A quick fix moves a password (or key passphrase) out of the file into the OS keychain,
 * keyed by that profile's server, and saves the file without it.
 */
import { existsSync } from 'node:fs';
import * as vscode from 'vscode';
import { describeError, UsageError } from '../core/errors';
import { PROFILE_FILE as PROFILE_FILE_SPEC, readBoundedFile } from '../core/fsutil';
import { formatJsonPath, type PathSegment } from '../core/profiles/jsonc';
import { MOVABLE, memberDeletion, movableSecret, resolvedSecretServer } from './profileSecretFix';
import { checkProfileFileText } from '../core/profiles/load';
import { PROFILE_FILE_PATH } from '../core/profiles/profileFile';
import { serverUrl } from '../core/profiles/serverAddress';
import type { ProfileProblem } from '../core/profiles/validate';
import { getSecret, setPassphrase, setPassword } from '../core/secrets/secrets';
import type { ProfileRegistry } from './profileRegistry';
import type { Services } from './services';

export const DIAGNOSTIC_SOURCE = 'Secure Transfer';
export const MOVE_SECRET_COMMAND = 'secureTransfer.moveSecretToKeychain';
export const PROFILE_FILE_SELECTOR: vscode.DocumentSelector = { scheme: 'file', pattern: `**/${PROFILE_FILE_PATH}` };


const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

interface Entry {
  diagnostic: vscode.Diagnostic;
  problem: ProfileProblem;
}

/** One line of the document, as VS Code counts (0-based; columns in UTF-16 units, like SourcePosition). */
function lineAt(text: string, line: number): string {
  let start = 0;
  for (let n = 0; n < line; n++) {
    const next = text.indexOf('\n', start);
    if (next < 0) return '';
    start = next + 1;
  }
  const end = text.indexOf('\n', start);
  return text.slice(start, end < 0 ? text.length : end).replace(/\r$/, '');
}

/** The problem's span; without an exact end, the token at its start (a quoted key, or one character). */
export function problemRange(text: string, p: Pick<ProfileProblem, 'line' | 'column' | 'endLine' | 'endColumn'>): vscode.Range {
  const line = (p.line ?? 1) - 1;
  const column = (p.column ?? 1) - 1;
  const start = new vscode.Position(line, column);
  if (p.endLine !== undefined && p.endColumn !== undefined) return new vscode.Range(start, new vscode.Position(p.endLine - 1, p.endColumn - 1));
  const rest = lineAt(text, line).slice(column);
  const quoted = /^"(?:[^"\\]|\\.)*"/.exec(rest);
  return new vscode.Range(start, start.translate(0, quoted ? quoted[0].length : Math.min(1, rest.length)));
}

/** The sentence without the file name in front (the editor already shows which file). */
function diagnosticMessage(problem: ProfileProblem, file: string): string {
  return problem.message.startsWith(`${file}: `) ? problem.message.slice(file.length + 2) : problem.message;
}

export function toDiagnostic(text: string, file: string, problem: ProfileProblem): vscode.Diagnostic {
  const d = new vscode.Diagnostic(problemRange(text, problem), diagnosticMessage(problem, file), vscode.DiagnosticSeverity.Error);
  d.source = DIAGNOSTIC_SOURCE;
  d.code = problem.code;
  return d;
}

export class ProfileDiagnostics implements vscode.CodeActionProvider, vscode.Disposable {
  readonly collection = vscode.languages.createDiagnosticCollection('secureTransfer.profiles');
  private readonly entries = new Map<string, Entry[]>();
  private readonly disposables: vscode.Disposable[] = [];
  /** Settles when the latest refresh is done (tests wait for it). */
  private latest: Promise<void> = Promise.resolve();

  constructor(private readonly profiles: ProfileRegistry) {
    const onText = (doc: vscode.TextDocument) => {
      if (this.isProfileFile(doc.uri)) this.show(doc.uri, doc.getText());
    };
    this.disposables.push(
      this.collection,
      profiles.onDidChange(() => void this.refresh()),
      vscode.workspace.onDidOpenTextDocument(onText),
      vscode.workspace.onDidChangeTextDocument((e) => onText(e.document)),
      // Closed without saving: the disk's text is what counts again.
      vscode.workspace.onDidCloseTextDocument((doc) => this.isProfileFile(doc.uri) && void this.refresh()),
      vscode.languages.registerCodeActionsProvider(PROFILE_FILE_SELECTOR, this, { providedCodeActionKinds: [vscode.CodeActionKind.QuickFix] }),
    );
  }

  isProfileFile(uri: vscode.Uri): boolean {
    return uri.scheme === 'file' && this.profiles.profileFiles().includes(uri.fsPath);
  }

  /** The diagnostics of every profile file: the open editor's text, else the file on disk. */
  refresh(): Promise<void> {
    this.latest = this.latest.then(() => this.refreshNow()).catch(() => undefined);
    return this.latest;
  }

  private async refreshNow(): Promise<void> {
    const files = this.profiles.profileFiles();
    for (const key of [...this.entries.keys()]) {
      if (!files.includes(vscode.Uri.parse(key).fsPath)) this.clear(vscode.Uri.parse(key));
    }
    for (const file of files) {
      const uri = vscode.Uri.file(file);
      const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
      if (open) {
        this.show(uri, open.getText());
        continue;
      }
      if (!existsSync(file)) {
        this.clear(uri);
        continue;
      }
      try {
        this.show(uri, (await readBoundedFile(file, PROFILE_FILE_SPEC)).toString('utf8'));
      } catch (err) {
        this.set(uri, '', [{ path: '', message: describeError(err), code: 'syntax', security: false, line: 1, column: 1 }]);
      }
    }
  }

  private show(uri: vscode.Uri, text: string): void {
    this.set(uri, text, checkProfileFileText(text, uri.fsPath).problems);
  }

  private set(uri: vscode.Uri, text: string, problems: readonly ProfileProblem[]): void {
    const entries = problems.map((problem) => ({ problem, diagnostic: toDiagnostic(text, uri.fsPath, problem) }));
    this.entries.set(uri.toString(), entries);
    this.collection.set(uri, entries.map((e) => e.diagnostic));
  }

  private clear(uri: vscode.Uri): void {
    this.entries.delete(uri.toString());
    this.collection.delete(uri);
  }

  /** The problems last found in a file (first = the one the tree row opens). */
  problemsOf(uri: vscode.Uri): readonly ProfileProblem[] {
    return (this.entries.get(uri.toString()) ?? []).map((e) => e.problem);
  }

  provideCodeActions(document: vscode.TextDocument, _range: vscode.Range, context: vscode.CodeActionContext): vscode.CodeAction[] {
    const mine = this.entries.get(document.uri.toString()) ?? [];
    const actions: vscode.CodeAction[] = [];
    for (const d of context.diagnostics) {
      const entry = mine.find((e) => e.diagnostic === d || (d.source === DIAGNOSTIC_SOURCE && e.diagnostic.range.isEqual(d.range) && e.diagnostic.message === d.message));
      if (!entry || entry.problem.code !== 'secret-in-profile' || !entry.problem.segments) continue;
      const found = movableSecret(document.getText(), entry.problem.segments);
      if (!found) continue;
      const action = new vscode.CodeAction(`Move the ${MOVABLE[found.kind]} to the OS keychain`, vscode.CodeActionKind.QuickFix);
      action.diagnostics = [d];
      action.isPreferred = true;
      action.command = { command: MOVE_SECRET_COMMAND, title: action.title, arguments: [document.uri, entry.problem.segments] };
      actions.push(action);
    }
    return actions;
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}

/** The quick fix: store the secret for the profile's server, remove it from the file, save. */
export async function moveSecretToKeychain(s: Services, target?: unknown, segments?: unknown): Promise<boolean> {
  // A code action's arguments may come back revived (UriComponents) rather than as the Uri given.
  const uri = target instanceof vscode.Uri ? target : typeof target === 'string' ? vscode.Uri.parse(target) : isObject(target) && typeof target.scheme === 'string' && typeof target.path === 'string' ? vscode.Uri.from(target as { scheme: string; path: string }) : undefined;
  const valid = Array.isArray(segments) && segments.every((x) => typeof x === 'string' || typeof x === 'number');
  if (!uri || !valid) throw new UsageError('Run this from the light bulb on a password in the profile file.');
  // Only ever a workspace's own profile file: nothing else is edited or read for secrets.
  if (!s.profileDiagnostics.isProfileFile(uri)) throw new UsageError(`Only ${PROFILE_FILE_PATH} of an open folder can have its secrets moved to the keychain.`);
  const path = segments as PathSegment[];
  const doc = await vscode.workspace.openTextDocument(uri);
  const text = doc.getText();
  const found = movableSecret(text, path);
  if (!found) {
    throw new UsageError(`Nothing to move at ${formatJsonPath(path)}: the value must be a password written in a profile that names its "protocol", "host" and "username" (the keychain keeps it by server).`);
  }
  s.log.redactor.add(found.value);
  // Keyed by the server connect() reaches: an ssh-config alias's HostName, Port and User.
  const server = await resolvedSecretServer(text, found, path, s.sshConfig);
  // Never overwrite a different stored secret without asking: the file's copy may be the stale one.
  const stored = await getSecret(s.secrets, server, found.kind);
  let keep = false;
  if (stored !== undefined && stored !== found.value) {
    const answer = await s.ui.confirm(
      `The OS keychain already holds a different ${MOVABLE[found.kind]} for ${serverUrl(server)}.`,
      `Replace stores the one from ${PROFILE_FILE_PATH}; Keep Stored keeps the keychain's. Either way it is removed from the file.`,
      'Replace',
      'Keep Stored',
    );
    if (!answer) return false;
    keep = answer === 'Keep Stored';
  }
  if (!keep && found.kind === 'password') await setPassword(s.secrets, server, found.value);
  else if (!keep) await setPassphrase(s.secrets, server, found.value);
  const span = memberDeletion(text, path);
  if (!span) throw new UsageError(`${formatJsonPath(path)} could not be removed from ${uri.fsPath}: delete it by hand (the ${MOVABLE[found.kind]} is already in the keychain).`);
  const edit = new vscode.WorkspaceEdit();
  edit.delete(uri, new vscode.Range(doc.positionAt(span[0]), doc.positionAt(span[1])));
  if (!(await vscode.workspace.applyEdit(edit)) || !(await doc.save())) {
    throw new UsageError(`The ${MOVABLE[found.kind]} is in the keychain, but ${uri.fsPath} could not be saved without it: delete "${String(path[2])}" by hand and save.`);
  }
  await s.profiles.reload();
  s.ui.info(
    `The ${MOVABLE[found.kind]} for ${serverUrl(server)} is now in the OS keychain and no longer in ${PROFILE_FILE_PATH}. If that file was ever committed or shared, change the ${MOVABLE[found.kind]}: old copies still hold it.`,
  );
  return true;
}
