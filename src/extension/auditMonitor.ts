/**
 * Audit on connect: after a successful connection the server is audited in the background (read-only
 * probes, no credentials), at most once per AUDIT_MAX_AGE_MS per server so reconnects don't probe it
 * again and again. Each audit is compared with the last one kept in globalState (finding ids with
 * their worst severity, key/certificate fingerprints, certificate days left). A new or worse finding,
 * a changed key or a certificate about to expire raises one notification and a badge on the Remote
 * Files view; opening the server's Security Report clears its alert.
 */
import * as vscode from 'vscode';
import type { AuditReport, Severity } from '../core/audit';
import { findingSeverities, summarizeReport, type AuditSummary } from '../core/audit/report/overview';
import type { LoginAuditReport } from '../core/audit/types';
import type { EffectivePolicy, Policy } from '../core/policy';
import type { RemoteFileSystem } from '../core/session/remoteFileSystem';
import type { ActivityLog } from '../core/audit/activityLog';
import { describeError } from '../core/errors';
import { SEVERITIES } from '../core/policy/types';
import type { LoadedProfile } from '../core/profiles/types';
import { serverOrigin, storedOrigin } from '../core/profiles/serverAddress';
import type { TrustStore } from '../core/trust/trustStore';
import type { ExtensionLogger } from './log';
import type { Ui } from './ui';

/**
 * What is remembered of one audit: enough to tell "new or worse" next time and for the Server
 * Security overview and the tree's tooltip (grade, worst finding, product, counts: optional, since
 * snapshots kept by earlier versions lack them), nothing the server could use.
 */
export interface AuditSnapshot extends AuditSummary {
  probedAt: string;
  /** Finding id → its worst severity in that audit. */
  findings: Record<string, Severity>;
  /** Host-key or certificate fingerprints the server presented. */
  fingerprints: string[];
  certificateDaysLeft?: number;
}

export interface AuditAlert {
  server: string;
  profileName: string;
  reasons: string[];
}

export const SHOW_REPORT = 'Show Security Report';
/** Findings below this severity are listed in the report but never interrupt anyone. */
export const NOTIFY_AT: Severity = 'medium';
export const EXPIRY_WARNING_DAYS = 30;
export const AUDIT_MAX_AGE_MS = 6 * 60 * 60 * 1000;
const STATE_PREFIX = 'secureTransfer.audit/';
/** The last login-stage report of a server (LoginAuditReport), next to its probe snapshot. */
const LOGIN_STATE_PREFIX = 'secureTransfer.auditLogin/';

const rank = (s: Severity): number => SEVERITIES.indexOf(s);

export function snapshotOf(report: AuditReport): AuditSnapshot {
  const findings = findingSeverities(report.findings);
  const cert = report.facts.ftp?.tls?.certificate;
  const fingerprints = [...(report.facts.ssh?.hostKeys ?? []).map((k) => k.fingerprint), ...(cert ? [cert.fingerprint] : [])];
  return { ...summarizeReport(report), probedAt: report.probedAt, findings, fingerprints: [...new Set(fingerprints)].sort(), certificateDaysLeft: cert?.daysLeft };
}

/** Why this audit deserves attention compared with the previous one (empty: it doesn't). */
export function alertReasons(previous: AuditSnapshot | undefined, current: AuditSnapshot, titles: ReadonlyMap<string, string>): string[] {
  const reasons: string[] = [];
  const title = (id: string) => titles.get(id) ?? id;
  for (const [id, severity] of Object.entries(current.findings)) {
    if (rank(severity) > rank(NOTIFY_AT)) continue;
    const before = previous?.findings[id];
    if (before === undefined) reasons.push(`new: ${title(id)} (${severity})`);
    else if (rank(severity) < rank(before)) reasons.push(`worse: ${title(id)} (${before} → ${severity})`);
  }
  const changed = previous && previous.fingerprints.length > 0 && current.fingerprints.some((f) => !previous.fingerprints.includes(f));
  if (changed) reasons.push(`the server's key or certificate changed since the last audit (now ${current.fingerprints.join(', ')})`);
  const days = current.certificateDaysLeft;
  const wasExpiring = previous?.certificateDaysLeft !== undefined && previous.certificateDaysLeft <= EXPIRY_WARNING_DAYS;
  if (days !== undefined && days <= EXPIRY_WARNING_DAYS && !wasExpiring) reasons.push(days < 0 ? 'the certificate has expired' : `the certificate expires in ${days} day(s)`);
  return reasons;
}

export interface AuditMonitorDeps {
  state: vscode.Memento;
  trustStore: TrustStore;
  ui: Ui;
  log: ExtensionLogger;
  activity: ActivityLog;
  /** Whether background audits after connecting are on (setting secureTransfer.auditOnConnect). */
  enabled(): boolean;
}

export class AuditMonitor implements vscode.Disposable {
  private readonly alertList = new Map<string, AuditAlert>();
  private readonly running = new Map<string, Promise<AuditReport | undefined>>();
  private readonly changed = new vscode.EventEmitter<void>();
  /** Fires when the set of alerts changes (the badge follows it). */
  readonly onDidChange = this.changed.event;
  private readonly snapshotChanged = new vscode.EventEmitter<string>();
  /** Fires with the server's storedOrigin() when its snapshot was replaced (the overview and the tree follow it). */
  readonly onDidChangeSnapshot = this.snapshotChanged.event;
  /** The last audit of each server (serverOrigin) that failed, as one sentence; a recorded audit clears it. */
  private readonly failures = new Map<string, string>();

  constructor(private readonly deps: AuditMonitorDeps) {}

  get alerts(): readonly AuditAlert[] {
    return [...this.alertList.values()];
  }

  /** `server`: storedOrigin() of the profile, the text the snapshots have always been kept under. */
  lastSnapshot(server: string): AuditSnapshot | undefined {
    return this.deps.state.get<AuditSnapshot>(STATE_PREFIX + server);
  }

  /** Called after every successful connection: audits unless a recent audit of this server exists. */
  afterConnect(profile: LoadedProfile): Promise<AuditReport | undefined> {
    const last = this.lastSnapshot(storedOrigin(profile));
    const fresh = last !== undefined && Date.now() - Date.parse(last.probedAt) < AUDIT_MAX_AGE_MS;
    if (!this.deps.enabled() || fresh) return Promise.resolve(undefined);
    return this.audit(profile);
  }

  /** The snapshot of the server a profile reaches (what the overview and the tree show). */
  snapshotFor(profile: LoadedProfile): AuditSnapshot | undefined {
    return this.lastSnapshot(storedOrigin(profile));
  }

  /** Whether an audit of the profile's server is under way. */
  isAuditing(profile: LoadedProfile): boolean {
    return this.running.has(serverOrigin(profile));
  }

  /** Why the last audit of the profile's server failed, when it did (cleared by the next recorded audit). */
  lastFailure(profile: LoadedProfile): string | undefined {
    return this.failures.get(serverOrigin(profile));
  }

  /**
   * Runs an audit now (one at a time per server) and records it; failures are logged, never thrown.
   * `notify: false` (the Server Security overview, where the user watches the result come in) raises
   * the alert and badge without a notification per server.
   */
  audit(profile: LoadedProfile, options: { notify?: boolean } = {}): Promise<AuditReport | undefined> {
    const server = serverOrigin(profile);
    const inFlight = this.running.get(server);
    if (inFlight) return inFlight;
    const run = this.probe(profile)
      .then(async (report) => {
        await this.record(profile, report, { notify: options.notify });
        return report;
      })
      .catch((err: unknown) => {
        this.failures.set(server, describeError(err));
        this.snapshotChanged.fire(storedOrigin(profile));
        this.deps.log.warn(`Background audit of ${server} failed: ${describeError(err)}`);
        return undefined;
      })
      .finally(() => this.running.delete(server));
    this.running.set(server, run);
    return run;
  }

  /** Wait for the background audits in progress (tests, and a clean shutdown). */
  async idle(): Promise<void> {
    await Promise.all([...this.running.values(), ...this.loginRunning]);
  }

  // ── The login stage: what the session the user opened shows (never an extra login) ─────────────

  private readonly loginRunning = new Set<Promise<LoginAuditReport | undefined>>();
  /** Sessions already looked at: once per connection (a reconnect inside the wrapper is the same connection). */
  private readonly loginSeen = new WeakSet<RemoteFileSystem>();
  /** This window's latest login report per server (storedOrigin()); globalState keeps the last one whose findings changed. */
  private readonly loginReports = new Map<string, LoginAuditReport>();

  /** The last login-stage report of a server (`server`: storedOrigin() of the profile), for the Security Report. */
  lastLogin(server: string): LoginAuditReport | undefined {
    return this.loginReports.get(server) ?? this.deps.state.get<LoginAuditReport>(LOGIN_STATE_PREFIX + server);
  }

  /** Forgets a server's login reports (this window's and the stored one). */
  async forgetLogin(server: string): Promise<void> {
    this.loginReports.delete(server);
    await this.deps.state.update(LOGIN_STATE_PREFIX + server, undefined);
  }

  /**
   * After a successful connection, on that session: its login facts judged by auditLogin (single
   * factor where MFA is expected, a world-writable login/start folder, the FTPS checks after login),
   * once per connection, in the background — it waits for `probe` (the probe audit started for this
   * connection, whose product words the fixes) and never for the user; a failure is only logged.
   * Off with secureTransfer.auditOnConnect.
   */
  afterLogin(profile: LoadedProfile, fs: RemoteFileSystem, opts: { policy?: Policy | EffectivePolicy; probe?: Promise<AuditReport | undefined> } = {}): Promise<LoginAuditReport | undefined> {
    if (!this.deps.enabled() || !fs.loginFacts || this.loginSeen.has(fs)) return Promise.resolve(undefined);
    this.loginSeen.add(fs);
    const run = (async () => {
      const probed = await opts.probe?.catch(() => undefined);
      if (!fs.connected) return undefined; // closed meanwhile: nothing to look at, and no new login for it
      const { auditSessionLogin } = await import('../core/audit/auditLogin');
      const report = await auditSessionLogin(fs, { profile, ...(opts.policy ? { policy: opts.policy } : {}), ...(probed?.product ? { product: probed.product.id } : {}) });
      if (report) await this.recordLogin(profile, report);
      return report;
    })()
      .catch((err: unknown) => {
        this.deps.log.warn(`The check of what the login to ${serverOrigin(profile)} shows failed: ${describeError(err)}`);
        return undefined;
      })
      .finally(() => this.loginRunning.delete(run));
    this.loginRunning.add(run);
    return run;
  }

  /**
   * Remembers a login-stage report (globalState, next to the probe snapshot), writes an `audit`
   * activity entry naming its findings, and alerts (like the probes) on a new or worse finding at or
   * above NOTIFY_AT compared with the server's previous login report. Returns the alert's reasons.
   */
  async recordLogin(profile: LoadedProfile, report: LoginAuditReport): Promise<string[]> {
    const { loginActivityDetail } = await import('../core/audit/auditLogin');
    const server = serverOrigin(profile);
    const key = storedOrigin(profile);
    // Login reports are compared as the probes' are (alertReasons), by their findings alone.
    const asSnapshot = (r: LoginAuditReport | undefined): AuditSnapshot | undefined => r && { probedAt: r.checkedAt, findings: findingSeverities(r.findings), fingerprints: [] };
    const previous = asSnapshot(this.lastLogin(key));
    const current = asSnapshot(report)!;
    const reasons = alertReasons(previous, current, new Map(report.findings.map((f) => [f.id, f.title]))).map((r) => `${r} after logging in`);
    this.loginReports.set(key, report);
    // Stored only when its findings changed, not after every connection: each globalState write
    // races VS Code's echo of the one before (ExtensionMemento replaces its whole value with the
    // echo), which can undo another key's update made in between. What the panel shows this
    // session comes from memory, so "checked when" stays current.
    const stored = asSnapshot(this.deps.state.get<LoginAuditReport>(LOGIN_STATE_PREFIX + key));
    if (JSON.stringify(stored?.findings ?? {}) !== JSON.stringify(current.findings)) await this.deps.state.update(LOGIN_STATE_PREFIX + key, report);
    await this.deps.activity.append({ server, action: 'audit', result: 'ok', detail: loginActivityDetail(report) }).catch(() => undefined);
    if (reasons.length > 0) {
      // One alert per server: the probes' reasons (if still unseen) stay with the login's.
      const earlier = this.alertList.get(server)?.reasons ?? [];
      this.raise({ server, profileName: profile.name, reasons: [...reasons, ...earlier.filter((r) => !reasons.includes(r))] });
    }
    return reasons;
  }

  private async probe(profile: LoadedProfile): Promise<AuditReport> {
    // The server the profile really reaches (an ~/.ssh/config alias resolved, as connect() does), by
    // the session's route: its proxy, else the environment's, or the user's ProxyCommand. Known
    // identities: pins, the trust store and known_hosts. Behind a jump host: not probed (one sentence, logged).
    const { auditProfile } = await import('../core/auditProfile');
    return auditProfile(profile, { trustStore: this.deps.trustStore, activity: this.deps.activity, log: this.deps.log });
  }

  /**
   * Compares a report with the last one of its server, remembers it, logs it, and alerts when it
   * needs attention. `seen`: the user is looking at this report right now (no alert, clears one).
   */
  async record(profile: LoadedProfile, report: AuditReport, options: { seen?: boolean; notify?: boolean } = {}): Promise<string[]> {
    const { worstSeverity } = await import('../core/audit');
    const server = serverOrigin(profile);
    const current = snapshotOf(report);
    const reasons = alertReasons(this.lastSnapshot(storedOrigin(profile)), current, new Map(report.findings.map((f) => [f.id, f.title])));
    await this.deps.state.update(STATE_PREFIX + storedOrigin(profile), current);
    this.failures.delete(server);
    this.snapshotChanged.fire(storedOrigin(profile));
    const worst = worstSeverity(report.findings);
    await this.deps.activity
      .append({ server, action: 'audit', result: 'ok', fingerprint: current.fingerprints[0], detail: worst ? `${report.findings.length} finding(s), worst ${worst}` : 'no findings' })
      .catch(() => undefined);
    if (options.seen) this.clear(server);
    else if (reasons.length > 0) this.raise({ server, profileName: profile.name, reasons }, options.notify ?? true);
    return reasons;
  }

  /** A connection was refused because the pinned key or certificate changed. */
  identityChanged(profile: LoadedProfile, message: string): void {
    this.raise({ server: serverOrigin(profile), profileName: profile.name, reasons: [message] }, false);
  }

  clear(server: string): void {
    if (this.alertList.delete(server)) this.changed.fire();
  }

  private raise(alert: AuditAlert, notify = true): void {
    this.alertList.set(alert.server, alert);
    this.changed.fire();
    this.deps.log.warn(`Security audit of ${alert.server} (${alert.profileName}): ${alert.reasons.join('; ')}.`);
    if (!notify) return;
    const shown = alert.reasons.slice(0, 3).join('; ') + (alert.reasons.length > 3 ? `; and ${alert.reasons.length - 3} more` : '');
    void this.deps.ui.notify(`Security audit of "${alert.profileName}" (${alert.server}): ${shown}.`, SHOW_REPORT).then((choice) => {
      if (choice === SHOW_REPORT) void vscode.commands.executeCommand('secureTransfer.showSecurityReport', alert.profileName);
    });
  }

  /** The Remote Files view's badge: one per server with an unseen alert. */
  badge(): vscode.ViewBadge | undefined {
    const list = this.alerts;
    if (list.length === 0) return undefined;
    return { value: list.length, tooltip: `Security: ${list.map((a) => a.profileName).join(', ')} — run "Show Security Report"` };
  }

  dispose(): void {
    this.changed.dispose();
    this.snapshotChanged.dispose();
  }
}
