import { useEffect, useRef, useState } from 'preact/hooks';
import { api, ApiError, call, describeError, type Blast } from '../api/client';
import { openEvents, type ConnectionState } from '../api/events';
import { Alert, Button, ErrorNotice, Loading, notify, PageHeader, ProgressBar, Stats, StatusBadge } from '../components/ui';
import { formatDateTime, formatDateTimeWithZone, formatDuration, formatNumber, formatPercent, formatTimeWithZone } from '../format';
import { useResource, useTicker } from '../hooks';
import { href } from '../router';
import { BlastChart } from './blast-chart';
import { canFollowUp, FollowUpDialog, FollowUpNotice } from './blast-follow-up';
import { BlastRecipients } from './blast-recipients';
import { BlastReplies } from './blast-replies';
import { applyFrame, doneOf, FINAL_STATUSES, finishedPace, formatRate, pauseReasonText, sessionPauseText, sessionRole, sessionRoleLabel } from './blast-shared';
import './blasts.css';

// One blast: live figures from its own WebSocket (GET /api/ws-ticket?blastId=…), the chart, the
// controls, its recipients by outcome and the report files.

/** How often the chart and the recipients are read again while something changes. */
const REFRESH_MS = 5_000;

type Action = 'pause' | 'resume' | 'cancel';

function postAction(blastId: string, action: Action): Promise<Blast> {
  const params = { params: { path: { id: blastId } } };
  switch (action) {
    case 'pause':
      return call(api.POST('/api/blasts/{id}/pause', params));
    case 'resume':
      return call(api.POST('/api/blasts/{id}/resume', params));
    case 'cancel':
      return call(api.POST('/api/blasts/{id}/cancel', params));
  }
}

function Eta(props: { eta: string | null }) {
  const now = useTicker(1_000);
  if (props.eta === null) return <>—</>;
  const seconds = (Date.parse(props.eta) - now) / 1_000;
  return (
    <span title={formatDateTimeWithZone(props.eta)}>
      {seconds <= 0 ? 'soon' : formatDuration(seconds)}
      <span class="blast-eta-at">{formatTimeWithZone(props.eta)}</span>
    </span>
  );
}

const LIVE_TEXT: Record<ConnectionState, string> = {
  connecting: 'Connecting…',
  open: 'Live',
  reconnecting: 'Reconnecting…',
  closed: 'Not live',
};

function Controls(props: { blast: Blast; onChange: (blast: Blast) => void; onConflict: (message: string | undefined) => void }) {
  const { blast } = props;
  const [busy, setBusy] = useState<Action | undefined>(undefined);
  const groupRef = useRef<HTMLDivElement>(null);
  /** After an action its button is gone: focus goes to the control that replaced it, or to the page's title. */
  const [refocus, setRefocus] = useState(0);
  useEffect(() => {
    if (refocus === 0) return;
    const next = groupRef.current?.querySelector('button') ?? document.querySelector<HTMLElement>('.page-header h1');
    if (next instanceof HTMLHeadingElement) next.tabIndex = -1;
    next?.focus();
  }, [refocus]);
  // A follow-up waiting to start has no ledger yet to hold: it can be cancelled, not paused.
  const canPause = (blast.status === 'scheduled' && blast.followUp === null) || blast.status === 'running';
  const canResume = blast.status === 'paused';
  const canCancel = !FINAL_STATUSES.has(blast.status);

  const act = async (action: Action) => {
    if (action === 'cancel') {
      const left = blast.total - doneOf(blast);
      const question =
        blast.status === 'scheduled' || blast.status === 'importing'
          ? `Cancel “${blast.name}”? It will never start.`
          : `Cancel “${blast.name}”? The ${formatNumber(left)} recipients not sent yet are skipped. This cannot be undone.`;
      if (!window.confirm(question)) return;
    }
    setBusy(action);
    props.onConflict(undefined);
    try {
      const next = await postAction(blast.id, action);
      props.onChange(next);
      setRefocus((count) => count + 1);
      notify({ pause: 'Blast paused', resume: 'Blast resumed', cancel: 'Blast cancelled' }[action]);
    } catch (reason) {
      if (reason instanceof ApiError && reason.code === 'BLAST_STATE_CONFLICT') props.onConflict(reason.message);
      else notify(describeError(reason), 'error');
    } finally {
      setBusy(undefined);
    }
  };

  if (!canPause && !canResume && !canCancel) return null;
  return (
    <div class="actions" role="group" aria-label="Blast controls" ref={groupRef}>
      {canPause && (
        <Button busy={busy === 'pause'} disabled={busy !== undefined} onClick={() => void act('pause')}>
          Pause
        </Button>
      )}
      {canResume && (
        <Button variant="primary" busy={busy === 'resume'} disabled={busy !== undefined} onClick={() => void act('resume')}>
          Resume
        </Button>
      )}
      {canCancel && (
        <Button variant="danger" busy={busy === 'cancel'} disabled={busy !== undefined} onClick={() => void act('cancel')}>
          Cancel blast
        </Button>
      )}
    </div>
  );
}

function StatusNotices(props: { blast: Blast }) {
  const { blast } = props;
  return (
    <>
      {blast.status === 'failed' && blast.error !== null && (
        <Alert kind="error" title="The blast failed">
          {blast.error.message} <code>{blast.error.code}</code>
        </Alert>
      )}
      {blast.status === 'paused' && (
        <Alert kind="warning" title={blast.pause === null ? 'Paused' : pauseReasonText(blast.pause.reason)}>
          {blast.pause?.detail !== null && blast.pause?.detail !== undefined && <div>{blast.pause.detail}</div>}
          Nothing is sent until it is resumed{blast.pause?.reason === 'SESSION_RESTRICTED' ? '; resuming gives the restricted accounts another go' : ''}.
        </Alert>
      )}
      {blast.status === 'scheduled' && blast.scheduledAt !== null && blast.followUp === null && (
        <Alert kind="info" title={`Scheduled for ${formatDateTimeWithZone(blast.scheduledAt)}`}>
          It starts by itself then. Pause it to hold it, or cancel it.
        </Alert>
      )}
      {blast.status === 'importing' && <Alert kind="info" title="Preparing">The recipients are being imported and checked; sending starts after that.</Alert>}
    </>
  );
}

function Details(props: { blast: Blast }) {
  const { blast } = props;
  return (
    <section class="panel" aria-labelledby="blast-details-title">
      <h2 id="blast-details-title">Details</h2>
      <h3 class="blast-subhead">Message</h3>
      <p class="blast-message">{blast.message}</p>
      {blast.media !== null && (
        <p class="muted blast-small">
          With {blast.media.kind}: {blast.media.fileName ?? blast.media.mimetype}
        </p>
      )}
      <h3 class="blast-subhead">Sessions</h3>
      <ul class="blast-sessions">
        {blast.sessions.map((session) => (
          <li key={session.sessionId}>
            <code>{session.sessionId}</code>
            {session.pausedReason === null ? (
              <StatusBadge status={sessionRole(blast.status)} label={sessionRoleLabel(blast.status)} />
            ) : (
              <StatusBadge status="paused" label={`stopped: ${sessionPauseText(session.pausedReason)}`} />
            )}
          </li>
        ))}
      </ul>
      <dl class="blast-facts">
        <div>
          <dt>Created</dt>
          <dd>{formatDateTime(blast.createdAt)}</dd>
        </div>
        {blast.scheduledAt !== null && (
          <div>
            <dt>Scheduled</dt>
            <dd>{formatDateTimeWithZone(blast.scheduledAt)}</dd>
          </div>
        )}
        <div>
          <dt>Started</dt>
          <dd>{formatDateTime(blast.startedAt)}</dd>
        </div>
        <div>
          <dt>Ended</dt>
          <dd>{formatDateTime(blast.completedAt)}</dd>
        </div>
        {blast.startedAt !== null && blast.completedAt !== null && (
          <div>
            <dt>Took</dt>
            <dd>{finishedPace(blast)}</dd>
          </div>
        )}
        <div>
          <dt>Business unit</dt>
          <dd>{blast.businessUnit}</dd>
        </div>
        <div>
          <dt>Recipient list</dt>
          <dd>
            <a href={href(`/lists/${encodeURIComponent(blast.listId)}`)}>Open the list</a>
          </dd>
        </div>
        <div>
          <dt>Options</dt>
          <dd>
            {[blast.checkNumbers ? 'numbers checked first' : null, blast.typing ? 'shows typing' : null, blast.pacing !== null ? 'tighter pacing' : null]
              .filter((item) => item !== null)
              .join(', ') || '—'}
          </dd>
        </div>
      </dl>
    </section>
  );
}

export function BlastDetailScreen(props: { blastId: string }) {
  const { blastId } = props;
  const resource = useResource(() => call(api.GET('/api/blasts/{id}', { params: { path: { id: blastId } } })), [blastId]);
  const [blast, setBlast] = useState<Blast | undefined>(undefined);
  const [live, setLive] = useState<ConnectionState>('connecting');
  const [refreshKey, setRefreshKey] = useState(0);
  const [conflict, setConflict] = useState<string | undefined>(undefined);
  const [followingUp, setFollowingUp] = useState(false);
  /** Something changed since the chart and the recipients were last read. */
  const dirty = useRef(false);
  const statusRef = useRef<Blast['status'] | undefined>(undefined);
  statusRef.current = blast?.status;

  useEffect(() => {
    if (resource.data !== undefined) setBlast(resource.data);
  }, [resource.data]);

  useEffect(() => {
    setBlast(undefined);
    const stream = openEvents(
      { blastId },
      (frame) => {
        if (!('blastId' in frame.data) || frame.data.blastId !== blastId) return;
        setBlast((current) => (current === undefined ? current : applyFrame(current, frame)));
        dirty.current = true;
        // The row's other fields (sessions' pauses, times, error) come with a fresh read.
        if (frame.event !== 'blast:progress') resource.reload();
        if (frame.event === 'blast:completed') {
          dirty.current = false;
          setRefreshKey((key) => key + 1);
        }
      },
      (state) => {
        setLive(state);
      },
    );
    const timer = setInterval(() => {
      if (statusRef.current === 'running' || dirty.current) {
        dirty.current = false;
        setRefreshKey((key) => key + 1);
      }
    }, REFRESH_MS);
    return () => {
      clearInterval(timer);
      stream.close();
    };
  }, [blastId]);

  if (blast === undefined) {
    return (
      <section>
        <p class="blast-crumbs">
          <a href={href('/blasts')}>← All blasts</a>
        </p>
        <ErrorNotice error={resource.error} title={resource.error instanceof ApiError && resource.error.status === 404 ? 'No such blast' : 'The blast could not be loaded'} />
        {resource.error === undefined && <Loading label="Loading the blast…" />}
      </section>
    );
  }

  const done = doneOf(blast);
  const percent = formatPercent(done, blast.total);
  return (
    <section>
      <p class="blast-crumbs">
        <a href={href('/blasts')}>← All blasts</a>
      </p>
      <PageHeader
        title={blast.name}
        subtitle={
          <span class="blast-title-meta">
            <StatusBadge status={blast.status} />
            <span>
              {formatNumber(blast.total)} {blast.total === 1 ? 'recipient' : 'recipients'} · created {formatDateTime(blast.createdAt)}
            </span>
          </span>
        }
        actions={
          <>
          {canFollowUp(blast) && (
            <Button variant="primary" onClick={() => { setFollowingUp(true); }}>
              Follow up
            </Button>
          )}
          <Controls
            blast={blast}
            onChange={(next) => {
              setBlast(next);
              resource.reload();
            }}
            onConflict={(message) => {
              setConflict(message);
              if (message !== undefined) resource.reload();
            }}
          />
          </>
        }
      />
      <FollowUpDialog blast={blast} open={followingUp} onClose={() => { setFollowingUp(false); }} />
      <FollowUpNotice blast={blast} />
      {conflict !== undefined && (
        <Alert kind="warning" title="That cannot be done now">
          {conflict}
        </Alert>
      )}
      <StatusNotices blast={blast} />

      <section class="panel" aria-labelledby="blast-progress-title">
        <div class="blast-section-head">
          <h2 id="blast-progress-title">Progress</h2>
          <span class={`live live-${live}`} title="Figures come from the blast's live connection">
            <span class="live-dot" aria-hidden="true" />
            {LIVE_TEXT[live]}
          </span>
        </div>
        <ProgressBar
          label="Blast progress"
          value={done}
          max={blast.total}
          detail={blast.total === 0 ? 'No recipients yet' : `${formatNumber(done)} of ${formatNumber(blast.total)} done · ${percent}`}
        />
        <div class="blast-stats">
          <Stats
            items={[
              ['Sent', blast.sent],
              ['Failed', blast.failed],
              ['Skipped', blast.skipped],
              ['Delivered', blast.delivered],
              ['Read', blast.read],
              ['Replied', <Replied key="replied" replied={blast.replied} rate={blast.replyRate} />],
              ['Pending', blast.pending],
              ['Rate', formatRate(blast.status === 'running' ? blast.ratePerMinute : null)],
              ['ETA', <Eta key="eta" eta={blast.status === 'running' ? blast.eta : null} />],
            ]}
          />
        </div>
      </section>

      <div class="blast-layout">
        <BlastChart blastId={blastId} refreshKey={refreshKey} />
        <Details blast={blast} />
      </div>
      <ListTabs blastId={blastId} listId={blast.listId} refreshKey={refreshKey} replied={blast.replied} />
    </section>
  );
}

function Replied(props: { replied: number; rate: number | null }) {
  return (
    <span title="Recipients who replied, and their share of those sent">
      {formatNumber(props.replied)}
      {props.rate !== null && <span class="blast-eta-at">{`${(props.rate * 100).toFixed(1)} %`}</span>}
    </span>
  );
}

type Tab = 'recipients' | 'replies';

/** The recipients by outcome, or the replies, one at a time. */
function ListTabs(props: { blastId: string; listId: string; refreshKey: number; replied: number }) {
  const [tab, setTab] = useState<Tab>('recipients');
  const tabs: readonly [Tab, string][] = [
    ['recipients', 'Recipients'],
    ['replies', `Replies (${formatNumber(props.replied)} replied)`],
  ];
  const select = (next: Tab) => {
    setTab(next);
    document.getElementById(`blast-tab-${next}`)?.focus();
  };
  return (
    <>
      <div class="blast-tabs" role="tablist" aria-label="Recipients or replies">
        {tabs.map(([value, label]) => (
          <button
            key={value}
            id={`blast-tab-${value}`}
            type="button"
            role="tab"
            class={`blast-tab${tab === value ? ' blast-tab-current' : ''}`}
            aria-selected={tab === value}
            aria-controls={`blast-tabpanel-${value}`}
            tabIndex={tab === value ? 0 : -1}
            onClick={() => {
              setTab(value);
            }}
            onKeyDown={(event) => {
              if (event.key === 'ArrowRight' || event.key === 'ArrowLeft') select(tab === 'recipients' ? 'replies' : 'recipients');
            }}
          >
            {label}
          </button>
        ))}
      </div>
      <div id={`blast-tabpanel-${tab}`} role="tabpanel" aria-labelledby={`blast-tab-${tab}`}>
        {tab === 'recipients' ? <BlastRecipients blastId={props.blastId} listId={props.listId} refreshKey={props.refreshKey} /> : <BlastReplies blastId={props.blastId} refreshKey={props.refreshKey} />}
      </div>
    </>
  );
}
