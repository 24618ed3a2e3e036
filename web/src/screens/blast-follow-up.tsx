import { useState } from 'preact/hooks';
import { api, ApiError, call, describeError, upload, type Blast } from '../api/client';
import { Alert, Button, Dialog, ErrorNotice, Field, Loading } from '../components/ui';
import { formatDateTimeWithZone, formatNumber } from '../format';
import { useResource } from '../hooks';
import { href, navigate } from '../router';

// "Follow up" on a finished blast: choose a segment of its recipients (sizes as they stand now), the
// message (the parent's list columns as variables), the sessions, a delay after the parent's end and
// whether people who reply meanwhile are skipped. POST /api/blasts with followUpOf and segment.

type Segment = NonNullable<Blast['followUp']>['segment'];

const SEGMENTS: readonly { value: Segment; label: string; about: string }[] = [
  { value: 'not_replied', label: 'Did not reply', about: 'Accepted by WhatsApp, no reply came.' },
  { value: 'not_read', label: 'Did not read', about: 'Accepted, not read (delivered or not).' },
  { value: 'not_delivered', label: 'Not delivered', about: 'Accepted, but no delivery receipt.' },
  { value: 'delivered', label: 'Delivered', about: 'Delivered or read.' },
  { value: 'replied', label: 'Replied', about: 'A reply came.' },
  { value: 'failed', label: 'Failed', about: 'The send failed.' },
];

const UNITS = [
  ['M', 'minutes', 60],
  ['H', 'hours', 3_600],
  ['D', 'days', 86_400],
] as const;

const ADVICE: Record<string, string> = {
  PARENT_FAILED: 'This blast failed before it sent anything: there is nobody to follow up.',
  PARENT_LIST_DELETED: 'Its recipient list was deleted, so the recipients’ columns are gone.',
  AFTER_TOO_FAR: 'Wait at most 366 days.',
  TEMPLATE_UNKNOWN_VARIABLES: 'Use only the list’s columns (the chips under the message).',
  SESSION_NOT_LINKED: 'Link that account first on the Accounts page.',
};

/** An ISO 8601 duration from an amount and a unit, or undefined for none (start at the end). */
function duration(amount: string, unit: (typeof UNITS)[number][0]): string | undefined {
  const value = Math.floor(Number(amount));
  if (amount.trim() === '' || !Number.isFinite(value) || value <= 0) return undefined;
  return unit === 'D' ? `P${String(value)}D` : `PT${String(value)}${unit}`;
}

/** Whether a blast has an outcome to follow up: it ended, and sent something (or was cancelled after starting). */
export function canFollowUp(blast: Blast): boolean {
  return (blast.status === 'completed' || blast.status === 'cancelled' || blast.status === 'failed') && blast.sent + blast.failed > 0;
}

/** What a follow-up shows of its parent and its start. */
export function FollowUpNotice(props: { blast: Blast }) {
  const { followUp, status, scheduledAt } = props.blast;
  if (followUp === null) return null;
  const parent = <a href={href(`/blasts/${encodeURIComponent(followUp.of)}`)}>an earlier blast</a>;
  if (status === 'scheduled' || status === 'importing') {
    return (
      <Alert kind="info" title={followUp.waitingForParent || scheduledAt === null ? 'Waiting for the earlier blast to end' : `Starts ${formatDateTimeWithZone(scheduledAt)}`}>
        A follow-up of {parent} to its “{followUp.segment.replace('_', ' ')}” recipients{followUp.after === null ? '' : `, ${followUp.after} after it ends`}. Who is in that
        segment is decided when it starts.
      </Alert>
    );
  }
  return (
    <p class="muted">
      A follow-up of {parent} to its “{followUp.segment.replace('_', ' ')}” recipients.
    </p>
  );
}

export function FollowUpDialog(props: { blast: Blast; open: boolean; onClose: () => void }) {
  const { blast } = props;
  const segments = useResource(
    () => (props.open ? call(api.GET('/api/blasts/{id}/segments', { params: { path: { id: blast.id } } })) : Promise.resolve(undefined)),
    [blast.id, props.open],
  );
  const list = useResource(
    () => (props.open ? call(api.GET('/api/lists/{id}', { params: { path: { id: blast.listId } } })) : Promise.resolve(undefined)),
    [blast.listId, props.open],
  );
  const sessions = useResource(() => (props.open ? call(api.GET('/api/sessions')) : Promise.resolve(undefined)), [props.open]);
  const [segment, setSegment] = useState<Segment>('not_replied');
  const [message, setMessage] = useState('');
  const [selected, setSelected] = useState<string[]>(() => blast.sessions.map((session) => session.sessionId));
  const [amount, setAmount] = useState('');
  const [unit, setUnit] = useState<(typeof UNITS)[number][0]>('H');
  const [stopOnReply, setStopOnReply] = useState(true);
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | undefined>(undefined);

  const unitSessions = (sessions.data?.items ?? []).filter((session) => session.businessUnit === blast.businessUnit);
  const sizes = segments.data?.segments;
  const variables = ['phone', ...(list.data?.columns ?? []).map((column) => column.key).filter((key) => key !== 'phone')];
  const after = duration(amount, unit);

  const submit = async (event: Event) => {
    event.preventDefault();
    if (message.trim() === '' || selected.length === 0) {
      setProblem('Write the message and choose at least one session.');
      return;
    }
    const form = new FormData();
    form.append('name', `Follow-up: ${blast.name}`.slice(0, 200));
    form.append('sessionIds', selected.join(','));
    form.append('message', message);
    form.append('followUpOf', blast.id);
    form.append('segment', segment);
    if (after !== undefined) form.append('after', after);
    form.append('stopOnReply', String(stopOnReply));
    setBusy(true);
    setProblem(undefined);
    try {
      const created = await upload<{ blastId: string }>('/api/blasts', form);
      props.onClose();
      navigate(`/blasts/${created.blastId}`);
    } catch (reason) {
      const code = reason instanceof ApiError ? reason.code : undefined;
      setProblem([describeError(reason), code === undefined ? undefined : ADVICE[code]].filter((part) => part !== undefined).join(' '));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Dialog open={props.open} title="Follow up" onClose={props.onClose} wide>
      <form onSubmit={(event) => void submit(event)} noValidate>
        <fieldset>
          <legend>Who gets it</legend>
          <p class="hint">The segment is taken when the follow-up starts, so receipts and replies that come before then still count. Sizes as of now:</p>
          <ErrorNotice error={segments.error} title="The segment sizes could not be loaded" />
          {sizes === undefined && segments.error === undefined && <Loading label="Counting…" />}
          {SEGMENTS.map((item) => (
            <label key={item.value} class="check">
              <input type="radio" name="fu-segment" value={item.value} checked={segment === item.value} onChange={() => { setSegment(item.value); }} />
              <span>
                <strong>{item.label}</strong> · {sizes === undefined ? '…' : `${formatNumber(sizes[item.value])} recipients`} <span class="muted">{item.about}</span>
              </span>
            </label>
          ))}
        </fieldset>

        <Field id="fu-message" label="Message" hint="The list’s columns are variables, as in the first blast.">
          <textarea id="fu-message" rows={4} maxLength={65_536} value={message} aria-describedby="fu-message-hint" onInput={(event) => { setMessage(event.currentTarget.value); }} />
        </Field>
        <div class="nb-variables" role="group" aria-label="Variables">
          {variables.map((key) => (
            <button key={key} type="button" class="nb-chip" aria-label={`Insert {${key}}`} onClick={() => { setMessage((text) => `${text}{${key}}`); }}>
              {`{${key}}`}
            </button>
          ))}
        </div>

        <fieldset>
          <legend>Sessions</legend>
          {sessions.data === undefined && sessions.error === undefined && <Loading label="Loading sessions…" />}
          {unitSessions.map((session) => (
            <label key={session.id} class="check">
              <input
                type="checkbox"
                checked={selected.includes(session.id)}
                onChange={(event) => {
                  const on = event.currentTarget.checked;
                  setSelected((previous) => (on ? [...previous, session.id] : previous.filter((id) => id !== session.id)));
                }}
              />
              {session.friendlyName} <span class="muted">{session.id}</span>
            </label>
          ))}
        </fieldset>

        <div class="nb-row">
          <Field id="fu-after" label="Start after the blast ends" hint={after === undefined ? 'Empty: as soon as it ends.' : `Starts ${after} after its end.`}>
            <input id="fu-after" type="number" min={0} step={1} inputMode="numeric" value={amount} aria-describedby="fu-after-hint" onInput={(event) => { setAmount(event.currentTarget.value); }} />
          </Field>
          <Field id="fu-unit" label="Unit">
            <select id="fu-unit" value={unit} onChange={(event) => { setUnit(event.currentTarget.value as (typeof UNITS)[number][0]); }}>
              {UNITS.map(([value, label]) => (
                <option key={value} value={value}>
                  {label}
                </option>
              ))}
            </select>
          </Field>
        </div>
        <label class="check">
          <input type="checkbox" checked={stopOnReply} onChange={(event) => { setStopOnReply(event.currentTarget.checked); }} />
          Skip anyone who replies before their message goes
        </label>

        {problem !== undefined && (
          <Alert kind="error" title="The follow-up was not created">
            {problem}
          </Alert>
        )}
        <div class="form-actions">
          <Button type="submit" variant="primary" busy={busy}>
            Create follow-up
          </Button>
          <Button onClick={props.onClose}>Cancel</Button>
        </div>
      </form>
    </Dialog>
  );
}
