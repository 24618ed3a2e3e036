import { createApiKeyRepository, type ApiKeyRepository } from './api-key.repository.js';
import type { DatabaseHandle } from './database.js';
import { createSessionConfigRepository, type SessionConfigRepository } from './session-config.repository.js';

/** Every repository over one database; the one thing services receive from the store. */
export interface Store {
  sessions: SessionConfigRepository;
  apiKeys: ApiKeyRepository;
}

export function createStore(handle: DatabaseHandle): Store {
  return {
    sessions: createSessionConfigRepository(handle.db),
    apiKeys: createApiKeyRepository(handle.db),
  };
}
