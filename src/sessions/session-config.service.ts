import { assertCanWriteUnit, canSee, scopedUnit, type Principal } from '../auth/principal.js';
import { defaultPacing, pacingProblems, type PacingPolicy } from '../core/pacing.js';
import type { SandboxConfig } from '../core/sandbox-config.js';
import type { ProviderKind, SessionConfig } from '../core/session-config.js';
import { SessionNotFound, ValidationFailed } from '../errors/app-error.js';
import type { Clock } from '../infra/clock.js';
import type { SessionConfigPatch, SessionConfigRepository } from '../store/session-config.repository.js';

export interface CreateSessionConfigInput {
  id: string;
  friendlyName: string;
  businessUnit?: string | undefined;
  provider?: ProviderKind | undefined;
  pacing?: PacingPatch | undefined;
  sandbox?: SandboxConfig | undefined;
}

export type UpdateSessionConfigInput = Omit<SessionConfigPatch, 'pacing'> & { pacing?: PacingPatch };

/** Fields to change; `window: null` / `warmup: null` remove that rule. */
export type PacingPatch = { [K in keyof PacingPolicy]?: PacingPolicy[K] | (K extends 'window' | 'warmup' ? null : never) };

export interface SessionConfigService {
  create(principal: Principal, input: CreateSessionConfigInput): Promise<SessionConfig>;
  get(principal: Principal, id: string): Promise<SessionConfig>;
  list(principal: Principal, filter: { businessUnit?: string | undefined }): Promise<SessionConfig[]>;
  update(principal: Principal, id: string, patch: UpdateSessionConfigInput): Promise<SessionConfig>;
  delete(principal: Principal, id: string): Promise<void>;
}

export function createSessionConfigService(deps: {
  repository: SessionConfigRepository;
  clock: Clock;
}): SessionConfigService {
  const { repository, clock } = deps;

  async function getVisible(principal: Principal, id: string): Promise<SessionConfig> {
    const config = await repository.get(id);
    if (!config || !canSee(principal, config.businessUnit)) throw new SessionNotFound(id);
    return config;
  }

  return {
    async create(principal, input) {
      const businessUnit = input.businessUnit ?? scopedUnit(principal);
      if (businessUnit === undefined) {
        throw new ValidationFailed('businessUnit is required.', [
          { field: 'businessUnit', message: 'is required for a key that is not limited to a business unit' },
        ]);
      }
      assertCanWriteUnit(principal, businessUnit);
      const provider = input.provider ?? 'baileys';
      if (input.sandbox !== undefined && provider !== 'sandbox') throw sandboxNotAllowed(provider);
      const now = clock.now().toISOString();
      const config: SessionConfig = {
        id: input.id,
        friendlyName: input.friendlyName,
        businessUnit,
        provider,
        pacing: mergePacing(defaultPacing(provider), input.pacing),
        sandbox: provider === 'sandbox' ? (input.sandbox ?? {}) : null,
        createdAt: now,
        updatedAt: now,
      };
      await repository.insert(config);
      return config;
    },

    get: getVisible,

    list(principal, filter) {
      const unit = scopedUnit(principal);
      if (unit !== undefined && filter.businessUnit !== undefined && filter.businessUnit !== unit) {
        return Promise.resolve([]);
      }
      return repository.list({ businessUnit: unit ?? filter.businessUnit });
    },

    async update(principal, id, patch) {
      const current = await getVisible(principal, id);
      if (patch.businessUnit !== undefined) assertCanWriteUnit(principal, patch.businessUnit);
      const next: SessionConfigPatch = {
        friendlyName: patch.friendlyName,
        businessUnit: patch.businessUnit,
        pacing: patch.pacing === undefined ? undefined : mergePacing(current.pacing, patch.pacing),
        sandbox: patch.sandbox,
      };
      if (patch.sandbox !== undefined && current.provider !== 'sandbox') throw sandboxNotAllowed(current.provider);
      const updated = await repository.update(id, next, clock.now().toISOString());
      if (!updated) throw new SessionNotFound(id);
      return updated;
    },

    async delete(principal, id) {
      await getVisible(principal, id);
      if (!(await repository.delete(id))) throw new SessionNotFound(id);
    },
  };
}

function mergePacing(base: PacingPolicy, patch: PacingPatch | undefined): PacingPolicy {
  const { window, warmup, ...rest } = patch ?? {};
  const merged: PacingPolicy = { ...base, ...rest };
  if (window === null) delete merged.window;
  else if (window !== undefined) merged.window = window;
  if (warmup === null) delete merged.warmup;
  else if (warmup !== undefined) merged.warmup = warmup;
  const problems = pacingProblems(merged);
  if (problems.length > 0) {
    throw new ValidationFailed(
      'The pacing policy is inconsistent.',
      problems.map((message) => ({ field: 'pacing', message })),
    );
  }
  return merged;
}

function sandboxNotAllowed(provider: ProviderKind): ValidationFailed {
  return new ValidationFailed('sandbox settings apply only to sessions with provider "sandbox".', [
    { field: 'sandbox', message: `not allowed for provider ${provider}` },
  ]);
}
