/**
 * "Secure Transfer: Test Connection" (palette, and the profile row's context menu): core's
 * testConnection() with each step written to the "Secure Transfer: Test Connection" output channel,
 * one line per step (✓/✗ and one sentence), then one notification with the outcome. It uses a fresh
 * connection (never the live one), so what it shows is what connecting now would do.
 */
import * as vscode from 'vscode';
import { stepLine, testConnection } from '../../core/connect';
import { serverUrl } from '../../core/profiles/serverAddress';
import type { Services } from '../services';
import { resolveProfile, type TargetArg } from '../targets';
import type { Commands } from './types';

let channel: vscode.OutputChannel | undefined;

/** The result, for tests: whether every step passed and the lines shown. */
export interface TestConnectionResult {
  ok: boolean;
  lines: string[];
}

async function testConnectionCommand(s: Services, arg?: TargetArg): Promise<TestConnectionResult | undefined> {
  const r = await resolveProfile(s.profiles, s.ui, arg, 'to test');
  if (!r) return undefined;
  channel ??= vscode.window.createOutputChannel('Secure Transfer: Test Connection');
  const out = channel;
  out.clear();
  out.show(true);
  const lines: string[] = [];
  const write = (line: string) => {
    lines.push(line);
    out.appendLine(line);
  };
  write(`Testing ${r.profile.name} (${serverUrl(r.profile)}) — ${new Date().toLocaleString()}`);
  const ctx = s.connections.contextFor(r.profile);
  const { ok, login } = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Testing the connection to ${r.profile.name}…`, cancellable: true }, (_p, token) => {
    const abort = new AbortController();
    token.onCancellationRequested(() => abort.abort());
    return testConnection(r.profile, { ...ctx, signal: abort.signal }, undefined, (step) => write(stepLine(step)));
  });
  // What the login showed (the same session, no extra login): only when it found something.
  if (login) for (const line of (await import('../../core/audit/auditLogin')).loginFindingLines(login)) write(line);
  const failed = lines.find((l) => l.startsWith('✗ '));
  if (ok) s.ui.info(`Test Connection: ${r.profile.name} passed every step (details in the output panel).`);
  else s.ui.error(`Test Connection: ${r.profile.name} failed — ${failed?.slice(2) ?? 'see the output panel'}`);
  return { ok, lines };
}

export const TEST_CONNECTION_COMMANDS: Commands = {
  'secureTransfer.testConnection': testConnectionCommand,
};
