// EXO2-HMAC-SHA256 request signing, as egoscale v3/api.go (signRequest,
// extractRequestParameters) does it; see docs/exoscale-api.md for the rules and their source.
// Pure functions: the client decides the expiry (one fresh expiry per request).
import { createHmac } from 'node:crypto';

export interface SignableRequest {
  method: string;
  /** URL path as sent, in escaped form and including /v2 (e.g. '/v2/zone'); no host, no query */
  path: string;
  query?: URLSearchParams;
  /** the exact body bytes sent ('' when there is none) */
  body?: string;
  key: string;
  secret: string;
  /** unix seconds */
  expires: number;
}

/** Signatures egoscale makes are valid for 10 minutes. */
export const SIGNATURE_TTL_SECONDS = 600;

export function defaultExpiry(nowMs: number = Date.now()): number {
  return Math.floor(nowMs / 1000) + SIGNATURE_TTL_SECONDS;
}

// Go's sort.Strings orders by bytes; compare UTF-8 bytes so non-ASCII names sort the same way.
const byBytes = (a: string, b: string) => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));

/** Names of the query parameters that are signed: those with exactly one value, sorted. */
export function signedQueryNames(query: URLSearchParams | undefined): string[] {
  if (!query) return [];
  const names = new Set(query.keys());
  return [...names].filter((n) => query.getAll(n).length === 1).sort(byBytes);
}

/** The five lines that are signed: "METHOD path", body, query values, headers (none), expiry. */
export function signatureMessage(req: SignableRequest): string {
  const names = signedQueryNames(req.query);
  const values = names.map((n) => req.query!.get(n) ?? '').join('');
  return [`${req.method.toUpperCase()} ${req.path}`, req.body ?? '', values, '', String(req.expires)].join('\n');
}

/** The value of the Authorization header. */
export function authorizationHeader(req: SignableRequest): string {
  if (!Number.isInteger(req.expires)) throw new TypeError(`expires must be whole unix seconds, got ${req.expires}`);
  const signature = createHmac('sha256', Buffer.from(req.secret, 'utf8')).update(signatureMessage(req), 'utf8').digest('base64');
  const names = signedQueryNames(req.query);
  const parts = [`EXO2-HMAC-SHA256 credential=${req.key}`];
  if (names.length > 0) parts.push(`signed-query-args=${names.join(';')}`);
  parts.push(`expires=${req.expires}`, `signature=${signature}`);
  return parts.join(',');
}
