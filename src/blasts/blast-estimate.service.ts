import type { Principal } from '../auth/principal.js';
import { estimateBlast, type BlastEstimate, type EstimateSession } from '../core/blast-estimate.js';
import { defaultPacing, pacingProblems, tightenPacing, type PacingPolicy } from '../core/pacing.js';
import { ValidationFailed } from '../errors/app-error.js';
import type { ListService } from '../lists/list.service.js';
import type { SessionConfigService } from '../sessions/session-config.service.js';
import type { SessionControlService } from '../sessions/session-control.service.js';
import { MAX_SESSIONS_PER_BLAST, scheduledStart } from './blast.service.js';

/** A schedule this far in the past is taken as now: a form left open, a clock a little behind. */
const PAST_SCHEDULE_TOLERANCE_MS = 86_400_000;

export interface EstimateBlastInput {
  sessionIds: string[];
  recipients?: number | undefined;
  listId?: string | undefined;
  pacing?: Partial<PacingPolicy> | undefined;
  typing?: boolean | undefined;
  messageLength?: number | undefined;
  scheduledAt?: string | undefined;
}

export interface BlastEstimateView extends Omit<BlastEstimate, 'sessions'> {
  recipients: number | null;
  startsAt: string;
  sessions: (BlastEstimate['sessions'][number] & {
    friendlyName: string;
    status: string;
    linked: boolean;
    health: { score: number; band: string; slowdown: number; newContactsLeft: number | null } | null;
  })[];
}


/**
 * The pace and duration a blast would have, before it is created: the sessions (visible to the
 * key, as for POST /api/blasts), the recipients (a number, or a list's valid rows) and the
 * blast's own pacing override, which only tightens.
 */
export function createBlastEstimateService(deps: {
  sessions: SessionConfigService;
  control: SessionControlService;
  lists: ListService;
  now?: () => Date;
}) {
  const now = deps.now ?? (() => new Date());
  return {
    async estimate(principal: Principal, input: EstimateBlastInput): Promise<BlastEstimateView> {
      const sessionIds = [...new Set(input.sessionIds)];
      const problems: { field: string; message: string }[] = [];
      if (sessionIds.length === 0) problems.push({ field: 'sessionIds', message: 'give at least one session' });
      if (sessionIds.length > MAX_SESSIONS_PER_BLAST) problems.push({ field: 'sessionIds', message: `at most ${MAX_SESSIONS_PER_BLAST} sessions` });
      if (input.recipients !== undefined && input.listId !== undefined) problems.push({ field: 'listId', message: 'give recipients or listId, not both' });
      // The same check as POST /api/blasts: the override must make sense on its own.
      if (input.pacing) for (const message of pacingProblems(tightenPacing(defaultPacing('sandbox'), input.pacing))) problems.push({ field: 'pacing', message });
      if (input.scheduledAt !== undefined && Number.isNaN(Date.parse(input.scheduledAt))) problems.push({ field: 'scheduledAt', message: 'must be an ISO 8601 date-time' });
      if (problems.length > 0) throw new ValidationFailed('The estimate request is invalid.', problems);
      // As POST /api/blasts: at most a year ahead (SCHEDULE_TOO_FAR); up to a day late counts as now.
      const nowMs = now().getTime();
      const startsAt = new Date(input.scheduledAt === undefined ? nowMs : scheduledStart(input.scheduledAt, nowMs, PAST_SCHEDULE_TOLERANCE_MS));

      // Each session as the key sees it: unknown or another unit's is SESSION_NOT_FOUND (404).
      const sessions = await Promise.all(
        sessionIds.map(async (id) => {
          const config = await deps.sessions.get(principal, id);
          const [view, linkedAt, health] = await Promise.all([deps.control.view(config), deps.control.linkedAt(id), deps.control.health(principal, id)]);
          return { config, status: view.status, linkedAt, health };
        }),
      );

      let recipients: number | null = input.recipients ?? null;
      if (input.listId !== undefined) recipients = (await deps.lists.get(principal, input.listId)).counts.valid;

      const estimate = estimateBlast({
        sessions: sessions.map(({ config, linkedAt, health }): EstimateSession => ({
          sessionId: config.id,
          pacing: config.pacing,
          pace: health.enforcement.pace,
          ...(health.newContacts ? { dailyCeiling: health.newContacts.left } : {}),
          linkedAt: linkedAt === null ? null : new Date(linkedAt),
          // A blast's recipients are new chats, as a rule: none for a session its health holds to existing chats.
          sends: !health.enforcement.paused && !health.enforcement.existingChatsOnly,
        })),
        override: input.pacing,
        typing: input.typing,
        messageLength: input.messageLength,
        recipients,
        start: startsAt,
      });
      return {
        ...estimate,
        recipients,
        startsAt: startsAt.toISOString(),
        sessions: estimate.sessions.map((session, index) => {
          const resolved = sessions[index];
          return {
            ...session,
            friendlyName: resolved?.config.friendlyName ?? session.sessionId,
            status: resolved?.status ?? 'disconnected',
            linked: resolved?.linkedAt != null,
            health: resolved
              ? { score: resolved.health.score, band: resolved.health.band, slowdown: resolved.health.enforcement.slowdown, newContactsLeft: resolved.health.newContacts?.left ?? null }
              : null,
          };
        }),
      };
    },
  };
}

export type BlastEstimateService = ReturnType<typeof createBlastEstimateService>;
