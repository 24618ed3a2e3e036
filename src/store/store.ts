import type { AuthStateStore } from '../providers/auth-state.store.js';
import { createApiKeyRepository, type ApiKeyRepository } from './api-key.repository.js';
import { createAuthStateRepository } from './auth-state.repository.js';
import { createSandboxOutboxRepository, type SandboxOutboxRepository } from './sandbox-outbox.repository.js';
import { createSandboxBacklogRepository, type SandboxBacklogRepository } from './sandbox-backlog.repository.js';
import { createNumberCheckRepository, type NumberCheckRepository } from './number-check.repository.js';
import { createBlobRepository, type BlobRepository } from './blob.repository.js';
import { createListRepository, type ListRepository } from './list.repository.js';
import { createSuppressionRepository, type SuppressionRepository } from './suppression.repository.js';
import type { DatabaseHandle } from './database.js';
import { createBlastRepository, type BlastRepository } from './blast.repository.js';
import { createSessionConfigRepository, type SessionConfigRepository } from './session-config.repository.js';
import { createHealthRepository, type HealthRepository } from './health.repository.js';
import { createNewChatCapRepository, type NewChatCapRepository } from './new-chat-cap.repository.js';
import { createRetryLedgerRepository, type RetryLedgerRepository } from './retry-ledger.repository.js';
import { createFollowUpRepository, type FollowUpRepository } from './follow-up.repository.js';
import { createReplyRepository, type ReplyRepository } from './reply.repository.js';
import { createWebhookRepository, type WebhookRepository } from './webhook.repository.js';
import { createWebhookInterest } from './webhook-outbox.js';
import { createUnitRepository, type UnitRepository } from './unit.repository.js';

/** Every repository over one database; the one thing services receive from the store. */
export interface Store {
  sessions: SessionConfigRepository;
  apiKeys: ApiKeyRepository;
  authState: AuthStateStore;
  sandboxOutbox: SandboxOutboxRepository;
  sandboxBacklog: SandboxBacklogRepository;
  numberChecks: NumberCheckRepository;
  blobs: BlobRepository;
  lists: ListRepository;
  suppressions: SuppressionRepository;
  blasts: BlastRepository;
  /** WhatsApp's new-chat cap per session (0012). */
  newChatCaps: NewChatCapRepository;
  health: HealthRepository;
  retryLedger: RetryLedgerRepository;
  /** Follow-ups' segments and stopOnReply's reply look-ups (0015). */
  followUps: FollowUpRepository;
  /** Replies people sent to linked sessions, attributed to blasts (0014). */
  replies: ReplyRepository;
  /** Outbound webhooks' endpoints, outbox, deliveries and log (0016). */
  webhooks: WebhookRepository;
  /** Business units (0020). */
  units: UnitRepository;
}

export function createStore(handle: DatabaseHandle): Store {
  // Which webhook events some endpoint wants, shared by the repositories that write events.
  const webhookInterest = createWebhookInterest(handle.db);
  return {
    sessions: createSessionConfigRepository(handle.db),
    apiKeys: createApiKeyRepository(handle.db),
    authState: createAuthStateRepository(handle.db),
    sandboxOutbox: createSandboxOutboxRepository(handle.db, handle.sqlite),
    sandboxBacklog: createSandboxBacklogRepository(handle.db),
    numberChecks: createNumberCheckRepository(handle.db),
    blobs: createBlobRepository(handle.db),
    lists: createListRepository(handle.db, handle.sqlite),
    suppressions: createSuppressionRepository(handle.db, webhookInterest),
    blasts: createBlastRepository(handle.db, handle.target.kind, handle.sqlite, webhookInterest),
    newChatCaps: createNewChatCapRepository(handle.db),
    health: createHealthRepository(handle.db),
    retryLedger: createRetryLedgerRepository(handle.db),
    followUps: createFollowUpRepository(handle.db),
    replies: createReplyRepository(handle.db, webhookInterest),
    webhooks: createWebhookRepository(handle.db, handle.target.kind, webhookInterest),
    units: createUnitRepository(handle.db, handle.target.kind),
  };
}
