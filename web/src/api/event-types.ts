// The events of the API's WebSocket (`{event, data}` frames): the server's own catalogue, read
// for its types only (nothing of it reaches the bundle), so the console cannot drift from it.
import type { EventCatalogue } from '../../../src/events/event-catalogue.js';

export type { BlastFigures } from '../../../src/core/blast.js';
export type { BlastProgress, EventName } from '../../../src/events/event-catalogue.js';

/** The events of the API (see the README's event table). */
export type EventMap = EventCatalogue;
export type Frame = { [K in keyof EventMap]: { event: K; data: EventMap[K] } }[keyof EventMap];
