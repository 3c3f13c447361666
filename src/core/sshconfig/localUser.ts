/** The local user name, as ssh uses it for `%u` and as the default User ('' when nobody can say). */
import { userInfo } from 'node:os';

export function localUserName(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? process.env.USERNAME ?? '';
  }
}
