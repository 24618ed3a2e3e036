export const API_KEY_ROLES = ['admin', 'operator'] as const;
export type ApiKeyRole = (typeof API_KEY_ROLES)[number];

/** An API key as it may be shown: never the secret, never its hash. */
export interface ApiKey {
  id: string;
  name: string;
  prefix: string;
  role: ApiKeyRole;
  businessUnit: string | null;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}
