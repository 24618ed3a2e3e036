import { signal } from '@preact/signals';
import type { ButtonHTMLAttributes, ComponentChildren } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import { ApiError, describeError } from '../api/client';
import { formatNumber } from '../format';

// The console's small kit of parts. Every control has a visible label (or an aria-label), focus
// is always visible (styles.css), and live regions announce what changes.

export function PageHeader(props: { title: string; subtitle?: ComponentChildren; actions?: ComponentChildren }) {
  return (
    <header class="page-header">
      <div>
        <h1>{props.title}</h1>
        {props.subtitle !== undefined && <p class="muted">{props.subtitle}</p>}
      </div>
      {props.actions !== undefined && <div class="actions">{props.actions}</div>}
    </header>
  );
}

type ButtonProps = Omit<ButtonHTMLAttributes, 'type' | 'class'> & {
  variant?: 'primary' | 'secondary' | 'danger' | 'ghost';
  busy?: boolean;
  type?: 'button' | 'submit';
  class?: string;
  disabled?: boolean;
};

export function Button({ variant = 'secondary', busy = false, type = 'button', disabled, children, class: className, ...rest }: ButtonProps) {
  return (
    <button {...rest} type={type} class={`btn btn-${variant} ${className ?? ''}`} disabled={disabled === true || busy} aria-busy={busy}>
      {busy && <span class="spinner" aria-hidden="true" />}
      {children}
    </button>
  );
}

/** A labelled form control: `<Field label="Name" hint="…">{input}</Field>`; the input needs the same id. */
export function Field(props: { id: string; label: string; hint?: ComponentChildren; error?: string | undefined; children: ComponentChildren }) {
  return (
    <div class={`field${props.error !== undefined ? ' field-invalid' : ''}`}>
      <label for={props.id}>{props.label}</label>
      {props.children}
      {props.hint !== undefined && <small class="hint" id={`${props.id}-hint`}>{props.hint}</small>}
      {props.error !== undefined && (
        <small class="field-error" role="alert">
          {props.error}
        </small>
      )}
    </div>
  );
}

export function Alert(props: { kind?: 'error' | 'warning' | 'info' | 'success'; title?: string; children?: ComponentChildren }) {
  const kind = props.kind ?? 'info';
  return (
    <div class={`alert alert-${kind}`} role={kind === 'error' ? 'alert' : 'status'}>
      {props.title !== undefined && <strong>{props.title}</strong>}
      {props.children !== undefined && <div>{props.children}</div>}
    </div>
  );
}

/** Each field's problem, from the details of a VALIDATION_FAILED answer: `field: message`. */
function fieldProblems(details: unknown): string[] {
  if (!Array.isArray(details)) return [];
  return details.flatMap((item: unknown) => {
    if (typeof item !== 'object' || item === null) return [];
    const { field, message } = item as { field?: unknown; message?: unknown };
    if (typeof message !== 'string') return [];
    return [typeof field === 'string' && field !== '' ? `${field}: ${message}` : message];
  });
}

/**
 * An error of the API with its message and code and, for VALIDATION_FAILED, each field's problem;
 * `children` adds what a screen knows about a particular code.
 */
export function ErrorNotice(props: { error: unknown; title?: string | undefined; children?: ComponentChildren }) {
  const { error } = props;
  if (error === undefined || error === null) return null;
  const problems = error instanceof ApiError ? fieldProblems(error.details) : [];
  return (
    <Alert kind="error" title={props.title ?? 'Something went wrong'}>
      <p class="alert-text">{describeError(error)}</p>
      {problems.length > 0 && (
        <ul class="alert-list">
          {problems.map((problem) => (
            <li key={problem}>{problem}</li>
          ))}
        </ul>
      )}
      {props.children}
    </Alert>
  );
}

export function Loading(props: { label?: string }) {
  return (
    <p class="loading" role="status">
      <span class="spinner" aria-hidden="true" /> {props.label ?? 'Loading…'}
    </p>
  );
}

export function EmptyState(props: { title: string; children?: ComponentChildren }) {
  return (
    <div class="empty">
      <strong>{props.title}</strong>
      {props.children !== undefined && <div class="muted">{props.children}</div>}
    </div>
  );
}

const BADGE_TONE: Record<string, string> = {
  connected: 'ok',
  ready: 'ok',
  completed: 'ok',
  sent: 'ok',
  delivered: 'ok',
  read: 'ok',
  succeeded: 'ok',
  running: 'info',
  importing: 'info',
  connecting: 'info',
  qr: 'info',
  scheduled: 'info',
  sending: 'info',
  pending: 'neutral',
  disconnected: 'neutral',
  paused: 'warn',
  skipped: 'warn',
  cancelled: 'neutral',
  logged_out: 'warn',
  failed: 'bad',
  revoked: 'bad',
  expired: 'bad',
};

export function StatusBadge(props: { status: string; label?: string }) {
  const tone = BADGE_TONE[props.status] ?? 'neutral';
  return <span class={`badge badge-${tone}`}>{props.label ?? props.status.replace(/_/g, ' ')}</span>;
}

/** A progress bar; with `max` undefined (the total is not known yet) it moves without a percentage. */
export function ProgressBar(props: { value: number; max: number | undefined; label: string; detail?: string }) {
  if (props.max === undefined) {
    return (
      <div class="progress-wrap">
        <div class="progress progress-indeterminate" role="progressbar" aria-label={props.label} aria-valuetext={props.detail}>
          <div class="progress-fill" />
        </div>
        <span class="progress-text">{props.detail}</span>
      </div>
    );
  }
  const percent = props.max > 0 ? Math.min(100, Math.floor((props.value / props.max) * 100)) : 0;
  return (
    <div class="progress-wrap">
      <div
        class="progress"
        role="progressbar"
        aria-label={props.label}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={percent}
        aria-valuetext={props.detail ?? `${percent} %`}
      >
        <div class="progress-fill" style={{ width: `${percent}%` }} />
      </div>
      <span class="progress-text">{props.detail ?? `${percent} %`}</span>
    </div>
  );
}

/** Previous / next over an offset-paged API answer. */
export function Pager(props: { offset: number; limit: number; total: number; onChange: (offset: number) => void; label?: string }) {
  const { offset, limit, total } = props;
  if (total <= limit && offset === 0) return null;
  const from = total === 0 ? 0 : offset + 1;
  const to = Math.min(offset + limit, total);
  return (
    <nav class="pager" aria-label={props.label ?? 'Pages'}>
      <Button variant="ghost" disabled={offset === 0} onClick={() => { props.onChange(Math.max(0, offset - limit)); }}>
        ← Previous
      </Button>
      <span class="muted">
        {formatNumber(from)}–{formatNumber(to)} of {formatNumber(total)}
      </span>
      <Button variant="ghost" disabled={to >= total} onClick={() => { props.onChange(offset + limit); }}>
        Next →
      </Button>
    </nav>
  );
}

/** A modal dialog (the platform's <dialog>: focus is trapped and Escape closes it). */
export function Dialog(props: { open: boolean; title: string; onClose: () => void; children: ComponentChildren; wide?: boolean }) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    if (dialog === null) return;
    if (props.open && !dialog.open) dialog.showModal();
    if (!props.open && dialog.open) dialog.close();
  }, [props.open]);
  return (
    <dialog
      ref={ref}
      class={`dialog${props.wide === true ? ' dialog-wide' : ''}`}
      aria-labelledby="dialog-title"
      onClose={props.onClose}
      onCancel={(event) => {
        event.preventDefault();
        props.onClose();
      }}
    >
      {props.open && (
        <>
          <header class="dialog-header">
            <h2 id="dialog-title">{props.title}</h2>
            <button type="button" class="icon-btn" aria-label="Close" onClick={props.onClose}>
              ×
            </button>
          </header>
          <div class="dialog-body">{props.children}</div>
        </>
      )}
    </dialog>
  );
}

export interface Toast {
  id: number;
  kind: 'success' | 'error' | 'info';
  message: string;
}
const toasts = signal<Toast[]>([]);
let toastId = 0;

/** A short message in the corner (announced to screen readers), gone after a few seconds. */
export function notify(message: string, kind: Toast['kind'] = 'success'): void {
  const id = ++toastId;
  toasts.value = [...toasts.value, { id, kind, message }];
  setTimeout(() => {
    toasts.value = toasts.value.filter((toast) => toast.id !== id);
  }, kind === 'error' ? 8_000 : 4_000);
}

export function Toasts() {
  return (
    <div class="toasts" aria-live="polite">
      {toasts.value.map((toast) => (
        <div key={toast.id} class={`toast toast-${toast.kind}`} role={toast.kind === 'error' ? 'alert' : 'status'}>
          {toast.message}
        </div>
      ))}
    </div>
  );
}

export function CopyButton(props: { text: string; label?: string }) {
  return (
    <Button
      variant="ghost"
      onClick={() => {
        void navigator.clipboard.writeText(props.text).then(
          () => { notify('Copied'); },
          () => { notify('Copy failed: select the text and copy it by hand', 'error'); },
        );
      }}
    >
      {props.label ?? 'Copy'}
    </Button>
  );
}

/** Figures in a row of cards: `<Stats items={[['Sent', 10], …]} />`. */
export function Stats(props: { items: readonly (readonly [string, ComponentChildren])[] }) {
  return (
    <dl class="stats">
      {props.items.map(([label, value]) => (
        <div key={label} class="stat">
          <dt>{label}</dt>
          <dd>{typeof value === 'number' ? formatNumber(value) : value}</dd>
        </div>
      ))}
    </dl>
  );
}
