import {
  BufferJSON,
  initAuthCreds,
  makeCacheableSignalKeyStore,
  proto,
  type AuthenticationCreds,
  type AuthenticationState,
  type SignalDataSet,
  type SignalDataTypeMap,
  type SignalKeyStore,
} from 'baileys';
import type { AuthStateStore } from '../auth-state.store.js';

/**
 * baileys' `AuthenticationState` kept in the database through AuthStateStore, so that a worker on
 * another host can take a session over from the database alone (no files). Every signal key type
 * is stored the same way, by category name, so types a future baileys adds need no change here.
 */
/** baileys' logger interface (not exported from its entry point by name). */
export type BaileysLogger = NonNullable<Parameters<typeof makeCacheableSignalKeyStore>[1]>;

export interface DbAuthState {
  state: AuthenticationState;
  /** Writes the current creds (after baileys changed them; it says so with `creds.update`). */
  saveCreds(): Promise<void>;
  /** Resolves once every save asked for so far has finished (failed ones included). */
  flush(): Promise<void>;
}

const serialise = (value: unknown): string => JSON.stringify(value, BufferJSON.replacer);
const deserialise = (raw: string): unknown => JSON.parse(raw, BufferJSON.reviver) as unknown;

export async function loadDbAuthState(store: AuthStateStore, sessionId: string, logger?: BaileysLogger): Promise<DbAuthState> {
  const stored = await store.readCreds(sessionId);
  const creds = stored === undefined ? initAuthCreds() : (deserialise(stored) as AuthenticationCreds);
  const keys = makeCacheableSignalKeyStore(dbKeyStore(store, sessionId), logger);
  // Saves run one after another so an older snapshot can never overwrite a newer one.
  let saving: Promise<void> = Promise.resolve();
  return {
    state: { creds, keys },
    saveCreds() {
      const value = serialise(creds);
      saving = saving.catch(() => undefined).then(() => store.writeCreds(sessionId, value));
      return saving;
    },
    flush: () => saving.catch(() => undefined),
  };
}

/** Forgets a session's creds and keys (after logout, or when a link is beyond repair). */
export function clearAuthState(store: AuthStateStore, sessionId: string): Promise<void> {
  return store.clear(sessionId);
}

function dbKeyStore(store: AuthStateStore, sessionId: string): SignalKeyStore {
  return {
    async get<T extends keyof SignalDataTypeMap>(type: T, ids: string[]) {
      const rows = await store.readKeys(sessionId, type, ids);
      const found: Record<string, SignalDataTypeMap[T]> = {};
      for (const [id, raw] of rows) found[id] = revive(type, deserialise(raw));
      return found;
    },
    async set(data: SignalDataSet) {
      const entries: { category: string; id: string; value: string | null }[] = [];
      for (const [category, values] of Object.entries(data)) {
        for (const [id, value] of Object.entries(values)) {
          entries.push({ category, id, value: value === null || value === undefined ? null : serialise(value) });
        }
      }
      await store.writeKeys(sessionId, entries);
    },
  };
}

function revive<T extends keyof SignalDataTypeMap>(type: T, value: unknown): SignalDataTypeMap[T] {
  // JSON loses the protobuf class, and baileys calls its methods on app-state keys.
  if (type === 'app-state-sync-key') {
    return proto.Message.AppStateSyncKeyData.fromObject(value as Record<string, unknown>) as unknown as SignalDataTypeMap[T];
  }
  return value as SignalDataTypeMap[T];
}
