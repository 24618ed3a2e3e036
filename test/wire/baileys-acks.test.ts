import type { BinaryNode } from 'baileys';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { messageIdFor } from '../../src/core/message-id.js';
import { createLogger } from '../../src/logging/logger.js';
import type { AuthStateStore } from '../../src/providers/auth-state.store.js';
import { createBaileysProvider } from '../../src/providers/baileys/baileys.provider.js';
import type { MessagingProvider, ProviderEvent } from '../../src/providers/provider.js';
import { eventOf, statusOf } from '../contract/provider.contract.js';
import { EventLog } from '../contract/provider-subject.js';
import { iqResult, messageAck } from '../support/wa-stanzas.js';
import type { WaWire } from '../support/wa-wire.js';
import { linkedWire } from '../support/wire-setup.js';

// The real baileys socket, with only its Noise layer passed through (see wa-wire.ts).
vi.mock('baileys/lib/Utils/noise-handler.js', () => import('../support/pass-through-noise.js'));

const silent = createLogger('silent');
const SESSION = 'wire-acks';
const RECIPIENT = '6281234567890@s.whatsapp.net';
/** Socket/socket.js fetchAccountReachoutTimelock: QueryIds.REACHOUT_TIMELOCK (Types/Mex.js). */
const REACHOUT_TIMELOCK_QUERY = '23983697327930364';

/** WhatsApp's answer to the time-lock query: Socket/mex.js executeWMexQuery reads JSON from a `result` child. */
function timelockAnswer(id: string, lock: { is_active: boolean; time_enforcement_ends?: string; enforcement_type?: string }): BinaryNode {
  const json = JSON.stringify({ data: { xwa2_fetch_account_reachout_timelock: lock } });
  return iqResult(id, [{ tag: 'result', attrs: {}, content: Buffer.from(json) }]);
}

/** Socket/messages-recv.js handleMexNotification → handleReachoutTimelockNotification: `<notification type="mex"><update op_name=…>` with JSON. */
function timelockNotification(id: string, lock: { is_active: boolean; time_enforcement_ends?: string }): BinaryNode {
  const json = JSON.stringify({ data: { xwa2_notify_account_reachout_timelock: lock } });
  return {
    tag: 'notification',
    attrs: { id, type: 'mex', from: 's.whatsapp.net', t: String(Math.floor(Date.now() / 1000)) },
    content: [{ tag: 'update', attrs: { op_name: 'NotificationUserReachoutTimelockUpdate' }, content: Buffer.from(json) }],
  };
}

const verdicts = (log: EventLog): ProviderEvent[] =>
  log.events.filter((event) => event.type === 'message-failed' || event.type === 'restricted' || event.type === 'restriction-lifted');

/** Error acks and the reach-out time-lock as WhatsApp sends them, through baileys' own handling (issue 15, item 1). */
describe('error acks over the wire', () => {
  const linked = linkedWire(SESSION);
  let authStore: AuthStateStore;
  let wire: WaWire;
  let log: EventLog;
  let provider: MessagingProvider;
  let timelockQueries: number;
  let timelock: { is_active: boolean; time_enforcement_ends?: string };

  beforeEach(async () => {
    ({ wire } = linked());
    authStore = linked().store.authState;
    timelockQueries = 0;
    timelock = { is_active: false };
    wire.onQuery = (node) => {
      const query = Array.isArray(node.content) ? node.content.find((child) => child.tag === 'query') : undefined;
      if (node.attrs.xmlns !== 'w:mex' || query?.attrs.query_id !== REACHOUT_TIMELOCK_QUERY || !node.attrs.id) return undefined;
      timelockQueries += 1;
      return timelockAnswer(node.attrs.id, timelock);
    };
    log = new EventLog();
    provider = createBaileysProvider({ sessionId: SESSION, authStore, sink: log.sink, logger: silent, createSocket: wire.createSocket, random: () => 0.5 });
    await provider.connect();
    await log.wait(statusOf('connected'));
  });
  afterEach(async () => {
    await provider.close();
  });

  it('463: the message failed with its code, the account is restricted, and the time-lock WhatsApp reports is its end', async () => {
    const ends = Math.floor(Date.now() / 1000) + 3_600;
    timelock = { is_active: true, time_enforcement_ends: String(ends), enforcement_type: 'DEFAULT' } as typeof timelock;
    const id = messageIdFor('blast-acks', 1);
    // handleBadAck needs no message sent before: the ack alone is WhatsApp's verdict.
    await wire.current.send(messageAck({ id, from: RECIPIENT, error: '463' }));
    await log.wait(eventOf('restricted', (event) => event.until !== undefined));
    expect(timelockQueries).toBe(1);
    // handleBadAck's 463 branch wins over its time-lock branch, but the text it adds is the time-lock's.
    const detail = 'WhatsApp refused the message (error 463: Your account has been restricted)';
    expect(verdicts(log)).toEqual([
      { type: 'message-failed', messageId: id, code: '463', detail },
      { type: 'restricted', reason: 'reachout_timelock', code: '463', detail },
      {
        type: 'restricted',
        reason: 'reachout_timelock',
        detail: `reachout timelock (DEFAULT) until ${new Date(ends * 1000).toISOString()}`,
        until: new Date(ends * 1000).toISOString(),
      },
    ]);
  });

  it('463 with no time-lock active: the restriction stands (no end known), nothing lifts it', async () => {
    const id = messageIdFor('blast-acks', 2);
    await wire.current.send(messageAck({ id, from: RECIPIENT, error: '463' }));
    await log.wait(eventOf('restricted'));
    await vi.waitFor(() => {
      expect(timelockQueries).toBe(1);
    });
    // The answer went through baileys (connection.update) before this second ack's events.
    await wire.current.send(messageAck({ id: messageIdFor('blast-acks', 3), from: RECIPIENT, error: '479' }));
    await log.wait(eventOf('message-failed', (event) => event.code === '479'));
    expect(verdicts(log).map((event) => event.type)).toEqual(['message-failed', 'restricted', 'message-failed']);
  });

  it('479: only the message failed; the account is not restricted and nothing is asked', async () => {
    const id = messageIdFor('blast-acks', 4);
    await wire.current.send(messageAck({ id, from: RECIPIENT, error: '479' }));
    await log.wait(eventOf('message-failed'));
    expect(verdicts(log)).toEqual([{ type: 'message-failed', messageId: id, code: '479', detail: 'WhatsApp refused the message (error 479)' }]);
    expect(timelockQueries).toBe(0);
  });

  it('an error ack for a message the product did not make is ignored', async () => {
    await wire.current.send(messageAck({ id: '3A1234567890ABCDEF', from: RECIPIENT, error: '463' }));
    await wire.current.send(messageAck({ id: messageIdFor('blast-acks', 5), from: RECIPIENT, error: '479' }));
    await log.wait(eventOf('message-failed'));
    expect(verdicts(log)).toHaveLength(1);
    expect(timelockQueries).toBe(0);
  });

  it('the reach-out time-lock notification restricts until its end, and its lifting lifts it', async () => {
    const ends = Math.floor(Date.now() / 1000) + 600;
    await wire.current.send(timelockNotification('n-1', { is_active: true, time_enforcement_ends: String(ends) }));
    await log.wait(eventOf('restricted'));
    await wire.current.send(timelockNotification('n-2', { is_active: false }));
    await log.wait(eventOf('restriction-lifted'));
    expect(verdicts(log)).toEqual([
      { type: 'restricted', reason: 'reachout_timelock', detail: `reachout timelock (DEFAULT) until ${new Date(ends * 1000).toISOString()}`, until: new Date(ends * 1000).toISOString() },
      { type: 'restriction-lifted', reason: 'reachout_timelock', detail: 'reachout timelock (DEFAULT) lifted' },
    ]);
  });
});
