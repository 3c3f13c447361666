/**
 * What people type or paste where the extension asks for a server or a remote place: a bare
 * `user@host[:port][/folder]`, or a URL copied from elsewhere (`sftp://bob@host:2222/path`,
 * `ftpes://…`, `ftps://…`). core's parseUrl does the parsing and the refusals (plain `ftp://` gets its
 * standard sentence); only the password-in-URL refusal is reworded here, because its CLI fix means
 * nothing in the editor.
 */
import { hasErrorCode, UsageError } from '../core/errors';
import { sameServer } from '../core/profiles/serverAddress';
import { parseUrl, type RemoteUrl } from '../core/profiles/url';
import type { Protocol, ServerAddress } from '../core/profiles/types';
import { serverUrl } from '../core/profiles/serverAddress';

/**
 * `sftp://`, `ftp://`, `https://`…, or one of our schemes without its `//` (`sftp:bob@host`): the text
 * is a URL, and its scheme decides the protocol (or parseUrl says what is wrong with it).
 */
const SCHEME = /^(?:[a-z][a-z0-9+.-]*:\/\/|(?:sftp|ftpes|ftps|ftp):)/i;
/** In a remote path box only a full `scheme://` is a URL: a relative path may start with "ftp:". */
const URL_SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i;

export const PASSWORD_IN_ADDRESS =
  'The address holds a password, and Secure Transfer never keeps passwords in settings or files: remove it (write user@host) and, once the profile exists, run "Secure Transfer: Set Password" to keep it in the OS keychain.';

export interface TypedAddress {
  /** The URL's protocol; undefined when a bare address was typed (ask for it). */
  protocol?: Protocol;
  url: RemoteUrl;
}

function inEditorWords<T>(parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    if (hasErrorCode(err, 'secret-in-url')) throw new UsageError(PASSWORD_IN_ADDRESS, 'secret-in-url');
    throw err;
  }
}

/**
 * A typed server address. A URL's own protocol wins; a bare address is read with `fallback` (which
 * only decides the default port, and is replaced once the user picks a protocol).
 */
export function parseTypedAddress(text: string, fallback: Protocol = 'sftp'): TypedAddress {
  const t = text.trim();
  return inEditorWords(() => {
    if (SCHEME.test(t)) {
      const url = parseUrl(t);
      return { protocol: url.protocol, url };
    }
    return { url: parseUrl(`${fallback}://${t}`) };
  });
}

/**
 * A remote path typed for a profile: a path as is, or a pasted URL of the same server, whose path is
 * taken ('' = the login folder, `~/x` = under it). A URL of another server is refused, not followed.
 */
export function typedRemotePath(server: ServerAddress, text: string, home: string): string {
  const t = text.trim();
  if (!URL_SCHEME.test(t)) return text;
  const url = inEditorWords(() => parseUrl(t));
  const same = sameServer({ ...url, username: url.username ?? server.username }, server);
  if (!same) throw new UsageError(`That URL points at ${serverUrl(url)}, not at ${serverUrl(server)}: paste a path on this server, or add a profile for the other one.`, 'bad-target');
  if (url.path === '' || url.path === '~') return home;
  if (url.path.startsWith('~/')) return `${home.replace(/\/$/, '')}/${url.path.slice(2)}`;
  return url.path;
}
