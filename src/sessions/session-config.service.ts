import { randomUUID } from 'node:crypto';
import { assertCanWriteUnit, canSee, scopedUnit, type Principal } from '../auth/principal.js';
import { defaultPacing, pacingProblems, type PacingPolicy } from '../core/pacing.js';
import type { SandboxConfig } from '../core/sandbox-config.js';
import type { ProviderKind, SessionConfig, SessionRef } from '../core/session-config.js';
import { Conflict, SessionNotFound, ValidationFailed } from '../errors/app-error.js';
import type { Clock } from '../infra/clock.js';
import type { BlastControl } from '../blasts/blast-control.js';
import type { BlastRepository } from '../store/blast.repository.js';
import type { SessionConfigPatch, SessionConfigRepository } from '../store/session-config.repository.js';

export interface CreateSessionConfigInput {
  id: string;
  friendlyName: string;
  businessUnit?: string | undefined;
  provider?: ProviderKind | undefined;
  checkNumbers?: boolean | undefined;
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
  /** Refused (SESSION_IN_USE) while a blast made with the session has not ended, unless `cancelBlasts` cancels them first. */
  /** The session deleted (its identity, for what it leaves behind). */
  delete(principal: Principal, id: string, options?: { cancelBlasts?: boolean | undefined }): Promise<SessionRef>;
}

export function createSessionConfigService(deps: {
  repository: SessionConfigRepository;
  /** Which blasts use a session, and how to end them. */
  blasts: Pick<BlastRepository, 'unfinishedForSession'>;
  blastControl: Pick<BlastControl, 'cancel' | 'failIfOrphaned'>;
  clock: Clock;
}): SessionConfigService {
  const { repository, blasts, blastControl, clock } = deps;

  /**
   * A session stays in its unit, and exists, as long as blasts made with it have not ended: a blast
   * is sent only by the very session it was made with, in its own unit (a session that left would
   * strand it, and one re-created with the id never sends it).
   */
  async function assertNotInUse(session: SessionConfig, change: string): Promise<void> {
    const blastIds = await blasts.unfinishedForSession(session);
    if (blastIds.length === 0) return;
    throw new Conflict(
      'SESSION_IN_USE',
      `Session "${session.id}" cannot be ${change}: blasts made with it have not ended (${blastIds.join(', ')}); cancel them or let them finish first.`,
      { blastIds },
    );
  }

  /**
   * Blasts that slipped in between the check and the change (made with the session at that moment)
   * lose that session: others of theirs carry on; one with none left fails with SESSION_DELETED.
   */
  async function strandedAfter(session: SessionConfig): Promise<void> {
    for (const blastId of await blasts.unfinishedForSession(session)) await blastControl.failIfOrphaned(blastId);
  }

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
        uid: randomUUID(),
        friendlyName: input.friendlyName,
        businessUnit,
        provider,
        ...(input.checkNumbers === undefined ? {} : { checkNumbers: input.checkNumbers }),
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
        checkNumbers: patch.checkNumbers,
      };
      if (patch.sandbox !== undefined && current.provider !== 'sandbox') throw sandboxNotAllowed(current.provider);
      const moves = patch.businessUnit !== undefined && patch.businessUnit !== current.businessUnit;
      if (moves) await assertNotInUse(current, `moved to business unit "${patch.businessUnit ?? ''}"`);
      const updated = await repository.update(current, next, clock.now().toISOString());
      if (!updated) throw new SessionNotFound(id);
      if (moves) await strandedAfter(current);
      return updated;
    },

    async delete(principal, id, options = {}) {
      const current = await getVisible(principal, id);
      if (options.cancelBlasts === true) {
        for (const blastId of await blasts.unfinishedForSession(current)) await blastControl.cancel(blastId);
      }
      await assertNotInUse(current, 'deleted');
      if (!(await repository.delete(current))) throw new SessionNotFound(id);
      await strandedAfter(current);
      return { id: current.id, uid: current.uid };
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
