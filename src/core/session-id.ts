/** Session ids are slugs: they appear in URLs, Redis keys and logs, never unchecked in a path. */
export const SESSION_ID_PATTERN = '^[a-z0-9][a-z0-9_-]{0,63}$';
const SESSION_ID = new RegExp(SESSION_ID_PATTERN);

export function isSessionId(value: string): boolean {
  return SESSION_ID.test(value);
}
