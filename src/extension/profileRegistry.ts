/**
 * The profiles the extension knows: the team-shared file `.vscode/secure-transfer.json` of each
 * workspace folder (only in a trusted workspace) and the user's `secureTransfer.profiles` setting
 * (user level only: a workspace cannot inject "user" profiles through its settings). Loading and
 * validation are core's; this only watches the sources and keeps the problems to show in the tree.
 */
import { existsSync } from 'node:fs';
import * as vscode from 'vscode';
import { describeError, SecurityRefusal } from '../core/errors';
import { loadProfileFile } from '../core/profiles/load';
import { PROFILE_FILE_PATH, profileFileIn } from '../core/profiles/profileFile';
import { ProfileValidationError, validateUserPolicy, validateUserProfiles } from '../core/profiles/validate';
import { mergePolicies, type EffectivePolicy, type Policy } from '../core/policy';
import type { LoadedProfile } from '../core/profiles/types';

export const SETTING_SECTION = 'secureTransfer';
export const PROFILES_SETTING = 'profiles';
export const PROFILES_SETTING_KEY = `${SETTING_SECTION}.${PROFILES_SETTING}`;
export const POLICY_SETTING = 'policy';
export const POLICY_SETTING_KEY = `${SETTING_SECTION}.${POLICY_SETTING}`;

export interface ProfileProblem {
  /** The file or settings key. */
  source: string;
  message: string;
  /** What the problem is in: a shared profile file, the user's settings, or a name two profiles share. */
  kind: 'file' | 'settings' | 'shadowed';
  /** Where the (first) problem is in the file, 1-based, when known. */
  line?: number;
  column?: number;
}

export class ProfileRegistry implements vscode.Disposable {
  private list: LoadedProfile[] = [];
  private problemList: ProfileProblem[] = [];
  /** The team policy of each shared profile file, by file. */
  private policies = new Map<string, Policy>();
  /** The user's own `secureTransfer.policy` (user settings only, like the profiles). */
  private userPolicy: Policy | undefined;
  private userPolicyProblem: string | undefined;
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  private readonly disposables: vscode.Disposable[] = [];

  constructor() {
    const watcher = vscode.workspace.createFileSystemWatcher(`**/${PROFILE_FILE_PATH}`);
    const reload = () => void this.reload();
    this.disposables.push(
      watcher,
      watcher.onDidChange(reload),
      watcher.onDidCreate(reload),
      watcher.onDidDelete(reload),
      vscode.workspace.onDidChangeConfiguration((e) => (e.affectsConfiguration(PROFILES_SETTING_KEY) || e.affectsConfiguration(POLICY_SETTING_KEY)) && reload()),
      vscode.workspace.onDidChangeWorkspaceFolders(reload),
      vscode.workspace.onDidGrantWorkspaceTrust(reload),
      this.changed,
    );
  }

  get profiles(): readonly LoadedProfile[] {
    return this.list;
  }

  get problems(): readonly ProfileProblem[] {
    return this.problemList;
  }

  /** In Restricted Mode the workspace's shared profile file is ignored (it could point anywhere). */
  get restricted(): boolean {
    return !vscode.workspace.isTrusted;
  }

  /**
   * The policy a profile's connections obey: its shared file's `policy` block merged with the user's
   * `secureTransfer.policy` (the stricter wins). Undefined when neither says anything, so connect()
   * skips its pre-connection audit.
   */
  policyFor(profile: LoadedProfile): EffectivePolicy | undefined {
    // A broken policy must not mean "no policy": every connection is refused until it is fixed.
    if (this.userPolicyProblem) throw new SecurityRefusal(`Connections are refused while ${POLICY_SETTING_KEY} is invalid: ${this.userPolicyProblem}`, 'policy-invalid');
    const workspace = profile.source.kind === 'workspace' ? this.policies.get(profile.source.location) : undefined;
    return workspace || this.userPolicy ? mergePolicies(workspace, this.userPolicy) : undefined;
  }

  find(name: string): LoadedProfile | undefined {
    return this.list.find((p) => p.name === name) ?? this.list.find((p) => p.name.toLowerCase() === name.toLowerCase());
  }

  /** The workspace profile files that exist (or would be created) per workspace folder. */
  profileFiles(): string[] {
    return (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file').map((f) => profileFileIn(f.uri.fsPath));
  }

  async reload(): Promise<void> {
    const profiles: LoadedProfile[] = [];
    const problems: ProfileProblem[] = [];
    const policies = new Map<string, Policy>();
    if (!this.restricted) {
      for (const file of this.profileFiles().filter((f) => existsSync(f))) {
        try {
          const loaded = await loadProfileFile(file);
          profiles.push(...loaded.profiles);
          if (loaded.policy) policies.set(file, loaded.policy);
        } catch (err) {
          const first = err instanceof ProfileValidationError ? err.problems[0] : undefined;
          problems.push({ source: file, message: describeError(err), kind: 'file', ...(first?.line !== undefined ? { line: first.line, column: first.column ?? 1 } : {}) });
        }
      }
    }
    let userPolicy: Policy | undefined;
    let userPolicyProblem: string | undefined;
    try {
      userPolicy = validateUserPolicy(vscode.workspace.getConfiguration(SETTING_SECTION).inspect<unknown>(POLICY_SETTING)?.globalValue, POLICY_SETTING_KEY);
    } catch (err) {
      userPolicyProblem = describeError(err);
      problems.push({ source: POLICY_SETTING_KEY, message: userPolicyProblem, kind: 'settings' });
    }
    const userValue = vscode.workspace.getConfiguration(SETTING_SECTION).inspect<unknown>(PROFILES_SETTING)?.globalValue;
    if (userValue !== undefined) {
      try {
        profiles.push(...validateUserProfiles(userValue, PROFILES_SETTING_KEY));
      } catch (err) {
        problems.push({ source: PROFILES_SETTING_KEY, message: describeError(err), kind: 'settings' });
      }
    }
    // The first profile of a name wins (workspace before user); a shadowed one is reported, not merged.
    const seen = new Set<string>();
    this.list = profiles.filter((p) => {
      if (!seen.has(p.name)) return seen.add(p.name);
      problems.push({ source: p.source.location, message: `The profile "${p.name}" in ${p.source.location} is hidden by another profile of the same name: rename one of them.`, kind: 'shadowed' });
      return false;
    });
    this.problemList = problems;
    this.policies = policies;
    this.userPolicy = userPolicy;
    this.userPolicyProblem = userPolicyProblem;
    this.changed.fire();
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}
