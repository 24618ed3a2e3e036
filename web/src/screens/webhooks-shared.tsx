import type { WebhookEvent } from '../api/client';
import { Alert, Button, CopyButton, Dialog } from '../components/ui';

type EventType = Exclude<WebhookEvent, '*'>;

// A Record, so that an event the API gains and this lacks is a compile error.
const EVENT_SET: Record<EventType, true> = {
  'blast.created': true, 'blast.started': true, 'blast.paused': true, 'blast.resumed': true, 'blast.completed': true,
  'blast.cancelled': true, 'blast.failed': true, 'blast.progress': true,
  'message.sent': true, 'message.delivered': true, 'message.read': true, 'message.failed': true, 'message.skipped': true, 'message.replied': true,
  'optout.added': true, 'optout.removed': true, 'session.status': true, 'list.ready': true, 'list.failed': true,
  'webhook.test': true, 'webhook.disabled': true,
};

/** Every event an endpoint can subscribe to (README: "Webhooks"), "*" aside. */
export const WEBHOOK_EVENTS = Object.keys(EVENT_SET) as EventType[];

/** Event checkboxes; an empty choice means every event ("*"). */
export function EventPicker(props: { idPrefix: string; legend: string; value: readonly string[]; onChange: (value: string[]) => void; allLabel: string }) {
  return (
    <fieldset class="event-picker">
      <legend>{props.legend}</legend>
      <label class="check">
        <input type="checkbox" checked={props.value.length === 0} onChange={() => { props.onChange([]); }} />
        {props.allLabel}
      </label>
      <div class="event-grid">
        {WEBHOOK_EVENTS.map((event) => (
          <label key={event} class="check">
            <input
              type="checkbox"
              id={`${props.idPrefix}-${event}`}
              checked={props.value.includes(event)}
              onChange={(change) => {
                props.onChange(change.currentTarget.checked ? [...props.value, event] : props.value.filter((chosen) => chosen !== event));
              }}
            />
            <code>{event}</code>
          </label>
        ))}
      </div>
    </fieldset>
  );
}

/** A signing secret, shown the one time the API gives it. */
export function SecretDialog(props: { shown: { title: string; url: string; secret: string; note?: string } | undefined; onClose: () => void }) {
  const shown = props.shown;
  return (
    <Dialog open={shown !== undefined} title={shown?.title ?? ''} onClose={props.onClose}>
      {shown !== undefined && (
        <>
          <Alert kind="warning">Copy the signing secret now: it is shown only this once and cannot be recovered.</Alert>
          <p><code>{shown.url}</code></p>
          {shown.note !== undefined && <p class="muted">{shown.note}</p>}
          <div class="secret">
            <code data-testid="webhook-secret">{shown.secret}</code>
            <CopyButton text={shown.secret} />
          </div>
          <div class="form-actions">
            <Button variant="primary" onClick={props.onClose}>Done</Button>
          </div>
        </>
      )}
    </Dialog>
  );
}
