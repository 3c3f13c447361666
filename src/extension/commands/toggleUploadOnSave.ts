/**
 * Toggle Upload on Save: flips the profile's own `uploadOnSave` field where the profile is defined
 * (the shared .vscode/secure-transfer.json, or the user's secureTransfer.profiles setting), so the
 * switch is visible and lasting in the one place upload on save is read from (extension/uploadOnSave.ts).
 * A shared file is rewritten only when it is plain JSON (as Add Profile does); otherwise it is opened.
 */
import { promises as fsp } from 'node:fs';
import * as vscode from 'vscode';
import { UsageError } from '../../core/errors';
import { BoundedInputError, PROFILE_FILE, readBoundedFile } from '../../core/fsutil';
import type { LoadedProfile } from '../../core/profiles/types';
import { PROFILES_SETTING, SETTING_SECTION } from '../profileRegistry';
import type { Services } from '../services';
import { resolveProfile, type TargetArg } from '../targets';
import type { Commands } from './types';

type ProfileEntry = { name?: unknown; uploadOnSave?: boolean };

function setFlag(entries: unknown[], name: string, on: boolean): unknown[] | undefined {
  let found = false;
  const next = entries.map((e) => {
    if (!e || typeof e !== 'object' || (e as ProfileEntry).name !== name) return e;
    found = true;
    const copy: ProfileEntry = { ...(e as ProfileEntry) };
    if (on) copy.uploadOnSave = true;
    else delete copy.uploadOnSave;
    return copy;
  });
  return found ? next : undefined;
}

async function writeSharedFile(profile: LoadedProfile, on: boolean): Promise<void> {
  const file = profile.source.location;
  let doc: { profiles?: unknown[] };
  try {
    doc = JSON.parse((await readBoundedFile(file, PROFILE_FILE)).toString('utf8')) as { profiles?: unknown[] };
  } catch (err) {
    if (err instanceof BoundedInputError) throw err;
    await vscode.window.showTextDocument(vscode.Uri.file(file));
    throw new UsageError(`${file} is not plain JSON (comments or a syntax error), so it can't be changed automatically: set "uploadOnSave": ${on} in the profile "${profile.name}" there.`);
  }
  const profiles = Array.isArray(doc.profiles) ? setFlag(doc.profiles, profile.name, on) : undefined;
  if (!profiles) throw new UsageError(`The profile "${profile.name}" is no longer in ${file}: run "Secure Transfer: Refresh".`);
  await fsp.writeFile(file, JSON.stringify({ ...doc, profiles }, null, 2) + '\n');
}

async function toggleUploadOnSave(s: Services, arg?: TargetArg, value?: boolean): Promise<boolean | undefined> {
  const r = await resolveProfile(s.profiles, s.ui, arg, 'to turn upload on save on or off for');
  if (!r) return undefined;
  const p = r.profile;
  const on = value ?? !p.uploadOnSave;
  if (p.source.kind === 'workspace') {
    await writeSharedFile(p, on);
  } else {
    const config = vscode.workspace.getConfiguration(SETTING_SECTION);
    const current = config.inspect<unknown[]>(PROFILES_SETTING)?.globalValue ?? [];
    const next = setFlag(current, p.name, on);
    if (!next) throw new UsageError(`The profile "${p.name}" is no longer in the user setting ${SETTING_SECTION}.${PROFILES_SETTING}.`);
    await config.update(PROFILES_SETTING, next, vscode.ConfigurationTarget.Global);
  }
  await s.profiles.reload();
  const where = p.source.kind === 'workspace' ? vscode.workspace.asRelativePath(p.source.location) : 'your user settings';
  const needsRoot = on && p.localRoot === undefined ? ' It needs "localRoot" (the local folder mapped to remotePath) in the profile before any save is uploaded.' : '';
  s.ui.info(`Upload on save is ${on ? 'on' : 'off'} for "${p.name}" (saved in ${where}).${needsRoot}`);
  s.log.info(`Upload on save ${on ? 'on' : 'off'} for ${p.name} (${p.source.location}).`);
  return on;
}

export const UPLOAD_ON_SAVE_COMMANDS: Commands = {
  'secureTransfer.toggleUploadOnSave': toggleUploadOnSave,
};
