/** OpenSSH's `~`, `%x` and `${VAR}` expansion (misc.c percent_expand / dollar_expand, tilde_expand_filename). */
/** `%%` → `%`, `%x` → map[x]; undefined with the bad token when one is unknown (ssh refuses the config then). */
export function percentExpand(s: string, map: Record<string, string>): { value?: string; bad?: string } {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    if (s[i] !== '%') {
      out += s[i];
      continue;
    }
    const k = s[i + 1];
    if (k === '%') out += '%';
    else if (k !== undefined && Object.prototype.hasOwnProperty.call(map, k)) out += map[k];
    else return { bad: `%${k ?? ''}` };
    i++;
  }
  return { value: out };
}

/** `${NAME}` → the environment variable; undefined with the name when it is unset. */
export function dollarExpand(s: string, env: NodeJS.ProcessEnv): { value?: string; bad?: string } {
  let bad: string | undefined;
  const value = s.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_m, name: string) => {
    const v = env[name];
    if (v === undefined) bad ??= `\${${name}}`;
    return v ?? '';
  });
  return bad ? { bad } : { value };
}

/** `~` and `~/…` → the home folder (other users' `~name` is left as written). */
export function tildeExpand(s: string, home: string): string {
  if (s === '~') return home;
  if (s.startsWith('~/')) return `${home.replace(/[\\/]+$/, '')}/${s.slice(2)}`;
  return s;
}
