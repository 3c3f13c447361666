/**
 * `secure-transfer audit <url>`: probe a server (read-only, no credentials) and report what is weak.
 * Exit 4 when a finding reaches --fail-on (default high), 0 otherwise; 1–3 as every other command.
 *
 * Plain `ftp://` is accepted here, unlike everywhere else: an audit never sends a credential (only a
 * made-up user name, and `anonymous` unless --no-anonymous is given), and reporting a plaintext server as
 * critical is exactly what an audit is for. It is parsed as ftpes:// and probed without logging in.
 */
import * as path from 'node:path';
import { parseCommandArgs } from '../args';
import type { CliCommand, CliContext } from '../context';
import { describeError, UsageError } from '../../core/errors';
import { defaultStateDir } from '../../core/paths';
import { parseUrl } from '../../core/profiles/url';
import { normalizeFingerprint } from '../../core/syntax/fingerprint';
import { loadKnownHosts, lookupHost } from '../../core/trust/knownHosts';
import { TrustStore } from '../../core/trust/trustStore';
import { activityLog } from '../connection';
import { auditServer, knownIdentities } from '../../core/audit/auditServer';
import { proxyFor } from '../../core/session/proxy';
import { atLeast, isSeverity, worstSeverity } from '../../core/audit/rules/evaluate';
import { renderJson } from '../../core/audit/report/json';
import { renderSarif } from '../../core/audit/report/sarif';
import { renderText } from '../../core/audit/report/text';
import type { AuditReport, AuditTarget, KnownIdentity } from '../../core/audit/types';

export const AUDIT_THRESHOLD_EXIT = 4;

const USAGE = 'audit <url> [--format text|json|sarif] [--fail-on SEVERITY] [--no-anonymous] [--check-plaintext-port] [--fingerprint SHA256:…] [--proxy URL|none]';

const RENDERERS: Readonly<Record<string, (r: AuditReport) => string>> = { text: renderText, json: renderJson, sarif: renderSarif };

const OPTIONS = {
  format: { type: 'string', default: 'text' },
  'fail-on': { type: 'string', default: 'high' },
  // Anonymous FTP is checked by default (USER anonymous only; it lists, never writes); --anonymous is kept for old scripts.
  anonymous: { type: 'boolean' },
  'no-anonymous': { type: 'boolean' },
  'check-plaintext-port': { type: 'boolean' },
  fingerprint: { type: 'string', multiple: true },
  'known-hosts': { type: 'string', multiple: true },
  proxy: { type: 'string' },
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
  const files = knownHostsFiles?.map((f) => path.resolve(ctx.cwd, f));
  const entries = lookupHost(await loadKnownHosts(files), target.host, target.port).keys;
  return [...known, ...entries.map((e) => ({ fingerprint: e.fingerprint, keyType: e.keyType, source: `${e.file}:${e.line}` }))];
}

export const auditCommand: CliCommand = async (ctx, argv) => {
  const { values, positionals } = parseCommandArgs('audit', argv, OPTIONS, { min: 1, max: 1, usage: USAGE });
  const render = RENDERERS[values.format];
  if (!render) throw new UsageError(`audit: --format ${values.format} is not a report format: use text, json or sarif.`);
  const failOn = values['fail-on'];
  if (!isSeverity(failOn)) throw new UsageError(`audit: --fail-on ${failOn} is not a severity: use critical, high, medium, low or info.`);
  const target = parseAuditTarget(positionals[0]);
  const pins = [...target.fingerprints, ...(values.fingerprint ?? []).map((f) => normalizeFingerprint(f, '--fingerprint'))];
  const known = await knownFor(ctx, target, pins, values['known-hosts']);

  // The probes take the route a session would: --proxy, else the environment's proxy (NO_PROXY honoured).
  const proxy = proxyFor(target, values.proxy, ctx.env);
  const report = await auditServer(target, { anonymous: !values['no-anonymous'], checkPlaintextPort: values['check-plaintext-port'], known, ...(proxy ? { proxy } : {}) });
  ctx.stdout.write(render(report));

  const worst = worstSeverity(report.findings);
  await activityLog(ctx)
    .append({
      server: report.server,
      action: 'audit',
      result: 'ok',
      fingerprint: report.facts.ssh?.hostKeys[0]?.fingerprint ?? report.facts.ftp?.tls?.certificate?.fingerprint,
      detail: `${report.findings.length} findings, worst ${worst ?? 'none'}`,
    })
    .catch((err: unknown) => ctx.stderr.write(`warning: the activity log could not be written: ${describeError(err)}\n`));
  return worst !== undefined && atLeast(worst, failOn) ? AUDIT_THRESHOLD_EXIT : 0;
};
