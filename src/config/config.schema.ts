import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { DEFAULT_HEALTH_MODEL, overrideHealthModel, type HealthModel } from '../core/health.js';
import { MAX_TIMER_MS } from '../infra/clock.js';
import { DEFAULT_RETRY_SCHEDULE_MS, parseRetrySchedule } from '../core/webhook-retry.js';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const optionalString = z
  .string()
  .trim()
  .transform((value) => (value === '' ? undefined : value))
  .optional();

const port = (fallback: number) => z.coerce.number().int().min(0).max(65_535).default(fallback);
const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);

/**
 * The whole environment, in one schema. Every variable is documented in `.env.example`.
 * Nothing else in the codebase reads `process.env`.
 */
export const envSchema = z.object({
  ROLE: z.enum(['api', 'worker', 'all']).default('all'),
  PORT: port(3000),
  HOST: z.string().trim().min(1).default('0.0.0.0'),
  DATA_DIR: z.string().trim().min(1).default('./data'),
  DATABASE_URL: optionalString,
  REDIS_URL: optionalString.pipe(
    z
      .string()
      .regex(/^rediss?:\/\//, 'must start with redis:// or rediss://')
      .optional(),
  ),
  REDIS_PREFIX: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9_.:-]{1,64}$/, 'letters, digits and _ . : - only (1-64 characters)')
    .default('wab'),
  REDIS_SERVER_BIN: z.string().trim().min(1).default('redis-server'),
  ADMIN_API_KEY: optionalString.pipe(z.string().min(32, 'must be at least 32 characters').optional()),
  DEFAULT_COUNTRY: z
    .string()
    .trim()
    .transform((value) => value.toUpperCase())
    .pipe(z.string().regex(/^[A-Z]{2}$/, 'must be a two-letter ISO 3166 country code, e.g. ID'))
    .default('ID'),
  LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
  // A longer timer fires at once: shutdown would be forced immediately.
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().positive().max(MAX_TIMER_MS).default(10_000),
  BODY_LIMIT_BYTES: positiveInt(1_048_576),
  UPLOAD_MAX_BYTES: positiveInt(50 * 1024 * 1024),
  IMPORT_MAX_ROWS: positiveInt(1_000_000),
  /** Columns a sheet may have; Excel's own limit is 16,384. */
  IMPORT_MAX_COLUMNS: z.coerce.number().int().min(2).max(16_384).default(1_000),
  XLSX_MAX_UNCOMPRESSED_BYTES: positiveInt(1024 * 1024 * 1024),
  XLSX_MAX_COMPRESSION_RATIO: positiveInt(200),
  MEDIA_MAX_BYTES: positiveInt(16 * 1024 * 1024),
  RATE_LIMIT_PER_MINUTE: positiveInt(1_200),
  METRICS_PORT: optionalString.pipe(z.string().regex(/^[0-9]{1,5}$/, 'must be a port number').transform(Number).pipe(z.number().int().min(1).max(65_535)).optional()),
  OPT_OUT_KEYWORDS: z
    .string()
    .trim()
    .default('STOP,UNSUBSCRIBE,BERHENTI')
    .transform((value) => value.split(',').map((word) => word.trim()).filter((word) => word !== ''))
    .pipe(z.array(z.string().max(40, 'each keyword at most 40 characters')).min(1, 'at least one keyword')),
  /** How long WhatsApp's answer "this number has WhatsApp" (and where) is believed, per business unit: a week by default. */
  NUMBER_CHECK_TTL_HOURS: z.coerce.number().int().min(1).max(8_760).default(168),
  /** How long "not on WhatsApp" is believed: shorter, people join. */
  NUMBER_CHECK_NEGATIVE_TTL_HOURS: z.coerce.number().int().min(1).max(8_760).default(24),
  /** How long replies are kept (then purged by the maintenance job): 1 day to 10 years. */
  REPLY_RETENTION_DAYS: z.coerce.number().int().min(1).max(3_650).default(90),
  /** How long after a send a reply from that number still counts for that blast: 1 hour to 90 days. */
  REPLY_ATTRIBUTION_HOURS: z.coerce.number().int().min(1).max(2_160).default(72),
  /** Account health (issue 17): the score's rolling window, 1 hour to a week. */
  HEALTH_WINDOW_HOURS: z.coerce.number().int().min(1).max(168).optional(),
  /** The lowest score of the healthy, watch and at-risk bands, e.g. "80,60,40" (below the last: stop). */
  HEALTH_BANDS: optionalString.pipe(z.string().regex(/^[0-9]{1,3},[0-9]{1,3},[0-9]{1,3}$/, 'must be three scores, e.g. 80,60,40').optional()),
  /** Any knob of the health model as JSON, laid over the defaults (README: "Account health"). */
  HEALTH_MODEL: optionalString,
  /** The WhatsApp Web client version to announce (e.g. 2.3000.1023456789); unset: asked at start-up, else baileys' own. */
  WA_VERSION: optionalString.pipe(z.string().regex(/^[0-9]{1,4}\.[0-9]{1,6}\.[0-9]{1,12}$/, 'must look like 2.3000.1023456789').optional()),
  WORKER_ID: optionalString.pipe(z.string().regex(/^[A-Za-z0-9_.:-]{1,64}$/).optional()),
  MAX_SESSIONS_PER_WORKER: positiveInt(50),
  SESSION_LEASE_TTL_MS: z.coerce.number().int().min(1_000).max(300_000).default(15_000),
  SESSION_RECONCILE_INTERVAL_MS: z.coerce.number().int().min(100).max(300_000).default(2_000),
  /** The operator console's build (index.html + assets/); default: dist/web beside the product. */
  WEB_DIR: optionalString,
  WS_TICKET_TTL_MS: z.coerce.number().int().min(1_000).max(60_000).default(30_000),
  /**
   * Which X-Forwarded-For entries to believe: none (false), the last N hops (true = 1), or the
   * hops whose addresses are listed. Never "every hop": the first entry is whatever the client wrote.
   */
  TRUST_PROXY: z
    .string()
    .trim()
    .default('false')
    .transform((value, context) => {
      const trust = parseTrustProxy(value);
      if (trust === undefined) {
        context.addIssue({ code: 'custom', message: 'false, true, a number of proxies (1-99) or a comma-separated list of proxy addresses' });
        return z.NEVER;
      }
      return trust;
    }),
  /** Failed authentications (bad or missing key, bad ticket) per client address per minute. */
  AUTH_FAILURES_PER_MINUTE: positiveInt(20),
  /** Open WebSockets plus unused tickets per API key, over every api process. */
  WS_MAX_SOCKETS_PER_KEY: positiveInt(20),
  /** Lets unit-scoped webhook endpoints target loopback, link-local and private addresses (self-hosted set-ups). */
  WEBHOOK_ALLOW_PRIVATE: z.enum(['true', 'false']).default('false').transform((value) => value === 'true'),
  /** true: a business unit name no unit has is refused (422 UNIT_UNKNOWN), even from an admin key. */
  UNITS_STRICT: z.enum(['true', 'false']).default('false').transform((value) => value === 'true'),
  /** Delays between a failed webhook attempt and the next, comma-separated (`0,5s,5m,30m,2h,5h,10h,10h`). */
  WEBHOOK_RETRY_SCHEDULE: optionalString.transform((value, context) => {
    if (value === undefined) return [...DEFAULT_RETRY_SCHEDULE_MS];
    const schedule = parseRetrySchedule(value);
    if (schedule === undefined) {
      context.addIssue({ code: 'custom', message: 'comma-separated delays like 0,5s,5m,2h (1-20 of them, each at most 24h)' });
      return z.NEVER;
    }
    return schedule;
  }),
  /** How long one webhook request may take (connect to end of response). */
  WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(15_000),
  /** An endpoint failing without a success for this long is disabled (5 days). */
  WEBHOOK_DISABLE_AFTER_HOURS: z.coerce.number().int().min(1).max(8_760).default(120),
  /** Undelivered events older than this are given up (the outbox is bounded per endpoint by age). */
  WEBHOOK_MAX_AGE_HOURS: z.coerce.number().int().min(1).max(8_760).default(72),
  /** How long events, deliveries and the attempt log are kept (and how far back a replay reaches). */
  WEBHOOK_LOG_RETENTION_DAYS: z.coerce.number().int().min(1).max(365).default(7),
  /** Requests in flight to all endpoints at once, per worker process, and to one endpoint. */
  WEBHOOK_CONCURRENCY: z.coerce.number().int().min(1).max(256).default(32),
  WEBHOOK_CONCURRENCY_PER_ENDPOINT: z.coerce.number().int().min(1).max(64).default(4),
  /** blast.progress is written at most once per blast per this many milliseconds. */
  WEBHOOK_PROGRESS_INTERVAL_MS: z.coerce.number().int().min(1_000).max(3_600_000).default(10_000),
}).superRefine((env, context) => {
  const health = healthModelOf(env);
  if (Array.isArray(health)) context.addIssue({ code: 'custom', path: ['HEALTH_MODEL'], message: health.join('; ') });
  if (env.ROLE !== 'all' && env.REDIS_URL === undefined) {
    context.addIssue({
      code: 'custom',
      path: ['REDIS_URL'],
      message: `is required for role "${env.ROLE}" (only role "all" starts a private redis-server)`,
    });
  }
});

export type Env = z.infer<typeof envSchema>;

/** The health model the environment asks for (HEALTH_MODEL, then HEALTH_WINDOW_HOURS and HEALTH_BANDS over it), or its problems. */
function healthModelOf(env: { HEALTH_WINDOW_HOURS?: number | undefined; HEALTH_BANDS?: string | undefined; HEALTH_MODEL?: string | undefined }): HealthModel | string[] {
  let overrides: Record<string, unknown> = {};
  if (env.HEALTH_MODEL !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(env.HEALTH_MODEL);
    } catch {
      return ['HEALTH_MODEL is not JSON'];
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return ['HEALTH_MODEL must be a JSON object'];
    overrides = parsed as Record<string, unknown>;
  }
  if (env.HEALTH_WINDOW_HOURS !== undefined) overrides = { ...overrides, windowHours: env.HEALTH_WINDOW_HOURS };
  if (env.HEALTH_BANDS !== undefined) {
    const [healthy, watch, atRisk] = env.HEALTH_BANDS.split(',').map(Number);
    overrides = { ...overrides, bands: { healthy, watch, atRisk } };
  }
  return overrideHealthModel(DEFAULT_HEALTH_MODEL, overrides);
}

const PROXY_ADDRESSES = /^[0-9A-Fa-f.:/]+(,[0-9A-Fa-f.:/]+)*$/;

/**
 * TRUST_PROXY as Fastify takes it. `true` is one hop, not "trust every hop": with every hop
 * trusted the client address is the first X-Forwarded-For entry, which the client writes itself,
 * and a per-address limit could be dodged by changing it.
 */
function parseTrustProxy(value: string): false | number | string | undefined {
  if (value === 'false' || value === '0') return false;
  if (value === 'true') return 1;
  if (/^[1-9][0-9]?$/.test(value)) return Number(value);
  const list = value.replace(/\s+/g, '');
  return PROXY_ADDRESSES.test(list) ? list : undefined;
}

/** Checked already (superRefine): problems cannot reach here. */
function modelOrDefault(model: HealthModel | string[]): HealthModel {
  return Array.isArray(model) ? DEFAULT_HEALTH_MODEL : model;
}

export type DatabaseTarget =
  | { kind: 'sqlite'; file: string }
  | { kind: 'postgres'; url: string };

export interface Config {
  role: Env['ROLE'];
  http: {
    host: string;
    port: number;
    bodyLimit: number;
    /** Fastify's trustProxy: false, a number of proxy hops, or a comma-separated list of proxy addresses. */
    trustProxy: false | number | string;
    rateLimitPerMinute: number;
    authFailuresPerMinute: number;
  };
  dataDir: string;
  database: DatabaseTarget;
  redis: { url: string | undefined; prefix: string; serverBin: string };
  adminApiKey: string | undefined;
  defaultCountry: string;
  logLevel: Env['LOG_LEVEL'];
  shutdownTimeoutMs: number;
  sessions: { workerId: string; maxPerWorker: number; leaseTtlMs: number; reconcileIntervalMs: number };
  /** A pinned WhatsApp Web client version, if any. */
  whatsapp: { version: string | undefined };
  wsTicketTtlMs: number;
  wsMaxSocketsPerKey: number;
  /** Where the console's build is; undefined: dist/web beside the product. */
  webDir: string | undefined;
  uploads: { maxBytes: number };
  imports: { maxRows: number; maxColumns: number; maxUncompressedBytes: number; maxCompressionRatio: number };
  blasts: { mediaMaxBytes: number; optOutKeywords: string[]; numberCheckTtl: { foundMs: number; notFoundMs: number } };
  /** Replies (issue 16): kept `retentionDays`, attributed to a send at most `attributionHours` before. */
  replies: { retentionDays: number; attributionHours: number };
  /** Account health (issue 17): the model's knobs. */
  health: HealthModel;
  /** Serve /metrics without auth on this port too (any role); the api always serves it to admins. */
  metricsPort: number | undefined;
  webhooks: WebhookConfig;
  /** strict: unknown unit names are refused rather than added by admin keys. */
  units: { strict: boolean };
}

export interface WebhookConfig {
  allowPrivate: boolean;
  retryScheduleMs: number[];
  timeoutMs: number;
  disableAfterMs: number;
  maxAgeMs: number;
  retentionMs: number;
  concurrency: number;
  concurrencyPerEndpoint: number;
  progressIntervalMs: number;
}

/** `postgres://…` selects PostgreSQL; anything else is a SQLite file (`sqlite:` / `file:` prefixes allowed). */
export function resolveDatabaseTarget(databaseUrl: string | undefined, dataDir: string): DatabaseTarget {
  if (databaseUrl === undefined) {
    return { kind: 'sqlite', file: path.resolve(dataDir, 'wab.sqlite') };
  }
  if (/^postgres(ql)?:\/\//i.test(databaseUrl)) {
    return { kind: 'postgres', url: databaseUrl };
  }
  const file = databaseUrl.replace(/^(sqlite|file):(\/\/)?/i, '');
  return { kind: 'sqlite', file: file === ':memory:' ? file : path.resolve(file) };
}

export function toConfig(env: Env): Config {
  const dataDir = path.resolve(env.DATA_DIR);
  return {
    role: env.ROLE,
    http: {
      host: env.HOST,
      port: env.PORT,
      bodyLimit: env.BODY_LIMIT_BYTES,
      trustProxy: env.TRUST_PROXY,
      rateLimitPerMinute: env.RATE_LIMIT_PER_MINUTE,
      authFailuresPerMinute: env.AUTH_FAILURES_PER_MINUTE,
    },
    dataDir,
    database: resolveDatabaseTarget(env.DATABASE_URL, dataDir),
    redis: { url: env.REDIS_URL, prefix: env.REDIS_PREFIX, serverBin: env.REDIS_SERVER_BIN },
    adminApiKey: env.ADMIN_API_KEY,
    defaultCountry: env.DEFAULT_COUNTRY,
    logLevel: env.LOG_LEVEL,
    shutdownTimeoutMs: env.SHUTDOWN_TIMEOUT_MS,
    sessions: {
      workerId: env.WORKER_ID ?? `${os.hostname()}-${process.pid}`,
      maxPerWorker: env.MAX_SESSIONS_PER_WORKER,
      leaseTtlMs: env.SESSION_LEASE_TTL_MS,
      reconcileIntervalMs: env.SESSION_RECONCILE_INTERVAL_MS,
    },
    whatsapp: { version: env.WA_VERSION },
    wsTicketTtlMs: env.WS_TICKET_TTL_MS,
    wsMaxSocketsPerKey: env.WS_MAX_SOCKETS_PER_KEY,
    webDir: env.WEB_DIR === undefined ? undefined : path.resolve(env.WEB_DIR),
    uploads: { maxBytes: env.UPLOAD_MAX_BYTES },
    imports: {
      maxRows: env.IMPORT_MAX_ROWS,
      maxColumns: env.IMPORT_MAX_COLUMNS,
      maxUncompressedBytes: env.XLSX_MAX_UNCOMPRESSED_BYTES,
      maxCompressionRatio: env.XLSX_MAX_COMPRESSION_RATIO,
    },
    blasts: {
      mediaMaxBytes: env.MEDIA_MAX_BYTES,
      optOutKeywords: env.OPT_OUT_KEYWORDS,
      numberCheckTtl: { foundMs: env.NUMBER_CHECK_TTL_HOURS * 3_600_000, notFoundMs: env.NUMBER_CHECK_NEGATIVE_TTL_HOURS * 3_600_000 },
    },
    replies: { retentionDays: env.REPLY_RETENTION_DAYS, attributionHours: env.REPLY_ATTRIBUTION_HOURS },
    health: modelOrDefault(healthModelOf(env)),
    metricsPort: env.METRICS_PORT,
    units: { strict: env.UNITS_STRICT },
    webhooks: {
      allowPrivate: env.WEBHOOK_ALLOW_PRIVATE,
      retryScheduleMs: env.WEBHOOK_RETRY_SCHEDULE,
      timeoutMs: env.WEBHOOK_TIMEOUT_MS,
      disableAfterMs: env.WEBHOOK_DISABLE_AFTER_HOURS * 3_600_000,
      maxAgeMs: env.WEBHOOK_MAX_AGE_HOURS * 3_600_000,
      retentionMs: env.WEBHOOK_LOG_RETENTION_DAYS * 86_400_000,
      concurrency: env.WEBHOOK_CONCURRENCY,
      concurrencyPerEndpoint: env.WEBHOOK_CONCURRENCY_PER_ENDPOINT,
      progressIntervalMs: env.WEBHOOK_PROGRESS_INTERVAL_MS,
    },
  };
}
