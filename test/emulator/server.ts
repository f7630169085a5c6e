// HTTP emulator of the part of the Exoscale API v2 a provisioning tool uses, for tests.
// Contract: egoscale v3/generator/source.yaml (OpenAPI); facts and gaps:
// shared/reference/exoscale-api.md. Request order: faults -> rate limit -> signature -> route.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { Api, type Handler, type Quota } from './api.js';
import { MemoryBackend, type InstanceBackend } from './backend.js';
import { DEFAULT_INSTANCE_TYPES, DEFAULT_TEMPLATES, ZONES, instanceTypeCatalog, templateCatalog, type InstanceType, type Template } from './catalog.js';
import { FaultControl } from './faults.js';
import { TokenBucket, type RateLimitOptions } from './rate-limit.js';
import * as inst from './instances.js';
import { HttpProblem, notFound, problem } from './schemas.js';
import * as sg from './security-groups.js';
import * as keys from './ssh-keys.js';
import { observeOperation, renderOperation, type EmulatorState, type RequestLogEntry } from './state.js';
import { verifyRequest, type Credential } from './verify-signature.js';

export type { EmulatorState, OperationRecord, RequestLogEntry, SshKeyRecord } from './state.js';
export type { FaultKind, FaultRule } from './faults.js';
export type { Quota } from './api.js';
export type { RateLimitOptions } from './rate-limit.js';
export type { InstanceType, Template } from './catalog.js';

export interface EmulatorOptions {
  zone?: string;
  credentials: Credential[];
  /** 0 (default) picks a free port; always on 127.0.0.1 */
  port?: number;
  /** GETs of an operation that still answer 'pending' once its work is done (default 1, or 0 when operationDelayMs is set) */
  operationPolls?: number;
  /** minimum time before an operation succeeds */
  operationDelayMs?: number;
  /** per-resource limits; absent = unlimited */
  quota?: Quota;
  /**
   * a token bucket for all requests (after injected faults, before the signature): when
   * empty, 429 + Retry-After (whole seconds); absent = unlimited
   */
  rateLimit?: RateLimitOptions;
  /** default: a new MemoryBackend() */
  backend?: InstanceBackend;
  /** replace the default catalogue */
  templates?: Template[];
  instanceTypes?: InstanceType[];
  /** clock (ms) for signature expiry, operation delays and timestamps */
  now?: () => number;
  /** randomness for fault rates */
  random?: () => number;
}

export interface Emulator {
  /** http://127.0.0.1:PORT/v2, the API endpoint to give a client */
  url: string;
  zone: string;
  state: EmulatorState;
  faults: FaultControl;
  /** requests let through and refused by `rateLimit` (both 0 without one) */
  rateLimited(): { admitted: number; rejected: number };
  stop(): Promise<void>;
}

const MAX_BODY = 1 << 20;

type Route = [method: string, pattern: RegExp, handler: Handler];

function routes(zone: string, url: string): Route[] {
  const id = '([^/:]+)';
  const zones: Handler = () => ({
    zones: [...new Set<string>([...ZONES, zone])].map((z) => ({
      name: z,
      // our own zone points back at us, so a client that follows api-endpoint stays here
      'api-endpoint': z === zone ? url : `https://api-${z}.exoscale.com/v2`,
      'sos-endpoint': `https://sos-${z}.exo.io`,
    })),
  });
  const operation: Handler = (api, { params }) => {
    const op = api.store.operations.get(params[0]);
    if (!op) throw notFound(`operation ${params[0]} not found`);
    const timing = { polls: api.cfg.operationPolls, delayMs: api.cfg.operationDelayMs, now: api.cfg.now };
    return renderOperation(observeOperation(op, timing));
  };
  // Resource names of GET /quota are not in the sources; these are ours.
  const quota: Handler = (api) => ({
    quotas: (
      [
        ['instance', api.store.instances.size, api.cfg.quota.instances],
        ['security-group', api.store.securityGroups.size, api.cfg.quota.securityGroups],
        ['ssh-key', api.store.sshKeys.size, api.cfg.quota.sshKeys],
      ] as const
    ).map(([resource, usage, limit]) => ({ resource, usage, limit: limit ?? -1 })),
  });
  const r = (s: string) => new RegExp(`^${s}$`);
  return [
    ['GET', r('/zone'), zones],
    ['GET', r(`/operation/${id}`), operation],
    ['GET', r('/quota'), quota],
    ['GET', r('/security-group'), sg.listSecurityGroups],
    ['POST', r('/security-group'), sg.createSecurityGroup],
    ['GET', r(`/security-group/${id}`), sg.getSecurityGroup],
    ['DELETE', r(`/security-group/${id}`), sg.deleteSecurityGroup],
    ['POST', r(`/security-group/${id}/rules`), sg.addRule],
    ['DELETE', r(`/security-group/${id}/rules/${id}`), sg.deleteRule],
    ['GET', r('/ssh-key'), keys.listSshKeys],
    ['POST', r('/ssh-key'), keys.registerSshKey],
    ['GET', r('/ssh-key/([^/]+)'), keys.getSshKey],
    ['DELETE', r('/ssh-key/([^/]+)'), keys.deleteSshKey],
    ['GET', r('/instance'), inst.listInstances],
    ['POST', r('/instance'), inst.createInstance],
    ['GET', r(`/instance/${id}`), inst.getInstance],
    ['DELETE', r(`/instance/${id}`), inst.deleteInstance],
    ['PUT', r(`/instance/${id}:start`), inst.startInstance],
    ['PUT', r(`/instance/${id}:stop`), inst.stopInstance],
    ['GET', r('/template'), inst.listTemplates],
    ['GET', r(`/template/${id}`), inst.getTemplate],
    ['GET', r('/instance-type'), inst.listInstanceTypes],
    ['GET', r(`/instance-type/${id}`), inst.getInstanceType],
  ];
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) reject(problem(413, 'payload-too-large', 'Payload Too Large', `request body over ${MAX_BODY} bytes`));
      else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export async function startEmulator(opts: EmulatorOptions): Promise<Emulator> {
  const zone = opts.zone ?? 'ch-gva-2';
  const now = opts.now ?? Date.now;
  const faults = new FaultControl(opts.random);
  const bucket = opts.rateLimit ? new TokenBucket(opts.rateLimit, now) : undefined;
  const held = new Set<{ socket: Socket; timer: NodeJS.Timeout }>();
  // Both need the URL, which needs the listening port: assigned right after listen().
  let theApi!: Api;
  let table: Route[] = [];

  const server = createServer((req, res) => void handle(req, res));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as { port: number };
  const url = `http://127.0.0.1:${port}/v2`;
  const createdAt = new Date(now()).toISOString();
  theApi = new Api({
    zone,
    url,
    operationPolls: opts.operationPolls ?? (opts.operationDelayMs !== undefined ? 0 : 1),
    operationDelayMs: opts.operationDelayMs,
    quota: opts.quota ?? {},
    backend: opts.backend ?? new MemoryBackend(),
    templates: templateCatalog(zone, opts.templates ?? DEFAULT_TEMPLATES, createdAt),
    instanceTypes: instanceTypeCatalog(zone, opts.instanceTypes ?? DEFAULT_INSTANCE_TYPES),
    now,
  });
  table = routes(zone, url);

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    const target = req.url ?? '/';
    const q = target.indexOf('?');
    const path = q < 0 ? target : target.slice(0, q);
    const entry: RequestLogEntry = { at: now(), method, path, query: q < 0 ? '' : target.slice(q + 1), status: 0 };
    theApi.store.requests.push(entry);
    res.on('finish', () => (entry.status = res.statusCode));

    const fault = faults.pick(method, path);
    if (fault) {
      entry.fault = fault.kind;
      if (fault.kind === 'reset') return void req.socket.destroy();
      if (fault.kind === 'timeout') {
        // Never answer: the client's own timeout is what ends it (or stop()).
        const h = { socket: req.socket, timer: setTimeout(() => (held.delete(h), req.socket.destroy()), fault.holdMs ?? 60_000) };
        held.add(h);
        return;
      }
      if (fault.kind === 'rate-limit') {
        const after = fault.retryAfterSeconds ?? 1;
        return send(res, 429, problem(429, 'too-many-requests', 'Too Many Requests', `rate limited (injected); retry after ${after}s`).body, { 'retry-after': String(after) });
      }
      if (fault.kind === 'server-error') {
        const status = fault.status ?? 500;
        const headers: Record<string, string> = fault.retryAfterSeconds !== undefined ? { 'retry-after': String(fault.retryAfterSeconds) } : {};
        return send(res, status, problem(status, 'server-error', 'Server Error', 'internal error (injected)').body, headers);
      }
      await sleep(fault.latencyMs ?? 1000); // 'latency': then handled normally
      if (theApi.stopped) return void req.socket.destroy();
    }

    const retryAfter = bucket?.take();
    if (retryAfter !== undefined) {
      entry.throttled = true;
      return send(res, 429, problem(429, 'too-many-requests', 'Too Many Requests', `rate limit of ${bucket!.opts.requestsPerSecond} requests/s exceeded; retry after ${retryAfter}s`).body, { 'retry-after': String(retryAfter) });
    }

    try {
      const raw = await readBody(req);
      // 401 body: the real code/body is not in the sources (reference section 2). We answer
      // 401 with the contract's only error shape (RFC 9457, error-response), which egoscale
      // parses into ErrUnauthorized + detail, and say in `detail` what was wrong.
      const auth = verifyRequest({ method, url: target, body: raw, authorization: req.headers.authorization }, opts.credentials, now());
      if (!auth.ok) return send(res, 401, problem(401, 'unauthorized', 'Unauthorized', auth.detail).body);
      entry.key = auth.key;

      if (!path.startsWith('/v2/')) throw notFound(`no such path ${path}`);
      const rel = path.slice(3);
      const matching = table.filter(([, pattern]) => pattern.test(rel));
      const route = matching.find(([m]) => m === method);
      if (!route) {
        if (!matching.length) throw notFound(`no such path ${path}`);
        throw new HttpProblem(405, problem(405, 'method-not-allowed', 'Method Not Allowed', `${method} ${path}`).body, { allow: matching.map(([m]) => m).join(', ') });
      }
      let params: string[];
      try {
        params = route[1].exec(rel)!.slice(1).map(decodeURIComponent);
      } catch {
        throw notFound(`no such path ${path}`);
      }
      let body: unknown;
      if (raw.length) {
        try {
          body = JSON.parse(raw.toString('utf8'));
        } catch {
          throw problem(400, 'bad-request', 'Bad Request', 'request body is not valid JSON', [{ detail: 'not valid JSON', location: '$' }]);
        }
      }
      const result = await route[2](theApi, { params, query: new URLSearchParams(q < 0 ? '' : target.slice(q + 1)), body });
      send(res, 200, result);
    } catch (err) {
      if (err instanceof HttpProblem) return send(res, err.status, err.body, err.headers);
      send(res, 500, problem(500, 'internal-server-error', 'Internal Server Error', err instanceof Error ? err.message : String(err)).body);
    }
  }

  return {
    url,
    zone,
    state: theApi.store,
    faults,
    rateLimited: () => ({ admitted: bucket?.admitted ?? 0, rejected: bucket?.rejected ?? 0 }),
    async stop() {
      theApi.stopped = true;
      for (const h of held) {
        clearTimeout(h.timer);
        h.socket.destroy();
      }
      held.clear();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
