import { useRef, useState } from 'preact/hooks';
import { api, call, upload, type List, type UploadProgress } from '../api/client';
import { identity } from '../auth';
import { Button, EmptyState, ErrorNotice, Field, Loading, notify, Pager, PageHeader, ProgressBar, StatusBadge } from '../components/ui';
import { UnitPicker } from '../components/unit-picker';
import { formatBytes, formatNumber } from '../format';
import { useLiveEvents, useResource } from '../hooks';
import { href, navigate } from '../router';
import { estimateCsvRows, SHEET_ACCEPT } from '../csv-file';
import { ApiErrorAlert, expectRows, formatShortDateTime, withProgress, type ListProgress } from './lists-shared';
import { OptOutsSection } from './lists-optouts';
import './lists.css';

const PAGE = 20;

function UploadForm() {
  const unitOfKey = identity.value?.businessUnit ?? null;
  const fileRef = useRef<HTMLInputElement>(null);
  const [file, setFile] = useState<File | undefined>(undefined);
  const [name, setName] = useState('');
  const [phoneColumn, setPhoneColumn] = useState('');
  const [country, setCountry] = useState('');
  const [unit, setUnit] = useState(unitOfKey ?? '');
  const [progress, setProgress] = useState<UploadProgress | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  const busy = progress !== undefined;

  const submit = async (event: Event) => {
    event.preventDefault();
    if (file === undefined) {
      setError(new Error('Choose a spreadsheet first.'));
      fileRef.current?.focus();
      return;
    }
    setError(undefined);
    setProgress({ loaded: 0, total: file.size });
    const form = new FormData();
    const fields: [string, string][] = [
      ['name', name.trim()],
      ['phoneColumn', phoneColumn.trim()],
      ['defaultCountry', country.trim().toUpperCase()],
      ['businessUnit', (unitOfKey ?? unit).trim()],
    ];
    // The text fields go before the file: the API checks them before it reads the upload.
    for (const [key, value] of fields) if (value !== '') form.append(key, value);
    form.append('file', file, file.name);
    try {
      const [created, expected] = await Promise.all([
        upload<{ listId: string }>('/api/lists', form, (next) => { setProgress(next); }),
        estimateCsvRows(file).catch(() => undefined),
      ]);
      if (expected !== undefined) expectRows(created.listId, expected);
      notify(`Uploaded “${file.name}”: importing`);
      navigate(`/lists/${encodeURIComponent(created.listId)}`);
    } catch (reason) {
      setError(reason);
      setProgress(undefined);
    }
  };

  return (
    <form class="panel form-grid" onSubmit={(event) => void submit(event)} aria-labelledby="upload-title">
      <h2 id="upload-title">Upload a list</h2>
      <div class="upload-row upload-row-main">
        <div>
          <Field
            id="list-file"
            label="Spreadsheet (.xlsx or .csv)"
            hint="The first sheet; the header is the first non-empty row; one recipient per row."
          >
            <input
              ref={fileRef}
              id="list-file"
              type="file"
              accept={SHEET_ACCEPT}
              required
              disabled={busy}
              aria-describedby="list-file-hint"
              onChange={(event) => {
                setFile(event.currentTarget.files?.[0]);
                setError(undefined);
              }}
            />
          </Field>
          {file !== undefined && <p class="muted file-note">{file.name} · {formatBytes(file.size)}</p>}
        </div>
        <Field id="list-name" label="List name" hint="Optional. Empty: the file's name.">
          <input id="list-name" maxLength={200} value={name} disabled={busy} aria-describedby="list-name-hint" onInput={(event) => { setName(event.currentTarget.value); }} />
        </Field>
      </div>
      <div class="upload-row upload-row-options">
        <Field id="list-phone-column" label="Phone column" hint="Optional. Empty: found by its header (phone, mobile, whatsapp…).">
          <input
            id="list-phone-column"
            maxLength={200}
            value={phoneColumn}
            disabled={busy}
            aria-describedby="list-phone-column-hint"
            onInput={(event) => { setPhoneColumn(event.currentTarget.value); }}
          />
        </Field>
        <Field id="list-country" label="Default country" hint="Optional. For numbers written without a country code: a two-letter code, e.g. ID.">
          <input
            id="list-country"
            maxLength={2}
            autoComplete="off"
            spellcheck={false}
            value={country}
            disabled={busy}
            aria-describedby="list-country-hint"
            onInput={(event) => { setCountry(event.currentTarget.value.toUpperCase()); }}
          />
        </Field>
        <Field
          id="list-unit"
          label="Business unit"
          hint={unitOfKey === null ? 'The team that owns the list; its keys see it.' : 'Your key is limited to this unit.'}
        >
          {unitOfKey !== null ? (
            <input id="list-unit" readOnly value={unitOfKey} aria-describedby="list-unit-hint" />
          ) : (
            <UnitPicker id="list-unit" required value={unit} disabled={busy} describedBy="list-unit-hint" onChange={setUnit} />
          )}
        </Field>
      </div>
      {progress !== undefined && (
        <ProgressBar
          label="Upload progress"
          value={progress.loaded}
          max={progress.total}
          detail={`${formatBytes(progress.loaded)} of ${formatBytes(progress.total)}`}
        />
      )}
      <ApiErrorAlert error={error} title="The upload was refused" />
      <div class="form-actions">
        <Button type="submit" variant="primary" busy={busy}>
          Upload
        </Button>
      </div>
    </form>
  );
}

function ListsTable() {
  const [offset, setOffset] = useState(0);
  const lists = useResource(() => call(api.GET('/api/lists', { params: { query: { limit: PAGE, offset } } })), [offset]);
  const [live, setLive] = useState<Record<string, ListProgress>>({});
  const showUnit = identity.value?.businessUnit === null;

  useLiveEvents((frame) => {
    if (frame.event !== 'list:progress') return;
    const known = lists.data?.items.some((item) => item.id === frame.data.listId) === true;
    if (known) setLive((current) => ({ ...current, [frame.data.listId]: frame.data }));
    else if (offset === 0 && !lists.loading) lists.reload();
  });

  const items: List[] = lists.data?.items.map((item) => withProgress(item, live[item.id])) ?? [];
  return (
    <div class="panel">
      <h2 id="lists-title">Lists</h2>
      <ErrorNotice error={lists.error} title="The lists could not be loaded" />
      {lists.data === undefined ? (
        lists.error === undefined && <Loading />
      ) : lists.data.total === 0 ? (
        <EmptyState title="No lists yet">Upload a spreadsheet: its rows become the recipients of a blast.</EmptyState>
      ) : (
        <>
          <div class="table-wrap" role="region" aria-labelledby="lists-title" tabIndex={0}>
            <table class="lists-table">
              <caption class="sr-only">Lists</caption>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  {showUnit && <th scope="col" class="narrow-hide">Unit</th>}
                  <th scope="col">Status</th>
                  <th scope="col" class="num narrow-hide">Rows</th>
                  <th scope="col" class="num">Valid</th>
                  <th scope="col" class="num narrow-hide">Invalid</th>
                  <th scope="col" class="num narrow-hide">Duplicates</th>
                  <th scope="col" class="narrow-hide">Created</th>
                </tr>
              </thead>
              <tbody>
                {items.map((list) => (
                  <tr key={list.id}>
                    <td class="list-name-cell">
                      <a href={href(`/lists/${encodeURIComponent(list.id)}`)}>{list.name}</a>
                      {list.purpose === 'suppression' && <span class="badge badge-warn tag">opt-outs</span>}
                      {list.createdForBlast !== null && (
                        <a class="badge badge-neutral tag" href={href(`/blasts/${encodeURIComponent(list.createdForBlast)}`)} title="Made from the file uploaded with this blast">
                          from a blast
                        </a>
                      )}
                      {list.fileName !== list.name && <div class="muted small">{list.fileName}</div>}
                    </td>
                    {showUnit && <td class="narrow-hide">{list.businessUnit}</td>}
                    <td>
                      <StatusBadge status={list.status} />
                      {list.status === 'failed' && list.error !== null && <div class="small error-code">{list.error.code}</div>}
                    </td>
                    <td class="num narrow-hide">{formatNumber(list.counts.rows)}</td>
                    <td class="num">{formatNumber(list.counts.valid)}</td>
                    <td class="num narrow-hide">{formatNumber(list.counts.invalid)}</td>
                    <td class="num narrow-hide">{formatNumber(list.counts.duplicates)}</td>
                    <td class="narrow-hide nowrap">{formatShortDateTime(list.createdAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <Pager offset={offset} limit={PAGE} total={lists.data.total} onChange={setOffset} label="Pages of lists" />
        </>
      )}
    </div>
  );
}

export function ListsScreen() {
  return (
    <section>
      <PageHeader title="Lists" subtitle="Recipient lists from spreadsheets: each row a recipient, each column a variable for messages." />
      <UploadForm />
      <ListsTable />
      <OptOutsSection />
    </section>
  );
}
