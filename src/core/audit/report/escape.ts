/** Making server-supplied text safe for each output: terminals, HTML, Markdown. */

/**
 * Drops C0/C1 control characters (ANSI escapes, bells, carriage returns) so a hostile banner cannot
 * rewrite the terminal; newlines and tabs become spaces.
 */
export function printable(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\t\n]/g, ' ').replace(/[\u0000-\u001f\u007f-\u009f]/g, '');
}

const HTML_ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(s: string): string {
  return printable(s).replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]);
}

/** Markdown: escape the characters that start markup, and HTML (renderers pass raw HTML through). */
export function escapeMarkdown(s: string): string {
  return escapeHtml(s).replace(/[\\`*_{}[\]()#+!|~]/g, (c) => '\\' + c);
}
