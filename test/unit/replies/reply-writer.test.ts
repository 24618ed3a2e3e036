import { describe, expect, it } from 'vitest';
import { ReplyWriter, ReplyWriterFull, type ReplyWriterDeps } from '../../../src/replies/reply-writer.js';
import type { IncomingReply, StoredReply } from '../../../src/store/reply.repository.js';

const reply = (messageId: string): IncomingReply => ({
  sessionUid: 'uid-s1',
  sessionId: 's1',
  businessUnit: 'Marketing',
  phone: '+6281210000001',
  messageId,
  kind: 'text',
  text: 'Thanks',
  optOut: false,
  receivedAt: '2026-03-01T10:00:00.000Z',
});
const stored = (incoming: IncomingReply): StoredReply => ({ ...incoming, attribution: null });

/** A repository whose transactions the test ends by hand: each call waits for commit() or fail(). */
function heldRepository() {
  const calls: { ids: string[]; commit: () => void; fail: (error: Error) => void }[] = [];
  let called: () => void = () => undefined;
  const replies: ReplyWriterDeps['replies'] = {
    recordMany: (batch) =>
      new Promise((resolve, reject) => {
        calls.push({
          ids: batch.map((item) => item.messageId),
          commit: () => {
            resolve(batch.map((item) => (item.messageId.startsWith('dup') ? undefined : stored(item))));
          },
          fail: reject,
        });
        called();
      }),
  };
  const nextCall = (): Promise<void> =>
    new Promise((resolve) => {
      called = resolve;
    });
  return { replies, calls, nextCall };
}

const deps = (replies: ReplyWriterDeps['replies']): ReplyWriterDeps => ({ replies, windowHours: 72, now: () => '2026-03-01T10:00:01.000Z' });

describe('the reply writer', () => {
  it('stores replies that arrive together in one transaction, and answers each caller with its own reply', async () => {
    const { replies, calls, nextCall } = heldRepository();
    const writer = new ReplyWriter(deps(replies), { lingerMs: 5 });
    const called = nextCall();
    const answers = Promise.all(['a', 'dup-b', 'c'].map((id) => writer.write(reply(id))));
    await called;
    expect(calls.map((call) => call.ids)).toEqual([['a', 'dup-b', 'c']]);
    calls[0]?.commit();
    expect((await answers).map((answer) => answer?.messageId)).toEqual(['a', undefined, 'c']);
  });

  it('writes a full batch without lingering, one transaction at a time, the next taking all that came meanwhile', async () => {
    const { replies, calls, nextCall } = heldRepository();
    const writer = new ReplyWriter(deps(replies), { maxBatch: 3, lingerMs: 600_000 });
    let called = nextCall();
    const first = Promise.all(['1', '2', '3'].map((id) => writer.write(reply(id))));
    await called;
    const second = Promise.all(['4', '5', '6', '7'].map((id) => writer.write(reply(id))));
    expect(calls).toHaveLength(1); // Still in the first transaction.
    called = nextCall();
    calls[0]?.commit();
    await first;
    await called;
    expect(calls.map((call) => call.ids)).toEqual([['1', '2', '3'], ['4', '5', '6']]);
    called = nextCall();
    calls[1]?.commit();
    await called;
    expect(calls[2]?.ids).toEqual(['7']);
    calls[2]?.commit();
    expect(await second).toHaveLength(4);
  });

  it('rejects the replies of a failed batch that fail again on their own, and stores the next batch', async () => {
    const { replies, calls, nextCall } = heldRepository();
    const writer = new ReplyWriter(deps(replies), { maxBatch: 2, lingerMs: 600_000 });
    let called = nextCall();
    const failed = ['x', 'y'].map((id) => writer.write(reply(id)));
    await called;
    const later = writer.write(reply('z'));
    for (const [index, ids] of [[0, ['x', 'y']], [1, ['x']], [2, ['y']]] as const) {
      called = nextCall();
      expect(calls[index]?.ids).toEqual(ids);
      calls[index]?.fail(new Error('disk full'));
      await called;
    }
    for (const answer of failed) await expect(answer).rejects.toThrow('disk full');
    // The next batch does not linger: the failed one held it.
    expect(calls[3]?.ids).toEqual(['z']);
    calls[3]?.commit();
    expect((await later)?.messageId).toBe('z');
  });

  it('on stop, writes what is waiting without lingering, and then writes each reply at once', async () => {
    const { replies, calls, nextCall } = heldRepository();
    const writer = new ReplyWriter(deps(replies), { lingerMs: 600_000 });
    const waiting = Promise.all(['p', 'q'].map((id) => writer.write(reply(id))));
    expect(calls).toHaveLength(0);
    let called = nextCall();
    const stopped = writer.stop();
    await called;
    calls[0]?.commit();
    await stopped;
    expect((await waiting).map((answer) => answer?.messageId)).toEqual(['p', 'q']);
    called = nextCall();
    const afterStop = writer.write(reply('r'));
    await called;
    calls[1]?.commit();
    expect((await afterStop)?.messageId).toBe('r');
  });

  it('refuses a reply past the bound on waiting ones, rather than holding it without bound', async () => {
    const { replies, calls, nextCall } = heldRepository();
    const writer = new ReplyWriter(deps(replies), { maxBatch: 2, maxWaiting: 3, lingerMs: 600_000 });
    const called = nextCall();
    const held = ['1', '2'].map((id) => writer.write(reply(id)));
    await called;
    const queued = ['3', '4', '5'].map((id) => writer.write(reply(id)));
    await expect(writer.write(reply('6'))).rejects.toThrow(ReplyWriterFull);
    let next = nextCall();
    calls[0]?.commit();
    await next;
    next = nextCall();
    calls[1]?.commit();
    await next;
    calls[2]?.commit();
    expect((await Promise.all([...held, ...queued])).map((answer) => answer?.messageId)).toEqual(['1', '2', '3', '4', '5']);
  });

  it('when a shared transaction fails, writes each of its replies on its own: one bad reply does not lose the others', async () => {
    const attempts: string[][] = [];
    const replies: ReplyWriterDeps['replies'] = {
      recordMany: (batch) => {
        attempts.push(batch.map((item) => item.messageId));
        if (batch.some((item) => item.messageId === 'bad')) return Promise.reject(new Error('invalid byte sequence'));
        return Promise.resolve(batch.map(stored));
      },
    };
    const writer = new ReplyWriter(deps(replies), { lingerMs: 5 });
    const outcomes = await Promise.allSettled(['a', 'bad', 'c'].map((id) => writer.write(reply(id))));
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(attempts).toEqual([['a', 'bad', 'c'], ['a'], ['bad'], ['c']]);
  });
});
