import { BAND_SLOWDOWN, bandPacing, enforcementOf, healthyDaysOf, newContactBudget, type HealthBand, type HealthModel, type HealthReason } from '../core/health.js';
import { newChatCapView, slowedPacing } from '../core/new-chat-cap.js';
import { budgetsNewContacts, effectiveDailyCap } from '../core/pacing.js';
import type { SessionConfig, SessionRestriction } from '../core/session-config.js';
import type { Store } from '../store/store.js';


/** The short form shown with every session (GET /api/sessions). */
export interface HealthSummary {
  score: number;
  band: HealthBand;
  bandSince: string | null;
  assessedAt: string | null;
}

/** GET /api/sessions/:id/health: the score, its reasons with figures, what the band does now, the budget and WhatsApp's own state. */
export interface SessionHealthView extends HealthSummary {
  sessionId: string;
  reasons: HealthReason[];
  /** An operator resumed a blast of it while stopped: it sends, at the at-risk pace, until its score drops below `score`. */
  acknowledged: { score: number; at: string | null } | null;
  enforcement: {
    /** The pace applied: delays multiplied and hourly cap divided by `slowdown`. */
    pace: HealthBand;
    slowdown: number;
    paused: boolean;
    /** Existing chats only (no message may open a new chat now). */
    existingChatsOnly: boolean;
    minDelayMs: number;
    maxDelayMs: number;
    hourlyCap: number;
    dailyCap: number;
  };
  /** Messages that open a new chat, over the last 24 hours; null when the session has no such budget (`pacing.newContacts: "off"`). */
  newContacts: { budget: number; used: number; left: number; healthyDays: number } | null;
  newChatCap: ReturnType<typeof newChatCapView>;
  restriction: SessionRestriction | null;
  model: { windowHours: number; bands: HealthModel['bands'] };
}

const NEVER_ASSESSED = { score: 100, band: 'healthy' as const, bandSince: null, assessedAt: null };

export async function healthSummaries(store: Store, configs: readonly SessionConfig[]): Promise<Map<string, HealthSummary>> {
  const stored = await store.health.getMany(configs.map((config) => config.uid));
  return new Map(
    configs.map((config) => {
      const health = stored.get(config.uid);
      return [config.uid, health ? { score: health.score, band: health.band, bandSince: health.bandSince, assessedAt: health.assessedAt } : NEVER_ASSESSED];
    }),
  );
}

export async function sessionHealthView(store: Store, config: SessionConfig, model: HealthModel, now: Date): Promise<SessionHealthView> {
  const nowMs = now.getTime();
  const [health, cap, restriction, linkedAt, used] = await Promise.all([
    store.health.get(config.uid),
    store.newChatCaps.get(config),
    store.sessions.restriction(config),
    store.sessions.linkedAt(config.id),
    store.health.newChatsLastDay(config.uid, nowMs),
  ]);
  const enforced = enforcementOf(health);
  const policy = bandPacing(slowedPacing(config.pacing, cap, now), enforced.pace);
  const linked = linkedAt === null ? null : new Date(linkedAt);
  let newContacts: SessionHealthView['newContacts'] = null;
  if (budgetsNewContacts(config.pacing, config.provider)) {
    const healthyDays = healthyDaysOf(linked, health?.unhealthyDays ?? 0, nowMs);
    const budget = newContactBudget(healthyDays, enforced.newContactShare);
    newContacts = { budget, used, left: Math.max(0, budget - used), healthyDays };
  }
  return {
    sessionId: config.id,
    ...(health ? { score: health.score, band: health.band, bandSince: health.bandSince, assessedAt: health.assessedAt } : NEVER_ASSESSED),
    reasons: health?.reasons ?? [],
    acknowledged: health?.acknowledgedScore != null ? { score: health.acknowledgedScore, at: health.acknowledgedAt } : null,
    enforcement: {
      pace: enforced.pace,
      slowdown: BAND_SLOWDOWN[enforced.pace],
      paused: enforced.pause,
      existingChatsOnly: enforced.newContactShare === 0 || newContacts?.left === 0,
      minDelayMs: policy.minDelayMs,
      maxDelayMs: policy.maxDelayMs,
      hourlyCap: policy.hourlyCap,
      dailyCap: effectiveDailyCap(policy, linked, now),
    },
    newContacts,
    newChatCap: newChatCapView(cap),
    restriction,
    model: { windowHours: model.windowHours, bands: model.bands },
  };
}
