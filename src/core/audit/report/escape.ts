/** Making server-supplied text safe for each output: terminals, HTML, Markdown. */
import { serverText } from '../../displayText';

/** A report shows more of a banner than a message does, but not megabytes of it. */
const REPORT_TEXT_MAX_CHARS = 4096;

/**
 * Server text for a report line: newlines and tabs become spaces, every other control character
 * (ANSI escapes, bells, carriage returns) and bidi override is shown escaped (`\x1b`) by the one
 * server-text function, so a hostile banner can neither rewrite the terminal nor hide itself.
 */
export function printable(s: string): string {
  return serverText(s.replace(/\r?\n|\t/g, ' '), REPORT_TEXT_MAX_CHARS);
}

const HTML_ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(s: string): string {
  return printable(s).replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]);
}

/** Markdown: escape the characters that start markup, and HTML (renderers pass raw HTML through). */
export function escapeMarkdown(s: string): string {
  return escapeHtml(s).replace(/[\\`*_{}[\]()#+!|~]/g, (c) => '\\' + c);
}
