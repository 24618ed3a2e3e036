import { useState } from 'preact/hooks';
import { api, call, describeError, type Webhook, type WebhookDelivery, type WebhookEvent } from '../api/client';
import { Alert, Button, EmptyState, ErrorNotice, Field, Loading, PageHeader, Pager, StatusBadge, notify } from '../components/ui';
import { formatDateTime, formatDelay, formatMoment } from '../format';
import { useResource } from '../hooks';
import { href } from '../router';
import { EventPicker, SecretDialog } from './webhooks-shared';
import './webhooks.css';

const PAGE = 50;
/** How much of a response body the log shows in its row (the API keeps the first 1 KB). */
const BODY_PREVIEW = 120;

function preview(body: string | null): string {
  if (body === null || body === '') return '';
  return body.length > BODY_PREVIEW ? `${body.slice(0, BODY_PREVIEW)}…` : body;
}

function ReplayForm(props: { webhook: Webhook; onQueued: () => void }) {
  const [since, setSince] = useState('');
  const [until, setUntil] = useState('');
  const [events, setEvents] = useState<string[]>([]);
  const [error, setError] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);

  const submit = async (event: Event) => {
    event.preventDefault();
    setError(undefined);
    // datetime-local is the browser's local time, without a zone: made an instant here.
    const from = new Date(since);
    const to = until === '' ? undefined : new Date(until);
    if (Number.isNaN(from.getTime()) || (to !== undefined && Number.isNaN(to.getTime()))) {
      setError('Give the start (and, if you like, the end) as a date and time.');
      return;
    }
    setBusy(true);
    try {
      const body: { since: string; until?: string; events?: WebhookEvent[] } = { since: from.toISOString() };
      if (to !== undefined) body.until = to.toISOString();
      if (events.length > 0) body.events = events as WebhookEvent[];
      const queued = await call(api.POST('/api/webhooks/{id}/replay', { params: { path: { id: props.webhook.id } }, body }));
      if (queued.queued === 0) notify('Nothing to replay in that window (test events are never replayed)', 'info');
      else notify(queued.queued === 1 ? 'Replaying 1 event' : `Replaying ${queued.queued} events${queued.queued >= queued.limit ? ` (the most at once: ${queued.limit})` : ''}`);
      props.onQueued();
    } catch (reason) {
      setError(describeError(reason));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="panel form-grid" onSubmit={(event) => void submit(event)}>
      <h2>Replay</h2>
      <p class="muted">Sends a window's events again (at most 7 days, 10,000 events), with their original ids.</p>
      <Field id="replay-since" label="From">
        <input id="replay-since" type="datetime-local" required value={since} onInput={(event) => { setSince(event.currentTarget.value); }} />
      </Field>
      <Field id="replay-until" label="Until" hint="Optional: up to now.">
        <input id="replay-until" type="datetime-local" value={until} onInput={(event) => { setUntil(event.currentTarget.value); }} />
      </Field>
      <EventPicker idPrefix="replay-event" legend="Event types" allLabel="Every type it subscribes to" value={events} onChange={setEvents} />
      {error !== undefined && <Alert kind="error">{error}</Alert>}
      <div class="form-actions">
        <Button type="submit" variant="primary" busy={busy} disabled={since === ''}>
          Replay
        </Button>
      </div>
    </form>
  );
}

function DeliveryRow(props: { webhook: Webhook; delivery: WebhookDelivery; onRetried: () => void }) {
  const { delivery } = props;
  const [busy, setBusy] = useState(false);
  const last = delivery.log.at(-1);
  const retryable = delivery.status === 'failed' || delivery.status === 'expired' || (delivery.status === 'pending' && delivery.attempts > 0);
  const retry = async () => {
    setBusy(true);
    try {
      await call(api.POST('/api/webhooks/{id}/deliveries/{deliveryId}/retry', { params: { path: { id: props.webhook.id, deliveryId: delivery.id } } }));
      notify(`Retrying ${delivery.eventType}`);
      props.onRetried();
    } catch (reason) {
      notify(describeError(reason), 'error');
    } finally {
      setBusy(false);
    }
  };
  return (
    <tr>
      <td>{formatMoment(delivery.createdAt)}</td>
      <td><code>{delivery.eventType}</code></td>
      <td>
        <StatusBadge status={delivery.status} />
        {delivery.nextAttemptAt !== null && delivery.status === 'pending' && <div class="muted">next {formatDateTime(delivery.nextAttemptAt)}</div>}
      </td>
      <td class="num">{delivery.attempts}</td>
      <td class="num">{delivery.lastStatusCode ?? <span class="muted">—</span>}</td>
      <td class="num">{last === undefined ? '—' : formatDelay(last.durationMs)}</td>
      <td>
        {/* A timeout or connection error; an answer's code is in its own column. */}
        {last !== undefined && last.statusCode === null && last.error !== null && <div class="field-error">{last.error}</div>}
        <code class="response-preview" title={last?.responseBody ?? undefined}>{preview(last?.responseBody ?? null)}</code>
      </td>
      <td class="row-actions">
        {retryable && (
          <Button busy={busy} onClick={() => void retry()} aria-label={`Retry ${delivery.eventType} ${delivery.eventId}`}>
            Retry
          </Button>
        )}
      </td>
    </tr>
  );
}

/** `onChange`: the endpoint may have changed too (a failure streak begun or ended). */
function DeliveryLog(props: { webhook: Webhook; generation: number; onChange: () => void }) {
  const [failedOnly, setFailedOnly] = useState(false);
  const [offset, setOffset] = useState(0);
  const deliveries = useResource(
    () => call(api.GET('/api/webhooks/{id}/deliveries', { params: { path: { id: props.webhook.id }, query: { limit: PAGE, offset, failed: failedOnly } } })),
    [props.webhook.id, offset, failedOnly, props.generation],
  );
  return (
    <div class="panel">
      <div class="log-header">
        <h2>Delivery log</h2>
        <label class="check">
          <input type="checkbox" checked={failedOnly} onChange={(event) => { setFailedOnly(event.currentTarget.checked); setOffset(0); }} />
          Failed only
        </label>
        <Button variant="ghost" busy={deliveries.loading} onClick={() => { deliveries.reload(); props.onChange(); }}>Refresh</Button>
      </div>
      <ErrorNotice error={deliveries.error} />
      {deliveries.data === undefined ? (
        deliveries.error === undefined && <Loading />
      ) : deliveries.data.items.length === 0 ? (
        <EmptyState title={failedOnly ? 'No failed deliveries' : 'No deliveries yet'}>{failedOnly ? 'Every delivery in the log succeeded or is on its way.' : 'Send a test event to see one here.'}</EmptyState>
      ) : (
        <>
          <div class="table-wrap">
            <table>
              <caption class="sr-only">Deliveries, newest first</caption>
              <thead>
                <tr>
                  <th scope="col">At</th>
                  <th scope="col">Event</th>
                  <th scope="col">Status</th>
                  <th scope="col" class="num">Attempts</th>
                  <th scope="col" class="num">Response</th>
                  <th scope="col" class="num">Duration</th>
                  <th scope="col">Response body</th>
                  <th scope="col"><span class="sr-only">Actions</span></th>
                </tr>
              </thead>
              <tbody>
                {deliveries.data.items.map((delivery) => (
                  <DeliveryRow key={delivery.id} webhook={props.webhook} delivery={delivery} onRetried={() => { deliveries.reload(); props.onChange(); }} />
                ))}
              </tbody>
            </table>
          </div>
          <Pager offset={offset} limit={PAGE} total={deliveries.data.total} onChange={setOffset} label="Deliveries" />
        </>
      )}
    </div>
  );
}

export function WebhookDetailScreen(props: { webhookId: string }) {
  const webhook = useResource(() => call(api.GET('/api/webhooks/{id}', { params: { path: { id: props.webhookId } } })), [props.webhookId]);
  const [generation, setGeneration] = useState(0);
  const [shown, setShown] = useState<{ title: string; url: string; secret: string; note: string } | undefined>(undefined);
  const [busy, setBusy] = useState<'test' | 'toggle' | 'rotate' | undefined>(undefined);
  const refresh = () => { setGeneration((value) => value + 1); };

  const act = async (which: 'test' | 'toggle' | 'rotate', current: Webhook) => {
    if (which === 'rotate' && !window.confirm('Rotate the signing secret? The old one keeps signing beside the new one for 24 hours.')) return;
    setBusy(which);
    try {
      if (which === 'test') {
        await call(api.POST('/api/webhooks/{id}/test', { params: { path: { id: current.id } } }));
        notify('Test event queued');
        refresh();
      } else if (which === 'toggle') {
        await call(api.PATCH('/api/webhooks/{id}', { params: { path: { id: current.id } }, body: { enabled: !current.enabled } }));
        notify(current.enabled ? 'Disabled' : 'Enabled');
        webhook.reload();
      } else {
        const rotated = await call(api.POST('/api/webhooks/{id}/rotate-secret', { params: { path: { id: current.id } } }));
        setShown({ title: 'New signing secret', url: rotated.url, secret: rotated.secret, note: `The old secret keeps signing beside it until ${formatDateTime(rotated.previousSecretExpiresAt)}.` });
      }
    } catch (reason) {
      notify(describeError(reason), 'error');
    } finally {
      setBusy(undefined);
    }
  };

  const current = webhook.data;
  return (
    <section>
      <p><a href={href('/webhooks')}>← Webhooks</a></p>
      <ErrorNotice error={webhook.error} />
      {current === undefined ? (
        webhook.error === undefined && <Loading />
      ) : (
        <>
          <PageHeader
            title={current.url}
            subtitle={
              <>
                {current.businessUnit === null ? 'Every unit' : `Unit ${current.businessUnit}`} · {current.events.includes('*') ? 'all events' : current.events.join(', ')}
                {current.description !== null && <> · {current.description}</>}
              </>
            }
            actions={
              <>
                <Button busy={busy === 'test'} onClick={() => void act('test', current)}>Send test event</Button>
                <Button busy={busy === 'toggle'} onClick={() => void act('toggle', current)}>{current.enabled ? 'Disable' : 'Enable'}</Button>
                <Button busy={busy === 'rotate'} onClick={() => void act('rotate', current)}>Rotate secret</Button>
              </>
            }
          />
          {!current.enabled && (
            <Alert kind="warning" title="Disabled">
              {current.disabledReason ?? 'Events are not sent to it until it is enabled again.'}
            </Alert>
          )}
          {current.enabled && current.failingSince !== null && (
            <Alert kind="error" title="Failing">Failing since {formatDateTime(current.failingSince)}; after 5 days without a success it is disabled.</Alert>
          )}
          <div class="two-col">
            <ReplayForm webhook={current} onQueued={refresh} />
            <DeliveryLog webhook={current} generation={generation} onChange={webhook.reload} />
          </div>
        </>
      )}
      <SecretDialog shown={shown} onClose={() => { setShown(undefined); }} />
    </section>
  );
}
