import { useEffect, useState } from 'preact/hooks';
import { api, call, type Blast } from '../api/client';
import { identity } from '../auth';
import { EmptyState, ErrorNotice, Loading, Pager, PageHeader, ProgressBar, StatusBadge } from '../components/ui';
import { formatDateTimeWithZone, formatNumber } from '../format';
import { useLiveEvents, useResource } from '../hooks';
import { href } from '../router';
import { applyFrame, BLAST_STATUSES, barValueOf, formatShort, sessionPauseText, type BlastStatus } from './blast-shared';
import './blasts.css';

const PAGE = 20;

function BlastRow(props: { blast: Blast; showUnit: boolean }) {
  const { blast } = props;
  const done = barValueOf(blast);
  return (
    <tr role="row">
      <td role="cell" class="blast-name-cell">
        <a href={href(`/blasts/${encodeURIComponent(blast.id)}`)}>{blast.name}</a>
        {props.showUnit && <div class="muted blast-small">{blast.businessUnit}</div>}
      </td>
      <td role="cell" class="blast-status-cell">
        <StatusBadge status={blast.status} />
        {blast.status === 'failed' && blast.error !== null && (
          <div class="blast-small blast-error-reason" title={blast.error.message}>
            <code>{blast.error.code}</code> {blast.error.message}
          </div>
        )}
      </td>
      <td role="cell" class="blast-progress-cell">
        <ProgressBar
          label={`Progress of ${blast.name}`}
          value={done}
          max={blast.total}
          detail={blast.total === 0 ? '—' : `${formatNumber(blast.sent)} / ${formatNumber(blast.total)}`}
        />
        {(blast.failed > 0 || blast.skipped > 0) && (
          <div class="muted blast-small">
            {blast.failed > 0 && `${formatNumber(blast.failed)} failed`}
            {blast.failed > 0 && blast.skipped > 0 && ' · '}
            {blast.skipped > 0 && `${formatNumber(blast.skipped)} skipped`}
          </div>
        )}
      </td>
      <td role="cell" class="blast-sessions-cell">
        <ul class="blast-inline-list">
          {blast.sessions.map((session) => (
            <li key={session.sessionId}>
              <code>{session.sessionId}</code>
              {session.pausedReason !== null && <span class="blast-paused-tag"> {sessionPauseText(session.pausedReason)}</span>}
            </li>
          ))}
        </ul>
      </td>
      <td role="cell" class="blast-when-cell">
        <div>
          <span class="blast-cell-label">Created </span>
          {formatShort(blast.createdAt)}
        </div>
        <div class="muted blast-small">
          {blast.startedAt !== null
            ? `started ${formatShort(blast.startedAt)}`
            : blast.scheduledAt !== null
              ? `scheduled ${formatDateTimeWithZone(blast.scheduledAt)}`
              : 'not started'}
        </div>
      </td>
    </tr>
  );
}

export function BlastsScreen() {
  const [status, setStatus] = useState<BlastStatus | ''>('');
  const [offset, setOffset] = useState(0);
  const blasts = useResource(
    () => call(api.GET('/api/blasts', { params: { query: { limit: PAGE, offset, ...(status === '' ? {} : { status }) } } })),
    [status, offset],
  );
  const [rows, setRows] = useState<Blast[] | undefined>(undefined);
  const showUnit = identity.value?.businessUnit === null;

  useEffect(() => {
    if (blasts.data !== undefined) setRows(blasts.data.items);
  }, [blasts.data]);

  useLiveEvents((frame) => {
    if (!frame.event.startsWith('blast:') || !('blastId' in frame.data)) return;
    const { blastId } = frame.data;
    const known = rows?.some((blast) => blast.id === blastId) === true;
    // A blast this page does not show yet (a new one starting): the first page shows it after a reload.
    if (!known) {
      if (frame.event === 'blast:started' && offset === 0) blasts.reload();
      return;
    }
    setRows((current) => current?.map((blast) => applyFrame(blast, frame)));
  });

  const total = blasts.data?.total ?? 0;
  return (
    <section>
      <PageHeader
        title="Blasts"
        subtitle="Campaigns sent from your accounts, newest first. Figures update live."
        actions={
          <a class="btn btn-primary" href={href('/blasts/new')}>
            New blast
          </a>
        }
      />
      <div class="panel">
        <div class="blast-toolbar">
          <div class="blast-filter">
            <label for="blast-status-filter">Status</label>
            <select
              id="blast-status-filter"
              value={status}
              onChange={(event) => {
                setStatus(event.currentTarget.value as BlastStatus | '');
                setOffset(0);
              }}
            >
              <option value="">All statuses</option>
              {BLAST_STATUSES.map((value) => (
                <option key={value} value={value}>
                  {value[0]?.toUpperCase()}
                  {value.slice(1)}
                </option>
              ))}
            </select>
          </div>
          <p class="muted blast-count" role="status">
            {blasts.data === undefined ? '' : `${formatNumber(total)} ${total === 1 ? 'blast' : 'blasts'}`}
          </p>
        </div>
        <ErrorNotice error={blasts.error} title="The blasts could not be loaded" />
        {rows === undefined ? (
          blasts.error === undefined && <Loading />
        ) : rows.length === 0 ? (
          <EmptyState title={status === '' ? 'No blasts yet' : `No ${status} blasts`}>
            {status === '' ? (
              <>
                <a href={href('/blasts/new')}>Create a blast</a> to send a campaign from your linked accounts.
              </>
            ) : (
              'Choose another status to see more.'
            )}
          </EmptyState>
        ) : (
          <div class="table-wrap">
            {/* Explicit roles: on narrow screens the rows are laid out as cards, which must stay a table to assistive technology. */}
            <table role="table" class="blasts-table" aria-busy={blasts.loading}>
              <caption class="sr-only">Blasts</caption>
              <thead role="rowgroup">
                <tr role="row">
                  <th role="columnheader" scope="col">Name</th>
                  <th role="columnheader" scope="col">Status</th>
                  <th role="columnheader" scope="col">Progress (sent / total)</th>
                  <th role="columnheader" scope="col">Sessions</th>
                  <th role="columnheader" scope="col">Created</th>
                </tr>
              </thead>
              <tbody role="rowgroup">
                {rows.map((blast) => (
                  <BlastRow key={blast.id} blast={blast} showUnit={showUnit} />
                ))}
              </tbody>
            </table>
          </div>
        )}
        <Pager offset={offset} limit={PAGE} total={total} onChange={setOffset} label="Blast pages" />
      </div>
    </section>
  );
}
