import createClient from 'openapi-fetch';
import type { components, paths } from './schema';

// The console's only way to the product: the public REST API, typed from its OpenAPI document
// (schema.d.ts is generated: `npm run web:api-types`; a test fails when it is out of date).

export type Schemas = components['schemas'];
export type Session = Schemas['Session'];
export type ApiKey = Schemas['ApiKey'];
export type List = Schemas['List'];
export type Blast = Schemas['Blast'];
export type Pacing = Session['pacing'];
/** GET /api/sessions/:id/health: score, band, reasons, enforcement, new-chat budget (README: "Account health"). */
export type SessionHealth = paths['/api/sessions/{id}/health']['get']['responses'][200]['content']['application/json'];
export type Unit = paths['/api/units']['get']['responses'][200]['content']['application/json']['items'][number];
export type Webhook = paths['/api/webhooks/{id}']['get']['responses'][200]['content']['application/json'];
export type WebhookEvent = NonNullable<paths['/api/webhooks']['post']['requestBody']>['content']['application/json']['events'][number];
export type WebhookDelivery = paths['/api/webhooks/{id}/deliveries']['get']['responses'][200]['content']['application/json']['items'][number];

/** An error answer of the API: `{error: {code, message, details}}`, or a network failure (status 0). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

let apiKey: string | undefined;
let onUnauthorized: ((error: ApiError) => void) | undefined;

/** The key every request carries (Authorization: Bearer); never put in a URL. */
export function setApiKey(key: string | undefined): void {
  apiKey = key;
}

/** Called when the API refuses the key (401): the app goes back to sign-in with a message. */
export function whenUnauthorized(handler: (error: ApiError) => void): void {
  onUnauthorized = handler;
}

export const api = createClient<paths>({ baseUrl: window.location.origin });
api.use({
  onRequest({ request }) {
    if (apiKey !== undefined) request.headers.set('authorization', `Bearer ${apiKey}`);
    return request;
  },
});

function toApiError(status: number, body: unknown, fallback: string): ApiError {
  const error = (body as { error?: { code?: unknown; message?: unknown; details?: unknown } } | undefined)?.error;
  const code = typeof error?.code === 'string' ? error.code : `HTTP_${status}`;
  const message = typeof error?.message === 'string' ? error.message : fallback;
  return new ApiError(status, code, message, error?.details);
}

function refused(error: ApiError): ApiError {
  if (error.status === 401) onUnauthorized?.(error);
  return error;
}

/**
 * The data of a call, or an ApiError thrown with the API's code and message.
 * `await call(api.GET('/api/sessions'))`.
 */
export async function call<T>(request: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  let result: { data?: T; error?: unknown; response: Response };
  try {
    result = await request;
  } catch {
    throw new ApiError(0, 'NETWORK', 'The server cannot be reached. Check your connection; the console retries by itself.');
  }
  if (!result.response.ok || result.error !== undefined) {
    throw refused(toApiError(result.response.status, result.error, result.response.statusText || 'Request failed'));
  }
  return result.data as T;
}

export interface UploadProgress {
  loaded: number;
  total: number;
}

/**
 * A multipart POST with upload progress (fetch cannot report it, XMLHttpRequest can).
 * Resolves with the JSON answer; rejects with an ApiError.
 */
export function upload<T>(path: string, form: FormData, onProgress?: (progress: UploadProgress) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open('POST', path);
    if (apiKey !== undefined) request.setRequestHeader('authorization', `Bearer ${apiKey}`);
    request.responseType = 'json';
    request.upload.onprogress = (event) => {
      if (event.lengthComputable) onProgress?.({ loaded: event.loaded, total: event.total });
    };
    request.onload = () => {
      const body: unknown = request.response;
      if (request.status >= 200 && request.status < 300) resolve(body as T);
      else reject(refused(toApiError(request.status, body, request.statusText || 'Upload failed')));
    };
    request.onerror = () => {
      reject(new ApiError(0, 'NETWORK', 'The upload was interrupted: the server cannot be reached.'));
    };
    request.send(form);
  });
}

/** A file download that needs the key in a header: fetched, then saved through a blob URL. */
export async function download(path: string, fileName: string): Promise<void> {
  const response = await fetch(path, { headers: apiKey === undefined ? {} : { authorization: `Bearer ${apiKey}` } });
  if (!response.ok) {
    let body: unknown;
    try {
      body = await response.json();
    } catch {
      body = undefined;
    }
    throw refused(toApiError(response.status, body, 'Download failed'));
  }
  const url = URL.createObjectURL(await response.blob());
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => {
    URL.revokeObjectURL(url);
  }, 10_000);
}

export function describeError(error: unknown): string {
  if (error instanceof ApiError) return error.status === 0 ? error.message : `${error.message} (${error.code})`;
  return error instanceof Error ? error.message : String(error);
}
