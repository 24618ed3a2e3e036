import type { MessagingProvider, ProviderEvent, ProviderEventSink } from '../../src/providers/provider.js';

/** Records a provider's events and lets a test wait for one (no sleeping, no polling). */
export class EventLog {
  readonly events: ProviderEvent[] = [];
  #waiters: { test: (event: ProviderEvent) => boolean; resolve: (event: ProviderEvent) => void }[] = [];

  readonly sink: ProviderEventSink = (event) => {
    this.events.push(event);
    this.#waiters = this.#waiters.filter((waiter) => {
      if (!waiter.test(event)) return true;
      waiter.resolve(event);
      return false;
    });
  };

  /** Resolves with the first event (already emitted or later) that passes the test. */
  wait<T extends ProviderEvent>(test: (event: ProviderEvent) => event is T, timeoutMs = 5_000): Promise<T> {
    const found = this.events.find(test);
    if (found) return Promise.resolve(found);
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`no matching provider event within ${timeoutMs} ms; got ${JSON.stringify(this.events)}`));
      }, timeoutMs);
      this.#waiters.push({
        test,
        resolve: (event) => {
          clearTimeout(timer);
          resolve(event as T);
        },
      });
    });
  }
}

/**
 * What the shared provider contract suite (provider.contract.ts) needs from an implementation
 * under test: the provider itself, the events it emitted, and a way to play the other side
 * (the phone that scans, WhatsApp's servers that deliver and answer).
 */
export interface ProviderSubject {
  provider: MessagingProvider;
  /** Every event the provider emitted, in order (the provider was created with `log.sink`). */
  log: EventLog;
  /** Completes linking as a person scanning the QR code would. */
  scan(): Promise<void>;
  /** A number this subject treats as having no WhatsApp account (E.164 with +). */
  numberWithoutWhatsApp: string;
  /** A number that has WhatsApp (E.164 with +). */
  numberWithWhatsApp: string;
  /** Every message that reached the wire: one entry per provider send call that succeeded. */
  wire(): Promise<{ messageId: string; to: string; text: string }[]>;
  /** Makes the remote side acknowledge a sent message. */
  acknowledge(messageId: string, status: 'delivered' | 'read'): Promise<void>;
  /** Makes someone write to the linked account. */
  receive(from: string, text: string): Promise<void>;
  /** WhatsApp moves the account's new-chat cap to this state, with this quota, usage and cycle end (ISO). */
  capNewChats(cap: { state: 'FIRST_WARNING' | 'SECOND_WARNING' | 'CAPPED'; quota: number; used: number; resetsAt: string }): Promise<void>;
  /**
   * WhatsApp accepts the next message sent, then refuses it with an ack carrying `code`; for a
   * time-lock query after it, the lock is active until `timelockEnds`.
   */
  refuseNext(code: string, timelockEnds: Date): Promise<void>;
  /** Releases everything (the provider is closed by the suite itself where it needs). */
  dispose(): Promise<void>;
}
