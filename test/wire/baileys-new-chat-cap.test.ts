import { getBinaryNodeChild, type BinaryNode } from 'baileys';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createLogger } from '../../src/logging/logger.js';
import { createBaileysProvider } from '../../src/providers/baileys/baileys.provider.js';
import type { MessagingProvider } from '../../src/providers/provider.js';
import { eventOf, statusOf } from '../contract/provider.contract.js';
import { EventLog } from '../contract/provider-subject.js';
import { mexNotification, mexResult } from '../support/wa-stanzas.js';
import type { WaWire } from '../support/wa-wire.js';
import { linkedWire } from '../support/wire-setup.js';

// The real baileys socket, with only its Noise layer passed through (see wa-wire.ts).
vi.mock('baileys/lib/Utils/noise-handler.js', () => import('../support/pass-through-noise.js'));

const silent = createLogger('silent');
const SESSION = 'wire-cap';
/** Types/Mex.js QueryIds.MESSAGE_CAPPING_INFO: the query socket.js fetchNewChatMessageCap sends. */
const MESSAGE_CAPPING_QUERY = '24503548349331633';

describe("WhatsApp's new-chat cap over the wire (issue 15, item 2)", () => {
  const linked = linkedWire(SESSION);
  let wire: WaWire;
  let log: EventLog;
  let provider: MessagingProvider;

  beforeEach(async () => {
    ({ wire } = linked());
    const authStore = linked().store.authState;
    log = new EventLog();
    provider = createBaileysProvider({ sessionId: SESSION, authStore, sink: log.sink, logger: silent, createSocket: wire.createSocket });
    await provider.connect();
    await log.wait(statusOf('connected'));
  });
  afterEach(async () => {
    await provider.close();
  });

  it('a capping notification becomes a new-chat-cap event with its state, quota, usage and cycle end', async () => {
    const cycleEnd = new Date('2026-12-08T00:00:00Z');
    await wire.current.send(
      mexNotification({
        opName: 'MessageCappingInfoNotification',
        data: {
          xwa2_notify_new_chat_messages_capping_info_update: {
            total_quota: 250,
            used_quota: 200,
            cycle_start_timestamp: String(cycleEnd.getTime() / 1000 - 86_400),
            cycle_end_timestamp: String(cycleEnd.getTime() / 1000),
            capping_status: 'FIRST_WARNING',
          },
        },
      }),
    );
    const cap = await log.wait(eventOf('new-chat-cap'));
    expect(cap).toEqual({ type: 'new-chat-cap', state: 'FIRST_WARNING', quota: 250, used: 200, resetsAt: cycleEnd.toISOString() });
  });

  it('reads the cap with the mex query WhatsApp Web sends, and answers with what WhatsApp said', async () => {
    const queries: BinaryNode[] = [];
    wire.onQuery = (node) => {
      const query = getBinaryNodeChild(node, 'query');
      if (node.attrs.xmlns !== 'w:mex' || query?.attrs.query_id !== MESSAGE_CAPPING_QUERY || !node.attrs.id) return undefined;
      queries.push(query);
      return mexResult(node.attrs.id, {
        xwa2_message_capping_info: { total_quota: 250, used_quota: 250, cycle_end_timestamp: '1796774400', capping_status: 'CAPPED', ote_status: 'NOT_ELIGIBLE' },
      });
    };
    await expect(provider.newChatCap()).resolves.toEqual({ state: 'CAPPED', quota: 250, used: 250, resetsAt: new Date(1796774400 * 1000).toISOString() });
    expect(queries).toHaveLength(1);
    expect(JSON.parse(Buffer.from(queries[0]?.content as Uint8Array).toString('utf-8'))).toEqual({ variables: { input: { type: 'INDIVIDUAL_NEW_CHAT_MSG' } } });
  });

  it('a notification with an unknown state is ignored rather than taken for a cap', async () => {
    await wire.current.send(
      mexNotification({ opName: 'MessageCappingInfoNotification', data: { xwa2_notify_new_chat_messages_capping_info_update: { capping_status: 'SOMETHING_NEW' } } }),
    );
    await wire.current.send(
      mexNotification({ opName: 'MessageCappingInfoNotification', data: { xwa2_notify_new_chat_messages_capping_info_update: { capping_status: 'NONE', total_quota: 250, used_quota: 3 } } }),
    );
    await log.wait(eventOf('new-chat-cap'));
    expect(log.events.filter(eventOf('new-chat-cap'))).toEqual([{ type: 'new-chat-cap', state: 'NONE', quota: 250, used: 3, resetsAt: null }]);
  });
});
