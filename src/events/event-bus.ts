import type { Redis } from '../infra/redis.js';
import type { Logger } from '../logging/logger.js';
import { isEventName, type EventCatalogue, type EventEnvelope, type EventName, type EventScope } from './event-catalogue.js';

export interface EventPublisher {
  publish<N extends EventName>(event: N, data: EventCatalogue[N], scope: EventScope): Promise<void>;
}

export function eventsChannel(prefix: string): string {
  return `${prefix}:events`;
}

export function createEventPublisher(redis: Redis, prefix: string): EventPublisher {
  const channel = eventsChannel(prefix);
  return {
    async publish(event, data, scope) {
      const envelope = { event, data, scope };
      await redis.publish(channel, JSON.stringify(envelope));
    },
  };
}

/**
 * Listens on the events channel with its own connection (a subscribed connection can do
 * nothing else) and hands each well-formed envelope to `onEvent`. Returns a stop function.
 */
export async function subscribeToEvents(
  subscriber: Redis,
  prefix: string,
  log: Logger,
  onEvent: (envelope: EventEnvelope) => void,
): Promise<() => Promise<void>> {
  const channel = eventsChannel(prefix);
  subscriber.on('message', (from: string, message: string) => {
    if (from !== channel) return;
    const envelope = parseEnvelope(message);
    if (envelope) onEvent(envelope);
    else log.warn({ channel }, 'ignored a malformed event');
  });
  await subscriber.subscribe(channel);
  return async () => {
    await subscriber.unsubscribe(channel);
  };
}

function parseEnvelope(message: string): EventEnvelope | undefined {
  try {
    const parsed = JSON.parse(message) as Partial<EventEnvelope>;
    if (!isEventName(parsed.event) || typeof parsed.data !== 'object' || typeof parsed.scope?.businessUnit !== 'string') {
      return undefined;
    }
    return parsed as EventEnvelope;
  } catch {
    return undefined;
  }
}
