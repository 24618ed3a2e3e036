import { useEffect, useRef, useState } from 'preact/hooks';
import { api, call, type Session } from '../api/client';
import { openEvents, type ConnectionState, type EventMap, type Frame } from '../api/events';
import { Alert, Button, ErrorNotice, Field, StatusBadge } from '../components/ui';
import { useTicker } from '../hooks';
import { humanize, type SessionStatus } from './accounts-shared';

// Linking an account: a socket with a ticket for this one session (the only way QR and pairing
// codes are delivered), then POST /connect once it is open, so no code is missed. New codes
// replace the shown one as they arrive; the socket closes with the dialog.

type LiveStatus = Pick<EventMap['session:status'], 'status' | 'reason' | 'phone' | 'name'>;
type Code = { kind: 'qr'; dataUrl: string; expiresAt: string } | { kind: 'pairing'; code: string; expiresAt: string };

const STOPPED: ReadonlySet<SessionStatus> = new Set<SessionStatus>(['disconnected', 'logged_out', 'failed']);
const PHONE = /^\+?[0-9]{6,15}$/;

function secondsUntil(iso: string, now: number): number {
  const at = Date.parse(iso);
  return Number.isNaN(at) ? 0 : Math.max(0, Math.ceil((at - now) / 1_000));
}

function Countdown(props: { expiresAt: string; kind: Code['kind'] }) {
  const now = useTicker(1_000);
  const left = secondsUntil(props.expiresAt, now);
  if (left === 0) {
    return <span class="acct-countdown">{props.kind === 'qr' ? 'This code expired: a new one is on its way…' : 'This code expired: waiting for a new one…'}</span>;
  }
  return <span class="acct-countdown">{props.kind === 'qr' ? `New code in ${left} s` : `Valid for ${left} s more`}</span>;
}

/** "ABCD1234" → "ABCD-1234", easier to read out and type. */
function spaced(code: string): string {
  return code.length === 8 && !code.includes('-') ? `${code.slice(0, 4)}-${code.slice(4)}` : code;
}

export function ConnectPanel(props: { session: Session; onClose: () => void; onChanged: () => void }) {
  const { session } = props;
  const id = session.id;
  const sandbox = session.provider === 'sandbox';
  const [socket, setSocket] = useState<{ state: ConnectionState; detail?: string | undefined }>({ state: 'connecting' });
  const [live, setLive] = useState<LiveStatus>({ status: session.status, reason: session.statusReason, phone: session.linkedPhone, name: session.linkedName });
  const [code, setCode] = useState<Code | undefined>(undefined);
  /** The phone number of the current request (pairing code), or undefined (QR code). */
  const [pairingPhone, setPairingPhone] = useState<string | undefined>(undefined);
  const [requested, setRequested] = useState(false);
  const [busy, setBusy] = useState<'connect' | 'switch' | 'scan' | 'cancel' | undefined>(undefined);
  const [error, setError] = useState<{ reason: unknown; retry: boolean } | undefined>(undefined);
  const [phoneInput, setPhoneInput] = useState('');
  const [phoneError, setPhoneError] = useState<string | undefined>(undefined);
  const stopWaiter = useRef<(() => void) | undefined>(undefined);
  const asked = useRef(false);
  const doneRef = useRef<HTMLButtonElement>(null);
  const changed = useRef(props.onChanged);
  changed.current = props.onChanged;

  const connect = async (phone: string | undefined) => {
    setBusy('connect');
    setError(undefined);
    setRequested(false);
    try {
      await call(api.POST('/api/sessions/{id}/connect', { params: { path: { id } }, body: phone === undefined ? {} : { phoneNumber: phone } }));
      setPairingPhone(phone);
      setRequested(true);
      changed.current();
    } catch (reason) {
      setError({ reason, retry: true });
    } finally {
      setBusy(undefined);
    }
  };
  const connectRef = useRef(connect);
  connectRef.current = connect;

  const onFrame = (frame: Frame) => {
    if (frame.event === 'qr:update') {
      if (frame.data.sessionId === id) setCode({ kind: 'qr', dataUrl: frame.data.qrDataUrl, expiresAt: frame.data.expiresAt });
    } else if (frame.event === 'pairing:code') {
      if (frame.data.sessionId === id) setCode({ kind: 'pairing', code: frame.data.code, expiresAt: frame.data.expiresAt });
    } else if (frame.event === 'session:status' && frame.data.sessionId === id) {
      const { status, reason, phone, name } = frame.data;
      setLive({ status, reason, phone, name });
      if (status !== 'qr') setCode(undefined);
      if (STOPPED.has(status)) {
        stopWaiter.current?.();
        stopWaiter.current = undefined;
      }
    }
  };
  const frameRef = useRef(onFrame);
  frameRef.current = onFrame;

  useEffect(() => {
    let mounted = true;
    const stream = openEvents(
      { sessionId: id },
      (frame) => {
        if (mounted) frameRef.current(frame);
      },
      (state, detail) => {
        if (!mounted) return;
        setSocket({ state, detail });
        // Ask for the connection only once the socket listens: the first code must not be missed.
        if (state === 'open' && !asked.current) {
          asked.current = true;
          void connectRef.current(undefined);
        }
      },
    );
    return () => {
      mounted = false;
      stopWaiter.current = undefined;
      stream.close();
    };
  }, [id]);

  const connected = live.status === 'connected';
  useEffect(() => {
    if (connected) doneRef.current?.focus();
  }, [connected]);

  /** Stops the running attempt (it cannot change method midway), then connects the other way. */
  const restart = async (phone: string | undefined) => {
    setBusy('switch');
    setError(undefined);
    setCode(undefined);
    setRequested(false);
    try {
      const stopped = new Promise<void>((resolve) => {
        stopWaiter.current = resolve;
      });
      const view = await call(api.POST('/api/sessions/{id}/disconnect', { params: { path: { id } } }));
      if (view.owner !== null && !STOPPED.has(view.status)) await stopped;
      stopWaiter.current = undefined;
    } catch (reason) {
      stopWaiter.current = undefined;
      setError({ reason, retry: true });
      setBusy(undefined);
      return;
    }
    await connect(phone);
  };

  const scan = async () => {
    setBusy('scan');
    setError(undefined);
    try {
      await call(api.POST('/api/sessions/{id}/sandbox/scan', { params: { path: { id } } }));
    } catch (reason) {
      setError({ reason, retry: false });
    } finally {
      setBusy(undefined);
    }
  };

  const cancelLinking = async () => {
    setBusy('cancel');
    setError(undefined);
    try {
      await call(api.POST('/api/sessions/{id}/disconnect', { params: { path: { id } } }));
      props.onClose();
    } catch (reason) {
      setError({ reason, retry: false });
      setBusy(undefined);
    }
  };

  const submitPhone = (event: Event) => {
    event.preventDefault();
    const phone = phoneInput.replace(/[\s().-]/g, '');
    if (!PHONE.test(phone)) {
      setPhoneError('Enter the number in international format, digits only (6 to 15), e.g. 6281234567890.');
      document.getElementById('acct-pair-phone')?.focus();
      return;
    }
    setPhoneError(undefined);
    void restart(phone.replace(/^\+/, ''));
  };

  const failed = requested && busy === undefined && (live.status === 'failed' || live.status === 'logged_out');
  let message: string;
  if (socket.state === 'closed' && socket.detail !== undefined) message = 'Live updates stopped.';
  else if (connected) message = `Connected${live.phone !== null ? ` as ${live.phone}` : ''}${live.name !== null ? ` (${live.name})` : ''}.`;
  else if (failed) message = `Linking stopped: ${humanize(live.reason ?? live.status)}.`;
  else if (live.status === 'paused') message = `The account is paused${live.reason !== null ? `: ${humanize(live.reason)}` : ''}.`;
  else if (busy === 'switch') message = 'Stopping the current attempt…';
  else if (!requested) message = socket.state === 'open' ? 'Asking a worker to connect…' : 'Opening the live connection…';
  else if (code?.kind === 'qr') message = 'Scan this QR code with the phone.';
  else if (code?.kind === 'pairing') message = 'Type this code on the phone.';
  else if (pairingPhone !== undefined) message = 'Waiting for the pairing code…';
  else message = live.status === 'qr' ? 'Waiting for the next QR code…' : 'Connecting… An account linked before needs no code.';

  const waiting = !connected && !failed && code === undefined && !(socket.state === 'closed' && socket.detail !== undefined);

  return (
    <div class="acct-connect">
      <div class="acct-connect-status">
        <StatusBadge status={live.status} label={live.status} />
        <p role="status" class="acct-connect-message">
          {waiting && <span class="spinner" aria-hidden="true" />}
          {message}
        </p>
      </div>

      {socket.state === 'reconnecting' && (
        <Alert kind="warning">{socket.detail ?? 'The live connection was lost.'} Reconnecting by itself; a new code shows up once it is back.</Alert>
      )}
      {socket.state === 'closed' && socket.detail !== undefined && <Alert kind="error" title="Live updates stopped">{socket.detail}</Alert>}
      {error !== undefined && <ErrorNotice error={error.reason} title="The request failed" />}

      {connected ? (
        <p class="acct-linked">
          <span class="acct-linked-mark" aria-hidden="true">✓</span> {session.friendlyName} is linked and can send now.
        </p>
      ) : failed ? (
        <Alert kind="error" title="Linking stopped">
          {live.reason !== null ? `${humanize(live.reason)}. ` : ''}Try again for a new code.
        </Alert>
      ) : code?.kind === 'qr' ? (
        <figure class="acct-qr">
          <img src={code.dataUrl} alt={`QR code for ${session.friendlyName}`} width={264} height={264} />
          <figcaption>
            <Countdown key={code.expiresAt} expiresAt={code.expiresAt} kind="qr" />
            <span class="muted acct-small">On the phone: WhatsApp → Settings → Linked devices → Link a device.</span>
          </figcaption>
        </figure>
      ) : code?.kind === 'pairing' ? (
        <div class="acct-pairing">
          {pairingPhone !== undefined && <p class="acct-small muted">Pairing code for +{pairingPhone}</p>}
          <p class="acct-pairing-code" aria-label={`Pairing code ${code.code.split('').join(' ')}`}>
            {spaced(code.code)}
          </p>
          <Countdown key={code.expiresAt} expiresAt={code.expiresAt} kind="pairing" />
          <p class="muted acct-small">
            On the phone: WhatsApp → Settings → Linked devices → Link a device → Link with phone number instead, then type this code.
          </p>
        </div>
      ) : null}

      {!connected && (
        <div class="form-actions acct-connect-actions">
          {sandbox && (
            <Button variant="primary" busy={busy === 'scan'} disabled={code === undefined || busy !== undefined} onClick={() => void scan()}>
              Simulate scan
            </Button>
          )}
          {(failed || (error?.retry === true && busy === undefined)) && (
            <Button variant="primary" onClick={() => void connect(pairingPhone)}>
              Try again
            </Button>
          )}
          {pairingPhone !== undefined && (
            <Button busy={busy === 'switch'} disabled={busy !== undefined} onClick={() => void restart(undefined)}>
              Use a QR code instead
            </Button>
          )}
          <Button variant="ghost" busy={busy === 'cancel'} disabled={busy !== undefined && busy !== 'cancel'} onClick={() => void cancelLinking()}>
            Stop linking
          </Button>
        </div>
      )}

      {!connected && pairingPhone === undefined && (
        <details class="acct-pair">
          <summary>Link with a phone number instead</summary>
          <form class="acct-pair-form" noValidate onSubmit={submitPhone}>
            <Field id="acct-pair-phone" label="Phone number" hint="The account's number with its country code, e.g. 6281234567890." error={phoneError}>
              <input
                id="acct-pair-phone"
                type="tel"
                inputMode="tel"
                autoComplete="tel"
                value={phoneInput}
                aria-invalid={phoneError !== undefined}
                aria-describedby="acct-pair-phone-hint"
                onInput={(event) => {
                  setPhoneInput(event.currentTarget.value);
                  setPhoneError(undefined);
                }}
              />
            </Field>
            <Button type="submit" busy={busy === 'switch'} disabled={busy !== undefined}>
              Get pairing code
            </Button>
          </form>
        </details>
      )}

      {connected ? (
        <div class="form-actions">
          <button ref={doneRef} type="button" class="btn btn-primary" onClick={props.onClose}>
            Done
          </button>
        </div>
      ) : (
        <p class="muted acct-small acct-connect-note">Closing this window keeps the account waiting for a scan; “Stop linking” cancels it.</p>
      )}
    </div>
  );
}
