import { describe, expectTypeOf, it } from 'vitest';
import type { EventCatalogue } from '../../../src/events/event-catalogue.js';
import type { EventMap } from '../../../web/src/api/event-types.js';

// The console is written against the WebSocket's events as the API documents them; the server
// publishes them from its catalogue. If either side changes a payload, `npm run typecheck` fails
// here (and so does this test, which vitest typechecks as it runs it).

describe('the console reads the events the server publishes', () => {
  it('has the same event names and payloads as the server catalogue', () => {
    expectTypeOf<EventMap>().toEqualTypeOf<EventCatalogue>();
  });
});
