import { describe, expect, it } from 'vitest';
import { mayReceive } from '../../../src/api/ws/ws-gateway.js';
import type { EventEnvelope } from '../../../src/events/event-catalogue.js';

const qr: EventEnvelope = {
  event: 'qr:update',
  data: { sessionId: 'a', qr: 'x', qrDataUrl: 'data:', expiresAt: '' },
  scope: { businessUnit: 'Marketing', sessionId: 'a' },
};
const status: EventEnvelope = {
  event: 'session:status',
  data: { sessionId: 'a', status: 'connected', reason: null, phone: null, name: null, at: '' },
  scope: { businessUnit: 'Marketing', sessionId: 'a' },
};

describe('who receives an event', () => {
  it('gives QR codes only to a ticket for that very session', () => {
    expect(mayReceive({ businessUnit: 'Marketing', sessionId: 'a' }, qr)).toBe(true);
    expect(mayReceive({ businessUnit: 'Marketing', sessionId: 'b' }, qr)).toBe(false);
    expect(mayReceive({ businessUnit: null }, qr)).toBe(false);
    expect(mayReceive({ businessUnit: 'Marketing' }, qr)).toBe(false);
  });

  it('gives status events to the general ticket of the unit, or of every unit', () => {
    expect(mayReceive({ businessUnit: null }, status)).toBe(true);
    expect(mayReceive({ businessUnit: 'Marketing' }, status)).toBe(true);
    expect(mayReceive({ businessUnit: 'Finance' }, status)).toBe(false);
    expect(mayReceive({ businessUnit: 'Marketing', sessionId: 'b' }, status)).toBe(false);
  });
});
