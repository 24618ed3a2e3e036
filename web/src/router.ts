import { signal } from '@preact/signals';

// Hash routes (#/lists/abc): the server only ever serves one page, so no fallback route is
// needed, and /api paths stay the API's.

function current(): string[] {
  const hash = window.location.hash.replace(/^#\/?/, '');
  return (hash.split('?')[0] ?? '').split('/').filter((part) => part !== '').map(decodeURIComponent);
}

function currentQuery(): URLSearchParams {
  const hash = window.location.hash;
  const at = hash.indexOf('?');
  return new URLSearchParams(at === -1 ? '' : hash.slice(at + 1));
}

/** The route's path segments: `#/blasts/b1` → ['blasts', 'b1']. */
export const route = signal<string[]>(current());
export const routeQuery = signal<URLSearchParams>(currentQuery());

window.addEventListener('hashchange', () => {
  route.value = current();
  routeQuery.value = currentQuery();
});

/** `navigate('/blasts/b1')`, or with a query: `navigate('/blasts/new?listId=l1')`. */
export function navigate(path: string): void {
  window.location.hash = `#${path}`;
}

export function href(path: string): string {
  return `#${path}`;
}
