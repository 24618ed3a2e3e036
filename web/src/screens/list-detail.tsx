import { useEffect, useRef, useState } from 'preact/hooks';
import { api, ApiError, call, type List } from '../api/client';
import { liveState } from '../api/events';
import { Alert, Button, Dialog, ErrorNotice, Loading, notify, Pager, PageHeader, Stats, StatusBadge } from '../components/ui';
import { formatBytes, formatDateTime, formatNumber } from '../format';
import { useLiveEvents, useResource } from '../hooks';
import { href, navigate } from '../router';
import { ApiErrorAlert, headersSeenOf, ImportProgress, REASONS, withProgress, type ListProgress } from './lists-shared';
import './lists.css';

const PAGE = 50;
/** While importing without the live stream (it is reconnecting), the list is asked for this often. */
const POLL_MS = 3_000;
/** While importing, the tables are refreshed at most this often (they fill as rows are read). */
const TABLES_EVERY_MS = 3_000;

function RejectsTable(props: { list: List; version: number }) {
  const { list } = props;
  const [offset, setOffset] = useState(0);
  const rejects = useResource(
    () => call(api.GET('/api/lists/{id}/rejects', { params: { path: { id: list.id }, query: { limit: PAGE, offset } } })),
    [list.id, offset, props.version],
  );
  const total = rejects.data?.total;
  return (
    <section class="panel" aria-labelledby="rejects-title">
      <div class="section-head">
        <h2 id="rejects-title">Rejects</h2>
        {total !== undefined && <span class="muted">{formatNumber(total)} rows not taken</span>}
      </div>
      <ErrorNotice error={rejects.error} title="The rejects could not be loaded" />
      {rejects.data === undefined ? (
        rejects.error === undefined && <Loading label="Loading rejects…" />
      ) : (
        <>
          <div class="table-wrap" role="region" aria-labelledby="rejects-title" tabIndex={0}>
            <table class="rejects-table">
              <caption class="sr-only">Rejects</caption>
              <thead>
                <tr>
                  <th scope="col" class="num">Row</th>
                  <th scope="col">Value</th>
                  {list.columns.map((column) => (
                    <th key={column.key} scope="col" title={`{${column.key}}`}>
                      {column.header === '' ? column.key : column.header}
                    </th>
                  ))}
                  <th scope="col">Reason</th>
                  <th scope="col" class="num">Duplicate of</th>
                </tr>
              </thead>
              <tbody>
                {rejects.data.items.length === 0 ? (
                  <tr>
                    <td colSpan={4 + list.columns.length} class="muted">
                      {list.status === 'importing' ? 'No rejects so far.' : 'None: every row with a number was taken.'}
                    </td>
                  </tr>
                ) : (
                  rejects.data.items.map((reject) => (
                    <tr key={reject.rowNumber}>
                      <td class="num">{reject.rowNumber}</td>
                      <td class="value-cell">{reject.rawValue === '' ? <span class="muted">(empty)</span> : reject.rawValue}</td>
                      {list.columns.map((column) => (
                        <td key={column.key} class="value-cell">{reject.vars[column.key] ?? ''}</td>
                      ))}
                      <td>
                        <code title={REASONS[reject.reason]}>{reject.reason}</code>
                      </td>
                      <td class="num">{reject.duplicateOfRow ?? <span class="muted">—</span>}</td>
                    </tr>
                  ))
                )}
              </tbody>
            </table>
          </div>
          <Pager offset={offset} limit={PAGE} total={rejects.data.total} onChange={setOffset} label="Pages of rejects" />
          {rejects.data.total > 0 && (
            <dl class="legend">
              {Object.entries(REASONS).map(([code, text]) => (
                <div key={code}>
                  <dt><code>{code}</code></dt>
                  <dd>{text}</dd>
                </div>
              ))}
            </dl>
          )}
        </>
      )}
    </section>
  );
}

function RecipientsTable(props: { list: List; version: number }) {
  const { list } = props;
  const [offset, setOffset] = useState(0);
  const recipients = useResource(
    () => call(api.GET('/api/lists/{id}/recipients', { params: { path: { id: list.id }, query: { limit: PAGE, offset } } })),
    [list.id, offset, props.version],
  );
  const total = recipients.data?.total;
  return (
    <section class="panel" aria-labelledby="recipients-title">
      <div class="section-head">
        <h2 id="recipients-title">Recipients</h2>
        {total !== undefined && <span class="muted">{formatNumber(total)} numbers</span>}
      </div>
      <ErrorNotice error={recipients.error} title="The recipients could not be loaded" />
      {recipients.data === undefined ? (
        recipients.error === undefined && <Loading label="Loading recipients…" />
      ) : (
        <>
          <div class="table-wrap" role="region" aria-labelledby="recipients-title" tabIndex={0}>
            <table class="recipients-table">
              <caption class="sr-only">Recipients</caption>
              <thead>
                <tr>
                  <th scope="col" class="num">Row</th>
                  <th scope="col">Phone</th>
                  {list.columns.map((column) => (
                    <th key={column.key} scope="col" title={`{${column.key}}`}>
                      {column.header === '' ? column.key : column.header}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {recipients.data.items.length === 0 ? (
                  <tr>
                    <td colSpan={2 + list.columns.length} class="muted">
                      {list.status === 'importing' ? 'No recipients read yet.' : 'None: the sheet has no valid number.'}
                    </td>
                  </tr>
                ) : (
                  recipients.data.items.map((recipient) => (
                    <tr key={recipient.seq}>
                      <td class="num">{recipient.rowNumber}</td>
                      <td class="nowrap">{recipient.phone}</td>
                      {list.columns.map((column) => (
                        <td key={column.key} class="value-cell">{recipient.vars[column.key] ?? ''}</td>
                      ))}
                    </tr>
                  ))
                )}
              </tbody>
            </table>
          </div>
          <Pager offset={offset} limit={PAGE} total={recipients.data.total} onChange={setOffset} label="Pages of recipients" />
        </>
      )}
    </section>
  );
}

function Variables(props: { list: List }) {
  const { list } = props;
  if (list.purpose !== 'recipients') return null;
  return (
    <section class="panel" aria-labelledby="variables-title">
      <h2 id="variables-title">Variables for messages</h2>
      {list.columns.length === 0 && list.status !== 'ready' ? (
        <p class="muted">{list.status === 'importing' ? 'Known once the header row is read.' : 'None: the import did not get past the header.'}</p>
      ) : (
        <ul class="chips" aria-label="Template variables">
          <li class="chip">
            <code>{'{phone}'}</code>
            <span class="muted">{list.phoneColumn ?? 'the number'}</span>
          </li>
          {list.columns.map((column) => (
            <li key={column.key} class="chip">
              <code>{`{${column.key}}`}</code>
              {column.header !== '' && column.header !== column.key && <span class="muted">{column.header}</span>}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function Details(props: { list: List }) {
  const { list } = props;
  const items: [string, string][] = [
    ['File', `${list.fileName} (${formatBytes(list.fileSize)}${list.fileType === null ? '' : `, ${list.fileType}`})`],
    ['Business unit', list.businessUnit],
    ['Phone column', list.phoneColumn ?? '—'],
    ['Default country', list.defaultCountry],
    ['Header row', list.headerRow === null ? '—' : String(list.headerRow)],
    ['Uploaded', formatDateTime(list.createdAt)],
    ['Finished', formatDateTime(list.completedAt)],
  ];
  return (
    <dl class="details">
      {items.map(([term, value]) => (
        <div key={term}>
          <dt>{term}</dt>
          <dd>{value}</dd>
        </div>
      ))}
    </dl>
  );
}

function ImportFailed(props: { list: List }) {
  const { error } = props.list;
  if (error === null) return <Alert kind="error" title="The import failed" />;
  const seen = headersSeenOf(error.details);
  return (
    <Alert kind="error" title="The import failed">
      <p class="alert-text">
        {error.message} ({error.code})
      </p>
      {seen.length > 0 && (
        <>
          <p class="alert-text">Headers in the file:</p>
          <ul class="chips">
            {seen.map((header, index) => (
              <li key={`${index}-${header}`} class="chip chip-plain">{header === '' ? <span class="muted">(blank)</span> : header}</li>
            ))}
          </ul>
          <p class="alert-text">
            <a href={href('/lists')}>Upload the file again</a> and write the header of the numbers' column in “Phone column”.
          </p>
        </>
      )}
    </Alert>
  );
}

function DeleteList(props: { list: List }) {
  const { list } = props;
  const [open, setOpen] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);

  const remove = async () => {
    setBusy(true);
    setError(undefined);
    try {
      await call(api.DELETE('/api/lists/{id}', { params: { path: { id: list.id } } }));
      setOpen(false);
      notify(`Deleted “${list.name}”`);
      navigate('/lists');
    } catch (reason) {
      setError(reason);
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <Button variant="danger" onClick={() => { setError(undefined); setOpen(true); }}>
        Delete list
      </Button>
      <Dialog open={open} title="Delete this list?" onClose={() => { setOpen(false); }}>
        <p>
          “{list.name}” and its {formatNumber(list.counts.valid)} recipients will be deleted. Blasts that have ended keep their reports.
        </p>
        <ApiErrorAlert error={error} title="The list was not deleted" />
        <div class="form-actions">
          <Button variant="danger" busy={busy} onClick={() => void remove()}>
            Delete
          </Button>
          <Button onClick={() => { setOpen(false); }}>Cancel</Button>
        </div>
      </Dialog>
    </>
  );
}

export function ListDetailScreen(props: { listId: string }) {
  // A fresh screen per list: nothing of the previous list is shown while the next one loads.
  return <ListDetail key={props.listId} listId={props.listId} />;
}

function ListDetail(props: { listId: string }) {
  const { listId } = props;
  const resource = useResource(() => call(api.GET('/api/lists/{id}', { params: { path: { id: listId } } })), [listId]);
  const { data, reload } = resource;
  const [progress, setProgress] = useState<ListProgress | undefined>(undefined);
  const [tables, setTables] = useState(0);
  const lastTables = useRef(0);

  // A fresh answer of GET /api/lists/{id} supersedes the frames before it.
  useEffect(() => {
    setProgress(undefined);
  }, [data]);

  useLiveEvents((frame) => {
    if (frame.event !== 'list:progress' || frame.data.listId !== listId) return;
    setProgress(frame.data);
    if (frame.data.status !== 'importing') {
      reload();
      setTables((value) => value + 1);
      return;
    }
    // Columns and the phone column are known once the header is read: ask for them once.
    if (data !== undefined && data.headerRow === null && !resource.loading) reload();
    if (Date.now() - lastTables.current >= TABLES_EVERY_MS) {
      lastTables.current = Date.now();
      setTables((value) => value + 1);
    }
  });

  const list = data === undefined ? undefined : withProgress(data, progress);
  const importing = list?.status === 'importing';
  const live = liveState.value === 'open';

  // Without the live stream, an import in progress is followed by asking for the list.
  useEffect(() => {
    if (!importing || live) return;
    const timer = setInterval(() => {
      reload();
      setTables((value) => value + 1);
    }, POLL_MS);
    return () => {
      clearInterval(timer);
    };
  }, [importing, live, reload]);

  if (list === undefined) {
    const missing =
      resource.error instanceof ApiError &&
      (resource.error.status === 404 || (resource.error.status === 400 && resource.error.code === 'VALIDATION_FAILED'));
    return (
      <section>
        <PageHeader title="List" />
        {missing ? (
          <Alert kind="error" title="No such list">
            This list does not exist (it may have been deleted) or your key cannot see it. <a href={href('/lists')}>Back to the lists</a>
          </Alert>
        ) : (
          <>
            <ErrorNotice error={resource.error} title="The list could not be loaded" />
            {resource.error === undefined && <Loading label="Loading the list…" />}
          </>
        )}
      </section>
    );
  }

  const { counts } = list;
  // A file refused before its first row (no phone column, corrupt…) has nothing to show in the tables.
  const emptyFailure = list.status === 'failed' && counts.rows === 0;
  return (
    <section>
      <p class="crumbs">
        <a href={href('/lists')}>← Lists</a>
      </p>
      <PageHeader
        title={list.name}
        subtitle={
          <span class="title-meta">
            <StatusBadge status={list.status} />
            {list.purpose === 'suppression' && <span class="badge badge-warn">opt-out list</span>}
            <span>{list.fileName}</span>
          </span>
        }
        actions={
          <>
            {list.purpose === 'recipients' && list.status !== 'failed' && (
              <a class="btn btn-primary" href={href(`/blasts/new?listId=${encodeURIComponent(list.id)}`)}>
                New blast with this list
              </a>
            )}
            <DeleteList list={list} />
          </>
        }
      />
      {list.status === 'failed' && <ImportFailed list={list} />}
      {list.status !== 'failed' && (
        <div class="panel import-panel">
          <ImportProgress key={list.status} list={list} />
          {importing && (
            <p class="muted small import-note">
              Reading the sheet: the figures and tables fill as rows are read{live ? '' : ' (checked every few seconds while the live connection is down)'}.
            </p>
          )}
          {list.purpose === 'suppression' && list.status === 'ready' && (
            <p class="muted small import-note">Its {formatNumber(counts.valid)} valid numbers were added to the opt-outs of {list.businessUnit}.</p>
          )}
        </div>
      )}
      <Stats
        items={[
          ['Rows', counts.rows],
          ['Valid', counts.valid],
          ['Duplicates', counts.duplicates],
          ['Invalid', counts.invalid],
          ['Blank', counts.blank],
        ]}
      />
      <div class="detail-layout">
        {!emptyFailure && <Variables list={list} />}
        <section class="panel" aria-labelledby="details-title">
          <h2 id="details-title">File</h2>
          <Details list={list} />
        </section>
      </div>
      {!emptyFailure && (
        <>
          <RejectsTable list={list} version={tables} />
          <RecipientsTable list={list} version={tables} />
        </>
      )}
    </section>
  );
}
