import { bandRank } from '../core/health.js';
import type { SessionConfig } from '../core/session-config.js';
import type { Metrics } from '../observability/metrics.js';
import type { Store } from '../store/store.js';

/**
 * The health of each session this worker owns, read from the database when scraped (issue 17):
 * `wab_session_health_score` (0–100) and `wab_session_health_band` (0 healthy, 1 watch, 2 at risk,
 * 3 stop: alert on 2 and above). A session never assessed has neither.
 */
export function registerHealthGauges(metrics: Pick<Metrics, 'gauge'>, store: Pick<Store, 'health'>, sessions: { ownedConfigs(): SessionConfig[] }): void {
  const healths = async () => {
    const owned = sessions.ownedConfigs();
    const stored = await store.health.getMany(owned.map((config) => config.uid));
    return owned.flatMap((config) => {
      const health = stored.get(config.uid);
      return health ? [{ session: config.id, health }] : [];
    });
  };
  metrics.gauge('wab_session_health_score', 'Health score (0-100) of each session this worker owns, as last assessed.', ['session'], async (set) => {
    for (const { session, health } of await healths()) set({ session }, health.score);
  });
  metrics.gauge('wab_session_health_band', 'Health band of each session this worker owns: 0 healthy, 1 watch, 2 at_risk, 3 stop.', ['session'], async (set) => {
    for (const { session, health } of await healths()) set({ session }, bandRank(health.band));
  });
}
