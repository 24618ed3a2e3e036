import { drawGapMs, msUntilWindowOpens, typingMs } from '../core/pacing.js';
import { messageIdFor } from '../core/message-id.js';
import { checksNumbers, numberCheckScope, type NumberCheck } from '../core/number-check.js';
import type { SessionConfig } from '../core/session-config.js';
import { ProviderError, type MessagingProvider, type PreparedMedia } from '../providers/provider.js';
import type { ClaimedRecipient, Outcome } from '../store/blast.repository.js';
import { recipientText } from './message-text.js';
import { askWhatsApp, CHECK_AHEAD } from './number-checks.js';
import type { SendContext, SenderHost } from './sender-host.js';

/** What one step for one blast came to. */
type StepResult = { worked: true } | { worked: false; waitMs: number } | { stop: string };

/** What sending one recipient came to. */
type SendResult = { outcome: Outcome } | { stop: 'not_connected' | 'stopping' | 'halted' | 'capped' } | { stop: 'restricted'; detail: string };

const MAX_IDLE_WAIT_MS = 60_000;
/** How much sending one claimed batch should hold at most, at the measured speed. */
const BATCH_WORK_MS = 250;
/**
 * How long a blast's media upload is reused before it is uploaded again: WhatsApp's media URLs and
 * the worker's memory are not meant to be held for the life of a long blast.
 */
export const MEDIA_MAX_AGE_MS = 86_400_000;

/**
 * One connected session's loop: for each running blast it serves, in turn, book a send with
 * the pacing gate, claim that many recipients, send them under their fixed message ids and
 * record the outcomes. Stops when the session goes (disconnect, lease lost) or the worker stops.
 */
export class SessionSender {
  #stopping = false;
  #wake: (() => void) | undefined;
  #done: Promise<void> | undefined;
  /** Recipients claimed by this session under an earlier lease, to send before new ones. */
  readonly #carry = new Map<string, ClaimedRecipient[]>();
  readonly #reclaimed = new Set<string>();
  /** Blasts for which WhatsApp's new-chat cap was read before this loop started on them. */
  readonly #capRead = new Set<string>();
  /** Media uploaded to WhatsApp once per blast by this session, then reused for MEDIA_MAX_AGE_MS; dropped once the blast is not served any more. */
  readonly #media = new Map<string, { media: PreparedMedia; atMs: number }>();
  #rotation = 0;
  /** The delay drawn for the next message, kept until that message is booked (re-drawing on every wait would skew delays long). */
  #gapMs: number | undefined;
  /** Average time one send takes (ms): a batch is sized to about BATCH_WORK_MS of work, so pause and stop act quickly. */
  #sendMs = 0;

  constructor(
    private readonly engine: SenderHost,
    readonly sessionId: string,
  ) {}

  /** How many blasts' media uploads this loop holds. */
  get heldMedia(): number {
    return this.#media.size;
  }

  isStopping(): boolean {
    return this.#stopping;
  }

  wake(): void {
    this.#wake?.();
  }

  stop(): Promise<void> {
    this.#stopping = true;
    this.wake();
    return this.#done ?? Promise.resolve();
  }

  /** Runs until stopped; `previous` is an earlier loop of the same session that must end first. */
  run(previous?: Promise<void>): Promise<void> {
    this.#done = (async () => {
      await previous;
      await this.#loop();
    })();
    return this.#done;
  }

  async #loop(): Promise<void> {
    const { deps } = this.engine;
    while (!this.#stopping) {
      const owned = deps.sessions.owned(this.sessionId);
      if (!owned) return;
      const blasts = await this.engine.activeBlasts(owned.config);
      // A blast that ended (or that this session no longer serves) leaves no upload behind; one resumed uploads again.
      for (const blastId of this.#media.keys()) if (!blasts.some((blast) => blast.id === blastId)) this.#media.delete(blastId);
      if (blasts.length === 0) {
        await this.#sleep(this.engine.pollMs);
        continue;
      }
      let worked = false;
      let waitMs = this.engine.pollMs;
      const start = this.#rotation++ % blasts.length;
      for (const blast of [...blasts.slice(start), ...blasts.slice(0, start)]) {
        if (this.isStopping()) return;
        const result = await this.#step(blast.id, owned);
        if ('stop' in result) {
          deps.log.info({ sessionId: this.sessionId, reason: result.stop }, 'sender stopped');
          return;
        }
        if (result.worked) worked = true;
        else waitMs = Math.min(waitMs, result.waitMs);
      }
      if (!worked) await this.#sleep(Math.min(Math.max(waitMs, 1), MAX_IDLE_WAIT_MS));
    }
  }

  async #step(blastId: string, owned: { provider: MessagingProvider; config: SessionConfig; token: number }): Promise<StepResult> {
    const { deps } = this.engine;
    const { store, clock } = deps;
    if (!this.#capRead.has(blastId)) {
      this.#capRead.add(blastId);
      await this.engine.beforeBlast(owned.config);
    }
    const context = await this.engine.context(blastId, owned.config);
    if (context?.blast.status !== 'running') return { worked: false, waitMs: this.engine.pollMs };
    const nowIso = (): string => clock.now().toISOString();
    // The stored cap (in the context, reloaded every few seconds) and the one this worker just heard.
    const cappedForMs = Math.max(context.cappedUntilMs ?? 0, this.engine.cappedUntilMs(this.sessionId) ?? 0) - clock.now().getTime();
    if (cappedForMs > 0) return { worked: false, waitMs: cappedForMs };
    // Stopped by its health: the monitor pauses it on the blast; nothing goes out meanwhile.
    if (context.health.pause) return { worked: false, waitMs: this.engine.pollMs };

    if (!this.#reclaimed.has(blastId)) {
      this.#reclaimed.add(blastId);
      const orphans = await store.blasts.reclaim(blastId, this.sessionId, owned.token, nowIso());
      if (orphans.length > 0) {
        deps.log.info({ blastId, sessionId: this.sessionId, count: orphans.length }, 're-sending recipients claimed before a crash, with their first message ids');
        this.#carry.set(blastId, orphans);
      }
    }
    const carried = this.#carry.get(blastId) ?? [];

    // Taken before the check below: a restriction heard from here on stops this batch, even one written down before the claim.
    const epoch = this.engine.haltEpoch(this.sessionId);
    // A restriction was just heard: its pause is being written; nothing is claimed meanwhile.
    if (this.engine.isHalting(this.sessionId)) return { worked: false, waitMs: this.engine.pollMs };
    const closedFor = msUntilWindowOpens(context.policy, clock.now());
    if (closedFor > 0) return { worked: false, waitMs: closedFor };
    if (carried.length === 0 && !(await store.blasts.hasPending(blastId))) {
      await this.engine.finishIfDone(blastId);
      return { worked: false, waitMs: this.engine.pollMs };
    }
    // Existing chats only (its band, or its new-chat budget spent): none waiting, nothing is booked.
    if (carried.length === 0 && context.health.scope === 'chats' && !(await store.blasts.hasPending(blastId, this.sessionId))) {
      return { worked: false, waitMs: this.engine.pollMs };
    }

    const gapMs = Math.max(context.policy.minDelayMs, Math.min(context.policy.maxDelayMs, this.#gapMs ?? drawGapMs(context.policy, deps.random)));
    this.#gapMs = gapMs;
    const { granted, waitMs } = await deps.gate.reserveMany(
      this.sessionId,
      context.policy,
      gapMs,
      clock.now().getTime(),
      context.dailyCap,
      Math.max(1, Math.min(this.engine.claimBatch, Math.floor(BATCH_WORK_MS / Math.max(this.#sendMs, 0.1)))),
    );
    if (granted === 0) return { worked: false, waitMs };
    this.#gapMs = undefined;

    const recipients = carried.splice(0, granted);
    if (recipients.length < granted) {
      recipients.push(...(await store.blasts.claim(blastId, context.blast.listId, this.sessionId, owned.token, granted - recipients.length, nowIso(), context.health.scope)));
    }
    if (recipients.length === 0) return { worked: false, waitMs: 0 };
    return this.#send(context, owned, recipients, epoch);
  }

  async #send(
    context: SendContext,
    owned: { provider: MessagingProvider; config: SessionConfig; token: number },
    recipients: ClaimedRecipient[],
    epoch: number,
  ): Promise<StepResult> {
    const { deps } = this.engine;
    const { store, clock } = deps;
    const blast = context.blast;
    const suppressed = await store.suppressions.suppressed(blast.businessUnit, recipients.map((recipient) => recipient.phone));
    // stopOnReply: one query for the whole claimed batch (replies_unit_phone), not one per recipient.
    const replied = blast.stopOnReply
      ? await store.followUps.repliedSince({
          businessUnit: blast.businessUnit,
          sessionUids: blast.sessions.flatMap((session) => (session.sessionUid === null ? [] : [session.sessionUid])),
          parentId: blast.followUp?.of ?? null,
          since: blast.createdAt,
          phones: recipients.filter((recipient) => !suppressed.has(recipient.phone)).map((recipient) => recipient.phone),
        })
      : new Set<string>();
    const outcomes: Outcome[] = [];
    const skip = (recipient: ClaimedRecipient, reason: 'SUPPRESSED' | 'NOT_ON_WHATSAPP' | 'REPLIED', detail: string): void => {
      outcomes.push({ seq: recipient.seq, status: 'skipped', reason, detail, messageId: null, attempts: recipient.attempts, at: clock.now().toISOString() });
    };

    let stop: Extract<SendResult, { stop: string }> | undefined;
    const checking = checksNumbers(blast, owned.config);
    const scope = numberCheckScope(owned.config);
    const checks = checking ? await store.numberChecks.fresh(scope, recipients.map((recipient) => recipient.phone), clock.now().toISOString()) : new Map<string, NumberCheck>();

    let capped = false;
    let next = 0;
    for (; next < recipients.length && !stop; next++) {
      const recipient = recipients[next];
      if (!recipient) break;
      if (suppressed.has(recipient.phone)) {
        skip(recipient, 'SUPPRESSED', 'On the opt-out list of this business unit.');
        continue;
      }
      if (replied.has(recipient.phone)) {
        skip(recipient, 'REPLIED', 'Replied after the blast was created (stopOnReply).');
        continue;
      }
      if (checking && !checks.has(recipient.phone)) {
        const ask = recipients
          .slice(next)
          .map((later) => later.phone)
          .filter((phone) => !suppressed.has(phone) && !replied.has(phone) && !checks.has(phone))
          .slice(0, CHECK_AHEAD);
        const checked = await askWhatsApp({ ...deps, ttl: this.engine.numberCheckTtl, sessionId: this.sessionId }, scope, owned.provider, ask, checks);
        if (checked) {
          stop = checked;
          break;
        }
      }
      const check = checks.get(recipient.phone);
      if (check?.onWhatsApp === false) {
        skip(recipient, 'NOT_ON_WHATSAPP', 'This number has no WhatsApp account.');
        continue;
      }
      if (this.#stopping) {
        stop = { stop: 'stopping' };
        break;
      }
      // Heard before every message, not once a batch: WhatsApp's "stop" (a 463 ack) lets at most
      // the message already on its way go after it.
      if (this.engine.haltEpoch(this.sessionId) !== epoch || this.engine.isHalting(this.sessionId)) {
        stop = { stop: 'halted' };
        break;
      }
      // WhatsApp capped new chats while this batch was going out: the rest goes back for others.
      if (this.engine.cappedUntilMs(this.sessionId) !== undefined) {
        capped = true;
        break;
      }
      // A new chat past the session's budget for the day: it and the rest go back, for sessions that may (or a later day).
      const newChat = recipient.chatSessionId !== this.sessionId;
      if (newChat && context.health.newChats !== null && context.health.newChats.left <= 0) {
        context.health.scope = 'chats';
        capped = true;
        break;
      }
      const began = performance.now();
      const result = await this.#sendOne(context, owned.provider, recipient, check?.address, epoch);
      this.#sendMs = this.#sendMs * 0.8 + (performance.now() - began) * 0.2;
      if ('stop' in result && result.stop === 'capped') {
        capped = true;
        break;
      }
      if ('stop' in result) {
        stop = result;
        break;
      }
      if (newChat && result.outcome.status === 'sent' && context.health.newChats !== null) context.health.newChats.left -= 1;
      outcomes.push(result.outcome);
    }

    // Outcomes first (durable before anyone hears of them), then what was not sent goes back.
    await store.blasts.recordOutcomes(blast.id, owned.token, outcomes);
    if (outcomes.length > 0) this.engine.touched(blast.id);
    this.engine.counted(owned.config, outcomes, recipients);
    for (const outcome of outcomes) deps.metrics?.messages.inc({ session: this.sessionId, outcome: outcome.status });
    const unsent = recipients.slice(next).map((recipient) => recipient.seq);
    if (stop || capped) await store.blasts.release(blast.id, owned.token, unsent);
    if (capped) return { worked: false, waitMs: 0 };
    if (stop?.stop === 'restricted') {
      // This session stops sending for the blasts it serves; the loop stays, for blasts it may still serve.
      await this.engine.restricted(owned.config, { reason: 'rate_limited', detail: stop.detail });
      return { worked: false, waitMs: this.engine.pollMs };
    }
    // Halted: the loop goes on, for blasts the session may still send (the pause is in the database by its next step).
    if (stop?.stop === 'halted') return { worked: false, waitMs: this.engine.pollMs };
    if (stop) return { stop: stop.stop };
    return { worked: true };
  }

  async #sendOne(context: SendContext, provider: MessagingProvider, recipient: ClaimedRecipient, address: string | undefined, epoch: number): Promise<SendResult> {
    const { deps } = this.engine;
    const { clock } = deps;
    const blast = context.blast;
    const messageId = messageIdFor(blast.id, recipient.seq);
    const failed = (reason: 'SEND_FAILED' | 'REJECTED' | 'MESSAGE_TOO_LONG', detail: string, attempts: number): SendResult => ({
      outcome: { seq: recipient.seq, status: 'failed', reason, detail: detail.slice(0, 500), messageId, attempts, at: clock.now().toISOString() },
    });
    // Built no longer than the limit: a row whose values would pass it fails without being sent.
    const text = recipientText(context.compiled, blast.id, recipient, context.maxLength);
    if (text === undefined) {
      const what = blast.media === null ? 'a text message' : 'a media caption';
      return failed('MESSAGE_TOO_LONG', `With this row's values the message is longer than WhatsApp allows for ${what} (${context.maxLength} characters).`, recipient.attempts);
    }

    let attempts = recipient.attempts;
    for (let retry = 0; ; retry++) {
      attempts += 1;
      try {
        const media = await this.#preparedMedia(context, provider);
        const typing = typingMs(context.policy, text.length, blast.typing);
        if (typing > 0) {
          // As WhatsApp Web shows it: typing…, the pause, then the message.
          await provider.setTyping(recipient.phone, true, address);
          await this.#sleep(typing);
          await provider.setTyping(recipient.phone, false, address);
        }
        // Heard again right before it goes: a 463 (or a cap) may have come during the typing, a retry's wait or an
        // upload. The message then goes back unsent.
        if (this.engine.haltEpoch(this.sessionId) !== epoch || this.engine.isHalting(this.sessionId)) return { stop: 'halted' };
        if (this.engine.cappedUntilMs(this.sessionId) !== undefined) return { stop: 'capped' };
        const sent = await provider.send({ messageId, to: recipient.phone, text, ...(address === undefined ? {} : { address }), ...(media ? { media } : {}) });
        return { outcome: { seq: recipient.seq, status: 'sent', reason: null, detail: null, messageId, attempts, at: sent.at } };
      } catch (error) {
        const kind = error instanceof ProviderError ? error.kind : 'transient';
        const detail = error instanceof Error ? error.message : String(error);
        switch (kind) {
          case 'not_connected':
            return { stop: 'not_connected' };
          case 'restricted':
            return { stop: 'restricted', detail };
          case 'not_on_whatsapp':
            return { outcome: { seq: recipient.seq, status: 'skipped', reason: 'NOT_ON_WHATSAPP', detail, messageId: null, attempts, at: clock.now().toISOString() } };
          case 'permanent':
            return failed('REJECTED', detail, attempts);
          case 'transient': {
            const delay = this.engine.retryDelaysMs[retry];
            if (delay === undefined) return failed('SEND_FAILED', detail, attempts);
            deps.log.debug({ blastId: blast.id, seq: recipient.seq, attempts, err: error }, 'transient send failure; retrying');
            await this.#sleep(delay);
            if (this.#stopping) return { stop: 'stopping' };
          }
        }
      }
    }
  }

  async #preparedMedia(context: SendContext, provider: MessagingProvider): Promise<PreparedMedia | undefined> {
    const media = context.blast.media;
    if (!media) return undefined;
    const { store, clock, sessions } = this.engine.deps;
    const ready = this.#media.get(context.blast.id);
    if (ready && clock.now().getTime() - ready.atMs < MEDIA_MAX_AGE_MS) return ready.media;
    const uid = sessions.owned(this.sessionId)?.config.uid;
    if (uid === undefined) throw new ProviderError('not_connected', `Session ${this.sessionId} is not owned here any more.`);
    const chunks: Buffer[] = [];
    for await (const chunk of store.blobs.read(media.sha256)) chunks.push(chunk);
    const prepared = await provider.prepareMedia({
      kind: media.kind,
      data: Buffer.concat(chunks),
      mimetype: media.mimetype,
      ...(media.fileName === null ? {} : { fileName: media.fileName }),
    });
    const uploadedAt = clock.now();
    // Durable before any message uses it: a retry request for one of them is answered with this very upload.
    if (prepared.stored !== undefined) {
      await store.retryLedger.saveUpload({ blastId: context.blast.id, sessionUid: uid, uploadedAt: uploadedAt.toISOString(), kind: prepared.kind, upload: prepared.stored });
    }
    this.#media.set(context.blast.id, { media: prepared, atMs: uploadedAt.getTime() });
    return prepared;
  }

  /** Waits, unless woken (a signal, a stop) first. One sleep at a time: the loop is sequential. */
  #sleep(ms: number): Promise<void> {
    if (this.#stopping || ms <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const finish = (): void => {
        clearTimeout(timer);
        if (this.#wake === finish) this.#wake = undefined;
        resolve();
      };
      const timer = setTimeout(finish, ms);
      this.#wake = finish;
    });
  }
}
