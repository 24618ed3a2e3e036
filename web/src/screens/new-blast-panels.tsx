import { useEffect, useRef, useState } from 'preact/hooks';
import { api, call, describeError } from '../api/client';
import type { paths } from '../api/schema';
import { Alert, Loading } from '../components/ui';
import { formatBytes, formatDateTime, formatDuration, formatNumber } from '../format';

// The live side panels of the new-blast screen: the preview of real rows and the estimate.
// Both ask the API again ~300 ms after the user stops typing, and drop answers that came late.

type PreviewAnswer = paths['/api/templates/preview']['post']['responses'][200]['content']['application/json'];
export type EstimateBody = paths['/api/blasts/estimate']['post']['requestBody']['content']['application/json'];
export type EstimateAnswer = paths['/api/blasts/estimate']['post']['responses'][200]['content']['application/json'];
type EffectivePacing = EstimateAnswer['sessions'][number]['pacing'];

const DEBOUNCE_MS = 300;

/** The latest answer of `load(input)`, asked `DEBOUNCE_MS` after `key` last changed; null input: nothing to ask. */
function useDebounced<I, T>(input: I | null, key: string, load: (input: I) => Promise<T>): { data: T | undefined; error: unknown; loading: boolean } {
  const [state, setState] = useState<{ data: T | undefined; error: unknown; loading: boolean }>({ data: undefined, error: undefined, loading: false });
  const generation = useRef(0);
  const loadRef = useRef(load);
  loadRef.current = load;
  useEffect(() => {
    const mine = ++generation.current;
    if (input === null) {
      setState({ data: undefined, error: undefined, loading: false });
      return;
    }
    setState((previous) => ({ ...previous, loading: true }));
    const timer = setTimeout(() => {
      loadRef.current(input).then(
        (data) => {
          if (mine === generation.current) setState({ data, error: undefined, loading: false });
        },
        (error: unknown) => {
          if (mine === generation.current) setState({ data: undefined, error, loading: false });
        },
      );
    }, DEBOUNCE_MS);
    return () => {
      clearTimeout(timer);
    };
  }, [key]);
  return state;
}

/** Unknown variables as the preview reports them, for the form to warn beside the message too. */
export function PreviewPanel(props: { message: string; listId: string | undefined; fileChosen: boolean; media?: File | undefined; onUnknown: (unknown: string[]) => void }) {
  const input = props.message.trim() === '' ? null : { message: props.message, ...(props.listId === undefined ? {} : { listId: props.listId }), count: 3 };
  const preview = useDebounced(input, JSON.stringify(input), (body) => call(api.POST('/api/templates/preview', { body })));
  const unknown = preview.data?.unknownVariables ?? [];
  const onUnknown = useRef(props.onUnknown);
  onUnknown.current = props.onUnknown;
  useEffect(() => {
    onUnknown.current(unknown);
  }, [unknown.join('\u0000')]);

  return (
    <section class="panel nb-preview" aria-labelledby="nb-preview-title" aria-busy={preview.loading}>
      <h2 id="nb-preview-title">Preview</h2>
      {input === null ? (
        <p class="muted">Write a message to see it as recipients will, with spintax resolved.</p>
      ) : preview.error !== undefined ? (
        <Alert kind="error" title="The message cannot be rendered">{describeError(preview.error)}</Alert>
      ) : preview.data === undefined ? (
        <Loading label="Rendering…" />
      ) : (
        <PreviewSamples data={preview.data} listChosen={props.listId !== undefined} fileChosen={props.fileChosen} media={props.media} />
      )}
    </section>
  );
}

/** The attached file as WhatsApp shows it above its caption: the image or video itself, else a document chip. */
function MediaPreview({ file }: { file: File }) {
  const [url, setUrl] = useState<string | undefined>(undefined);
  useEffect(() => {
    const made = URL.createObjectURL(file);
    setUrl(made);
    return () => {
      URL.revokeObjectURL(made);
    };
  }, [file]);
  if (url === undefined) return null;
  if (file.type.startsWith('image/')) return <img class="nb-media" src={url} alt={`Attached image ${file.name}`} />;
  if (file.type.startsWith('video/')) return <video class="nb-media" src={url} controls muted aria-label={`Attached video ${file.name}`} />;
  return (
    <div class="nb-media nb-media-file" aria-label={`Attached file ${file.name}`}>
      <span aria-hidden="true">📄</span> {file.name} <span class="muted">· {formatBytes(file.size)}</span>
    </div>
  );
}

/** The text with each ‹placeholder› marked: an unknown variable's stands out (the blast would be refused for it). */
function BubbleText({ text, unknown }: { text: string; unknown: readonly string[] }) {
  const parts = text.split(/(‹[^›\n]{1,64}›)/);
  return (
    <>
      {parts.map((part, index) => {
        if (index % 2 === 0) return part;
        const name = part.slice(1, -1);
        const isUnknown = unknown.includes(name);
        return (
          <mark key={index} class={isUnknown ? 'nb-var nb-var-unknown' : 'nb-var'} title={isUnknown ? `{${name}} is not a column: nothing would fill it` : `a sample value for {${name}}`}>
            {part}
          </mark>
        );
      })}
    </>
  );
}

function PreviewSamples(props: { data: PreviewAnswer; listChosen: boolean; fileChosen: boolean; media?: File | undefined }) {
  const { data } = props;
  const unknown = data.unknownVariables;
  return (
    <>
      {unknown.length > 0 && (
        <Alert kind="warning" title={unknown.length === 1 ? 'Unknown variable' : 'Unknown variables'}>
          {unknown.map((name) => `{${name}}`).join(', ')} {unknown.length === 1 ? 'is not a column' : 'are not columns'}{' '}
          {props.listChosen ? 'of this list' : 'here'}: the blast would be refused.
          {data.availableVariables.length > 0 && <> Available: {data.availableVariables.map((name) => `{${name}}`).join(', ')}.</>}
        </Alert>
      )}
      {!props.listChosen && (
        <p class="hint">
          {props.fileChosen
            ? 'Sample values: the file’s columns are checked once it is imported, before anything is sent.'
            : 'Sample values: choose a list to see real rows.'}
        </p>
      )}
      {data.samples.length === 0 ? (
        <p class="muted">No rows to show.</p>
      ) : (
        <ol class="nb-samples">
          {data.samples.map((sample, index) => (
            <li key={`${sample.phone}-${index}`} class="nb-sample">
              <div class="nb-sample-head">
                <span>{sample.phone}</span>
                {sample.rowNumber !== null && <span class="muted">row {sample.rowNumber}</span>}
              </div>
              <div class="nb-bubble">
                {props.media !== undefined && <MediaPreview file={props.media} />}
                <p class="nb-bubble-text">
                  <BubbleText text={sample.text} unknown={unknown} />
                </p>
              </div>
            </li>
          ))}
        </ol>
      )}
    </>
  );
}

function describePacing(pacing: EffectivePacing): string {
  const seconds = (ms: number) => formatNumber(Math.round(ms / 100) / 10);
  const delay = pacing.minDelayMs === pacing.maxDelayMs ? `${seconds(pacing.minDelayMs)} s` : `${seconds(pacing.minDelayMs)}–${seconds(pacing.maxDelayMs)} s`;
  const parts = [`${delay} between messages`, `≤ ${formatNumber(pacing.hourlyCap)}/h`, `≤ ${formatNumber(pacing.dailyCap)}/day`];
  for (const window of [pacing.window, pacing.alsoWindow]) {
    if (window !== undefined) parts.push(`${String(window.startHour).padStart(2, '0')}:00–${String(window.endHour).padStart(2, '0')}:00 ${window.timezone}`);
  }
  if (pacing.warmup !== undefined) parts.push(`warm-up from ${formatNumber(pacing.warmup.initialDailyCap)}/day`);
  if (pacing.typing?.enabled === true) parts.push('typing shown');
  return parts.join(' · ');
}

export function EstimatePanel(props: { body: EstimateBody | null; recipientsHint?: string | undefined }) {
  const estimate = useDebounced(props.body, JSON.stringify(props.body), (body) => call(api.POST('/api/blasts/estimate', { body })));
  const data = estimate.data;
  return (
    <section class="panel nb-estimate" aria-labelledby="nb-estimate-title" aria-busy={estimate.loading}>
      <h2 id="nb-estimate-title">Estimate</h2>
      {props.body === null ? (
        <p class="muted">Choose at least one session to see the effective pacing.</p>
      ) : estimate.error !== undefined ? (
        <Alert kind="error">{describeError(estimate.error)}</Alert>
      ) : data === undefined ? (
        <Loading label="Estimating…" />
      ) : (
        <EstimateFigures data={data} recipientsHint={props.recipientsHint} />
      )}
    </section>
  );
}

function EstimateFigures(props: { data: EstimateAnswer; recipientsHint?: string | undefined }) {
  const { data } = props;
  let duration: string;
  if (data.recipients === null) duration = 'Known once the recipients are';
  else if (data.estimatedSeconds === null) duration = 'Never: the sending windows do not overlap';
  else duration = data.estimatedSeconds < 1 ? 'Under a second' : `≈ ${formatDuration(data.estimatedSeconds)}`;
  return (
    <>
      <dl class="nb-figures">
        <div>
          <dt>Recipients</dt>
          <dd>{data.recipients === null ? '—' : formatNumber(data.recipients)}</dd>
          {props.recipientsHint !== undefined && <dd class="hint">{props.recipientsHint}</dd>}
        </div>
        <div>
          <dt>Estimated duration</dt>
          <dd>{duration}</dd>
          {data.finishesAt !== null && data.estimatedSeconds !== null && data.estimatedSeconds >= 60 && (
            <dd class="hint">Finishes around {formatDateTime(data.finishesAt)}</dd>
          )}
        </div>
        <div>
          <dt>Throughput</dt>
          <dd>≈ {formatNumber(Math.round(data.burstPerHour))}/h</dd>
          <dd class="hint">up to {formatNumber(data.perDay)} a day</dd>
        </div>
      </dl>
      <h3>Effective pacing</h3>
      <ul class="nb-pacing">
        {data.sessions.map((session) => (
          <li key={session.sessionId}>
            <strong>{session.friendlyName}</strong>
            <span>{describePacing(session.pacing)}</span>
            {session.dailyCapToday < session.pacing.dailyCap && (
              <span class="hint">Warming up: {formatNumber(session.dailyCapToday)} today</span>
            )}
          </li>
        ))}
      </ul>
      <p class="hint">The blast’s own pacing can only slow its sessions down. Opt-outs and numbers not on WhatsApp make it shorter.</p>
    </>
  );
}
