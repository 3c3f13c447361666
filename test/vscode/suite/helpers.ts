/// <reference types="mocha" />
/** Shared by the extension-host tests: the extension's test API and a recording, answering Ui. */
import { promises as fsp, readFileSync, writeFileSync } from 'node:fs';
import * as vscode from 'vscode';
import type { TestApi } from '../../../src/extension/extension';
import type { Ui } from '../../../src/extension/ui';
import { loadTestConfig, type VscodeTestConfig } from '../testConfig';

export const EXTENSION_ID = 'secure-transfer.secure-transfer';

let cached: TestApi | undefined;
export async function getApi(): Promise<TestApi> {
  if (cached) return cached;
  const ext = vscode.extensions.getExtension<TestApi | undefined>(EXTENSION_ID);
  if (!ext) throw new Error(`${EXTENSION_ID} is not loaded`);
  const api = await ext.activate();
  if (!api) throw new Error('activate() returned no test API: is the extension running in test mode?');
  // The suites never read this machine's own ~/.ssh/config (30-sshconfig points it at its own file).
  api.services.sshConfig.file ??= false;
  cached = api;
  return api;
}

export const config: VscodeTestConfig = loadTestConfig();

export interface Recorded {
  confirms: { message: string; detail: string; actions: string[]; safeDefault?: string }[];
  modalErrors: { message: string; detail: string }[];
  errors: string[];
  infos: string[];
  inputs: vscode.InputBoxOptions[];
  /** Non-modal warnings with buttons (security alerts). */
  notifications: { message: string; actions: string[] }[];
  /** Non-modal questions that are no warning (the offer to remember a password). */
  offers: { message: string; actions: string[] }[];
}

/**
 * Replaces every prompt with a recorder. `answers` decides what each kind of question gets; anything
 * not answered is cancelled (as a user pressing Escape), so a missing answer can never pass silently.
 */
export function answerUi(api: TestApi, answers: {
  confirm?: (message: string, actions: string[]) => string | undefined;
  input?: (o: vscode.InputBoxOptions) => string | undefined;
  pick?: (items: readonly vscode.QuickPickItem[]) => vscode.QuickPickItem | undefined;
  /** Checkbox picks: the items as offered (with `picked`), answered with the ticked ones and what was typed. */
  pickMany?: (items: readonly vscode.QuickPickItem[]) => { picked: vscode.QuickPickItem[]; typed: string } | undefined;
  openDialog?: () => vscode.Uri[] | undefined;
  saveDialog?: () => vscode.Uri | undefined;
  notify?: (message: string, actions: string[]) => string | undefined;
  offer?: (message: string, actions: string[]) => string | undefined;
} = {}): Recorded {
  const rec: Recorded = { confirms: [], modalErrors: [], errors: [], infos: [], inputs: [], notifications: [], offers: [] };
  const ui: Ui = {
    pick: async (items) => answers.pick?.(items) as never,
    pickMany: async (items) => answers.pickMany?.(items) as never,
    input: async (o) => {
      rec.inputs.push(o);
      return answers.input?.(o);
    },
    confirm: async (message, detail, ...actions) => {
      rec.confirms.push({ message, detail, actions });
      return answers.confirm?.(message, actions);
    },
    confirmSafe: async (message, detail, safeDefault, ...actions) => {
      rec.confirms.push({ message, detail, actions, safeDefault });
      const chosen = answers.confirm?.(message, actions);
      return chosen === safeDefault ? undefined : chosen;
    },
    modalError: async (message, detail) => {
      rec.modalErrors.push({ message, detail });
    },
    openDialog: async () => answers.openDialog?.(),
    saveDialog: async () => answers.saveDialog?.(),
    info: (m) => rec.infos.push(m),
    error: (m) => rec.errors.push(m),
    notify: async (message, ...actions) => {
      rec.notifications.push({ message, actions });
      return answers.notify?.(message, actions);
    },
    offer: async (message, ...actions) => {
      rec.offers.push({ message, actions });
      return answers.offer?.(message, actions);
    },
  };
  Object.assign(api.ui, ui);
  return rec;
}

export async function waitFor<T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The test user's uid and gid (files the tests put on the server side are theirs, as if the user made them). */
export function testUserIds(): [number, number] {
  const line = readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith(`${config.user.name}:`))!;
  const [, , uid, gid] = line.split(':');
  return [Number(uid), Number(gid)];
}

/** Writes a file on the server side as the test user would own it (this window never read it). */
export async function serverWrite(p: string, content: string | Buffer): Promise<void> {
  writeFileSync(p, content);
  await fsp.chown(p, ...testUserIds());
}
