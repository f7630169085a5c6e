// Server-side check of Exoscale's EXO2-HMAC-SHA256 request signature, written from the
// published algorithm (shared/reference/exoscale-api.md section 2: egoscale v3 api.go
// signRequest/extractRequestParameters, same as v2/api/security.go). Deliberately
// independent of src/providers/exoscale, so a bug in the client signer cannot be
// mirrored here and go unnoticed.
//
// Message = 5 parts joined by "\n":
//   "{METHOD} {path as sent, incl. /v2, no query}"
//   body bytes exactly as sent ("" if none)
//   values of the signed query args, URL-decoded, concatenated in the listed order
//   "" (signed headers: none exist at present)
//   expires (unix seconds)
// signature = base64(HMAC-SHA256(secret, message)).
import { createHmac, timingSafeEqual } from 'node:crypto';

export interface Credential {
  key: string;
  secret: string;
}

export interface ParsedAuthorization {
  credential: string;
  signedQueryArgs: string[];
  expires: number;
  signature: string;
}

export interface SignedRequest {
  method: string;
  /** the request target as received (req.url): path plus optional ?query */
  url: string;
  body: Buffer | string;
  authorization: string | undefined;
}

export type VerifyResult =
  | { ok: true; key: string }
  | { ok: false; reason: 'missing' | 'malformed' | 'unknown-key' | 'expired' | 'query-mismatch' | 'bad-signature'; detail: string };

const SCHEME = 'EXO2-HMAC-SHA256 ';

/** Parses the header; undefined when it does not have the published shape. */
export function parseAuthorization(header: string): ParsedAuthorization | undefined {
  if (!header.startsWith(SCHEME)) return undefined;
  // Fields are joined with "," (no space) in the order credential, [signed-query-args],
  // expires, signature. Values never contain "," (query arg names are joined with ";",
  // base64 has no ","), so a plain split is exact.
  const fields = new Map<string, string>();
  for (const part of header.slice(SCHEME.length).split(',')) {
    const eq = part.indexOf('=');
    if (eq <= 0) return undefined;
    const name = part.slice(0, eq).trim();
    if (fields.has(name)) return undefined;
    fields.set(name, part.slice(eq + 1));
  }
  const allowed = new Set(['credential', 'signed-query-args', 'expires', 'signature']);
  for (const name of fields.keys()) if (!allowed.has(name)) return undefined;
  const credential = fields.get('credential');
  const expires = fields.get('expires');
  const signature = fields.get('signature');
  if (!credential || !expires || !signature || !/^\d+$/.test(expires)) return undefined;
  const sqa = fields.get('signed-query-args');
  if (sqa === '') return undefined;
  return { credential, signedQueryArgs: sqa === undefined ? [] : sqa.split(';'), expires: Number(expires), signature };
}

export function signatureMessage(p: { method: string; path: string; body: Buffer | string; queryValues: string; expires: number }): Buffer {
  const body = typeof p.body === 'string' ? Buffer.from(p.body, 'utf8') : p.body;
  return Buffer.concat([
    Buffer.from(`${p.method} ${p.path}\n`, 'utf8'),
    body, // exact bytes, not re-encoded
    Buffer.from(`\n${p.queryValues}\n\n${p.expires}`, 'utf8'),
  ]);
}

export function computeSignature(secret: string, message: Buffer | string): string {
  return createHmac('sha256', Buffer.from(secret, 'utf8')).update(message).digest('base64');
}

export function verifyRequest(req: SignedRequest, credentials: readonly Credential[], nowMs: number): VerifyResult {
  if (!req.authorization) return { ok: false, reason: 'missing', detail: 'missing Authorization header' };
  const auth = parseAuthorization(req.authorization);
  if (!auth) return { ok: false, reason: 'malformed', detail: 'malformed Authorization header (expected EXO2-HMAC-SHA256 credential=...,expires=...,signature=...)' };
  const cred = credentials.find((c) => c.key === auth.credential);
  if (!cred) return { ok: false, reason: 'unknown-key', detail: `unknown API key ${auth.credential}` };
  if (auth.expires < Math.floor(nowMs / 1000)) return { ok: false, reason: 'expired', detail: `signature expired at ${auth.expires}` };

  const q = req.url.indexOf('?');
  const path = q < 0 ? req.url : req.url.slice(0, q);
  const query = new URLSearchParams(q < 0 ? '' : req.url.slice(q + 1));
  // The client signs every query parameter that has exactly one value (sorted by name)
  // and lists their names. We require that list to be exactly that set: a parameter
  // added after signing would otherwise change the request without breaking the
  // signature. (Whether the real server is this strict is not in the sources.)
  const single = [...new Set(query.keys())].filter((k) => query.getAll(k).length === 1).sort();
  if (single.join(';') !== auth.signedQueryArgs.join(';')) {
    return { ok: false, reason: 'query-mismatch', detail: `signed-query-args must list the single-valued query parameters (${single.join(';') || 'none'})` };
  }
  const queryValues = auth.signedQueryArgs.map((k) => query.get(k) ?? '').join('');

  const expected = Buffer.from(computeSignature(cred.secret, signatureMessage({ method: req.method, path, body: req.body, queryValues, expires: auth.expires })), 'utf8');
  const given = Buffer.from(auth.signature, 'utf8');
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
    return { ok: false, reason: 'bad-signature', detail: 'signature mismatch' };
  }
  return { ok: true, key: cred.key };
}
