import { messageLimit } from '../../src/core/message-length.js';
import type { PacingPolicy } from '../../src/core/pacing.js';
import type { SessionConfig } from '../../src/core/session-config.js';
import { compileTemplate } from '../../src/core/template.js';
import type { Clock } from '../../src/infra/clock.js';
import type { Logger } from '../../src/logging/logger.js';
import type { MessagingProvider } from '../../src/providers/provider.js';
import type { PacingGate } from '../../src/sending/pacing-gate.js';
import type { SendContext, SenderHost } from '../../src/sending/sender-host.js';
import type { Store } from '../../src/store/store.js';

/** A pacing gate that grants what the allowance still holds (taking it), else asks to wait 5 ms. */
export function allowanceGate(allowance: { left: number }): PacingGate {
  return {
    reserveMany: (_session: string, _policy: unknown, _gapMs: number, _nowMs: number, _cap: number, count: number) => {
      const granted = Math.min(allowance.left, count);
      allowance.left -= granted;
      return Promise.resolve({ granted, waitMs: granted > 0 ? 0 : 5 });
    },
  } as unknown as PacingGate;
}

/**
 * The engine's part a session's sender loop needs (what blast-engine.ts hands it), over the real
 * store: one session, its provider, a gate; every blast's context built from the stored blast.
 * `overrides` replace any part (finishing, halts, caps).
 */
export function storeSenderHost(
  options: { store: Store; provider: MessagingProvider; config: SessionConfig; gate: PacingGate; clock: Clock; log: Logger; policy: PacingPolicy; withMedia: boolean },
  overrides: Partial<SenderHost> = {},
): SenderHost {
  const { store, provider, config, gate, clock, log, policy, withMedia } = options;
  return {
    deps: { store, sessions: { owned: (id) => (id === config.id ? { provider, config, token: 1 } : undefined) }, gate, clock, log },
    claimBatch: 10,
    pollMs: 5,
    numberCheckTtl: { foundMs: 86_400_000, notFoundMs: 3_600_000 },
    retryDelaysMs: [],
    activeBlasts: (session) => store.blasts.activeForSession(session),
    context: async (blastId): Promise<SendContext | undefined> => {
      const blast = await store.blasts.get(blastId);
      if (!blast) return undefined;
      const loadedAtMs = clock.now().getTime();
      const health = { band: 'healthy' as const, pause: false, scope: 'prefer' as const, newChats: null };
      return { blast, compiled: compileTemplate(blast.message), maxLength: messageLimit(withMedia).limit, policy, dailyCap: 1_000, cappedUntilMs: undefined, health, loadedAtMs };
    },
    touched: () => undefined,
    finishIfDone: () => Promise.resolve(),
    restricted: () => Promise.resolve(),
    beforeBlast: () => Promise.resolve(),
    cappedUntilMs: () => undefined,
    haltEpoch: () => 0,
    isHalting: () => false,
    counted: () => undefined,
    ...overrides,
  };
}
