/** Where Secure Transfer keeps its own state outside VS Code (trust store, activity log). */
import * as os from 'node:os';
import * as path from 'node:path';

export function defaultStateDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.SECURE_TRANSFER_STATE_DIR) return env.SECURE_TRANSFER_STATE_DIR;
  const base = env.XDG_STATE_HOME || path.join(os.homedir(), '.local', 'state');
  return path.join(base, 'secure-transfer');
}
