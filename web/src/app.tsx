import { useEffect } from 'preact/hooks';
import { liveDetail, liveState, startLiveEvents, stopLiveEvents } from './api/events';
import { identity, isAdmin, signOut } from './auth';
import { Toasts } from './components/ui';
import { href, route } from './router';
import { AccountsScreen } from './screens/accounts';
import { BlastDetailScreen } from './screens/blast-detail';
import { BlastsScreen } from './screens/blasts';
import { KeysScreen } from './screens/keys';
import { ListDetailScreen } from './screens/list-detail';
import { ListsScreen } from './screens/lists';
import { NewBlastScreen } from './screens/new-blast';
import { SignInScreen } from './screens/sign-in';
import { UnitsScreen } from './screens/units';
import { WebhookDetailScreen } from './screens/webhook-detail';
import { WebhooksScreen } from './screens/webhooks';

const NAV = [
  { path: 'accounts', label: 'Accounts' },
  { path: 'lists', label: 'Lists' },
  { path: 'blasts', label: 'Blasts' },
  { path: 'webhooks', label: 'Webhooks' },
  { path: 'units', label: 'Units', adminOnly: true },
  { path: 'keys', label: 'API keys', adminOnly: true },
] as const;

function Screen() {
  const [section = 'accounts', id] = route.value;
  switch (section) {
    case 'lists':
      return id === undefined ? <ListsScreen /> : <ListDetailScreen listId={id} />;
    case 'blasts':
      if (id === 'new') return <NewBlastScreen />;
      return id === undefined ? <BlastsScreen /> : <BlastDetailScreen blastId={id} />;
    case 'webhooks':
      return id === undefined ? <WebhooksScreen /> : <WebhookDetailScreen webhookId={id} />;
    case 'keys':
      return isAdmin.value ? <KeysScreen /> : <NotFound />;
    case 'units':
      return isAdmin.value ? <UnitsScreen /> : <NotFound />;
    case 'accounts':
      return <AccountsScreen />;
    default:
      return <NotFound />;
  }
}

function NotFound() {
  return (
    <section class="panel">
      <h1>Not found</h1>
      <p>
        There is nothing at this address. Go to <a href={href('/accounts')}>Accounts</a>.
      </p>
    </section>
  );
}

function LiveIndicator() {
  const state = liveState.value;
  const text = state === 'open' ? 'Live' : state === 'closed' ? 'Offline' : 'Reconnecting…';
  return (
    <span class={`live live-${state}`} role="status" title={liveDetail.value ?? text}>
      <span class="live-dot" aria-hidden="true" />
      {text}
    </span>
  );
}

export function App() {
  const who = identity.value;
  useEffect(() => {
    if (who === undefined) return;
    startLiveEvents();
    return stopLiveEvents;
  }, [who]);

  if (who === undefined) {
    return (
      <>
        <SignInScreen />
        <Toasts />
      </>
    );
  }
  const section = route.value[0] ?? 'accounts';
  return (
    <div class="shell">
      <a class="skip-link" href="#main" onClick={(event) => {
        event.preventDefault();
        document.getElementById('main')?.focus();
      }}>
        Skip to content
      </a>
      <header class="topbar">
        <a class="brand" href={href('/accounts')}>
          <span class="brand-mark" aria-hidden="true" />
          WA Blaster
        </a>
        <nav class="nav" aria-label="Main">
          {NAV.filter((item) => !('adminOnly' in item) || isAdmin.value).map((item) => (
            <a key={item.path} href={href(`/${item.path}`)} aria-current={section === item.path ? 'page' : undefined}>
              {item.label}
            </a>
          ))}
        </nav>
        <div class="topbar-end">
          <LiveIndicator />
          <span class="who" title={who.keyId ?? 'the environment\'s admin key'}>
            {who.admin ? 'Admin' : who.businessUnit === null ? 'Operator · all units' : `Unit: ${who.businessUnit}`}
          </span>
          <button type="button" class="btn btn-ghost" onClick={() => { signOut(); }}>
            Sign out
          </button>
        </div>
      </header>
      {liveState.value === 'reconnecting' && (
        <div class="banner" role="status">
          {liveDetail.value ?? 'The live connection was lost.'} Reconnecting by itself; figures may lag until then.
        </div>
      )}
      {liveState.value === 'closed' && liveDetail.value !== undefined && (
        <div class="banner banner-error" role="alert">
          Live updates stopped: {liveDetail.value}
        </div>
      )}
      <main id="main" tabIndex={-1}>
        <Screen />
      </main>
      <Toasts />
    </div>
  );
}
