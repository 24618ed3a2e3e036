import type { Generated } from 'kysely';

/**
 * Table types shared by SQLite and PostgreSQL. Timestamps are ISO-8601 UTC strings and
 * JSON documents are text, so both dialects store and return exactly the same values.
 */
export interface Database {
  session_configs: SessionConfigTable;
  api_keys: ApiKeyTable;
  wa_auth: WaAuthTable;
  sandbox_outbox: SandboxOutboxTable;
  blobs: BlobTable;
  blob_chunks: BlobChunkTable;
  lists: ListTable;
  list_recipients: ListRecipientTable;
  list_rejects: ListRejectTable;
  suppressions: SuppressionTable;
  blasts: BlastTable;
  blast_sessions: BlastSessionTable;
  blast_recipients: BlastRecipientTable;
  session_new_chat_caps: SessionNewChatCapTable;
  media_uploads: MediaUploadTable;
  number_checks: NumberCheckTable;
  sandbox_backlog: SandboxBacklogTable;
  replies: ReplyTable;
  session_health: SessionHealthTable;
  session_health_counts: SessionHealthCountTable;
  webhook_endpoints: WebhookEndpointTable;
  webhook_events: WebhookEventTable;
  webhook_deliveries: WebhookDeliveryTable;
  webhook_attempts: WebhookAttemptTable;
  units: UnitTable;
}

/** A message a person sent to a linked session (0014), attributed to a blast's recipient row when one messaged them. */
export interface ReplyTable {
  session_uid: string;
  phone: string;
  message_id: string;
  session_id: string;
  business_unit: string;
  /** text | image | video | audio | document | sticker | location | contact | other */
  kind: string;
  /** The text or the caption; null when none. */
  text: string | null;
  /** 1: an opt-out keyword (the number was suppressed for it). */
  opt_out: Generated<number>;
  received_at: string;
  blast_id: string | null;
  blast_seq: number | null;
  created_at: string;
}

/** A session's last health assessment (0022; core/health.ts). */
export interface SessionHealthTable {
  session_uid: string;
  session_id: string;
  score: number;
  band: string;
  /** JSON HealthReason[]. */
  reasons: string;
  band_since: string;
  assessed_at: string;
  acknowledged_score: number | null;
  acknowledged_at: string | null;
  announced_band: string | null;
  unhealthy_days: Generated<number>;
  last_unhealthy_day: string | null;
}

/** What happened to a session per hour and kind (0022; core/health.ts HEALTH_COUNTS). */
export interface SessionHealthCountTable {
  session_uid: string;
  /** Hours since the epoch. */
  hour: number;
  kind: string;
  count: number;
}

/** WhatsApp's new-chat cap as last read for a session (0012; core/new-chat-cap.ts). */
export interface SessionNewChatCapTable {
  session_uid: string;
  session_id: string;
  state: string;
  quota: number | null;
  used: number | null;
  resets_at: string | null;
  slow_until: string | null;
  updated_at: string;
}

/** WhatsApp's answer about a number, as one scope asked it (core/number-check.ts numberCheckScope; 0011). */
export interface NumberCheckTable {
  scope: string;
  phone: string;
  /** 1: has an account; 0: not on WhatsApp. */
  on_whatsapp: number;
  /** The address WhatsApp answered with (baileys: a jid). */
  address: string | null;
  checked_at: string;
  expires_at: string;
}

/** Messages for a sandbox session, delivered as its offline backlog at its next connect (0011). */
export interface SandboxBacklogTable {
  session_id: string;
  /** The identity of the session the message was queued for (0013). */
  session_uid: string;
  seq: number;
  message_id: string;
  sender: string;
  text: string;
  queued_at: string;
  /** What the simulated message is (core/reply.ts ReplyKind); `text` is its caption, '' for none (0018). */
  kind: Generated<string>;
  /** 1: addressed by the sender's LID (0018). */
  via_lid: Generated<number>;
  /** 1: written to a connected session, passed on at once (0018); 0: arrived while its socket was down. */
  live: Generated<number>;
}

export interface SessionConfigTable {
  id: string;
  friendly_name: string;
  business_unit: string;
  provider: string;
  /** JSON: the pacing policy (filled by the blasts issue). */
  pacing: string | null;
  /** JSON: sandbox simulation settings, for provider `sandbox`. */
  sandbox: string | null;
  created_at: string;
  updated_at: string;
  /** `connected` | `disconnected`: what the workers should make of this session. */
  desired_state: Generated<string>;
  /** Link by pairing code with this number instead of a QR code. */
  pairing_phone: string | null;
  /** When the number was linked (for warm-up); null until then. */
  linked_at: Generated<string | null>;
  /** This session's own identity: a session re-created later with the same id has another (0008). */
  uid: string;
  /** 1 / 0: check numbers before sending, or not; null: the provider's default (0011). */
  check_numbers: Generated<number | null>;
  /** A restriction WhatsApp put on the account (0009): why, its code, when it ends (ISO); null when none. */
  restriction_reason: Generated<string | null>;
  restriction_code: Generated<string | null>;
  restriction_until: Generated<string | null>;
}

export interface ApiKeyTable {
  id: string;
  name: string;
  /** First characters of the secret, shown in listings so a user can tell keys apart. */
  prefix: string;
  /** SHA-256 of the secret (hex). The secret itself is never stored. */
  hash: string;
  role: string;
  business_unit: string | null;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

export interface WaAuthTable {
  session_id: string;
  /** `creds`, or a signal key type (`pre-key`, `session`, `lid-mapping`, `device-list`, `tctoken`, …). */
  category: string;
  key_id: string;
  value: string;
}

export interface SandboxOutboxTable {
  session_id: string;
  message_id: string;
  /** Order of first acceptance. */
  seq: number;
  recipient: string;
  text: string;
  media_kind: string | null;
  media_ref: string | null;
  first_at: string;
  last_at: string;
  /** How many times the same message id was sent again after the first (WhatsApp shows it once). */
  repeats: number;
}

export interface BlobTable {
  sha256: string;
  size: number;
  created_at: string;
}

export interface BlobChunkTable {
  sha256: string;
  seq: number;
  data: Buffer;
}

export interface ListTable {
  id: string;
  name: string;
  business_unit: string;
  /** importing | ready | failed */
  status: string;
  error_code: string | null;
  error_message: string | null;
  /** JSON */
  error_details: string | null;
  file_name: string;
  file_size: number;
  file_type: string | null;
  blob_sha256: string;
  phone_column: string | null;
  default_country: string;
  /** JSON: [{ header, key }] of the columns that became template variables. */
  columns: string | null;
  header_row: number | null;
  rows: Generated<number>;
  valid: Generated<number>;
  duplicates: Generated<number>;
  invalid: Generated<number>;
  blank: Generated<number>;
  created_at: string;
  updated_at: string;
  completed_at: string | null;
  /** recipients | suppression */
  purpose: Generated<string>;
  /** The list's number, which keys its recipients and rejects (shorter than the id; 0007). */
  list_key: Generated<number>;
  /** The blast whose upload made this list (POST /api/blasts with a recipientsFile; 0019); null for a list uploaded on its own. */
  created_for_blast: Generated<string | null>;
}

export interface ListRecipientTable {
  /** lists.list_key */
  list_key: number;
  /** Order in the list (1-based). */
  seq: number;
  /** The row as the user sees it in the sheet. */
  row_number: number;
  phone: string;
  /** JSON: { columnKey: value } */
  vars: string;
}

export interface ListRejectTable {
  /** lists.list_key */
  list_key: number;
  row_number: number;
  raw_value: string;
  /** INVALID_PHONE | MISSING_PHONE | DUPLICATE */
  reason: string;
  duplicate_of_row: number | null;
  /** JSON: the row's other cells, in the order of the list's columns (as list_recipients.vars); null for rows rejected before 0023. */
  vars: Generated<string | null>;
}

export interface SuppressionTable {
  business_unit: string;
  phone: string;
  reason: string | null;
  /** api | import | reply (an opt-out keyword) */
  source: string;
  created_at: string;
}

export interface BlastTable {
  id: string;
  name: string;
  business_unit: string;
  /** importing | scheduled | running | paused | completed | cancelled | failed */
  status: string;
  list_id: string;
  message: string;
  media_sha256: string | null;
  media_kind: string | null;
  media_mimetype: string | null;
  media_file_name: string | null;
  check_numbers: number;
  typing: number;
  /** JSON: a tighter pacing policy for this blast (any subset). */
  pacing: string | null;
  scheduled_at: string | null;
  started_at: string | null;
  completed_at: string | null;
  pause_reason: string | null;
  pause_detail: string | null;
  error_code: string | null;
  error_message: string | null;
  error_details: string | null;
  total: Generated<number>;
  /** Accepted by WhatsApp (delivered and read ones included). */
  sent: Generated<number>;
  failed: Generated<number>;
  skipped: Generated<number>;
  delivered: Generated<number>;
  read: Generated<number>;
  /** Recipients with at least one reply attributed (0014). */
  replied: Generated<number>;
  /** A follow-up's parent blast, segment and delay after the parent's end (ISO 8601 duration); null otherwise (0015). */
  follow_up_of: Generated<string | null>;
  follow_up_segment: Generated<string | null>;
  follow_up_after: Generated<string | null>;
  /** 1: skip recipients who replied since the blast was created (REPLIED; 0015). */
  stop_on_reply: Generated<number>;
  created_at: string;
  updated_at: string;
}

export interface BlastSessionTable {
  blast_id: string;
  session_id: string;
  paused_reason: string | null;
  /** session_configs.uid of the session the blast was made with (0008); null for a blast made before 0008 whose session had since been replaced. */
  session_uid: string | null;
}

export interface BlastRecipientTable {
  blast_id: string;
  /** The recipient's seq in the list. */
  seq: number;
  phone: string;
  /** pending | sending (claimed) | sent | delivered | read | failed | skipped */
  status: string;
  session_id: string | null;
  /** The session lease's fencing token under which the row was claimed. */
  claim_token: number | null;
  attempts: Generated<number>;
  reason: string | null;
  detail: string | null;
  message_id: string | null;
  claimed_at: string | null;
  sent_at: string | null;
  delivered_at: string | null;
  read_at: string | null;
  /** The first reply attributed to this row (0014). */
  replied_at: Generated<string | null>;
  reply_text: Generated<string | null>;
  /** The blast's session that already has a chat with this recipient, preferred to send it (0022). */
  chat_session_id: Generated<string | null>;
}

export interface MediaUploadTable {
  blast_id: string;
  /** session_configs.uid of the session that uploaded (and sent with) it. */
  session_uid: string;
  uploaded_at: string;
  /** image | video | document */
  kind: string;
  /** What the provider needs to rebuild a message with this upload (baileys: the uploaded message's fields, BufferJSON). */
  upload: string;
}

/** Where to send which events (0016); business_unit null: an admin's endpoint, every unit's events. */
export interface WebhookEndpointTable {
  id: string;
  business_unit: string | null;
  url: string;
  /** JSON array of event types, or ["*"]. */
  events: string;
  description: string | null;
  enabled: number;
  secret: string;
  previous_secret: string | null;
  previous_secret_expires_at: string | null;
  disabled_reason: string | null;
  failing_since: string | null;
  created_at: string;
  updated_at: string;
}

/** The durable outbox (0016): `body` is the exact envelope sent and signed on every attempt. */
export interface WebhookEventTable {
  id: string;
  type: string;
  business_unit: string;
  ordering_key: string;
  created_at: string;
  body: string;
  dispatched: Generated<number>;
}

/** One event to one endpoint (0016). */
export interface WebhookDeliveryTable {
  id: string;
  endpoint_id: string;
  event_id: string;
  ordering_key: string;
  /** pending | sending | succeeded | failed | expired */
  status: string;
  attempts: Generated<number>;
  next_attempt_at: string;
  locked_until: string | null;
  last_status_code: number | null;
  last_error: string | null;
  created_at: string;
  updated_at: string;
}

/** One HTTP attempt of a delivery (0016), kept WEBHOOK_LOG_RETENTION_DAYS. */
export interface WebhookAttemptTable {
  delivery_id: string;
  attempt: number;
  endpoint_id: string;
  at: string;
  duration_ms: number;
  /** succeeded | retry | failed */
  outcome: string;
  status_code: number | null;
  error: string | null;
  response_body: string | null;
}

/** Business units (0020): every resource names its unit by `name`; `name_key` is unique among non-variants. */
export interface UnitTable {
  id: string;
  name: string;
  /** The name without regard to case or spacing (core/business-unit.ts). */
  name_key: string;
  /** Set on a unit an older install had that differs only in case from another (that unit's id). */
  variant_of: string | null;
  created_at: string;
}
