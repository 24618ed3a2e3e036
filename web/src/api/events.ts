import { signal } from '@preact/signals';
import { api, ApiError, call } from './client';

// The WebSocket side of the public API: a ticket from GET /api/ws-ticket, then
// ws://host/?ticket=…, which streams {event, data} frames. Tickets are single-use and short-lived,
// so every (re)connection takes a fresh one.

export type { BlastFigures, BlastProgress, EventMap, EventName, Frame } from './event-types.js';
import type { Frame } from './event-types.js';

/** What the socket watches: everything the key may see, one session (needed for QR codes), or one blast. */
export interface EventScope {
  sessionId?: string;
  blastId?: string;
}

export type ConnectionState = 'connecting' | 'open' | 'reconnecting' | 'closed';

export interface EventStream {
  readonly state: ConnectionState;
  close(): void;
}

const BACKOFF_MS = [1_000, 2_000, 4_000, 8_000, 15_000];

/**
 * Opens a socket and keeps it open: after a drop it reconnects by itself with a fresh ticket
 * (1 s, 2 s, 4 s … 15 s apart). `onState` tells the screen so it can say "reconnecting".
 * A refused key (401 on the ticket) stops it: the app signs out.
 */
export function openEvents(
  scope: EventScope,
  onFrame: (frame: Frame) => void,
  onState?: (state: ConnectionState, detail?: string) => void,
): EventStream {
  let socket: WebSocket | undefined;
  let state: ConnectionState = 'connecting';
  let attempt = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let closed = false;

  const setState = (next: ConnectionState, detail?: string): void => {
    state = next;
    onState?.(next, detail);
  };

  const retry = (detail: string): void => {
    if (closed) return;
    setState('reconnecting', detail);
    const delay = BACKOFF_MS[Math.min(attempt, BACKOFF_MS.length - 1)] ?? 15_000;
    attempt += 1;
    timer = setTimeout(() => void connect(), delay);
  };

  const connect = async (): Promise<void> => {
    let ticket: string;
    try {
      const query: EventScope = {};
      if (scope.sessionId !== undefined) query.sessionId = scope.sessionId;
      if (scope.blastId !== undefined) query.blastId = scope.blastId;
      ticket = (await call(api.GET('/api/ws-ticket', { params: { query } }))).ticket;
    } catch (error) {
      if (error instanceof ApiError && error.status >= 400 && error.status < 500 && error.status !== 429) {
        closed = true;
        setState('closed', error.message);
        return;
      }
      retry('The server cannot be reached.');
      return;
    }
    if (closed) return;
    const protocol = window.location.protocol === 'https:' ? 'wss:' : 'ws:';
    const ws = new WebSocket(`${protocol}//${window.location.host}/?ticket=${encodeURIComponent(ticket)}`);
    socket = ws;
    ws.onopen = () => {
      attempt = 0;
      setState('open');
    };
    ws.onmessage = (message: MessageEvent<string>) => {
      try {
        onFrame(JSON.parse(message.data) as Frame);
      } catch {
        // A frame that is not JSON is not ours to act on.
      }
    };
    ws.onclose = (event) => {
      if (socket !== ws) return;
      socket = undefined;
      // 4401: the ticket was refused (expired before use): a fresh one fixes it.
      retry(event.code === 4401 ? 'The ticket expired; getting a new one.' : 'The live connection was lost.');
    };
  };

  void connect();
  return {
    get state() {
      return state;
    },
    close() {
      closed = true;
      if (timer !== undefined) clearTimeout(timer);
      const ws = socket;
      socket = undefined;
      ws?.close(1000, 'done');
      setState('closed');
    },
  };
}

/** The app-wide stream (everything the key may see), for the header's live indicator and screens. */
export const liveState = signal<ConnectionState>('closed');
export const liveDetail = signal<string | undefined>(undefined);
type Listener = (frame: Frame) => void;
const listeners = new Set<Listener>();
let shared: EventStream | undefined;

export function startLiveEvents(): void {
  shared?.close();
  shared = openEvents(
    {},
    (frame) => {
      for (const listener of listeners) listener(frame);
    },
    (state, detail) => {
      liveState.value = state;
      liveDetail.value = detail;
    },
  );
}

export function stopLiveEvents(): void {
  shared?.close();
  shared = undefined;
}

/** Listens to the app-wide stream; returns the function that stops listening. */
export function onLiveEvent(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}
