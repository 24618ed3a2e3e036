import { useState } from 'preact/hooks';
import { api, call, describeError, download } from '../api/client';
import { Button, EmptyState, ErrorNotice, Loading, notify, Pager, StatusBadge } from '../components/ui';
import { formatNumber } from '../format';
import { useResource } from '../hooks';
import { formatMoment } from './blast-shared';

// The blast's recipients by outcome (GET /api/blasts/{id}/recipients), and its report files.

const PAGE = 25;
/** The list's columns shown beside the number (the first is usually the name); the report has them all. */
const SHOWN_COLUMNS = 2;

type Outcome = 'pending' | 'sent' | 'delivered' | 'read' | 'failed' | 'skipped';

const OUTCOMES: readonly { value: Outcome | ''; label: string }[] = [
  { value: '', label: 'All recipients' },
  { value: 'pending', label: 'Pending (not sent yet)' },
  { value: 'sent', label: 'Sent (no receipt yet)' },
  { value: 'delivered', label: 'Delivered' },
  { value: 'read', label: 'Read' },
  { value: 'failed', label: 'Failed' },
  { value: 'skipped', label: 'Skipped' },
];

const REASONS: Record<string, string> = {
  SUPPRESSED: 'On the opt-out list',
  NOT_ON_WHATSAPP: 'Not on WhatsApp',
  CANCELLED: 'The blast was cancelled',
  SEND_FAILED: 'Sending kept failing',
  REJECTED: 'Refused by WhatsApp',
  MESSAGE_TOO_LONG: 'Its message was longer than WhatsApp allows',
  SESSION_LOST: 'Its account was lost mid-send',
  SESSION_DELETED: 'The blast\'s accounts were deleted',
};

function ReportButtons(props: { blastId: string }) {
  const [busy, setBusy] = useState<'csv' | 'xlsx' | undefined>(undefined);
  const save = async (format: 'csv' | 'xlsx') => {
    setBusy(format);
    try {
      await download(`/api/blasts/${encodeURIComponent(props.blastId)}/report.${format}`, `blast-${props.blastId.slice(0, 8)}-report.${format}`);
    } catch (reason) {
      notify(`The report could not be downloaded: ${describeError(reason)}`, 'error');
    } finally {
      setBusy(undefined);
    }
  };
  return (
    <div class="actions" role="group" aria-label="Report">
      <Button busy={busy === 'csv'} onClick={() => void save('csv')}>
        Download CSV
      </Button>
      <Button busy={busy === 'xlsx'} onClick={() => void save('xlsx')}>
        Download XLSX
      </Button>
    </div>
  );
}

export function BlastRecipients(props: { blastId: string; listId: string; refreshKey: number }) {
  const [outcome, setOutcome] = useState<Outcome | ''>('');
  const [offset, setOffset] = useState(0);
  // The list names the columns each row's values are keyed by; without it (gone, or not loaded yet) the table shows none.
  const list = useResource(() => call(api.GET('/api/lists/{id}', { params: { path: { id: props.listId } } })), [props.listId]);
  const columns = (list.data?.columns ?? []).slice(0, SHOWN_COLUMNS);
  const page = useResource(
    () =>
      call(
        api.GET('/api/blasts/{id}/recipients', {
          params: { path: { id: props.blastId }, query: { limit: PAGE, offset, ...(outcome === '' ? {} : { status: outcome }) } },
        }),
      ),
    [props.blastId, outcome, offset, props.refreshKey],
  );
  const total = page.data?.total ?? 0;
  const label = OUTCOMES.find((option) => option.value === outcome)?.label ?? '';

  return (
    <section class="panel" aria-labelledby="blast-recipients-title">
      <div class="blast-section-head">
        <h2 id="blast-recipients-title">Recipients</h2>
        <ReportButtons blastId={props.blastId} />
      </div>
      <div class="blast-toolbar">
        <div class="blast-filter">
          <label for="blast-outcome">Outcome</label>
          <select
            id="blast-outcome"
            value={outcome}
            onChange={(event) => {
              setOutcome(event.currentTarget.value as Outcome | '');
              setOffset(0);
            }}
          >
            {OUTCOMES.map((option) => (
              <option key={option.value} value={option.value}>
                {option.label}
              </option>
            ))}
          </select>
        </div>
        <p class="muted blast-count" role="status">
          {page.data === undefined ? '' : `${formatNumber(total)} ${total === 1 ? 'recipient' : 'recipients'}`}
        </p>
      </div>
      <ErrorNotice error={page.error} title="The recipients could not be loaded" />
      {page.data === undefined ? (
        page.error === undefined && <Loading />
      ) : page.data.items.length === 0 ? (
        <EmptyState title={outcome === '' ? 'No recipients' : `None: ${label.toLowerCase()}`} />
      ) : (
        <div class="table-wrap" tabIndex={0} aria-labelledby="blast-recipients-title">
          <table class="blast-recipients-table" aria-busy={page.loading}>
            <caption class="sr-only">Recipients</caption>
            <thead>
              <tr>
                <th scope="col" class="num blast-narrow-hide">Row</th>
                <th scope="col">Phone</th>
                {columns.map((column, index) => (
                  <th key={column.key} scope="col" class={index > 0 ? 'blast-narrow-hide' : undefined} title={`{${column.key}}`}>
                    {column.header === '' ? column.key : column.header}
                  </th>
                ))}
                <th scope="col">Outcome</th>
                <th scope="col">Reason</th>
                <th scope="col" class="blast-narrow-hide">Session</th>
                <th scope="col">Sent</th>
                <th scope="col" class="blast-narrow-hide">Delivered</th>
                <th scope="col" class="blast-narrow-hide">Read</th>
              </tr>
            </thead>
            <tbody>
              {page.data.items.map((row) => (
                <tr key={row.seq}>
                  <td class="num blast-narrow-hide">{row.rowNumber ?? '—'}</td>
                  <td class="blast-nowrap">{row.phone}</td>
                  {columns.map((column, index) => (
                    <td key={column.key} class={index > 0 ? 'blast-narrow-hide blast-column-cell' : 'blast-column-cell'}>
                      {row.vars[column.key] ?? ''}
                    </td>
                  ))}
                  <td>
                    <StatusBadge status={row.status} />
                  </td>
                  <td class="blast-reason-cell">
                    {row.reason === null ? (
                      <span class="muted">—</span>
                    ) : (
                      <>
                        <span title={row.reason}>{REASONS[row.reason] ?? row.reason}</span>
                        {row.detail !== null && row.detail !== '' && <div class="muted blast-small">{row.detail}</div>}
                      </>
                    )}
                    {row.attempts > 1 && <div class="muted blast-small">{row.attempts} attempts</div>}
                  </td>
                  <td class="blast-narrow-hide">{row.sessionId === null ? <span class="muted">—</span> : <code>{row.sessionId}</code>}</td>
                  <td class="blast-nowrap">{formatMoment(row.sentAt)}</td>
                  <td class="blast-nowrap blast-narrow-hide">{formatMoment(row.deliveredAt)}</td>
                  <td class="blast-nowrap blast-narrow-hide">{formatMoment(row.readAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Pager offset={offset} limit={PAGE} total={total} onChange={setOffset} label="Recipient pages" />
    </section>
  );
}
