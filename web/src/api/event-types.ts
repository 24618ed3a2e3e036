import type { components } from './schema.js';

// The events of the API's WebSocket (`{event, data}` frames), as the console reads them. They are
// the server's src/events/event-catalogue.ts seen from outside: test/unit/web-event-types.test.ts
// fails the typecheck when the two drift apart.

export interface BlastFigures {
  total: number;
  sent: number;
  failed: number;
  skipped: number;
  delivered: number;
  read: number;
  pending: number;
}

export interface BlastProgress extends BlastFigures {
  blastId: string;
  status: 'importing' | 'scheduled' | 'running' | 'paused' | 'completed' | 'cancelled' | 'failed';
  ratePerMinute: number | null;
  eta: string | null;
}

/** The events of the API (see the README's event table). */
export interface EventMap {
  'qr:update': { sessionId: string; qr: string; qrDataUrl: string; expiresAt: string };
  'pairing:code': { sessionId: string; code: string; expiresAt: string };
  'session:status': {
    sessionId: string;
    status: components['schemas']['Session']['status'];
    reason: string | null;
    phone: string | null;
    name: string | null;
    at: string;
  };
  'list:progress': {
    listId: string;
    status: 'importing' | 'ready' | 'failed';
    counts: { rows: number; valid: number; duplicates: number; invalid: number; blank: number };
    error: { code: string; message: string } | null;
  };
  'blast:started': { blastId: string; name: string; total: number; startedAt: string };
  'blast:progress': BlastProgress;
  'blast:paused': { blastId: string; reason: string; detail: string | null; at: string };
  'blast:resumed': { blastId: string; at: string };
  'blast:completed': BlastProgress & { completedAt: string; error: { code: string; message: string } | null };
}

export type EventName = keyof EventMap;
export type Frame = { [K in EventName]: { event: K; data: EventMap[K] } }[EventName];

