/**
 * Where a provider keeps its credentials and signal keys: the database, so that a worker on
 * another host can take a session over from it alone. Values are opaque strings (the provider
 * serialises them); `null` in a write deletes the entry. Writes of one call are atomic.
 */
export interface AuthStateStore {
  readCreds(sessionId: string): Promise<string | undefined>;
  writeCreds(sessionId: string, value: string): Promise<void>;
  readKeys(sessionId: string, category: string, ids: readonly string[]): Promise<Map<string, string>>;
  /** Every key of one category (for housekeeping such as pruning expired tokens). */
  readCategory(sessionId: string, category: string): Promise<Map<string, string>>;
  writeKeys(sessionId: string, entries: readonly { category: string; id: string; value: string | null }[]): Promise<void>;
  /** Forgets everything of a session (after logout, or when its config is deleted). */
  clear(sessionId: string): Promise<void>;
}
