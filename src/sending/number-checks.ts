import { checkExpiresAt, type NumberCheck, type NumberCheckTtl } from '../core/number-check.js';
import type { Clock } from '../infra/clock.js';
import type { Logger } from '../logging/logger.js';
import { ProviderError, type MessagingProvider } from '../providers/provider.js';
import type { Store } from '../store/store.js';

/**
 * Most numbers asked about at once, just before the first of them is sent to. A number is asked
 * for in the step that sends to it (session-sender.ts), so checks go at the session's pace: one
 * number per message while there is a gap between messages (the pacing gate grants one send per
 * step), at most this many ahead of the next message when the gap is zero. The provider asks
 * WhatsApp one number at a time (baileys.provider.ts checkNumbers says why).
 */
export const CHECK_AHEAD = 5;

/** Why the session must stop sending, when a number check says so. */
export type CheckStop = { stop: 'not_connected' } | { stop: 'restricted'; detail: string };

/**
 * Asks WhatsApp about `phones` (none answered yet), adds its answers to `checks` and keeps them in
 * `scope` (core/number-check.ts numberCheckScope) until they expire. Returns why sending must
 * stop, if it must: the link is down, or the check itself met a restriction (rate-overlimit), as a
 * send would. Any other failure sends without the check, to the address built from the number.
 */
export async function askWhatsApp(
  deps: { store: Store; clock: Clock; log: Logger; ttl: NumberCheckTtl; sessionId: string },
  scope: string,
  provider: MessagingProvider,
  phones: string[],
  checks: Map<string, NumberCheck>,
): Promise<CheckStop | undefined> {
  let answers: Map<string, NumberCheck>;
  try {
    answers = await provider.checkNumbers(phones);
  } catch (error) {
    if (error instanceof ProviderError && error.kind === 'not_connected') return { stop: 'not_connected' };
    if (error instanceof ProviderError && error.kind === 'restricted') return { stop: 'restricted', detail: error.message };
    deps.log.warn({ sessionId: deps.sessionId, err: error }, 'number check failed; sending without it');
    for (const phone of phones) checks.set(phone, { onWhatsApp: true });
    return undefined;
  }
  const now = deps.clock.now();
  const kept = phones.map((phone) => {
    const check = answers.get(phone) ?? { onWhatsApp: false };
    checks.set(phone, check);
    return { phone, check, expiresAt: checkExpiresAt(check, now, deps.ttl).toISOString() };
  });
  await deps.store.numberChecks.remember(scope, kept, now.toISOString());
  return undefined;
}
