/** Who runs an operation, as journals, run logs and journal locks record it. */
import { hostname, userInfo } from 'node:os';

/** `user@host`: the login name, else $USER / $USERNAME (no passwd entry in some containers), else 'unknown'. */
export function currentUser(): string {
  let user: string | undefined;
  try {
    user = userInfo().username;
  } catch {
    user = process.env['USER'] ?? process.env['USERNAME'];
  }
  return `${user || 'unknown'}@${hostname()}`;
}
