import { useState } from 'preact/hooks';
import { api, call, upload, type UploadProgress } from '../api/client';
import { identity } from '../auth';
import { Alert, Button, EmptyState, ErrorNotice, Field, Loading, notify, Pager, ProgressBar } from '../components/ui';
import { UnitPicker } from '../components/unit-picker';
import { formatBytes } from '../format';
import { SHEET_ACCEPT } from '../csv-file';
import { useResource, useRowAction } from '../hooks';
import { navigate } from '../router';
import { ApiErrorAlert, formatShortDateTime } from './lists-shared';

// Opt-outs (suppressions): numbers a business unit never messages again. Added by hand, from a
// sheet (imported like a list, then followed on its list page), or by replies.

const PAGE = 20;

interface Added {
  businessUnit: string;
  added: number;
  alreadySuppressed: number;
  invalid: { value: string; reason: string }[];
}

function AddNumbersForm(props: { onAdded: () => void }) {
  const unitOfKey = identity.value?.businessUnit ?? null;
  const [phones, setPhones] = useState('');
  const [unit, setUnit] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const [result, setResult] = useState<Added | undefined>(undefined);

  const submit = async (event: Event) => {
    event.preventDefault();
    const list = phones.split(/[\n,;]+/).map((phone) => phone.trim()).filter((phone) => phone !== '');
    if (list.length === 0) return;
    setBusy(true);
    setError(undefined);
    setResult(undefined);
    try {
      const body: { phones: string[]; businessUnit?: string } = { phones: list };
      const chosen = (unitOfKey ?? unit).trim();
      if (chosen !== '') body.businessUnit = chosen;
      const added = await call(api.POST('/api/suppressions', { body }));
      setResult(added);
      if (added.invalid.length === 0) setPhones('');
      props.onAdded();
    } catch (reason) {
      setError(reason);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="form-grid" onSubmit={(event) => void submit(event)} aria-labelledby="optout-add-title">
      <h3 id="optout-add-title">Add numbers</h3>
      <Field id="optout-phones" label="Numbers to opt out" hint="One per line (or separated by commas).">
        <textarea id="optout-phones" rows={3} value={phones} aria-describedby="optout-phones-hint" onInput={(event) => { setPhones(event.currentTarget.value); }} />
      </Field>
      {unitOfKey === null && (
        <Field id="optout-unit" label="Unit for these opt-outs" hint="The unit that will not message these numbers.">
          <UnitPicker id="optout-unit" required value={unit} describedBy="optout-unit-hint" onChange={setUnit} />
        </Field>
      )}
      <ApiErrorAlert error={error} title="The numbers were not added" />
      {result !== undefined && (
        <Alert kind={result.invalid.length > 0 ? 'warning' : 'success'}>
          {result.added} added, {result.alreadySuppressed} already opted out ({result.businessUnit}).
          {result.invalid.length > 0 && (
            <ul class="alert-list">
              {result.invalid.map((item) => (
                <li key={item.value}>
                  “{item.value}”: <code>{item.reason}</code>
                </li>
              ))}
            </ul>
          )}
        </Alert>
      )}
      <div class="form-actions">
        <Button type="submit" busy={busy} disabled={phones.trim() === ''}>
          Add to opt-outs
        </Button>
      </div>
    </form>
  );
}

function ImportOptOutsForm() {
  const unitOfKey = identity.value?.businessUnit ?? null;
  const [file, setFile] = useState<File | undefined>(undefined);
  const [unit, setUnit] = useState('');
  const [progress, setProgress] = useState<UploadProgress | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);

  const submit = async (event: Event) => {
    event.preventDefault();
    if (file === undefined) return;
    setError(undefined);
    setProgress({ loaded: 0, total: file.size });
    const form = new FormData();
    const chosen = (unitOfKey ?? unit).trim();
    if (chosen !== '') form.append('businessUnit', chosen);
    form.append('file', file, file.name);
    try {
      const created = await upload<{ listId: string }>('/api/suppressions/import', form, (next) => { setProgress(next); });
      notify(`Uploaded “${file.name}”: importing the opt-outs`);
      navigate(`/lists/${encodeURIComponent(created.listId)}`);
    } catch (reason) {
      setError(reason);
      setProgress(undefined);
    }
  };

  return (
    <form class="form-grid" onSubmit={(event) => void submit(event)} aria-labelledby="optout-import-title">
      <h3 id="optout-import-title">Import a sheet of opt-outs</h3>
      <Field id="optout-file" label="Sheet of opt-outs (.xlsx or .csv)" hint="Read like a list; its valid numbers are added.">
        <input
          id="optout-file"
          type="file"
          accept={SHEET_ACCEPT}
          required
          disabled={progress !== undefined}
          aria-describedby="optout-file-hint"
          onChange={(event) => { setFile(event.currentTarget.files?.[0]); }}
        />
      </Field>
      {unitOfKey === null && (
        <Field id="optout-import-unit" label="Unit for the opt-out sheet">
          <UnitPicker id="optout-import-unit" required value={unit} onChange={setUnit} />
        </Field>
      )}
      {progress !== undefined && (
        <ProgressBar
          label="Opt-out sheet transfer"
          value={progress.loaded}
          max={progress.total}
          detail={`${formatBytes(progress.loaded)} of ${formatBytes(progress.total)}`}
        />
      )}
      <ApiErrorAlert error={error} title="The upload was refused" />
      <div class="form-actions">
        <Button type="submit" busy={progress !== undefined} disabled={file === undefined}>
          Import opt-outs
        </Button>
      </div>
    </form>
  );
}

export function OptOutsSection() {
  const [offset, setOffset] = useState(0);
  const removing = useRowAction();
  const rows = useResource(() => call(api.GET('/api/suppressions', { params: { query: { limit: PAGE, offset } } })), [offset]);
  const showUnit = identity.value?.businessUnit === null;

  const remove = (phone: string, businessUnit: string) =>
    removing.run(`${businessUnit}/${phone}`, `Remove ${phone} from the opt-outs of ${businessUnit}? It may be messaged again.`, async () => {
      await call(api.DELETE('/api/suppressions/{phone}', { params: { path: { phone }, query: { businessUnit } } }));
      rows.reload();
      return `${phone} may be messaged again`;
    });

  return (
    <section class="panel optouts" aria-labelledby="optouts-title">
      <h2 id="optouts-title">Opt-outs</h2>
      <p class="muted">Numbers that are never messaged again by their business unit, whatever list they are on.</p>
      <div class="optouts-layout">
        <div class="optouts-forms">
          <AddNumbersForm onAdded={rows.reload} />
          <ImportOptOutsForm />
        </div>
        <div>
          <ErrorNotice error={rows.error} title="The opt-outs could not be loaded" />
          {rows.data === undefined ? (
            rows.error === undefined && <Loading />
          ) : rows.data.total === 0 ? (
            <EmptyState title="No opt-outs yet">Numbers added here, imported, or that reply STOP appear here.</EmptyState>
          ) : (
            <>
              <div class="table-wrap" role="region" aria-label="Opt-out numbers" tabIndex={0}>
                <table>
                  <caption class="sr-only">Opt-outs</caption>
                  <thead>
                    <tr>
                      <th scope="col">Phone</th>
                      {showUnit && <th scope="col">Unit</th>}
                      <th scope="col">Source</th>
                      <th scope="col" class="narrow-hide">Added</th>
                      <th scope="col"><span class="sr-only">Actions</span></th>
                    </tr>
                  </thead>
                  <tbody>
                    {rows.data.items.map((row) => (
                      <tr key={`${row.businessUnit}/${row.phone}`}>
                        <td class="nowrap">{row.phone}</td>
                        {showUnit && <td>{row.businessUnit}</td>}
                        <td>
                          {row.source}
                          {row.reason !== null && <div class="muted small">{row.reason}</div>}
                        </td>
                        <td class="narrow-hide nowrap">{formatShortDateTime(row.createdAt)}</td>
                        <td class="row-actions">
                          <Button
                            variant="ghost"
                            busy={removing.busy === `${row.businessUnit}/${row.phone}`}
                            aria-label={`Remove ${row.phone} from the opt-outs`}
                            onClick={() => void remove(row.phone, row.businessUnit)}
                          >
                            Remove
                          </Button>
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
              <Pager offset={offset} limit={PAGE} total={rows.data.total} onChange={setOffset} label="Pages of opt-outs" />
            </>
          )}
        </div>
      </div>
    </section>
  );
}
