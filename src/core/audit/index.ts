/** The audit engine's public face: probe a server, judge it, report it, log activity. */
export { auditServer, boundedDial, knownIdentities, type AuditOptions } from './auditServer';
export { atLeast, worstSeverity, isSeverity } from './rules/evaluate';
export { RULES, ruleById } from './rules/ruleTable';
export { renderText } from './report/text';
export { renderJson } from './report/json';
export { renderSarif } from './report/sarif';
export { renderMarkdown } from './report/markdown';
export { renderReportHtml, type HtmlResources } from './report/html';
export { ActivityLog, type ActivityEntry, type ActivityAction } from './activityLog';
export * from './types';
/** Which proxy an audit of a profile goes through (the session's choice), for callers that load the audit lazily. */
export { proxyFor } from '../session/proxy';
