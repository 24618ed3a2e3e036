import { Type } from 'typebox';
import type { ClientVersionRecord } from '../../sessions/client-version.store.js';
import type { ApiServer } from '../server-types.js';

export interface ReadinessProbe {
  name: string;
  check(): Promise<void>;
}

const ReadyResponse = Type.Object({
  status: Type.Union([Type.Literal('ready'), Type.Literal('not_ready')]),
  checks: Type.Record(Type.String(), Type.Object({ ok: Type.Boolean(), error: Type.Optional(Type.String()) })),
  /** The WhatsApp Web client version the workers' sessions announce (null until a worker has said). */
  whatsapp: Type.Optional(
    Type.Union([
      Type.Object({
        version: Type.String({ description: 'e.g. 2.3000.1023456789' }),
        source: Type.Union([Type.Literal('pinned'), Type.Literal('fetched'), Type.Literal('bundled')]),
        error: Type.Optional(Type.String({ description: 'Why the current version could not be fetched.' })),
        workerId: Type.String(),
        at: Type.String(),
      }),
      Type.Null(),
    ]),
  ),
});

const PROBE_TIMEOUT_MS = 2_000;

/**
 * /health: the process answers. /ready: so do the database and Redis, and which WhatsApp Web
 * client version the workers use. Neither needs a key.
 */
export function healthRoutes(probes: readonly ReadinessProbe[], clientVersion?: () => Promise<ClientVersionRecord | undefined>) {
  return function register(app: ApiServer): void {
    app.get(
      '/health',
      {
        schema: {
          tags: ['Operations'],
          summary: 'Liveness: the process is up',
          security: [],
          response: { 200: Type.Object({ status: Type.Literal('ok') }) },
        },
      },
      () => ({ status: 'ok' as const }),
    );

    app.get(
      '/ready',
      {
        schema: {
          tags: ['Operations'],
          summary: 'Readiness: the database and Redis answer',
          security: [],
          response: { 200: ReadyResponse, 503: ReadyResponse },
        },
      },
      async (_request, reply) => {
        const checks: Record<string, { ok: boolean; error?: string }> = {};
        await Promise.all(
          probes.map(async (probe) => {
            try {
              await withTimeout(probe.check(), PROBE_TIMEOUT_MS);
              checks[probe.name] = { ok: true };
            } catch (error) {
              checks[probe.name] = { ok: false, error: error instanceof Error ? error.message : 'failed' };
            }
          }),
        );
        const ready = Object.values(checks).every((check) => check.ok);
        const whatsapp = clientVersion ? await withTimeout(clientVersion(), PROBE_TIMEOUT_MS).catch(() => undefined) : undefined;
        return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not_ready', checks, ...(clientVersion ? { whatsapp: whatsapp ?? null } : {}) });
      },
    );
  };
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(new Error(`no answer within ${ms} ms`));
    }, ms);
  });
  return Promise.race([promise, timeout]).finally(() => {
    clearTimeout(timer);
  });
}
