import { useState } from 'preact/hooks';
import { api, call, describeError, type Webhook, type WebhookEvent } from '../api/client';
import { identity, isAdmin } from '../auth';
import { Alert, Button, EmptyState, ErrorNotice, Field, Loading, PageHeader, StatusBadge, notify } from '../components/ui';
import { UnitPicker } from '../components/unit-picker';
import { formatDateTime } from '../format';
import { useResource, useRowAction } from '../hooks';
import { href } from '../router';
import { EventPicker, SecretDialog } from './webhooks-shared';
import './webhooks.css';

// Issue 18: endpoints that receive the product's events (README: "Webhooks"). The API scopes
// what a key sees: a unit's key, its unit's endpoints only.

interface Shown { title: string; url: string; secret: string }

function CreateWebhookForm(props: { onCreated: (shown: Shown) => void }) {
  const [url, setUrl] = useState('');
  const [events, setEvents] = useState<string[]>([]);
  const [unit, setUnit] = useState('');
  const [description, setDescription] = useState('');
  const [error, setError] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  // A key of one unit creates for that unit; others choose (an admin may choose none: every unit's events).
  const choosesUnit = identity.value?.businessUnit === null;

  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const body: { url: string; events: WebhookEvent[]; businessUnit?: string; description?: string } = {
        url: url.trim(),
        events: events.length === 0 ? ['*'] : (events as WebhookEvent[]),
      };
      if (choosesUnit && unit.trim() !== '') body.businessUnit = unit.trim();
      if (description.trim() !== '') body.description = description.trim();
      const created = await call(api.POST('/api/webhooks', { body }));
      setUrl('');
      setEvents([]);
      setDescription('');
      props.onCreated({ title: 'Endpoint added', url: created.url, secret: created.secret });
    } catch (reason) {
      setError(describeError(reason));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="panel form-grid" onSubmit={(event) => void submit(event)}>
      <h2>New endpoint</h2>
      <Field id="webhook-url" label="URL" hint="Events are POSTed here, signed (Standard Webhooks). Redirects are not followed.">
        <input id="webhook-url" type="url" required maxLength={2048} placeholder="https://crm.example.com/hooks/wa" value={url} onInput={(event) => { setUrl(event.currentTarget.value); }} />
      </Field>
      {choosesUnit && (
        <Field id="webhook-unit" label="Business unit" hint={isAdmin.value ? 'Its events only; with no unit, every unit’s.' : 'Its events only.'}>
          <UnitPicker id="webhook-unit" emptyLabel={isAdmin.value ? 'Every unit' : undefined} required={!isAdmin.value} value={unit} describedBy="webhook-unit-hint" onChange={setUnit} />
        </Field>
      )}
      <Field id="webhook-description" label="Description" hint="Optional: what receives it.">
        <input id="webhook-description" maxLength={500} value={description} onInput={(event) => { setDescription(event.currentTarget.value); }} />
      </Field>
      <EventPicker idPrefix="webhook-event" legend="Events" allLabel="All events" value={events} onChange={setEvents} />
      {error !== undefined && <Alert kind="error">{error}</Alert>}
      <div class="form-actions">
        <Button type="submit" variant="primary" busy={busy} disabled={url.trim() === ''}>
          Add endpoint
        </Button>
      </div>
    </form>
  );
}

function EndpointStatus(props: { webhook: Webhook }) {
  const { webhook } = props;
  if (!webhook.enabled) return <StatusBadge status="paused" label={webhook.disabledReason === null ? 'disabled' : 'disabled by the product'} />;
  if (webhook.failingSince !== null) return <StatusBadge status="failed" label="failing" />;
  return <StatusBadge status="ready" label="enabled" />;
}

export function WebhooksScreen() {
  const webhooks = useResource(() => call(api.GET('/api/webhooks', { params: { query: { limit: 100, offset: 0 } } })), []);
  const [shown, setShown] = useState<Shown | undefined>(undefined);
  const [toggling, setToggling] = useState<string | undefined>(undefined);
  const [testing, setTesting] = useState<string | undefined>(undefined);
  const deleting = useRowAction();

  const toggle = async (webhook: Webhook) => {
    setToggling(webhook.id);
    try {
      await call(api.PATCH('/api/webhooks/{id}', { params: { path: { id: webhook.id } }, body: { enabled: !webhook.enabled } }));
      notify(webhook.enabled ? `Disabled ${webhook.url}` : `Enabled ${webhook.url}`);
      webhooks.reload();
    } catch (reason) {
      notify(describeError(reason), 'error');
    } finally {
      setToggling(undefined);
    }
  };
  const sendTest = async (webhook: Webhook) => {
    setTesting(webhook.id);
    try {
      await call(api.POST('/api/webhooks/{id}/test', { params: { path: { id: webhook.id } } }));
      notify('Test event queued: see the delivery log');
    } catch (reason) {
      notify(describeError(reason), 'error');
    } finally {
      setTesting(undefined);
    }
  };
  const remove = (webhook: Webhook) =>
    deleting.run(webhook.id, `Delete the endpoint ${webhook.url}? Its queued events and delivery log go with it.`, async () => {
      await call(api.DELETE('/api/webhooks/{id}', { params: { path: { id: webhook.id } } }));
      webhooks.reload();
      return `Deleted ${webhook.url}`;
    });

  return (
    <section>
      <PageHeader title="Webhooks" subtitle="Endpoints your systems run, which receive the product's events as they happen." />
      <div class="two-col">
        <CreateWebhookForm
          onCreated={(created) => {
            setShown(created);
            webhooks.reload();
          }}
        />
        <div class="panel">
          <h2>Endpoints</h2>
          <ErrorNotice error={webhooks.error} />
          {webhooks.data === undefined ? (
            webhooks.error === undefined && <Loading />
          ) : webhooks.data.items.length === 0 ? (
            <EmptyState title="No endpoints yet">Add one to receive blast, message and account events.</EmptyState>
          ) : (
            <div class="table-wrap">
              <table>
                <caption class="sr-only">Webhook endpoints</caption>
                <thead>
                  <tr>
                    <th scope="col">URL</th>
                    <th scope="col">Unit</th>
                    <th scope="col">Events</th>
                    <th scope="col">Status</th>
                    <th scope="col">Failing since</th>
                    <th scope="col"><span class="sr-only">Actions</span></th>
                  </tr>
                </thead>
                <tbody>
                  {webhooks.data.items.map((webhook) => (
                    <tr key={webhook.id}>
                      <td class="endpoint-url">
                        <a href={href(`/webhooks/${webhook.id}`)}><code>{webhook.url}</code></a>
                        {webhook.description !== null && <div class="muted">{webhook.description}</div>}
                      </td>
                      <td>{webhook.businessUnit ?? <span class="muted">all</span>}</td>
                      <td>{webhook.events.includes('*') ? 'all' : webhook.events.join(', ')}</td>
                      <td><EndpointStatus webhook={webhook} /></td>
                      <td>{formatDateTime(webhook.failingSince)}</td>
                      <td>
                        <div class="endpoint-actions">
                          <Button busy={testing === webhook.id} onClick={() => void sendTest(webhook)} aria-label={`Send test event to ${webhook.url}`}>
                            Send test event
                          </Button>
                          <Button busy={toggling === webhook.id} onClick={() => void toggle(webhook)} aria-label={`${webhook.enabled ? 'Disable' : 'Enable'} ${webhook.url}`}>
                            {webhook.enabled ? 'Disable' : 'Enable'}
                          </Button>
                          <Button variant="danger" busy={deleting.busy === webhook.id} onClick={() => void remove(webhook)} aria-label={`Delete ${webhook.url}`}>
                            Delete
                          </Button>
                        </div>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </div>
      </div>
      <SecretDialog shown={shown} onClose={() => { setShown(undefined); }} />
    </section>
  );
}
