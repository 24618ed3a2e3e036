import { useEffect, useRef, useState } from 'preact/hooks';
import { api, call, type Session, type SessionHealth } from '../api/client';
import { Button, ErrorNotice, Loading, Stats } from '../components/ui';
import { formatDateTime, formatDateTimeWithZone, formatNumber } from '../format';
import { useResource } from '../hooks';
import {
  bandEffect,
  bandLabel,
  bandTone,
  enforcementLines,
  healthBadgeText,
  newContactsText,
  reasonLabel,
  reasonPoints,
  thresholdsText,
  worstFirst,
  type HealthBand,
} from './accounts-health-text';
import { humanize, newChatCapSummary } from './accounts-shared';

// An account's health on the Accounts screen (README "Account health"): the badge of its column,
// and the detail panel (a dialog, as Edit and Connect are) from GET /api/sessions/:id/health.

/** How often an open panel reads the health again: the worker assesses every 30 s, and a band change also reloads it. */
const REFRESH_MS = 30_000;

export function BandBadge({ band }: { band: HealthBand }) {
  return <span class={`badge badge-${bandTone(band)}`}>{bandLabel(band)}</span>;
}

/** The table cell's badge: score and band, a button that opens the detail panel. Not assessed yet: a quiet "—". */
export function HealthBadge({ session, onOpen }: { session: Session; onOpen: () => void }) {
  const { health } = session;
  const assessed = health.assessedAt !== null;
  const title = assessed ? `${bandEffect(health.band)} Assessed ${formatDateTime(health.assessedAt)}.` : 'Not assessed yet: it is assessed once connected.';
  return (
    <button
      type="button"
      class={`acct-health-btn badge ${assessed ? `badge-${bandTone(health.band)}` : 'badge-neutral acct-health-none'}`}
      title={title}
      aria-label={`Health of ${session.friendlyName}: ${assessed ? `${String(health.score)}, ${bandLabel(health.band)}` : 'not assessed yet'}`}
      onClick={onOpen}
    >
      {healthBadgeText(health)}
    </button>
  );
}

function Reasons({ reasons }: { reasons: SessionHealth['reasons'] }) {
  if (reasons.length === 0) return <p class="muted">Nothing takes points off: a full 100.</p>;
  return (
    <div class="table-wrap">
      <table class="acct-health-reasons">
        <caption class="sr-only">Reasons, worst first</caption>
        <thead>
          <tr>
            <th scope="col">Reason</th>
            <th scope="col">What was seen</th>
            <th scope="col" class="num">
              Points
            </th>
          </tr>
        </thead>
        <tbody>
          {worstFirst(reasons).map((reason) => (
            <tr key={reason.code}>
              <th scope="row">
                <span class="acct-name">{reasonLabel(reason.code)}</span>
                <code class="acct-id">{reason.code}</code>
              </th>
              <td>{reason.detail}</td>
              <td class={`num ${reason.points < 0 ? 'acct-health-back' : ''}`}>{reasonPoints(reason.points)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function Facts({ items }: { items: readonly (readonly [string, string])[] }) {
  return (
    <dl class="acct-health-facts">
      {items.map(([label, value]) => (
        <div key={label}>
          <dt>{label}</dt>
          <dd>{value}</dd>
        </div>
      ))}
    </dl>
  );
}

function restrictionText(restriction: SessionHealth['restriction']): string {
  if (restriction === null) return 'none';
  const parts = [humanize(restriction.reason)];
  if (restriction.code !== null) parts.push(`code ${restriction.code}`);
  if (restriction.until !== null) parts.push(`until ${formatDateTimeWithZone(restriction.until)}`);
  return parts.join(' · ');
}

/** The operator's word on a stopped account: it sends again, at the at-risk pace, on every blast it serves. */
function Acknowledge({ health, onDone }: { health: SessionHealth; onDone: () => void }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  if (health.band !== 'stop' || health.acknowledged !== null) return null;
  const acknowledge = async (): Promise<void> => {
    setBusy(true);
    setError(undefined);
    try {
      await call(api.POST('/api/sessions/{id}/health/acknowledge', { params: { path: { id: health.sessionId } } }));
      onDone();
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div class="acct-small">
      <ErrorNotice error={error} title="The account could not be resumed" />
      <p class="muted">Stopped by its health: it sends nothing until you resume it. It then sends at the at-risk pace, and stops again if its score drops further.</p>
      <Button busy={busy} onClick={() => void acknowledge()}>
        Resume sending from it
      </Button>
    </div>
  );
}

function HealthDetail({ health, onChanged }: { health: SessionHealth; onChanged: () => void }) {
  const cap = health.newChatCap === null ? 'not read yet' : newChatCapSummary(health.newChatCap).text.replace(/^New chats: /, '');
  return (
    <div class="acct-health">
      <Stats
        items={[
          ['Score', health.assessedAt === null ? '—' : `${String(health.score)} / 100`],
          ['Band', <BandBadge key="band" band={health.band} />],
          ['In this band since', formatDateTime(health.bandSince)],
        ]}
      />
      <p class="muted acct-small">
        {bandEffect(health.band)} {health.assessedAt === null ? 'Not assessed yet.' : `Assessed ${formatDateTime(health.assessedAt)}.`}
      </p>
      <Acknowledge health={health} onDone={onChanged} />
      {health.acknowledged !== null && (
        <p class="acct-small">
          An operator resumed it at a score of {formatNumber(health.acknowledged.score)}
          {health.acknowledged.at !== null && ` (${formatDateTime(health.acknowledged.at)})`}: it sends at the at-risk pace and is stopped again only below that score.
        </p>
      )}

      <h3>Reasons</h3>
      <Reasons reasons={health.reasons} />

      <h3>What its band does now</h3>
      <Facts items={enforcementLines(health.enforcement)} />

      <h3>New chats</h3>
      <Facts
        items={[
          ['Budget (24 h)', newContactsText(health.newContacts)],
          ["WhatsApp's cap", cap],
          ['Restriction', restrictionText(health.restriction)],
        ]}
      />

      <h3>Model</h3>
      <Facts
        items={[
          ['Window', `the last ${formatNumber(health.model.windowHours)} h`],
          ['Bands', thresholdsText(health.model)],
        ]}
      />
    </div>
  );
}

/**
 * The detail panel of one account's health. `version` changes when a `session:health` frame for
 * it arrives, which reads it again at once; `onLoaded` hands each read to the table's row.
 */
export function HealthPanel({ sessionId, version, onLoaded }: { sessionId: string; version: number; onLoaded: (health: SessionHealth) => void }) {
  const health = useResource(() => call(api.GET('/api/sessions/{id}/health', { params: { path: { id: sessionId } } })), [sessionId, version]);
  const { reload, data } = health;
  const loadedRef = useRef(onLoaded);
  loadedRef.current = onLoaded;
  useEffect(() => {
    if (data !== undefined) loadedRef.current(data);
  }, [data]);
  useEffect(() => {
    const timer = setInterval(reload, REFRESH_MS);
    return () => {
      clearInterval(timer);
    };
  }, [reload]);

  return (
    <div aria-busy={health.loading}>
      <ErrorNotice error={health.error} title="The account's health could not be loaded" />
      {health.data === undefined ? (
        health.error === undefined ? (
          <Loading label="Loading health…" />
        ) : (
          <Button onClick={reload}>Try again</Button>
        )
      ) : (
        <HealthDetail health={health.data} onChanged={reload} />
      )}
    </div>
  );
}
