import type { apiClient } from './http.js';
import type { EventSocket } from './ws-client.js';
import { isStatus } from './ws-client.js';

export type Call = ReturnType<typeof apiClient>;

/** Creates sandbox sessions that link themselves, and waits until each is connected. */
export async function linkedSandboxSessions(
  call: Call,
  events: EventSocket,
  ids: string[],
  options: { businessUnit?: string; sandbox?: Record<string, unknown>; pacing?: Record<string, unknown> } = {},
): Promise<void> {
  for (const id of ids) {
    const created = await call('POST', '/api/sessions/config', {
      id,
      friendlyName: `Sandbox ${id}`,
      businessUnit: options.businessUnit ?? 'Clinic',
      provider: 'sandbox',
      sandbox: { linkMode: 'auto', autoLinkMs: 20, deliveryDelayMs: 50, readDelayMs: 100, ...options.sandbox },
      ...(options.pacing ? { pacing: options.pacing } : {}),
    });
    if (created.status !== 201) throw new Error(`session ${id}: ${String(created.status)} ${JSON.stringify(created.json)}`);
    const connect = await call('POST', `/api/sessions/${id}/connect`);
    if (connect.status !== 202) throw new Error(`connect ${id}: ${String(connect.status)} ${JSON.stringify(connect.json)}`);
  }
  for (const id of ids) await events.waitFor(isStatus(id, 'connected'), `${id} connected`);
}

/** A CSV of `count` recipients with a name and a city column. */
export function recipientsCsv(count: number, firstNumber = 1): Buffer {
  const lines = ['Name,Phone,City'];
  for (let i = 0; i < count; i++) lines.push(`Person ${i + firstNumber},+6281${String(200_000_000 + i + firstNumber)},City ${i % 7}`);
  return Buffer.from(`${lines.join('\n')}\n`);
}

export interface BlastForm {
  fields: Record<string, string>;
  recipientsFile?: { name: string; data: Buffer };
  media?: { name: string; data: Buffer };
}

/** POST /api/blasts as multipart, as the seed's frontend sends it. */
export async function postBlast(url: string, key: string, form: BlastForm, headers: Record<string, string> = {}): Promise<{ status: number; json: Record<string, unknown> & { error?: { code: string } } }> {
  const body = new FormData();
  for (const [name, value] of Object.entries(form.fields)) body.append(name, value);
  if (form.recipientsFile) body.append('recipientsFile', new Blob([form.recipientsFile.data]), form.recipientsFile.name);
  if (form.media) body.append('media', new Blob([form.media.data]), form.media.name);
  const response = await fetch(`${url}/api/blasts`, { method: 'POST', headers: { authorization: `Bearer ${key}`, ...headers }, body });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> & { error?: { code: string } } };
}

export interface OutboxItem {
  messageId: string;
  to: string;
  text: string;
  mediaKind: string | null;
  firstAt: string;
  repeats: number;
}

interface OutboxPage {
  items: OutboxItem[];
  next: number | null;
  total: number;
  repeats: number;
}

/** Everything a sandbox session accepted. */
export async function outboxOf(call: Call, sessionId: string): Promise<{ items: OutboxItem[]; total: number; repeats: number }> {
  const items: OutboxItem[] = [];
  let total = 0;
  let repeats = 0;
  for (let offset: number | null = 0; offset !== null; ) {
    const page: { status: number; json: OutboxPage } = await call<OutboxPage>('GET', `/api/sessions/${sessionId}/sandbox/outbox?limit=10000&offset=${offset}`);
    if (page.status !== 200) throw new Error(`outbox ${sessionId}: ${String(page.status)}`);
    items.push(...page.json.items);
    total = page.json.total;
    repeats = page.json.repeats;
    offset = page.json.next;
  }
  return { items, total, repeats };
}
