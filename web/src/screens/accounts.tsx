import { useMemo, useState } from 'preact/hooks';
import { api, call, describeError, type Session } from '../api/client';
import type { EventMap } from '../api/events';
import { identity } from '../auth';
import { Button, Dialog, EmptyState, ErrorNotice, Loading, notify, PageHeader, StatusBadge } from '../components/ui';
import { formatDateTime } from '../format';
import { useLiveEvents, useResource } from '../hooks';
import { ConnectPanel } from './accounts-connect';
import { AccountForm } from './accounts-form';
import { HealthBadge, HealthPanel } from './accounts-health';
import { humanize, isRunning, newChatCapSummary, pacingSummary, statusLabel } from './accounts-shared';
import './accounts.css';

// Accounts: every WhatsApp account (session) the key sees, its live status from the app-wide
// stream, and what an operator does with it: add, edit, connect (QR or pairing code),
// disconnect, log out, delete; its health (score and band, live) and the panel of its reasons.

type StatusFrame = EventMap['session:status'];
type Health = Session['health'];
type Action = 'disconnect' | 'logout' | 'delete' | 'scan';

/** A session as the freshest of the last GET and the last status frame shows it. */
function withLive(session: Session, frame: StatusFrame | undefined): Session {
  if (frame === undefined || (session.statusAt !== null && frame.at < session.statusAt)) return session;
  return { ...session, status: frame.status, statusReason: frame.reason, linkedPhone: frame.phone, linkedName: frame.name, statusAt: frame.at };
}

/** Whether `health` was assessed after `than` (a health never assessed is older than any). */
function isNewer(health: Health, than: Health): boolean {
  return health.assessedAt !== null && (than.assessedAt === null || health.assessedAt > than.assessedAt);
}

/** A session with the freshest of its listed health and the last one heard (a `session:health` frame, or the panel's read). */
function withHealth(session: Session, heard: Health | undefined): Session {
  return heard !== undefined && isNewer(heard, session.health) ? { ...session, health: heard } : session;
}

/** The session's new-chat cap under its status: usage, state, and what it means for sending. */
function NewChatCapNote({ cap }: { cap: NonNullable<Session['newChatCap']> }) {
  const { text, warn, title } = newChatCapSummary(cap);
  return (
    <span class={warn ? 'acct-reason acct-cap-warn' : 'acct-reason muted'} title={title}>
      {text}
    </span>
  );
}

function providerLabel(provider: string): string {
  if (provider === 'baileys') return 'WhatsApp';
  if (provider === 'sandbox') return 'Sandbox';
  return provider;
}

export function AccountsScreen() {
  const sessions = useResource(() => call(api.GET('/api/sessions')), []);
  const [frames, setFrames] = useState<Record<string, StatusFrame>>({});
  const [healths, setHealths] = useState<Record<string, Health>>({});
  /** The account whose health panel is open, and how many band changes of it were heard (each reads the panel again). */
  const [inspecting, setInspecting] = useState<{ id: string; name: string } | undefined>(undefined);
  const [bandChanges, setBandChanges] = useState<Record<string, number>>({});
  const [editing, setEditing] = useState<Session | 'new' | undefined>(undefined);
  const [connecting, setConnecting] = useState<Session | undefined>(undefined);
  const [pending, setPending] = useState<{ id: string; action: Action } | undefined>(undefined);
  const unitOfKey = identity.value?.businessUnit ?? null;

  const heardHealth = (sessionId: string, health: Health) => {
    setHealths((current) => {
      const known = current[sessionId];
      return known === undefined || isNewer(health, known) ? { ...current, [sessionId]: health } : current;
    });
  };

  useLiveEvents((frame) => {
    if (frame.event === 'session:health') {
      const { sessionId, score, band, at } = frame.data;
      heardHealth(sessionId, { score, band, bandSince: at, assessedAt: at });
      setBandChanges((current) => ({ ...current, [sessionId]: (current[sessionId] ?? 0) + 1 }));
      return;
    }
    if (frame.event !== 'session:status') return;
    const data = frame.data;
    setFrames((current) => ({ ...current, [data.sessionId]: data }));
    // An account added elsewhere (another tab, a script): fetch the list again.
    if (sessions.data !== undefined && !sessions.data.items.some((item) => item.id === data.sessionId)) sessions.reload();
  });

  const rows = useMemo(
    () => (sessions.data?.items ?? []).map((session) => withHealth(withLive(session, frames[session.id]), healths[session.id])),
    [sessions.data, frames, healths],
  );
  const multiUnit = unitOfKey === null;

  const act = async (session: Session, action: Action) => {
    const name = `“${session.friendlyName}”`;
    if (action === 'logout' && !window.confirm(`Log out ${name}? The phone is unlinked and the stored credentials are forgotten; connecting again needs a new QR scan.`)) return;
    if (action === 'delete' && !window.confirm(`Delete ${name} (${session.id})? Its configuration and stored credentials are removed; this cannot be undone.`)) return;
    setPending({ id: session.id, action });
    const path = { params: { path: { id: session.id } } };
    try {
      switch (action) {
        case 'disconnect':
          await call(api.POST('/api/sessions/{id}/disconnect', path));
          notify(`Disconnecting ${name}; its credentials are kept`);
          break;
        case 'logout':
          await call(api.POST('/api/sessions/{id}/logout', path));
          notify(`Logging out ${name}`);
          break;
        case 'delete':
          await call(api.DELETE('/api/sessions/{id}', path));
          notify(`Deleted ${name}`);
          break;
        case 'scan':
          await call(api.POST('/api/sessions/{id}/sandbox/scan', path));
          notify(`Simulated a scan for ${name}`);
          break;
      }
      sessions.reload();
    } catch (reason) {
      const verb = { disconnect: 'disconnect', logout: 'log out', delete: 'delete', scan: 'simulate a scan for' }[action];
      notify(`Could not ${verb} ${name}: ${describeError(reason)}`, 'error');
    } finally {
      setPending(undefined);
    }
  };

  const busy = (session: Session, action: Action) => pending?.id === session.id && pending.action === action;

  return (
    <section class="acct-screen">
      <PageHeader
        title="Accounts"
        subtitle={
          unitOfKey === null
            ? 'WhatsApp accounts (sessions), their live status and their sending pace.'
            : `WhatsApp accounts of ${unitOfKey}, their live status and their sending pace.`
        }
        actions={
          <Button
            variant="primary"
            onClick={() => {
              setEditing('new');
            }}
          >
            Add account
          </Button>
        }
      />
      <div class="panel">
        <ErrorNotice error={sessions.error} title="The accounts could not be loaded" />
        {sessions.data === undefined ? (
          sessions.error === undefined ? (
            <Loading label="Loading accounts…" />
          ) : (
            <Button onClick={sessions.reload}>Try again</Button>
          )
        ) : rows.length === 0 ? (
          <EmptyState title="No accounts yet">Add one: a sandbox account to try things out, or a WhatsApp number to link by QR code.</EmptyState>
        ) : (
          <div class="table-wrap">
            <table class="acct-table">
              <caption class="sr-only">Accounts</caption>
              <thead>
                <tr>
                  <th scope="col">Account</th>
                  {multiUnit && <th scope="col">Unit</th>}
                  <th scope="col">Provider</th>
                  <th scope="col">Status</th>
                  <th scope="col">Health</th>
                  <th scope="col">Linked phone</th>
                  <th scope="col">Pacing</th>
                  <th scope="col">
                    <span class="sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {rows.map((session) => {
                  const running = isRunning(session);
                  const name = session.friendlyName;
                  return (
                    <tr key={session.id}>
                      <th scope="row" class="acct-name-cell">
                        <span class="acct-name">{name}</span>
                        <code class="acct-id">{session.id}</code>
                      </th>
                      {multiUnit && (
                        <td data-label="Unit">{session.businessUnit}</td>
                      )}
                      <td data-label="Provider">{providerLabel(session.provider)}</td>
                      <td data-label="Status" class="acct-status-cell">
                        <span aria-live="polite">
                          <StatusBadge status={session.status} label={statusLabel(session.status)} />
                        </span>
                        {session.statusReason !== null && session.status !== 'connected' && (
                          <span class="acct-reason muted" title={formatDateTime(session.statusAt)}>
                            {humanize(session.statusReason)}
                          </span>
                        )}
                        {session.newChatCap !== null && <NewChatCapNote cap={session.newChatCap} />}
                      </td>
                      <td data-label="Health" class="acct-health-cell">
                        <span aria-live="polite">
                          <HealthBadge
                            session={session}
                            onOpen={() => {
                              setInspecting({ id: session.id, name });
                            }}
                          />
                        </span>
                      </td>
                      <td data-label="Linked phone">
                        {session.linkedPhone ?? <span class="muted">—</span>}
                        {session.linkedName !== null && <span class="acct-reason muted">{session.linkedName}</span>}
                      </td>
                      <td data-label="Pacing" class="acct-pacing">
                        {pacingSummary(session.pacing).map((line) => (
                          <span key={line}>{line}</span>
                        ))}
                      </td>
                      <td class="acct-actions-cell">
                        <div class="acct-actions">
                          <div class="row-actions acct-actions-group">
                            {!running && (
                              <Button
                                variant="primary"
                                class="acct-btn"
                                aria-label={`Connect ${name}`}
                                onClick={() => {
                                  setConnecting(session);
                                }}
                              >
                                Connect
                              </Button>
                            )}
                            {running && (session.status === 'qr' || session.status === 'connecting') && (
                              <Button
                                variant="primary"
                                class="acct-btn"
                                aria-label={`Show code for ${name}`}
                                onClick={() => {
                                  setConnecting(session);
                                }}
                              >
                                Show code
                              </Button>
                            )}
                            {session.provider === 'sandbox' && session.status === 'qr' && connecting === undefined && (
                              <Button class="acct-btn" busy={busy(session, 'scan')} aria-label={`Simulate scan ${name}`} onClick={() => void act(session, 'scan')}>
                                Simulate scan
                              </Button>
                            )}
                            {running && (
                              <Button class="acct-btn" busy={busy(session, 'disconnect')} aria-label={`Disconnect ${name}`} onClick={() => void act(session, 'disconnect')}>
                                Disconnect
                              </Button>
                            )}
                            {session.linkedAt !== null && (
                              <Button class="acct-btn" busy={busy(session, 'logout')} aria-label={`Log out ${name}`} onClick={() => void act(session, 'logout')}>
                                Log out
                              </Button>
                            )}
                          </div>
                          <div class="row-actions acct-actions-group">
                            <Button
                              class="acct-btn"
                              variant="ghost"
                              aria-label={`Edit ${name}`}
                              onClick={() => {
                                setEditing(session);
                              }}
                            >
                              Edit
                            </Button>
                            <Button class="acct-btn" variant="danger" busy={busy(session, 'delete')} aria-label={`Delete ${name}`} onClick={() => void act(session, 'delete')}>
                              Delete
                            </Button>
                          </div>
                        </div>
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        )}
      </div>

      <Dialog
        open={editing !== undefined}
        wide
        title={editing === 'new' || editing === undefined ? 'Add account' : `Edit ${editing.friendlyName}`}
        onClose={() => {
          setEditing(undefined);
        }}
      >
        {editing !== undefined && (
          <AccountForm
            key={editing === 'new' ? 'new' : editing.id}
            session={editing === 'new' ? undefined : editing}
            onCancel={() => {
              setEditing(undefined);
            }}
            onSaved={(saved) => {
              notify(editing === 'new' ? `Added “${saved.friendlyName}”` : `Saved “${saved.friendlyName}”`);
              setEditing(undefined);
              sessions.reload();
            }}
          />
        )}
      </Dialog>

      <Dialog
        open={inspecting !== undefined}
        wide
        title={inspecting === undefined ? 'Health' : `Health of ${inspecting.name}`}
        onClose={() => {
          setInspecting(undefined);
        }}
      >
        {inspecting !== undefined && (
          <HealthPanel
            key={inspecting.id}
            sessionId={inspecting.id}
            version={bandChanges[inspecting.id] ?? 0}
            onLoaded={(health) => {
              heardHealth(inspecting.id, { score: health.score, band: health.band, bandSince: health.bandSince, assessedAt: health.assessedAt });
            }}
          />
        )}
      </Dialog>

      <Dialog
        open={connecting !== undefined}
        title={connecting === undefined ? 'Connect' : `Connect ${connecting.friendlyName}`}
        onClose={() => {
          setConnecting(undefined);
          sessions.reload();
        }}
      >
        {connecting !== undefined && (
          <ConnectPanel
            key={connecting.id}
            session={connecting}
            onChanged={sessions.reload}
            onClose={() => {
              setConnecting(undefined);
              sessions.reload();
            }}
          />
        )}
      </Dialog>
    </section>
  );
}
