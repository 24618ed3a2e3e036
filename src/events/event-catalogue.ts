import type { BlastFigures } from '../core/blast.js';
import type { BlastStatus } from '../core/blast-state.js';
import type { HealthBand, HealthReason } from '../core/health.js';
import type { ReplyKind } from '../core/reply.js';

/**
 * Every event that crosses processes (worker → Redis pub/sub → every api → WebSocket clients),
 * with its payload. Both roles import this file; the WebSocket frame is `{event, data}`.
 */
export const SESSION_STATUSES = ['disconnected', 'connecting', 'qr', 'connected', 'logged_out', 'failed', 'paused'] as const;
export type SessionStatus = (typeof SESSION_STATUSES)[number];

export interface EventCatalogue {
  'qr:update': { sessionId: string; qr: string; qrDataUrl: string; expiresAt: string };
  'pairing:code': { sessionId: string; code: string; expiresAt: string };
  'session:status': {
    sessionId: string;
    status: SessionStatus;
    reason: string | null;
    phone: string | null;
    name: string | null;
    at: string;
  };
  /** An import's progress (a few times a second at most) and its end (status ready or failed). */
  'list:progress': {
    listId: string;
    status: 'importing' | 'ready' | 'failed';
    counts: { rows: number; valid: number; duplicates: number; invalid: number; blank: number };
    error: { code: string; message: string } | null;
  };
  'blast:started': { blastId: string; name: string; total: number; startedAt: string };
  /** Coalesced: a few frames a second at most, never one per message. */
  'blast:progress': BlastProgress;
  'blast:paused': { blastId: string; reason: string; detail: string | null; at: string };
  'blast:resumed': { blastId: string; at: string };
  /** The blast ended: completed, cancelled or failed (with its error). */
  'blast:completed': BlastProgress & { completedAt: string; error: { code: string; message: string } | null };
  /** A reply attributed to one of the blast's recipients, once stored (every reply, not only a row's first). */
  'message:replied': MessageReplied;
  /** A session's health moved to another band (issue 17): its score and the reasons, worst first. */
  'session:health': SessionHealthEvent;
}

export interface SessionHealthEvent {
  sessionId: string;
  score: number;
  band: HealthBand;
  previousBand: HealthBand;
  reasons: HealthReason[];
  at: string;
}

export interface MessageReplied {
  blastId: string;
  /** The recipient's seq in the list, and its row in the sheet (null when the list row is gone). */
  seq: number;
  row: number | null;
  phone: string;
  sessionId: string;
  kind: ReplyKind;
  /** The text or caption (at most 4,096 characters); null when none. */
  text: string | null;
  receivedAt: string;
  /** The reply was an opt-out keyword: the number was suppressed. */
  optOut: boolean;
}

export interface BlastProgress extends BlastFigures {
  blastId: string;
  status: BlastStatus;
  /** Recipients finished per minute over the last minute; null until there is enough to measure. */
  ratePerMinute: number | null;
  /** When the last pending recipient should be done at that rate (ISO); null when unknown. */
  eta: string | null;
}

export type EventName = keyof EventCatalogue;

export const EVENT_NAMES: readonly EventName[] = [
  'qr:update',
  'pairing:code',
  'session:status',
  'list:progress',
  'blast:started',
  'blast:progress',
  'blast:paused',
  'blast:resumed',
  'blast:completed',
  'message:replied',
  'session:health',
];

/** Events that carry a secret of the session (a code that links an account): only for its own ticket. */
export const SESSION_PRIVATE_EVENTS: ReadonlySet<EventName> = new Set<EventName>(['qr:update', 'pairing:code']);

/** Who may see an event: the unit it belongs to and the resources it is about. */
export interface EventScope {
  businessUnit: string;
  sessionId?: string;
  blastId?: string;
  listId?: string;
}

export interface EventEnvelope<N extends EventName = EventName> {
  event: N;
  data: EventCatalogue[N];
  scope: EventScope;
}

export function isEventName(value: unknown): value is EventName {
  return typeof value === 'string' && (EVENT_NAMES as readonly string[]).includes(value);
}

/**
 * Outbound webhooks' events (issue 18), the same happenings as the WebSocket events above in the
 * names of the public webhook contract. Adding one is a line here and a call to
 * `store.webhooks.emit` (or `writeWebhookEvents` inside the transaction of the change).
 */
export interface WebhookEventCatalogue {
  'blast.created': BlastEventData;
  'blast.started': BlastEventData;
  'blast.paused': BlastEventData;
  'blast.resumed': BlastEventData;
  'blast.completed': BlastEventData;
  'blast.cancelled': BlastEventData;
  'blast.failed': BlastEventData;
  /** Coalesced: at most one per blast per WEBHOOK_PROGRESS_INTERVAL_MS. */
  'blast.progress': BlastProgress;
  'message.sent': MessageEventData;
  'message.delivered': MessageEventData;
  'message.read': MessageEventData;
  'message.failed': MessageEventData;
  'message.skipped': MessageEventData;
  /** Replies attributed to a blast's recipient (one item per reply, written in the reply's own transaction). */
  'message.replied': ReplyEventData;
  'optout.added': OptOutEventData;
  'optout.removed': OptOutEventData;
  /** A status change, or a change of the session's health band (`reason` `health:<band>`, with `health`; the status is the session's own). */
  'session.status': EventCatalogue['session:status'] & { health?: SessionHealthEvent };
  'list.ready': EventCatalogue['list:progress'];
  'list.failed': EventCatalogue['list:progress'];
  /** POST /api/webhooks/:id/test. */
  'webhook.test': { endpointId: string; message: string };
  /** An endpoint failing for 5 days in a row was disabled (sent to the unit's other endpoints). */
  'webhook.disabled': { endpointId: string; url: string; reason: string; failingSince: string | null };
}

export type WebhookEventType = keyof WebhookEventCatalogue;

export const WEBHOOK_EVENT_TYPES: readonly WebhookEventType[] = [
  'blast.created',
  'blast.started',
  'blast.paused',
  'blast.resumed',
  'blast.completed',
  'blast.cancelled',
  'blast.failed',
  'blast.progress',
  'message.sent',
  'message.delivered',
  'message.read',
  'message.failed',
  'message.skipped',
  'message.replied',
  'optout.added',
  'optout.removed',
  'session.status',
  'list.ready',
  'list.failed',
  'webhook.test',
  'webhook.disabled',
];

export function isWebhookEventType(value: unknown): value is WebhookEventType {
  return typeof value === 'string' && (WEBHOOK_EVENT_TYPES as readonly string[]).includes(value);
}

/** A blast's lifecycle event: its state as the change left it. */
export interface BlastEventData {
  blastId: string;
  name: string;
  status: BlastStatus;
  total: number;
  sent: number;
  failed: number;
  skipped: number;
  delivered: number;
  read: number;
  pause: { reason: string; detail: string | null } | null;
  error: { code: string; message: string } | null;
  at: string;
}

/** Per-recipient events come batched: up to WEBHOOK_MAX_ITEMS items per event. */
export interface MessageEventData {
  items: MessageEventItem[];
}

export interface MessageEventItem {
  blastId: string;
  /** The recipient's row in the uploaded sheet; null when unknown. */
  row: number | null;
  phone: string;
  messageId: string | null;
  reason: string | null;
  at: string;
}

export interface ReplyEventData {
  items: ReplyEventItem[];
}

export interface ReplyEventItem {
  blastId: string;
  /** The recipient's row in the uploaded sheet; null when unknown. */
  row: number | null;
  phone: string;
  sessionId: string;
  /** WhatsApp's id of the reply (not of the blast's message). */
  messageId: string;
  kind: string;
  /** The text, or a media reply's caption; null when none. */
  text: string | null;
  /** An opt-out keyword (the number was suppressed for it). */
  optOut: boolean;
  /** The recipient's first reply to the blast (it set repliedAt and counted in `replied`). */
  first: boolean;
  at: string;
}

export interface OptOutEventData {
  items: { phone: string; reason: string | null; source: string; at: string }[];
}

/** The JSON body of every webhook request. */
export interface WebhookEnvelope<T extends WebhookEventType = WebhookEventType> {
  id: string;
  type: T;
  createdAt: string;
  businessUnit: string;
  data: WebhookEventCatalogue[T];
}
