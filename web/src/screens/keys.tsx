import { useState } from 'preact/hooks';
import { api, call, describeError, type ApiKey } from '../api/client';
import { Alert, Button, CopyButton, Dialog, EmptyState, ErrorNotice, Field, Loading, PageHeader, StatusBadge } from '../components/ui';
import { UnitPicker } from '../components/unit-picker';
import { formatDateTime } from '../format';
import { useResource, useRowAction } from '../hooks';

function CreateKeyForm(props: { onCreated: (secret: string, key: ApiKey) => void }) {
  const [name, setName] = useState('');
  const [unit, setUnit] = useState('');
  const [role, setRole] = useState<'operator' | 'admin'>('operator');
  const [error, setError] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);

  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const body: { name: string; role: 'operator' | 'admin'; businessUnit?: string } = { name: name.trim(), role };
      if (role === 'operator' && unit.trim() !== '') body.businessUnit = unit.trim();
      const created = await call(api.POST('/api/keys', { body }));
      setName('');
      setUnit('');
      props.onCreated(created.secret, created.key);
    } catch (reason) {
      setError(describeError(reason));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="panel form-grid" onSubmit={(event) => void submit(event)}>
      <h2>New key</h2>
      <Field id="key-name" label="Name" hint="Who or what uses it, e.g. “marketing team”.">
        <input id="key-name" required maxLength={100} value={name} onInput={(event) => { setName(event.currentTarget.value); }} />
      </Field>
      <Field id="key-role" label="Role" hint="Admin keys manage keys and see every unit.">
        <select id="key-role" value={role} onChange={(event) => { setRole(event.currentTarget.value === 'admin' ? 'admin' : 'operator'); }}>
          <option value="operator">Operator</option>
          <option value="admin">Admin</option>
        </select>
      </Field>
      {role === 'operator' && (
        <Field id="key-unit" label="Business unit" hint="Limits the key to this unit's accounts, lists and blasts.">
          <UnitPicker id="key-unit" emptyLabel="Every unit" value={unit} describedBy="key-unit-hint" onChange={setUnit} />
        </Field>
      )}
      {error !== undefined && <Alert kind="error">{error}</Alert>}
      <div class="form-actions">
        <Button type="submit" variant="primary" busy={busy} disabled={name.trim() === ''}>
          Create key
        </Button>
      </div>
    </form>
  );
}

export function KeysScreen() {
  const keys = useResource(() => call(api.GET('/api/keys')), []);
  const [created, setCreated] = useState<{ secret: string; key: ApiKey } | undefined>(undefined);
  const revoking = useRowAction();
  const revoke = (key: ApiKey) =>
    revoking.run(key.id, `Revoke “${key.name}”? Whatever uses it stops working at once.`, async () => {
      await call(api.DELETE('/api/keys/{id}', { params: { path: { id: key.id } } }));
      keys.reload();
      return `Revoked “${key.name}”`;
    });

  return (
    <section>
      <PageHeader title="API keys" subtitle="Keys for people and scripts. A key limited to a business unit sees only that unit." />
      <div class="two-col">
        <CreateKeyForm
          onCreated={(secret, key) => {
            setCreated({ secret, key });
            keys.reload();
          }}
        />
        <div class="panel">
          <h2>Keys</h2>
          <ErrorNotice error={keys.error} />
          {keys.data === undefined ? (
            keys.error === undefined && <Loading />
          ) : keys.data.items.length === 0 ? (
            <EmptyState title="No keys yet">Create one for each team or script.</EmptyState>
          ) : (
            <div class="table-wrap">
              <table>
                <caption class="sr-only">API keys</caption>
                <thead>
                  <tr>
                    <th scope="col">Name</th>
                    <th scope="col">Role</th>
                    <th scope="col">Unit</th>
                    <th scope="col">Prefix</th>
                    <th scope="col">Last used</th>
                    <th scope="col">Status</th>
                    <th scope="col"><span class="sr-only">Actions</span></th>
                  </tr>
                </thead>
                <tbody>
                  {keys.data.items.map((key) => (
                    <tr key={key.id}>
                      <td>{key.name}</td>
                      <td>{key.role}</td>
                      <td>{key.businessUnit ?? <span class="muted">all</span>}</td>
                      <td><code>{key.prefix}…</code></td>
                      <td>{formatDateTime(key.lastUsedAt)}</td>
                      <td>{key.revokedAt === null ? <StatusBadge status="ready" label="active" /> : <StatusBadge status="revoked" />}</td>
                      <td class="row-actions">
                        {key.revokedAt === null && (
                          <Button variant="danger" busy={revoking.busy === key.id} onClick={() => void revoke(key)} aria-label={`Revoke ${key.name}`}>
                            Revoke
                          </Button>
                        )}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </div>
      </div>
      <Dialog open={created !== undefined} title="Key created" onClose={() => { setCreated(undefined); }}>
        {created !== undefined && (
          <>
            <Alert kind="warning">Copy the secret now: it is shown only this once and cannot be recovered.</Alert>
            <p>
              <strong>{created.key.name}</strong> {created.key.businessUnit !== null ? `(unit ${created.key.businessUnit})` : '(every unit)'}
            </p>
            <div class="secret">
              <code data-testid="new-key-secret">{created.secret}</code>
              <CopyButton text={created.secret} />
            </div>
            <div class="form-actions">
              <Button variant="primary" onClick={() => { setCreated(undefined); }}>
                Done
              </Button>
            </div>
          </>
        )}
      </Dialog>
    </section>
  );
}
