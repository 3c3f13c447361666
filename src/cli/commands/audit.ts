/**
 * `secure-transfer audit <url>`: probe a server (read-only, no credentials) and report what is weak.
 * `audit profile:NAME`, `audit --all [--config FILE]`, or several targets: a fleet audit (docs/audit-fleet.md),
 * profiles probed at the address they really reach (ssh config applied) by the route they take.
 *
 * Output: one target without --all and without --baseline prints the single-server report exactly as
 * before (its JSON shape is what scripts read); --all, several targets or --baseline print the
 * combined fleet report (text, json, sarif with one run per server, markdown, html).
 *
 * Exit codes (docs/audit-fleet.md):
 *  - 4: a finding at or above --fail-on (default high); with --baseline, only a finding NEW or WORSE
 *    than in the baseline counts, and --fail-on defaults to info (the baseline already accepted what
 *    was known: any new finding is a change someone should look at);
 *  - 1: otherwise, when a server could not be audited (the report is printed first, that server as
 *    an error entry): a nightly job must not read an unreachable server as "all clear". With
 *    --baseline, only a server the baseline did audit (or did not have) counts: one it could not
 *    audit either is known, like its findings. A profile behind a jump host is reported as not
 *    probed but never fails the run (it can never be probed);
 *  - 2: bad usage, a damaged or unreadable baseline; 0 otherwise.
 *
 * Plain `ftp://` is accepted here, unlike everywhere else: an audit never sends a credential (only a
 * made-up user name, and `anonymous` unless --no-anonymous is given), and reporting a plaintext server as
 * critical is exactly what an audit is for. It is parsed as ftpes:// and probed without logging in.
 */
import * as path from 'node:path';
import { existsSync } from 'node:fs';
import { parseCommandArgs } from '../args';
import type { CliCommand, CliContext } from '../context';
import { describeError, UsageError } from '../../core/errors';
import { defaultStateDir } from '../../core/paths';
import { parseUrl } from '../../core/profiles/url';
import { normalizeFingerprint } from '../../core/syntax/fingerprint';
import { TrustStore } from '../../core/trust/trustStore';
import { activityLog, sshConfigOptions, stderrLogger } from '../connection';
import { auditServer, knownHostsIdentities, knownIdentities, type AuditOptions } from '../../core/audit/auditServer';
import { proxyFor } from '../../core/session/proxy';
import { atLeast, isSeverity, worstSeverity } from '../../core/audit/rules/evaluate';
import { renderJson } from '../../core/audit/report/json';
import { renderSarif } from '../../core/audit/report/sarif';
import { renderText } from '../../core/audit/report/text';
import { renderMarkdown } from '../../core/audit/report/markdown';
import { renderFleetText } from '../../core/audit/report/fleetText';
import { renderFleetJson, renderFleetSarif } from '../../core/audit/report/fleetJson';
import { renderFleetMarkdown } from '../../core/audit/report/fleetMarkdown';
import { renderFleetHtml } from '../../core/audit/report/fleetHtml';
import { auditFleet, checkBaseline, compareWithBaseline, notAuditedSinceBaseline, DEFAULT_FLEET_CONCURRENCY, fleetOf, MAX_FLEET_CONCURRENCY, type BaselineChange, type FleetReport } from '../../core/audit/fleet';
import { auditRoute, firstHopRoute, profileAuditRoute, type AuditProfileContext, type ProfileAuditRoute } from '../../core/auditProfile';
import { profileFileIn } from '../../core/profiles/profileFile';
import { loadProfileFile } from '../../core/profiles/load';
import { serverOrigin } from '../../core/profiles/serverAddress';
import type { LoadedProfile } from '../../core/profiles/types';
import { readBoundedFile, writeFileAtomic, type BoundedFileSpec } from '../../core/fsutil';
import type { Policy } from '../../core/policy';
import type { AuditReport, AuditTarget, KnownIdentity, Severity } from '../../core/audit/types';

export const AUDIT_THRESHOLD_EXIT = 4;

const USAGE =
  'audit <url|profile:NAME>… | --all [--config FILE] [--format text|json|sarif|markdown|html] [--output FILE] [--fail-on SEVERITY] [--baseline FILE] [--parallel N] [--no-anonymous] [--check-plaintext-port] [--fingerprint SHA256:…] [--proxy URL|none] [--ssh-config FILE|none]';

type Format = 'text' | 'json' | 'sarif' | 'markdown' | 'html';
const FORMATS: readonly Format[] = ['text', 'json', 'sarif', 'markdown', 'html'];

/** The single-server report as before (html: the standalone fleet page of one server: the panel's needs a webview). */
const RENDERERS: Readonly<Record<Format, (r: AuditReport, name: string) => string>> = {
  text: renderText,
  json: (r) => renderJson(r),
  sarif: renderSarif,
  markdown: (r) => renderMarkdown(r),
  html: (r, name) => renderFleetHtml(fleetOf(name, r)),
};

const FLEET_RENDERERS: Readonly<Record<Format, (r: FleetReport, changes?: readonly BaselineChange[]) => string>> = {
  text: renderFleetText,
  json: renderFleetJson,
  sarif: renderFleetSarif,
  markdown: renderFleetMarkdown,
  html: renderFleetHtml,
};

/** A baseline is a JSON report of this command: a fleet of many servers' facts fits well under this. */
const BASELINE_FILE: BoundedFileSpec = { what: 'The baseline', expected: 'a JSON report written by `secure-transfer audit --format json`', maxBytes: 64 * 1024 * 1024, code: 'bad-baseline' };

const OPTIONS = {
  format: { type: 'string', default: 'text' },
  // No default here: with --baseline it is `info`, without `high` (see the file comment).
  'fail-on': { type: 'string' },
  // Anonymous FTP is checked by default (USER anonymous only; it lists, never writes); --anonymous is kept for old scripts.
  anonymous: { type: 'boolean' },
  'no-anonymous': { type: 'boolean' },
  'check-plaintext-port': { type: 'boolean' },
  fingerprint: { type: 'string', multiple: true },
  'known-hosts': { type: 'string', multiple: true },
  proxy: { type: 'string' },
  all: { type: 'boolean' },
  config: { type: 'string' },
  'ssh-config': { type: 'string' },
  parallel: { type: 'string' },
  baseline: { type: 'string' },
  output: { type: 'string', short: 'o' },
  verbose: { type: 'boolean', short: 'v' },
} as const;

/** `ftp://` becomes an audit-only target; everything else goes through the shared URL parser. */
export function parseAuditTarget(text: string): AuditTarget & { fingerprints: string[] } {
  const plain = /^ftp:\/\//i.test(text);
  const url = parseUrl(plain ? 'ftpes://' + text.slice('ftp://'.length) : text);
  return { protocol: plain ? 'ftp' : url.protocol, host: url.host, port: url.port, username: url.username, fingerprints: url.fingerprints };
}

async function knownFor(ctx: CliContext, target: AuditTarget, pins: string[], knownHostsFiles?: string[]): Promise<KnownIdentity[]> {
  const records = await TrustStore.inDir(defaultStateDir(ctx.env)).all();
  const known = knownIdentities(target, records, pins);
  if (target.protocol !== 'sftp') return known;
  return [...known, ...(await knownHostsIdentities(knownHostsFiles?.map((f) => path.resolve(ctx.cwd, f)), target.host, target.port))];
}

/** `--parallel N`: 1 to MAX_FLEET_CONCURRENCY. */
export function parseParallel(text: string | undefined): number {
  if (text === undefined) return DEFAULT_FLEET_CONCURRENCY;
  const n = /^\d{1,3}$/.test(text.trim()) ? Number(text) : NaN;
  if (!(n >= 1 && n <= MAX_FLEET_CONCURRENCY)) throw new UsageError(`audit: --parallel takes a number of servers from 1 to ${MAX_FLEET_CONCURRENCY}, not "${text.slice(0, 40)}".`);
  return n;
}

/** Reads and checks the baseline before anything is probed: a damaged one is one sentence and exit 2. */
export async function readBaseline(file: string): Promise<unknown> {
  let text: string;
  try {
    text = (await readBoundedFile(file, BASELINE_FILE)).toString('utf8');
  } catch (err) {
    if (err instanceof UsageError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    throw new UsageError(`The baseline ${file} cannot be read (${code ?? describeError(err)}): give the JSON report of an earlier run (secure-transfer audit … --format json > FILE).`, 'bad-baseline');
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new UsageError(`The baseline ${file} is not JSON (damaged or cut short?): give the JSON report of an earlier run (secure-transfer audit … --format json > FILE).`, 'bad-baseline');
  }
  try {
    checkBaseline(value);
  } catch (err) {
    throw new UsageError(`The baseline ${file} is not an audit report: ${describeError(err)}; give the JSON report of an earlier run (secure-transfer audit … --format json > FILE).`, 'bad-baseline');
  }
  return value;
}

/** One thing to audit: a URL as given, or a profile (its route worked out first, or why it could not be). */
interface Item {
  name: string;
  server: string;
  run: () => Promise<AuditReport>;
  /** A profile's route, when it could be worked out. */
  route?: ProfileAuditRoute;
}

export const auditCommand: CliCommand = async (ctx, argv) => {
  const { values, positionals } = parseCommandArgs('audit', argv, OPTIONS, { min: 0, max: 1000, usage: USAGE });
  const format = values.format as Format;
  if (!FORMATS.includes(format)) throw new UsageError(`audit: --format ${values.format} is not a report format: use text, json, sarif, markdown or html.`);
  const failOnText = values['fail-on'] ?? (values.baseline !== undefined ? 'info' : 'high');
  if (!isSeverity(failOnText)) throw new UsageError(`audit: --fail-on ${failOnText} is not a severity: use critical, high, medium, low or info.`);
  const failOn: Severity = failOnText;
  if (positionals.length === 0 && !values.all) throw new UsageError(`audit takes a server URL or profile:NAME (several are fine), or --all for every profile. Usage: secure-transfer ${USAGE}`);
  const fleet = Boolean(values.all) || positionals.length > 1 || values.baseline !== undefined;
  const flagPins = (values.fingerprint ?? []).map((f) => normalizeFingerprint(f, '--fingerprint'));
  if (flagPins.length && (values.all || positionals.length > 1)) throw new UsageError('audit: --fingerprint pins one server\'s identity: give it with a single target, or pin each profile\'s in its "fingerprints".');
  const parallel = parseParallel(values.parallel);
  const baselineFile = values.baseline !== undefined ? path.resolve(ctx.cwd, values.baseline) : undefined;
  const baseline = baselineFile !== undefined ? await readBaseline(baselineFile) : undefined;
  const options: Omit<AuditOptions, 'known' | 'dial' | 'proxy'> = { anonymous: !values['no-anonymous'], checkPlaintextPort: values['check-plaintext-port'] };

  // Profiles: loaded once, from --config FILE or the workspace's file, as every other command loads them.
  const wantsProfiles = values.all || positionals.some((p) => /^profile:/i.test(p));
  const configFile = values.config === undefined ? profileFileIn(ctx.cwd) : path.resolve(ctx.cwd, values.config);
  let profiles: LoadedProfile[] = [];
  let policy: Policy | undefined;
  if (wantsProfiles) {
    if (!existsSync(configFile)) throw new UsageError(`${values.all ? '--all audits every profile' : 'profile:NAME names a profile'}, but ${configFile} does not exist: create it or pass --config FILE.`, 'no-profile-file');
    const loaded = await loadProfileFile(configFile);
    profiles = loaded.profiles;
    policy = loaded.policy;
    if (values.all && profiles.length === 0) throw new UsageError(`${configFile} has no profiles to audit.`, 'no-profile-file');
  }
  const pctx: AuditProfileContext = {
    trustStore: TrustStore.inDir(defaultStateDir(ctx.env)),
    sshConfig: sshConfigOptions(ctx, { 'ssh-config': values['ssh-config'] }),
    env: ctx.env,
    ...(values['known-hosts'] ? { knownHostsFiles: values['known-hosts'].map((f) => path.resolve(ctx.cwd, f)) } : {}),
    pinned: flagPins,
    ...(policy ? { policy } : {}),
    activity: activityLog(ctx),
    log: stderrLogger(ctx),
    options,
  };

  // Profiles (or URLs) that reach the same server the same way, knowing the same identities, share one
  // audit: a fleet where ten profiles name one server probes it once, not ten times at once (which a
  // server may answer by refusing connections, and which would only repeat the same report).
  const audits = new Map<string, Promise<AuditReport>>();
  const once = (key: string, run: () => Promise<AuditReport>) => (): Promise<AuditReport> => {
    let audit = audits.get(key);
    if (!audit) audits.set(key, (audit = run()));
    return audit;
  };
  const profileItem = async (profile: LoadedProfile): Promise<Item> => {
    // --proxy URL (or "none") replaces the profile's proxy and the environment's, as for every command.
    const p = values.proxy !== undefined ? { ...profile, proxy: values.proxy } : profile;
    let route: ProfileAuditRoute;
    try {
      route = await profileAuditRoute(p, pctx);
    } catch (err) {
      // The profile's route could not be worked out (a bad ssh config, a bad proxy): its entry says why.
      if (!fleet) throw err;
      return { name: profile.name, server: serverOrigin(profile), run: () => Promise.reject(err) };
    }
    const key = JSON.stringify(['route', route.server.toLowerCase(), route.hops.map((h) => serverOrigin(h.server)), route.proxy ?? null, route.proxyCommand ?? null, route.trust, [...(p.fingerprints ?? [])].sort()]);
    return { name: profile.name, server: route.server, run: once(key, () => auditRoute(route, pctx)), route };
  };
  const urlItem = (text: string): Item => {
    const target = parseAuditTarget(text);
    const pins = [...target.fingerprints, ...flagPins];
    return {
      name: text,
      server: serverOrigin(target),
      run: once(JSON.stringify(['url', serverOrigin(target).toLowerCase(), [...pins].sort()]), async () => {
        const known = await knownFor(ctx, target, pins, values['known-hosts']);
        // The probes take the route a session would: --proxy, else the environment's proxy (NO_PROXY honoured).
        const proxy = proxyFor(target, values.proxy, ctx.env);
        return auditServer(target, { ...options, known, ...(proxy ? { proxy } : {}) });
      }),
    };
  };
  const findProfile = (ref: string): LoadedProfile => {
    const name = ref.slice('profile:'.length).replace(/\/.*$/s, '');
    const found = profiles.find((p) => p.name === name);
    if (!found) throw new UsageError(`There is no profile "${name}" in ${configFile} (profiles: ${profiles.map((p) => p.name).join(', ') || 'none'}).`);
    return found;
  };
  // Every argument is checked (a typo'd profile name, a bad URL) before the first probe leaves.
  const chosen = [...(values.all ? profiles : []), ...positionals.map((t) => (/^profile:/i.test(t) ? findProfile(t) : t))];
  const items = await Promise.all(chosen.map((c) => (typeof c === 'string' ? urlItem(c) : profileItem(c))));
  // A target behind a jump host is not probed (an audit never logs in to the bastion), but the first
  // jump host is reached without credentials: the fleet audits it as an entry of its own, once, unless
  // another entry already is that server.
  if (fleet) {
    const servers = new Set(items.map((i) => i.server.toLowerCase()));
    for (const item of [...items]) {
      const hop = item.route && firstHopRoute(item.route, pctx);
      if (!hop || servers.has(hop.server.toLowerCase())) continue;
      servers.add(hop.server.toLowerCase());
      items.push({ name: hop.profile.name, server: hop.server, run: () => auditRoute(hop, pctx) });
    }
  }

  if (!fleet) {
    // One target: the single-server report as before; an unreachable server is the error it always was.
    const single = await items[0].run().catch(async (err: unknown) => {
      await logAudit(ctx, items[0].server, undefined, err);
      throw err;
    });
    await logAudit(ctx, single.server, single);
    await emit(ctx, values.output, RENDERERS[format](single, items[0].name));
    const worst = worstSeverity(single.findings);
    return worst !== undefined && atLeast(worst, failOn) ? AUDIT_THRESHOLD_EXIT : 0;
  }
  const report = await auditFleet(items, (item) => item.run(), { concurrency: parallel });
  // One activity entry per audit made (profiles sharing an audit share its report).
  const logged = new Set<AuditReport>();
  for (const e of report.entries) {
    if (e.report && logged.has(e.report)) continue;
    if (e.report) logged.add(e.report);
    await logAudit(ctx, e.server, e.report, e.error);
  }
  const changes = baseline !== undefined ? compareWithBaseline(report, baseline) : undefined;
  await emit(ctx, values.output, FLEET_RENDERERS[format](report, changes));

  const counted = changes ? changes.map((c) => c.finding) : report.entries.flatMap((e) => e.report?.findings ?? []);
  if (counted.some((f) => atLeast(f.severity, failOn))) return AUDIT_THRESHOLD_EXIT;
  // A profile behind a jump host can never be probed: reported, but it does not fail every night.
  // With a baseline, a server it could not audit either is known (as its findings would be).
  const unaudited = baseline !== undefined ? notAuditedSinceBaseline(report, baseline) : report.entries.filter((e) => !e.report);
  const failed = unaudited.filter((e) => e.errorCode !== 'audit-behind-jump-host');
  if (failed.length > 0) {
    ctx.stderr.write(`${failed.length} of ${report.entries.length} servers could not be audited (${failed.map((e) => e.name).slice(0, 5).join(', ')}${failed.length > 5 ? ', …' : ''}): see the report.\n`);
    return 1;
  }
  return 0;
};

/** stdout, or --output FILE (written whole, then renamed into place: a half report never replaces the last one). */
async function emit(ctx: CliContext, output: string | undefined, text: string): Promise<void> {
  if (output === undefined) {
    ctx.stdout.write(text);
    return;
  }
  const file = path.resolve(ctx.cwd, output);
  try {
    await writeFileAtomic(file, text, 0o644);
  } catch (err) {
    throw new UsageError(`The report could not be written to ${file} (${(err as NodeJS.ErrnoException).code ?? describeError(err)}): check the folder and its permissions.`);
  }
}

/** One 'audit' entry per server in the activity log (a log that can't be written only warns). */
async function logAudit(ctx: CliContext, server: string, report: AuditReport | undefined, error?: unknown): Promise<void> {
  const worst = report ? worstSeverity(report.findings) : undefined;
  await activityLog(ctx)
    .append(
      report
        ? {
            server: report.server,
            action: 'audit',
            result: 'ok',
            fingerprint: report.facts.ssh?.hostKeys[0]?.fingerprint ?? report.facts.ftp?.tls?.certificate?.fingerprint,
            detail: `${report.findings.length} findings, worst ${worst ?? 'none'}${report.grade ? `, grade ${report.grade}` : ''}`,
          }
        : { server, action: 'audit', result: 'failed', detail: typeof error === 'string' ? error : describeError(error) },
    )
    .catch((err: unknown) => ctx.stderr.write(`warning: the activity log could not be written: ${describeError(err)}\n`));
}
