// Exoscale API failures as ProviderErrors: `retryable` and `type` decide what the activity
// layer does (retry with backoff, or fail the step with that type). The split follows what
// egoscale's HTTP client (go-retryablehttp defaults) retries: connection errors, 429 and 5xx
// except 501; everything else is the request's or the account's fault and retrying would
// only repeat it. Messages name the call, quote the API's own text, and say what to do.
import { ProviderError } from '../../errors.js';
import { ErrorBodySchema, type ErrorBody, type Operation } from './schemas.js';

export interface ExoscaleApiErrorInit {
  /** HTTP status; 0 when no HTTP error status applies (network, timeout, operation outcome, request validation) */
  status: number;
  method: string;
  /** API path relative to the endpoint, e.g. /instance/<id> */
  path: string;
  /** the API's own text (problem detail, message, error), when it gave one */
  detail?: string;
  hint?: string;
  retryAfterMs?: number;
  /** the final operation, for OperationFailed / OperationTimeout */
  operation?: Operation;
  cause?: unknown;
}

export class ExoscaleApiError extends ProviderError {
  readonly status: number;
  readonly method: string;
  readonly path: string;
  readonly detail?: string;
  readonly operation?: Operation;

  constructor(message: string, type: string, retryable: boolean, init: ExoscaleApiErrorInit) {
    super(message, type, retryable, init.hint);
    this.status = init.status;
    this.method = init.method;
    this.path = init.path;
    this.detail = init.detail;
    this.operation = init.operation;
    if (init.retryAfterMs !== undefined) this.retryAfterMs = init.retryAfterMs;
    if (init.cause !== undefined) this.cause = init.cause;
  }
}

/** Retry-After as seconds or an HTTP date (RFC 9110 10.2.3), in ms from `nowMs`; undefined if absent or unreadable. */
export function parseRetryAfter(value: string | null | undefined, nowMs: number = Date.now()): number | undefined {
  const text = value?.trim();
  if (!text) return undefined;
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

/** The error body as JSON in any of its shapes, or undefined when it is not JSON. */
export function parseErrorBody(text: string): ErrorBody | undefined {
  try {
    const parsed = ErrorBodySchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** One line of the API's own explanation: detail/message/error/title, then field errors. */
export function errorDetail(text: string): string | undefined {
  const body = parseErrorBody(text);
  if (!body) {
    const plain = text.trim().replace(/\s+/g, ' ');
    return plain ? plain.slice(0, 500) : undefined;
  }
  const main = body.detail ?? body.message ?? body.error ?? body.title;
  const fields = (body.errors ?? []).map((e) => (typeof e === 'string' ? e : [e.location, e.detail].filter(Boolean).join(': '))).filter(Boolean);
  return [main, ...fields].filter(Boolean).join('; ') || undefined;
}

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 408: 'Request Timeout', 409: 'Conflict',
  422: 'Unprocessable Entity', 429: 'Too Many Requests', 500: 'Internal Server Error', 501: 'Not Implemented',
  502: 'Bad Gateway', 503: 'Service Unavailable', 504: 'Gateway Timeout',
};

/** The error for an HTTP error response (status >= 400). */
export function errorFromResponse(
  call: { method: string; path: string },
  status: number,
  headers: Headers,
  bodyText: string,
  nowMs: number = Date.now(),
): ExoscaleApiError {
  const detail = errorDetail(bodyText);
  const head = `Exoscale API ${call.method} ${call.path} failed: HTTP ${status}${STATUS_TEXT[status] ? ` ${STATUS_TEXT[status]}` : ''}${detail ? `: ${detail}` : ''}`;
  const init = { status, method: call.method, path: call.path, detail };
  const make = (type: string, retryable: boolean, hint: string, retryAfterMs?: number) =>
    new ExoscaleApiError(head, type, retryable, { ...init, hint, retryAfterMs });

  if (status === 429) {
    // header first; the contract's rate-limited body carries retry_after (seconds) too
    const bodyAfter = parseErrorBody(bodyText)?.retry_after;
    const after = parseRetryAfter(headers.get('retry-after'), nowMs) ?? (bodyAfter !== undefined ? Math.round(bodyAfter * 1000) : undefined);
    return make('RateLimited', true, after === undefined ? 'too many requests; the step is retried with backoff' : `too many requests; the step is retried after ${Math.ceil(after / 1000)} s, as the API asked`, after);
  }
  if (status === 501) return make('NotImplemented', false, 'this Exoscale endpoint does not support the call; retrying will not help');
  if (status >= 500) {
    const after = status === 503 ? parseRetryAfter(headers.get('retry-after'), nowMs) : undefined;
    return make('ServerError', true, 'a fault on Exoscale\'s side; the step is retried, and if it persists check Exoscale\'s status page', after);
  }
  switch (status) {
    case 400:
    case 422:
      return make('InvalidArgument', false, 'the request was rejected as invalid; fix the value named above (spec or provider settings); retrying will not help');
    case 401:
      return make('Unauthorized', false, 'check EXOSCALE_API_KEY / EXOSCALE_API_SECRET (the key must exist, be enabled and belong to that secret) and that this machine\'s clock is right (signatures carry an expiry)');
    case 403:
      if (/quota|limit/i.test(detail ?? '')) {
        return make('QuotaExceeded', false, 'the organization\'s quota is used up; delete unused resources or ask Exoscale to raise the limit (GET /quota shows usage and limits)');
      }
      return make('Forbidden', false, 'the API key is not allowed to do this; grant its IAM role access to this operation or use another key');
    case 404:
      return make('NotFound', false, 'the resource does not exist (or lives in another zone); check the id and the zone');
    case 408:
      return make('ProviderTimeout', true, 'the API timed out reading the request; the step is retried');
    case 409:
      return make('Conflict', false, 'the resource is in a conflicting state or already exists; look it up and reconcile before retrying');
    default:
      return make('RequestRejected', false, 'the API rejected the request; retrying will not help');
  }
}

// Node's fetch (undici) wraps socket errors: TypeError('fetch failed', { cause: { code } }).
function errorCodes(err: unknown): string[] {
  const codes: string[] = [];
  for (let e = err as { code?: unknown; cause?: unknown; errors?: unknown[]; message?: unknown } | undefined, depth = 0; e && depth < 5; depth++) {
    if (typeof e.code === 'string') codes.push(e.code);
    if (typeof e.message === 'string' && /socket hang up/i.test(e.message)) codes.push('ECONNRESET');
    for (const inner of Array.isArray(e.errors) ? e.errors : []) codes.push(...errorCodes(inner));
    e = e.cause as typeof e;
  }
  return codes;
}

function innermostMessage(err: unknown): string {
  let e = err as { message?: string; cause?: unknown } | undefined;
  let message = String(err);
  for (let depth = 0; e && depth < 5; depth++, e = e.cause as typeof e) if (e.message) message = e.message;
  return message;
}

/** The error for a request that got no HTTP response at all. */
export function errorFromNetwork(call: { method: string; path: string }, err: unknown): ExoscaleApiError {
  const codes = errorCodes(err);
  const why = codes[0] ?? innermostMessage(err);
  const head = `Exoscale API ${call.method} ${call.path} failed: no response (${why}${codes.length && innermostMessage(err) !== why ? `: ${innermostMessage(err)}` : ''})`;
  const init = { status: 0, method: call.method, path: call.path, cause: err };
  // a certificate the runtime does not trust will not become trusted by retrying (go-retryablehttp agrees)
  if (codes.some((c) => /CERT|SELF_SIGNED|UNABLE_TO_VERIFY/.test(c))) {
    return new ExoscaleApiError(head, 'TlsError', false, { ...init, hint: 'the server certificate is not trusted; check the endpoint and any TLS-intercepting proxy' });
  }
  if (codes.some((c) => c === 'ENOTFOUND' || c === 'EAI_AGAIN')) {
    return new ExoscaleApiError(head, 'ConnectionReset', true, { ...init, hint: 'the API host name did not resolve; check the zone/endpoint and DNS (the step is retried)' });
  }
  return new ExoscaleApiError(head, 'ConnectionReset', true, { ...init, hint: 'the connection failed; the step is retried' });
}

/** The error for a request that took longer than the client's timeout. */
export function timeoutError(call: { method: string; path: string }, timeoutMs: number): ExoscaleApiError {
  return new ExoscaleApiError(`Exoscale API ${call.method} ${call.path} did not answer within ${timeoutMs} ms`, 'ProviderTimeout', true, {
    status: 0, method: call.method, path: call.path, hint: 'the step is retried; if it keeps happening, check connectivity to the endpoint',
  });
}
