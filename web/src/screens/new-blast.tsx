import { useLayoutEffect, useMemo, useRef, useState } from 'preact/hooks';
import { api, ApiError, call, describeError, upload, type List, type Session } from '../api/client';
import { identity } from '../auth';
import { Alert, Button, ErrorNotice, Field, Loading, PageHeader, ProgressBar, StatusBadge } from '../components/ui';
import { formatBytes, formatNumber } from '../format';
import { useLiveEvents, useResource } from '../hooks';
import { href, navigate, routeQuery } from '../router';
import { EstimatePanel, PreviewPanel, type EstimateBody } from './new-blast-panels';
import './new-blast.css';
import { csvFileColumns, estimateCsvRows, SHEET_ACCEPT, type FileColumn } from '../csv-file';

// New blast: sessions, a list or a file, the message with the list's columns as variables, a live
// preview of real rows, media, schedule, the effective pacing and an estimated duration. Only the
// public API: GET /api/sessions, GET /api/lists(/{id}), POST /api/templates/preview,
// POST /api/blasts/estimate, POST /api/blasts (multipart).

type SessionStatus = Session['status'];

const WHY_NOT: Record<SessionStatus, string> = {
  connected: '',
  connecting: 'Connecting: it can be chosen once connected.',
  qr: 'Waiting for its QR code to be scanned (Accounts).',
  disconnected: 'Disconnected: connect it on the Accounts page.',
  logged_out: 'Logged out: link it again on the Accounts page.',
  failed: 'Failed: see the Accounts page.',
  paused: 'Paused after a restriction signal.',
};

/** What the API's refusals mean for the person at the form. */
const ADVICE: Record<string, string> = {
  TEMPLATE_UNKNOWN_VARIABLES: 'Use only the list’s columns (the chips under the message) or remove the braces.',
  TEMPLATE_SYNTAX: 'Check the braces: {column}, {Hi|Hello}, and {{ }} for literal braces.',
  SESSION_NOT_LINKED: 'Link that account first: Accounts → Connect, then scan the QR code.',
  SESSION_NOT_FOUND: 'That account no longer exists or is not visible to this key.',
  SESSION_OTHER_UNIT: 'Choose sessions of one business unit, and a list of the same unit.',
  LIST_OTHER_UNIT: 'Choose a list of the same business unit as the sessions.',
  LIST_EMPTY: 'The list has no valid phone number.',
  LIST_FAILED: 'That list failed to import: upload it again.',
  SCHEDULE_IN_PAST: 'Pick a time in the future, or leave the schedule empty to start now.',
  SCHEDULE_TOO_FAR: 'Pick a time within a year.',
  UNSUPPORTED_MEDIA_TYPE: 'Attach an image (JPEG, PNG, WebP, GIF), a video (MP4, 3GP, WebM) or a document (PDF, Office, text).',
  MEDIA_TOO_LARGE: 'Attach a smaller file.',
  UPLOAD_TOO_LARGE: 'The file is too large for this server.',
  UPLOAD_TOO_SLOW: 'The upload took over an hour and was given up: try again on a faster connection, or with a smaller file.',
  UNSUPPORTED_FILE_TYPE: 'Upload an .xlsx or .csv file.',
};

/** `2026-12-01T08:00` for a datetime-local's min, in local time. */
function localInputValue(date: Date): string {
  const pad = (value: number) => String(value).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

function positiveNumber(text: string): number | undefined {
  const value = Number(text);
  return text.trim() === '' || !Number.isFinite(value) || value < 0 ? undefined : value;
}

interface Problem {
  title: string;
  message: string;
  advice?: string | undefined;
}

/** "VIP customers — 1,204 valid · Sales": what tells lists apart in the picker. */
function listOption(list: List, showUnit: boolean): string {
  return `${list.name} — ${formatNumber(list.counts.valid)} valid${showUnit ? ` · ${list.businessUnit}` : ''}${list.createdForBlast === null ? '' : ' · from a blast'}`;
}

export function NewBlastScreen() {
  const sessions = useResource(() => call(api.GET('/api/sessions')), []);
  /** Lists made from a file uploaded with an earlier blast are offered only when asked for. */
  const [withBlastLists, setWithBlastLists] = useState(false);
  const lists = useResource(
    () =>
      call(
        api.GET('/api/lists', {
          params: { query: { limit: 1_000, offset: 0, status: 'ready', purpose: 'recipients', ...(withBlastLists ? {} : { origin: 'upload' as const }) } },
        }),
      ),
    [withBlastLists],
  );
  const [liveStatus, setLiveStatus] = useState<Record<string, SessionStatus>>({});
  useLiveEvents((frame) => {
    if (frame.event === 'session:status') setLiveStatus((previous) => ({ ...previous, [frame.data.sessionId]: frame.data.status }));
  });

  const [selected, setSelected] = useState<string[]>([]);
  const [listId, setListId] = useState<string>(() => routeQuery.value.get('listId') ?? '');
  const [file, setFile] = useState<File | undefined>(undefined);
  const [fileRows, setFileRows] = useState<number | undefined>(undefined);
  const [fileColumns, setFileColumns] = useState<FileColumn[] | undefined>(undefined);
  const [message, setMessage] = useState('');
  const [name, setName] = useState('');
  const [schedule, setSchedule] = useState('');
  const [media, setMedia] = useState<File | undefined>(undefined);
  /** Undefined until the operator ticks or unticks it: then the sessions' own default applies (on for real WhatsApp accounts). */
  const [checkNumbers, setCheckNumbers] = useState<boolean | undefined>(undefined);
  const [typing, setTyping] = useState(false);
  const [pace, setPace] = useState({ minDelay: '', maxDelay: '', hourlyCap: '', dailyCap: '' });
  const [unknown, setUnknown] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);
  const [progress, setProgress] = useState<{ loaded: number; total: number } | undefined>(undefined);
  const [problem, setProblem] = useState<Problem | undefined>(undefined);

  const fileInput = useRef<HTMLInputElement>(null);
  const messageArea = useRef<HTMLTextAreaElement>(null);
  const problemRef = useRef<HTMLDivElement>(null);
  const caret = useRef<number | null>(null);

  const list = useResource(
    () => (listId === '' ? Promise.resolve(undefined) : call(api.GET('/api/lists/{id}', { params: { path: { id: listId } } }))),
    [listId],
  );
  const chosenList: List | undefined = listId === '' ? undefined : list.data;

  const readyLists = useMemo(() => {
    const items = (lists.data?.items ?? []).filter((item) => item.purpose === 'recipients' && item.status === 'ready');
    // A list given in the address that is not ready yet (or not on the first page) is still offered.
    if (chosenList !== undefined && !items.some((item) => item.id === chosenList.id)) items.unshift(chosenList);
    return items;
  }, [lists.data, chosenList]);

  const statusOf = (session: Session): SessionStatus => liveStatus[session.id] ?? session.status;
  const showUnit = identity.value?.businessUnit === null;

  useLayoutEffect(() => {
    const area = messageArea.current;
    if (caret.current === null || area === null) return;
    area.focus();
    area.setSelectionRange(caret.current, caret.current);
    caret.current = null;
  }, [message]);

  const insertVariable = (key: string) => {
    const area = messageArea.current;
    const token = `{${key}}`;
    const start = area?.selectionStart ?? message.length;
    const end = area?.selectionEnd ?? message.length;
    caret.current = start + token.length;
    setMessage(message.slice(0, start) + token + message.slice(end));
  };

  const pacing = useMemo(() => {
    const minDelay = positiveNumber(pace.minDelay);
    const maxDelay = positiveNumber(pace.maxDelay);
    const hourlyCap = positiveNumber(pace.hourlyCap);
    const dailyCap = positiveNumber(pace.dailyCap);
    const override: { minDelayMs?: number; maxDelayMs?: number; hourlyCap?: number; dailyCap?: number } = {};
    if (minDelay !== undefined) override.minDelayMs = Math.round(minDelay * 1000);
    if (maxDelay !== undefined) override.maxDelayMs = Math.round(maxDelay * 1000);
    if (hourlyCap !== undefined && hourlyCap >= 1) override.hourlyCap = Math.floor(hourlyCap);
    if (dailyCap !== undefined && dailyCap >= 1) override.dailyCap = Math.floor(dailyCap);
    return Object.keys(override).length === 0 ? undefined : override;
  }, [pace]);

  const scheduledAt = schedule === '' ? undefined : new Date(schedule);
  const scheduleIso = scheduledAt !== undefined && !Number.isNaN(scheduledAt.getTime()) ? scheduledAt.toISOString() : undefined;

  const estimateBody: EstimateBody | null =
    selected.length === 0
      ? null
      : {
          sessionIds: selected,
          ...(listId !== '' ? { listId } : fileRows !== undefined ? { recipients: fileRows } : {}),
          ...(pacing !== undefined ? { pacing } : {}),
          ...(typing ? { typing: true } : {}),
          ...(message.trim() !== '' ? { messageLength: Math.min(message.length, 65_536) } : {}),
          ...(scheduleIso !== undefined && scheduledAt !== undefined && scheduledAt.getTime() > Date.now() ? { scheduledAt: scheduleIso } : {}),
        };

  const variables = ['phone', ...(chosenList?.columns ?? fileColumns ?? []).map((column) => column.key).filter((key) => key !== 'phone')];

  const chooseFile = (chosen: File | undefined) => {
    setFile(chosen);
    setFileRows(undefined);
    setFileColumns(undefined);
    if (chosen !== undefined) {
      setListId('');
      void estimateCsvRows(chosen).then(setFileRows, () => { setFileRows(undefined); });
      void csvFileColumns(chosen).then(setFileColumns, () => { setFileColumns(undefined); });
    }
  };

  const chooseList = (id: string) => {
    setListId(id);
    if (id !== '') {
      setFile(undefined);
      setFileRows(undefined);
      if (fileInput.current !== null) fileInput.current.value = '';
    }
  };

  const fail = (next: Problem) => {
    setProblem(next);
    queueMicrotask(() => problemRef.current?.focus());
  };

  const submit = async (event: Event) => {
    event.preventDefault();
    const missing: string[] = [];
    if (selected.length === 0) missing.push('choose at least one connected session');
    if (listId === '' && file === undefined) missing.push('choose a list or upload a file');
    if (message.trim() === '') missing.push('write the message');
    if (scheduledAt !== undefined && scheduleIso === undefined) missing.push('give a valid schedule date and time');
    if (missing.length > 0) {
      fail({ title: 'Not ready to start', message: `To start the blast, ${missing.join(', ')}.` });
      return;
    }
    const form = new FormData();
    form.append('sessionIds', selected.join(','));
    form.append('message', message);
    if (name.trim() !== '') form.append('name', name.trim());
    if (listId !== '') form.append('listId', listId);
    if (scheduleIso !== undefined) form.append('scheduledAt', scheduleIso);
    if (checkNumbers !== undefined) form.append('checkNumbers', String(checkNumbers));
    form.append('typing', String(typing));
    if (pacing !== undefined) form.append('pacing', JSON.stringify(pacing));
    // Files last: the API checks the text fields before it stores an upload.
    if (listId === '' && file !== undefined) form.append('recipientsFile', file, file.name);
    if (media !== undefined) form.append('media', media, media.name);

    setBusy(true);
    setProblem(undefined);
    setProgress(file !== undefined || media !== undefined ? { loaded: 0, total: (file?.size ?? 0) + (media?.size ?? 0) } : undefined);
    try {
      const created = await upload<{ blastId: string; status: string }>('/api/blasts', form, setProgress);
      navigate(`/blasts/${created.blastId}`);
    } catch (reason) {
      const code = reason instanceof ApiError ? reason.code : undefined;
      fail({ title: 'The blast was not started', message: describeError(reason), advice: code === undefined ? undefined : ADVICE[code] });
    } finally {
      setBusy(false);
      setProgress(undefined);
    }
  };

  const sessionItems = sessions.data?.items ?? [];
  const anyConnected = sessionItems.some((session) => statusOf(session) === 'connected');

  return (
    <section class="new-blast">
      <PageHeader title="New blast" subtitle={<>Send a personalised message to a list, paced per account. <a href={href('/blasts')}>All blasts</a></>} />
      <div class="nb-layout">
        <form class="panel nb-form" onSubmit={(event) => void submit(event)} noValidate aria-describedby={problem === undefined ? undefined : 'nb-problem'}>
          <fieldset class="nb-sessions">
            <legend>Sessions</legend>
            <ErrorNotice error={sessions.error} title="Sessions could not be loaded" />
            {sessions.data === undefined ? (
              sessions.error === undefined && <Loading label="Loading sessions…" />
            ) : sessionItems.length === 0 ? (
              <p class="muted">
                No sessions yet. <a href={href('/accounts')}>Add and link an account</a> first.
              </p>
            ) : (
              <>
                {!anyConnected && <p class="hint">No session is connected: connect one on <a href={href('/accounts')}>Accounts</a>.</p>}
                <ul class="nb-session-list">
                  {sessionItems.map((session) => {
                    const status = statusOf(session);
                    const checked = selected.includes(session.id);
                    const id = `nb-session-${session.id}`;
                    return (
                      <li key={session.id} class={`nb-session${status === 'connected' ? '' : ' nb-session-off'}`}>
                        <input
                          type="checkbox"
                          id={id}
                          checked={checked}
                          disabled={status !== 'connected' && !checked}
                          aria-describedby={`${id}-about`}
                          onChange={(event) => {
                            const on = event.currentTarget.checked;
                            setSelected((previous) => (on ? [...previous, session.id] : previous.filter((item) => item !== session.id)));
                          }}
                        />
                        <label for={id}>{session.friendlyName}</label>
                        <span class="nb-session-about" id={`${id}-about`}>
                          <StatusBadge status={status} />
                          <span class="muted">
                            {session.id}
                            {showUnit ? ` · ${session.businessUnit}` : ''}
                          </span>
                          {status !== 'connected' && <span class="nb-why">{checked ? 'No longer connected: its share goes to the others, or the blast is refused if it was never linked.' : WHY_NOT[status]}</span>}
                        </span>
                      </li>
                    );
                  })}
                </ul>
              </>
            )}
          </fieldset>

          <div class="nb-source">
            <Field id="nb-list" label="List" hint={chosenList !== undefined ? `${formatNumber(chosenList.counts.valid)} valid recipients · ${chosenList.businessUnit}` : 'A recipient list that finished importing.'}>
              <select id="nb-list" value={listId} onChange={(event) => { chooseList(event.currentTarget.value); }} aria-describedby="nb-list-hint">
                <option value="">{lists.data === undefined ? 'Loading lists…' : readyLists.length === 0 ? 'No ready list: upload a file' : 'Choose a list…'}</option>
                {readyLists.map((item) => (
                  <option key={item.id} value={item.id}>
                    {listOption(item, showUnit)}
                  </option>
                ))}
              </select>
              <label class="nb-inline-check">
                <input
                  type="checkbox"
                  checked={withBlastLists}
                  onChange={(event) => {
                    setWithBlastLists(event.currentTarget.checked);
                  }}
                />
                Also lists uploaded with a blast
              </label>
            </Field>
            <span class="nb-or" aria-hidden="true">or</span>
            <Field id="nb-file" label="Or upload a file" hint={file !== undefined ? `${file.name} · ${formatBytes(file.size)}${fileRows !== undefined ? ` · about ${formatNumber(fileRows)} rows` : ''}` : '.xlsx or .csv; imported first, like a list.'}>
              <input
                id="nb-file"
                ref={fileInput}
                type="file"
                accept={SHEET_ACCEPT}
                aria-describedby="nb-file-hint"
                onChange={(event) => { chooseFile(event.currentTarget.files?.[0]); }}
              />
            </Field>
          </div>
          {list.error !== undefined && <ErrorNotice error={list.error} title="The list could not be loaded" />}
          {chosenList !== undefined && chosenList.status !== 'ready' && (
            <Alert kind={chosenList.status === 'failed' ? 'error' : 'info'}>
              {chosenList.status === 'failed' ? 'This list failed to import: choose another or upload it again.' : 'This list is still importing; the blast starts once it is ready.'}
            </Alert>
          )}

          <Field id="nb-message" label="Message" hint="{column} inserts a value, {Hi|Hello} picks one per recipient, {{ and }} write braces.">
            <textarea
              id="nb-message"
              ref={messageArea}
              rows={6}
              maxLength={65_536}
              value={message}
              aria-describedby="nb-message-hint nb-variables"
              aria-invalid={unknown.length > 0}
              onInput={(event) => { setMessage(event.currentTarget.value); }}
            />
          </Field>
          <div class="nb-variables" id="nb-variables" role="group" aria-label="Variables">
            <span class="hint">{chosenList === undefined && fileColumns === undefined ? 'Variables (choose a list for its columns):' : 'Insert a variable:'}</span>
            {variables.map((key) => {
              const header = (chosenList?.columns ?? fileColumns)?.find((column) => column.key === key)?.header;
              return (
                <button key={key} type="button" class="nb-chip" title={header === undefined ? undefined : `Column “${header}”`} aria-label={`Insert {${key}}`} onClick={() => { insertVariable(key); }}>
                  {`{${key}}`}
                </button>
              );
            })}
          </div>
          {unknown.length > 0 && (
            <p class="field-error nb-unknown">
              Unknown variable{unknown.length === 1 ? '' : 's'}: {unknown.map((key) => `{${key}}`).join(', ')}
            </p>
          )}

          <div class="nb-row">
            <Field id="nb-name" label="Blast name" hint="Optional; shown in the list of blasts.">
              <input id="nb-name" maxLength={200} value={name} aria-describedby="nb-name-hint" onInput={(event) => { setName(event.currentTarget.value); }} />
            </Field>
            <Field id="nb-schedule" label="Schedule (optional)" hint="Empty: start now. Your local time.">
              <input
                id="nb-schedule"
                type="datetime-local"
                value={schedule}
                min={localInputValue(new Date())}
                aria-describedby="nb-schedule-hint"
                onInput={(event) => { setSchedule(event.currentTarget.value); }}
              />
            </Field>
          </div>

          <Field id="nb-media" label="Media (optional)" hint={media !== undefined ? `${media.name} · ${formatBytes(media.size)} · the message becomes its caption` : 'An image, video or document sent with the message.'}>
            <input id="nb-media" type="file" aria-describedby="nb-media-hint" onChange={(event) => { setMedia(event.currentTarget.files?.[0]); }} />
          </Field>

          <div class="nb-checks">
            <label class="check">
              <input type="checkbox" checked={checkNumbers ?? sessionItems.some((session) => selected.includes(session.id) && session.checkNumbers)} onChange={(event) => { setCheckNumbers(event.currentTarget.checked); }} />
              Check each number is on WhatsApp first (skipped if not; on by default for real WhatsApp accounts)
            </label>
            <label class="check">
              <input type="checkbox" checked={typing} onChange={(event) => { setTyping(event.currentTarget.checked); }} />
              Show “typing…” before each message
            </label>
          </div>

          <details class="nb-pace">
            <summary>Slow this blast down (optional)</summary>
            <p class="hint">These can only make the sessions’ own pacing slower or smaller, never faster.</p>
            <div class="nb-pace-grid">
              {(
                [
                  ['minDelay', 'Min delay (s)', 0.1],
                  ['maxDelay', 'Max delay (s)', 0.1],
                  ['hourlyCap', 'Hourly cap', 1],
                  ['dailyCap', 'Daily cap', 1],
                ] as const
              ).map(([key, label, step]) => (
                <Field key={key} id={`nb-pace-${key}`} label={label}>
                  <input
                    id={`nb-pace-${key}`}
                    type="number"
                    inputMode="decimal"
                    min={0}
                    step={step}
                    value={pace[key]}
                    onInput={(event) => {
                      const value = event.currentTarget.value;
                      setPace((previous) => ({ ...previous, [key]: value }));
                    }}
                  />
                </Field>
              ))}
            </div>
          </details>

          <div class="nb-submit">
            {problem !== undefined && (
              <div id="nb-problem" ref={problemRef} tabIndex={-1} class="nb-problem">
                <Alert kind="error" title={problem.title}>
                  {problem.message}
                  {problem.advice !== undefined && <p class="nb-advice">{problem.advice}</p>}
                </Alert>
              </div>
            )}
            {progress !== undefined && (
              <ProgressBar value={progress.loaded} max={progress.total} label="Upload" detail={`Uploading ${formatBytes(progress.loaded)} of ${formatBytes(progress.total)}`} />
            )}
            <div class="form-actions">
              <Button type="submit" variant="primary" busy={busy}>
                Start blast
              </Button>
              <a class="btn btn-ghost" href={href('/blasts')}>
                Cancel
              </a>
            </div>
          </div>
        </form>

        <aside class="nb-side" aria-label="Preview and estimate">
          <PreviewPanel message={message} listId={listId === '' ? undefined : listId} fileChosen={file !== undefined} media={media} onUnknown={setUnknown} />
          <EstimatePanel body={estimateBody} recipientsHint={listId === '' && fileRows !== undefined ? 'Counted from the file’s lines' : undefined} />
        </aside>
      </div>
    </section>
  );
}
