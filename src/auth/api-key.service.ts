import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { ApiKey, ApiKeyRole } from '../core/api-key.js';
import { ApiKeyNotFound, ValidationFailed } from '../errors/app-error.js';
import type { Clock } from '../infra/clock.js';
import type { ApiKeyRepository } from '../store/api-key.repository.js';
import type { Principal } from './principal.js';

const SECRET_PREFIX = 'wab_';
/** last_used_at is a hint for operators, not an audit log: write it at most once a minute. */
const TOUCH_INTERVAL_MS = 60_000;

export interface CreateApiKeyInput {
  name: string;
  role: ApiKeyRole;
  businessUnit: string | null;
}

export interface ApiKeyService {
  create(input: CreateApiKeyInput): Promise<{ key: ApiKey; secret: string }>;
  list(): Promise<ApiKey[]>;
  revoke(id: string): Promise<ApiKey>;
  /** The principal for a presented secret, or undefined when it is unknown or revoked. */
  authenticate(secret: string): Promise<Principal | undefined>;
}

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

export function generateSecret(): string {
  return SECRET_PREFIX + randomBytes(32).toString('base64url');
}

export function createApiKeyService(deps: {
  repository: ApiKeyRepository;
  adminApiKey: string;
  clock: Clock;
  /** Tells every api process, which closes the key's sockets and voids its tickets. */
  onRevoked: (keyId: string) => Promise<void>;
  onTouchError?: (error: unknown) => void;
}): ApiKeyService {
  const { repository, clock } = deps;
  const adminHash = Buffer.from(hashSecret(deps.adminApiKey), 'hex');

  return {
    async create({ name, role, businessUnit }) {
      if (role === 'admin' && businessUnit !== null) {
        throw new ValidationFailed('An admin key cannot be limited to a business unit.', [
          { field: 'businessUnit', message: 'must be omitted when role is admin' },
        ]);
      }
      const secret = generateSecret();
      const key: ApiKey = {
        id: randomUUID(),
        name,
        prefix: secret.slice(0, SECRET_PREFIX.length + 6),
        role,
        businessUnit,
        createdAt: clock.now().toISOString(),
        lastUsedAt: null,
        revokedAt: null,
      };
      await repository.insert(key, hashSecret(secret));
      return { key, secret };
    },

    list: () => repository.list(),

    async revoke(id) {
      if (!(await repository.revoke(id, clock.now().toISOString()))) throw new ApiKeyNotFound(id);
      const key = await repository.get(id);
      if (!key) throw new ApiKeyNotFound(id);
      // Also when it was revoked before: a retry after a failed announcement finishes the job.
      await deps.onRevoked(id);
      return key;
    },

    async authenticate(secret) {
      const hash = hashSecret(secret);
      if (timingSafeEqual(Buffer.from(hash, 'hex'), adminHash)) return { kind: 'admin', keyId: null };
      const key = await repository.findActiveByHash(hash);
      if (!key) return undefined;
      const now = clock.now();
      if (key.lastUsedAt === null || now.getTime() - Date.parse(key.lastUsedAt) > TOUCH_INTERVAL_MS) {
        repository.touch(key.id, now.toISOString()).catch(deps.onTouchError ?? (() => undefined));
      }
      return key.role === 'admin'
        ? { kind: 'admin', keyId: key.id }
        : { kind: 'operator', keyId: key.id, businessUnit: key.businessUnit };
    },
  };
}
