import { useState } from 'preact/hooks';
import { api, call, describeError, type Unit } from '../api/client';
import { Alert, Button, Dialog, EmptyState, ErrorNotice, Field, Loading, PageHeader } from '../components/ui';
import { formatDateTime } from '../format';
import { useResource, useRowAction } from '../hooks';

function NameForm(props: { id: string; title: string; initial: string; action: string; save: (name: string) => Promise<void> }) {
  const [name, setName] = useState(props.initial);
  const [error, setError] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await props.save(name.trim());
      setName(props.initial);
    } catch (reason) {
      setError(describeError(reason));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="form-grid" onSubmit={(event) => void submit(event)}>
      <Field id={props.id} label={props.title} hint="Unique without regard to case or spacing: “marketing” is the unit “Marketing”.">
        <input id={props.id} required maxLength={64} autoComplete="off" value={name} aria-describedby={`${props.id}-hint`} onInput={(event) => { setName(event.currentTarget.value); }} />
      </Field>
      {error !== undefined && <Alert kind="error">{error}</Alert>}
      <div class="form-actions">
        <Button type="submit" variant="primary" busy={busy} disabled={name.trim() === ''}>
          {props.action}
        </Button>
      </div>
    </form>
  );
}

/** Admins' screen of business units: add, rename (everywhere at once), delete an unused one. */
export function UnitsScreen() {
  const units = useResource(() => call(api.GET('/api/units')), []);
  const [renaming, setRenaming] = useState<Unit | undefined>(undefined);
  const deleting = useRowAction();
  const remove = (unit: Unit) =>
    deleting.run(unit.id, `Delete the unit “${unit.name}”?`, async () => {
      await call(api.DELETE('/api/units/{id}', { params: { path: { id: unit.id } } }));
      units.reload();
      return `Deleted “${unit.name}”`;
    });

  return (
    <section>
      <PageHeader title="Business units" subtitle="The teams that own accounts, lists, opt-outs, keys and webhooks. A key limited to a unit sees only that unit." />
      <div class="two-col">
        <div class="panel">
          <h2>New unit</h2>
          <NameForm
            id="unit-name"
            title="Name"
            initial=""
            action="Add unit"
            save={async (name) => {
              await call(api.POST('/api/units', { body: { name } }));
              units.reload();
            }}
          />
        </div>
        <div class="panel">
          <h2>Units</h2>
          <ErrorNotice error={units.error} />
          {units.data === undefined ? (
            units.error === undefined && <Loading />
          ) : units.data.items.length === 0 ? (
            <EmptyState title="No units yet">Add one here, or name one when creating an account, a list or a key.</EmptyState>
          ) : (
            <div class="table-wrap">
              <table>
                <caption class="sr-only">Business units</caption>
                <thead>
                  <tr>
                    <th scope="col">Name</th>
                    <th scope="col">Created</th>
                    <th scope="col"><span class="sr-only">Actions</span></th>
                  </tr>
                </thead>
                <tbody>
                  {units.data.items.map((unit) => (
                    <tr key={unit.id}>
                      <td>
                        {unit.name}
                        {unit.variantOf !== null && (
                          <small class="muted" title="Kept apart when units were introduced: never merged. Rename it to tell them apart.">
                            {' '}· differs only in case from “{unit.variantOf}”
                          </small>
                        )}
                      </td>
                      <td>{formatDateTime(unit.createdAt)}</td>
                      <td class="row-actions">
                        <Button onClick={() => { setRenaming(unit); }} aria-label={`Rename ${unit.name}`}>
                          Rename
                        </Button>
                        <Button variant="danger" busy={deleting.busy === unit.id} onClick={() => void remove(unit)} aria-label={`Delete ${unit.name}`}>
                          Delete
                        </Button>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </div>
      </div>
      <Dialog open={renaming !== undefined} title={`Rename “${renaming?.name ?? ''}”`} onClose={() => { setRenaming(undefined); }}>
        {renaming !== undefined && (
          <NameForm
            id="unit-rename"
            title="New name"
            initial={renaming.name}
            action="Rename"
            save={async (name) => {
              await call(api.PATCH('/api/units/{id}', { params: { path: { id: renaming.id } }, body: { name } }));
              setRenaming(undefined);
              units.reload();
            }}
          />
        )}
      </Dialog>
    </section>
  );
}
