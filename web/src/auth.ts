import { computed, signal } from '@preact/signals';
import { api, ApiError, call, setApiKey, whenUnauthorized } from './api/client';

// The API key lives in sessionStorage (gone when the tab closes), never in a URL.

const STORAGE_KEY = 'wab.apiKey';

export interface Identity {
  admin: boolean;
  keyId: string | null;
  businessUnit: string | null;
}

export const identity = signal<Identity | undefined>(undefined);
/** Why the user is at the sign-in screen, when it is not the first visit. */
export const signInNotice = signal<string | undefined>(undefined);
export const isAdmin = computed(() => identity.value?.admin === true);

whenUnauthorized(() => {
  if (identity.value === undefined) return;
  signOut('The server no longer accepts this API key (it was revoked or changed). Sign in again.');
});

async function whoAmI(): Promise<Identity> {
  return call(api.GET('/api/me'));
}

/** Checks the key against the API; keeps it only when it is accepted. */
export async function signIn(key: string): Promise<void> {
  setApiKey(key);
  try {
    identity.value = await whoAmI();
  } catch (error) {
    setApiKey(undefined);
    if (error instanceof ApiError && error.status === 401) {
      throw new ApiError(401, error.code, 'This API key is not valid: check that it was pasted whole, and that it was not revoked.');
    }
    throw error;
  }
  sessionStorage.setItem(STORAGE_KEY, key);
  signInNotice.value = undefined;
}

export function signOut(notice?: string): void {
  sessionStorage.removeItem(STORAGE_KEY);
  setApiKey(undefined);
  identity.value = undefined;
  signInNotice.value = notice;
}

/** On load: a key kept from earlier in this tab signs in again without asking. */
export async function restoreSession(): Promise<void> {
  const key = sessionStorage.getItem(STORAGE_KEY);
  if (key === null) return;
  try {
    await signIn(key);
  } catch (error) {
    signOut(error instanceof ApiError && error.status === 401 ? 'Your saved key is no longer accepted. Sign in again.' : undefined);
  }
}
