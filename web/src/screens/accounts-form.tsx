import type { ComponentChildren } from 'preact';
import { useMemo, useRef, useState } from 'preact/hooks';
import { api, call, type Pacing, type Session } from '../api/client';
import type { paths } from '../api/schema';
import { identity } from '../auth';
import { Button, ErrorNotice, Field } from '../components/ui';
import { UnitPicker } from '../components/unit-picker';
import { formatDelay } from '../format';

// The add / edit form of an account (session config), its pacing policy included.

type Provider = 'sandbox' | 'baileys';

/** What the API applies when a field is left out (shown as the starting values). */
const DEFAULT_PACING: Record<Provider, Pacing> = {
  baileys: { minDelayMs: 8_000, maxDelayMs: 20_000, hourlyCap: 200, dailyCap: 1_000 },
  sandbox: { minDelayMs: 0, maxDelayMs: 0, hourlyCap: 1_000_000, dailyCap: 10_000_000 },
};

const SESSION_ID = /^[a-z0-9][a-z0-9_-]{0,63}$/;

interface Values {
  id: string;
  friendlyName: string;
  businessUnit: string;
  provider: Provider;
  /** Delays are typed in seconds (decimals allowed), as in the blast form; the API takes milliseconds. */
  minDelayMs: string;
  maxDelayMs: string;
  hourlyCap: string;
  dailyCap: string;
  windowOn: boolean;
  startHour: string;
  endHour: string;
  timezone: string;
  warmupOn: boolean;
  initialDailyCap: string;
  dailyIncrease: string;
  typingOn: boolean;
  msPerChar: string;
  typingMaxMs: string;
}

type FieldName = keyof Values;
type Errors = Partial<Record<FieldName, string>>;

function localTimeZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone;
  } catch {
    return 'UTC';
  }
}

/** 2500 (ms) → "2.5" (seconds). */
function secondsText(ms: number): string {
  return String(ms / 1_000);
}

function pacingValues(pacing: Pacing): Omit<Values, 'id' | 'friendlyName' | 'businessUnit' | 'provider'> {
  return {
    minDelayMs: secondsText(pacing.minDelayMs),
    maxDelayMs: secondsText(pacing.maxDelayMs),
    hourlyCap: String(pacing.hourlyCap),
    dailyCap: String(pacing.dailyCap),
    windowOn: pacing.window !== undefined,
    startHour: String(pacing.window?.startHour ?? 9),
    endHour: String(pacing.window?.endHour ?? 17),
    timezone: pacing.window?.timezone ?? localTimeZone(),
    warmupOn: pacing.warmup !== undefined,
    initialDailyCap: String(pacing.warmup?.initialDailyCap ?? 20),
    dailyIncrease: String(pacing.warmup?.dailyIncrease ?? 10),
    typingOn: pacing.typing?.enabled === true,
    msPerChar: String(pacing.typing?.msPerChar ?? 50),
    typingMaxMs: secondsText(pacing.typing?.maxMs ?? 3_000),
  };
}

function initialValues(session: Session | undefined, unitOfKey: string | null): Values {
  if (session !== undefined) {
    return {
      id: session.id,
      friendlyName: session.friendlyName,
      businessUnit: session.businessUnit,
      provider: session.provider === 'sandbox' ? 'sandbox' : 'baileys',
      ...pacingValues(session.pacing),
    };
  }
  return { id: '', friendlyName: '', businessUnit: unitOfKey ?? '', provider: 'baileys', ...pacingValues(DEFAULT_PACING.baileys) };
}

/** "Q4 Marketing Promo" → "q4-marketing-promo". */
function slugOf(name: string): string {
  return name
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 64)
    .replace(/-+$/, '');
}

function timeZones(): string[] {
  try {
    return Intl.supportedValuesOf('timeZone');
  } catch {
    return [];
  }
}

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** Checks what the API would refuse, so the person sees it by the field; returns the body's pacing. */
function validate(values: Values, creating: boolean): { errors: Errors; pacing: Pacing } {
  const errors: Errors = {};
  const int = (name: FieldName, min: number, max: number): number => {
    const raw = String(values[name]).trim();
    const value = Number(raw);
    if (raw === '' || !Number.isInteger(value)) errors[name] ??= 'Enter a whole number.';
    else if (value < min || value > max) errors[name] ??= `Enter a number from ${min.toLocaleString()} to ${max.toLocaleString()}.`;
    return value;
  };
  /** A number of seconds (up to 3 decimals count), returned in milliseconds. */
  const seconds = (name: FieldName, maxSeconds: number): number => {
    const raw = String(values[name]).trim().replace(',', '.');
    const value = Number(raw);
    if (raw === '' || !Number.isFinite(value)) errors[name] ??= 'Enter a number of seconds, e.g. 8 or 2.5.';
    else if (value < 0 || value > maxSeconds) errors[name] ??= `Enter from 0 to ${maxSeconds.toLocaleString()} seconds.`;
    return Math.round(value * 1_000);
  };
  if (creating) {
    if (values.id.trim() === '') errors.id = 'Enter a session id.';
    else if (!SESSION_ID.test(values.id.trim())) {
      errors.id = 'Use lower-case letters, digits, “-” and “_”, starting with a letter or digit (at most 64).';
    }
  }
  if (values.friendlyName.trim() === '') errors.friendlyName = 'Enter a name people will recognise.';
  if (values.businessUnit.trim() === '') errors.businessUnit = 'Enter the business unit (team) that owns the account.';

  const pacing: Pacing = {
    minDelayMs: seconds('minDelayMs', 3_600),
    maxDelayMs: seconds('maxDelayMs', 3_600),
    hourlyCap: int('hourlyCap', 1, 1_000_000),
    dailyCap: int('dailyCap', 1, 10_000_000),
  };
  if (errors.minDelayMs === undefined && errors.maxDelayMs === undefined && pacing.minDelayMs > pacing.maxDelayMs) {
    errors.maxDelayMs = 'The maximum delay must not be less than the minimum.';
  }
  if (errors.hourlyCap === undefined && errors.dailyCap === undefined && pacing.hourlyCap > pacing.dailyCap) {
    errors.dailyCap = 'The daily cap must not be less than the hourly cap.';
  }
  if (values.windowOn) {
    const window = { startHour: int('startHour', 0, 23), endHour: int('endHour', 0, 23), timezone: values.timezone.trim() };
    if (errors.startHour === undefined && errors.endHour === undefined && window.startHour === window.endHour) {
      errors.endHour = 'The end hour must differ from the start hour.';
    }
    if (window.timezone === '') errors.timezone = 'Enter a time zone, e.g. Asia/Jakarta.';
    else if (!isTimeZone(window.timezone)) errors.timezone = `“${window.timezone}” is not a known time zone (e.g. Asia/Jakarta, Europe/London, UTC).`;
    pacing.window = window;
  }
  if (values.warmupOn) {
    pacing.warmup = { initialDailyCap: int('initialDailyCap', 1, 10_000_000), dailyIncrease: int('dailyIncrease', 0, 10_000_000) };
  }
  if (values.typingOn) {
    pacing.typing = { enabled: true, msPerChar: int('msPerChar', 0, 1_000), maxMs: seconds('typingMaxMs', 60) };
  }
  return { errors, pacing };
}

/** What PATCH /api/sessions/{id} takes as pacing (null removes the window or warm-up). */
type PacingPatch = NonNullable<paths['/api/sessions/{id}']['patch']['requestBody']>['content']['application/json']['pacing'] & object;

const FIELD_ORDER: FieldName[] = [
  'friendlyName',
  'id',
  'businessUnit',
  'minDelayMs',
  'maxDelayMs',
  'hourlyCap',
  'dailyCap',
  'startHour',
  'endHour',
  'timezone',
  'initialDailyCap',
  'dailyIncrease',
  'msPerChar',
  'typingMaxMs',
];

const INPUT_ID: Record<FieldName, string> = {
  id: 'acct-id',
  friendlyName: 'acct-name',
  businessUnit: 'acct-unit',
  provider: 'acct-provider',
  minDelayMs: 'acct-min-delay',
  maxDelayMs: 'acct-max-delay',
  hourlyCap: 'acct-hourly-cap',
  dailyCap: 'acct-daily-cap',
  windowOn: 'acct-window-on',
  startHour: 'acct-start-hour',
  endHour: 'acct-end-hour',
  timezone: 'acct-timezone',
  warmupOn: 'acct-warmup-on',
  initialDailyCap: 'acct-warmup-initial',
  dailyIncrease: 'acct-warmup-increase',
  typingOn: 'acct-typing-on',
  msPerChar: 'acct-typing-per-char',
  typingMaxMs: 'acct-typing-max',
};

export function AccountForm(props: { session?: Session; onSaved: (session: Session) => void; onCancel: () => void }) {
  const { session } = props;
  const creating = session === undefined;
  const unitOfKey = identity.value?.businessUnit ?? null;
  const [values, setValues] = useState<Values>(() => initialValues(session, unitOfKey));
  const [errors, setErrors] = useState<Errors>({});
  const [apiError, setApiError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);
  const idTouched = useRef(!creating);
  const pacingTouched = useRef(!creating);
  const zones = useMemo(timeZones, []);

  const set = <K extends FieldName>(name: K, value: Values[K]) => {
    setValues((current) => ({ ...current, [name]: value }));
    if (errors[name] !== undefined) setErrors((current) => ({ ...current, [name]: undefined }));
  };
  const setPacing = <K extends FieldName>(name: K, value: Values[K]) => {
    pacingTouched.current = true;
    set(name, value);
  };

  const submit = async (event: Event) => {
    event.preventDefault();
    setApiError(undefined);
    const { errors: found, pacing } = validate(values, creating);
    setErrors(found);
    const first = FIELD_ORDER.find((name) => found[name] !== undefined);
    if (first !== undefined) {
      document.getElementById(INPUT_ID[first])?.focus();
      return;
    }
    setBusy(true);
    try {
      let saved: Session;
      if (creating) {
        saved = await call(
          api.POST('/api/sessions/config', {
            body: {
              id: values.id.trim(),
              friendlyName: values.friendlyName.trim(),
              businessUnit: values.businessUnit.trim(),
              provider: values.provider,
              pacing,
            },
          }),
        );
      } else {
        // Switched off is said explicitly: an omitted field keeps its current value; null removes a rule.
        const patchPacing: PacingPatch = { ...pacing };
        if (!values.windowOn && session.pacing.window !== undefined) patchPacing.window = null;
        if (!values.warmupOn && session.pacing.warmup !== undefined) patchPacing.warmup = null;
        const body: { friendlyName?: string; businessUnit?: string; pacing: PacingPatch } = { pacing: patchPacing };
        if (values.friendlyName.trim() !== session.friendlyName) body.friendlyName = values.friendlyName.trim();
        if (values.businessUnit.trim() !== session.businessUnit) body.businessUnit = values.businessUnit.trim();
        if (!values.typingOn && session.pacing.typing !== undefined) patchPacing.typing = { ...session.pacing.typing, enabled: false };
        saved = await call(api.PATCH('/api/sessions/{id}', { params: { path: { id: session.id } }, body }));
      }
      props.onSaved(saved);
    } catch (reason) {
      setApiError(reason);
      setBusy(false);
    }
  };

  // Field shows its error in a live region (announced when it appears); the hint stays the description.
  const describedBy = (name: FieldName, hint = false) => (hint ? `${INPUT_ID[name]}-hint` : undefined);

  const numberInput = (name: FieldName, label: string, options: { min: number; max: number; step?: number; hint?: ComponentChildren; disabled?: boolean }) => (
    <Field id={INPUT_ID[name]} label={label} hint={options.hint} error={errors[name]}>
      <input
        id={INPUT_ID[name]}
        type="number"
        inputMode={options.step === undefined ? 'numeric' : 'decimal'}
        min={options.min}
        max={options.max}
        step={options.step ?? 1}
        required
        disabled={options.disabled === true || busy}
        value={String(values[name])}
        aria-invalid={errors[name] !== undefined}
        aria-describedby={describedBy(name, options.hint !== undefined)}
        onInput={(event) => {
          setPacing(name, event.currentTarget.value);
        }}
      />
    </Field>
  );

  const delayHint = (raw: string) => {
    const value = Number(raw.trim().replace(',', '.'));
    return raw.trim() !== '' && Number.isFinite(value) && value >= 0 ? `= ${formatDelay(Math.round(value * 1_000))}` : 'Seconds, e.g. 8 or 2.5';
  };
  const scoped = unitOfKey !== null;

  return (
    <form class="acct-form" noValidate onSubmit={(event) => void submit(event)} aria-describedby={apiError === undefined ? undefined : 'acct-form-error'}>
      <div class="acct-form-grid">
        <Field id="acct-name" label="Friendly name" hint="What operators see, e.g. “Q4 Marketing Promo”." error={errors.friendlyName}>
          <input
            id="acct-name"
            autoFocus
            required
            maxLength={200}
            autoComplete="off"
            disabled={busy}
            value={values.friendlyName}
            aria-invalid={errors.friendlyName !== undefined}
            aria-describedby={describedBy('friendlyName', true)}
            onInput={(event) => {
              const name = event.currentTarget.value;
              set('friendlyName', name);
              if (creating && !idTouched.current) set('id', slugOf(name));
            }}
          />
        </Field>
        <Field
          id="acct-id"
          label="Session id"
          hint={creating ? 'Suggested from the name. Lower-case letters, digits, “-” and “_”; cannot be changed later.' : 'Cannot be changed.'}
          error={errors.id}
        >
          <input
            id="acct-id"
            required
            maxLength={64}
            autoComplete="off"
            spellcheck={false}
            readOnly={!creating}
            disabled={busy}
            value={values.id}
            aria-invalid={errors.id !== undefined}
            aria-describedby={describedBy('id', true)}
            onInput={(event) => {
              idTouched.current = true;
              set('id', event.currentTarget.value);
            }}
          />
        </Field>
        <Field
          id="acct-unit"
          label="Business unit"
          hint={scoped ? 'Your key is limited to this unit.' : 'The team that owns it; keys limited to a unit see only its accounts.'}
          error={errors.businessUnit}
        >
          {scoped ? (
            <input id="acct-unit" readOnly value={values.businessUnit} aria-describedby={describedBy('businessUnit', true)} />
          ) : (
            <UnitPicker
              id="acct-unit"
              required
              disabled={busy}
              value={values.businessUnit}
              invalid={errors.businessUnit !== undefined}
              describedBy={describedBy('businessUnit', true)}
              onChange={(value) => {
                set('businessUnit', value);
              }}
            />
          )}
        </Field>
        <Field
          id="acct-provider"
          label="Provider"
          hint={
            creating
              ? values.provider === 'sandbox'
                ? 'Sandbox: sends nothing, for demos, dry runs and tests.'
                : 'WhatsApp: a real account, linked by QR code or pairing code.'
              : 'Cannot be changed.'
          }
        >
          <select
            id="acct-provider"
            disabled={!creating || busy}
            value={values.provider}
            aria-describedby="acct-provider-hint"
            onChange={(event) => {
              const provider: Provider = event.currentTarget.value === 'sandbox' ? 'sandbox' : 'baileys';
              setValues((current) => {
                const next = { ...current, provider };
                // Untouched pacing follows the provider's defaults.
                if (!pacingTouched.current) Object.assign(next, pacingValues(DEFAULT_PACING[provider]));
                return next;
              });
            }}
          >
            <option value="baileys">WhatsApp</option>
            <option value="sandbox">Sandbox</option>
          </select>
        </Field>
      </div>

      <fieldset class="acct-fieldset">
        <legend>Pacing</legend>
        <p class="muted acct-small">How fast and how much this account may send. Blasts may tighten it, never loosen it.</p>
        <div class="acct-form-grid">
          {numberInput('minDelayMs', 'Minimum delay (s)', { min: 0, max: 3_600, step: 0.1, hint: delayHint(values.minDelayMs) })}
          {numberInput('maxDelayMs', 'Maximum delay (s)', { min: 0, max: 3_600, step: 0.1, hint: delayHint(values.maxDelayMs) })}
          {numberInput('hourlyCap', 'Hourly cap', { min: 1, max: 1_000_000, hint: 'Messages per hour at most.' })}
          {numberInput('dailyCap', 'Daily cap', { min: 1, max: 10_000_000, hint: 'Messages per day at most.' })}
        </div>

        <div class="acct-option">
          <label class="check" for="acct-window-on">
            <input
              id="acct-window-on"
              type="checkbox"
              checked={values.windowOn}
              disabled={busy}
              onChange={(event) => {
                setPacing('windowOn', event.currentTarget.checked);
              }}
            />
            Sending window
          </label>
          {values.windowOn && (
            <div class="acct-form-grid acct-form-grid-3">
              {numberInput('startHour', 'Start hour', { min: 0, max: 23, hint: '0–23, first hour sent.' })}
              {numberInput('endHour', 'End hour', { min: 0, max: 23, hint: '0–23, not sent from then.' })}
              <Field id="acct-timezone" label="Time zone" hint="e.g. Asia/Jakarta" error={errors.timezone}>
                <input
                  id="acct-timezone"
                  required
                  autoComplete="off"
                  spellcheck={false}
                  list={zones.length > 0 ? 'acct-zones' : undefined}
                  disabled={busy}
                  value={values.timezone}
                  aria-invalid={errors.timezone !== undefined}
                  aria-describedby={describedBy('timezone', true)}
                  onInput={(event) => {
                    setPacing('timezone', event.currentTarget.value);
                  }}
                />
              </Field>
              {zones.length > 0 && (
                <datalist id="acct-zones">
                  {zones.map((zone) => (
                    <option key={zone} value={zone} />
                  ))}
                </datalist>
              )}
            </div>
          )}
        </div>

        <div class="acct-option">
          <label class="check" for="acct-warmup-on">
            <input
              id="acct-warmup-on"
              type="checkbox"
              checked={values.warmupOn}
              disabled={busy}
              aria-describedby="acct-warmup-note"
              onChange={(event) => {
                setPacing('warmupOn', event.currentTarget.checked);
              }}
            />
            Warm-up
          </label>
          <small class="hint" id="acct-warmup-note">
            A newly linked number starts with a small daily cap that grows each day.
          </small>
          {values.warmupOn && (
            <div class="acct-form-grid">
              {numberInput('initialDailyCap', 'Initial daily cap', { min: 1, max: 10_000_000, hint: 'On the first day.' })}
              {numberInput('dailyIncrease', 'Daily increase', { min: 0, max: 10_000_000, hint: 'Added each day after.' })}
            </div>
          )}
        </div>

        <div class="acct-option">
          <label class="check" for="acct-typing-on">
            <input
              id="acct-typing-on"
              type="checkbox"
              checked={values.typingOn}
              disabled={busy}
              onChange={(event) => {
                setPacing('typingOn', event.currentTarget.checked);
              }}
            />
            Show “typing…” before each message
          </label>
          {values.typingOn && (
            <div class="acct-form-grid">
              {numberInput('msPerChar', 'Typing time per character (ms)', { min: 0, max: 1_000 })}
              {numberInput('typingMaxMs', 'Longest typing time (s)', { min: 0, max: 60, step: 0.1, hint: delayHint(values.typingMaxMs) })}
            </div>
          )}
        </div>
      </fieldset>

      {apiError !== undefined && (
        <div id="acct-form-error">
          <ErrorNotice error={apiError} title={creating ? 'The account was not added' : 'The changes were not saved'} />
        </div>
      )}
      <div class="form-actions">
        <Button type="submit" variant="primary" busy={busy}>
          Save
        </Button>
        <Button variant="ghost" onClick={props.onCancel} disabled={busy}>
          Cancel
        </Button>
      </div>
    </form>
  );
}
