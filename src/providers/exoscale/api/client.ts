// A small typed client for the Exoscale API v2 (one zone per client). Every request is
// signed with a fresh expiry, bodies are validated against the contract before sending,
// responses are parsed on the way in. No HTTP retries here: the caller (a Temporal
// activity) retries with backoff using the error's `retryable`/`retryAfterMs`, with one
// exception: a 429 was refused before the API did anything, so the same request is sent
// again after Retry-After, within a budget (see rateLimitWaitMs), as egoscale's HTTP
// client does; a whole new activity attempt would repeat every lookup before it and
// spend more of the rate limit. The other loop is waiting for asynchronous operations. No list endpoint used here pages (the
// contract has no paging parameters for them), so one GET returns the whole collection.
import type { z } from 'zod';
import { ExoscaleApiError, errorFromNetwork, errorFromResponse, timeoutError } from './errors.js';
import {
  CreateInstanceRequestSchema,
  CreateSecurityGroupRequestSchema,
  InstanceListSchema,
  InstanceSchema,
  InstanceTypeListSchema,
  OperationSchema,
  QuotaListSchema,
  RegisterSshKeyRequestSchema,
  SecurityGroupListSchema,
  SecurityGroupRuleRequestSchema,
  SecurityGroupSchema,
  SshKeyListSchema,
  SshKeySchema,
  TemplateListSchema,
  ZoneListSchema,
  type CreateInstanceRequest,
  type Instance,
  type InstanceType,
  type Operation,
  type Quota,
  type SecurityGroup,
  type SecurityGroupRuleRequest,
  type SshKey,
  type Template,
  type Visibility,
  type Zone,
} from './schemas.js';
import { authorizationHeader, defaultExpiry } from './signer.js';

export interface ExoscaleApiOptions {
  /** zone endpoint incl. /v2, e.g. https://api-ch-gva-2.exoscale.com/v2 */
  endpoint: string;
  key: string;
  secret: string;
  fetch?: typeof fetch;
  /** per HTTP request, body included (default 30 s) */
  requestTimeoutMs?: number;
  /** first operation poll interval (default 1 s); grows ×1.2 per poll, capped at 10 s */
  pollIntervalMs?: number;
  /** how long waitForOperation waits by default (10 min) */
  operationTimeoutMs?: number;
  sleep?: (ms: number) => Promise<void>;
  /**
   * How long one call may wait in all for the API's rate limit (default 60 s). After a 429
   * the request is sent again after Retry-After (1 s if absent) plus up to as much again at
   * random, so that callers refused together do not come back together. Past the budget
   * the RateLimited error goes to the caller. 0: never wait here.
   */
  rateLimitWaitMs?: number;
  /** for the jitter (default Math.random) */
  random?: () => number;
}

const MAX_POLL_INTERVAL_MS = 10_000;
// Changes to security groups and SSH keys are quick: their first poll comes sooner (then
// the usual schedule), which saves most of a second per rule when a group is set up.
const QUICK_FIRST_POLL_MS = 250;
// like egoscale's Wait: a few failed polls in a row are tolerated, the operation runs on regardless
const MAX_POLL_ERRORS = 5;

type Query = Record<string, string | undefined>;
interface Call {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  query?: Query;
  body?: unknown;
}

const seg = encodeURIComponent;

/** The contract never sends null on purpose, but should a value come as null, read it as absent rather than fail. */
function dropNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(dropNulls);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== null).map(([k, v]) => [k, dropNulls(v)]));
  }
  return value;
}

/** "instances[0].state: Invalid input: expected string, received number" */
function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((i) => {
      const path = i.path.reduce<string>((acc, p) => (typeof p === 'number' ? `${acc}[${p}]` : acc ? `${acc}.${String(p)}` : String(p)), '');
      return `${path || '(body)'}: ${i.message}`;
    })
    .join('; ');
}

const isNotFound = (err: unknown) => err instanceof ExoscaleApiError && err.status === 404;

export class ExoscaleApi {
  static endpointForZone(zone: string): string {
    return `https://api-${zone}.exoscale.com/v2`;
  }

  private readonly endpoint: string;
  private readonly key: string;
  private readonly secret: string;
  private readonly fetchImpl: typeof fetch;
  private readonly requestTimeoutMs: number;
  private readonly pollIntervalMs: number;
  private readonly operationTimeoutMs: number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly rateLimitWaitMs: number;
  private readonly random: () => number;

  constructor(opts: ExoscaleApiOptions) {
    // configuration mistakes are permanent: fail here, typed, rather than as a TypeError on the first call
    const setup = (message: string, type: string, hint: string) => new ExoscaleApiError(message, type, false, { status: 0, method: 'new', path: 'ExoscaleApi', hint });
    if (!opts.key || !opts.secret) throw setup('Exoscale API credentials are missing', 'MissingCredentials', 'set EXOSCALE_API_KEY and EXOSCALE_API_SECRET');
    if (!URL.canParse(opts.endpoint) || !/^https?:$/.test(new URL(opts.endpoint).protocol)) {
      throw setup(`Exoscale API endpoint "${opts.endpoint}" is not an http(s) URL`, 'InvalidArgument', 'use https://api-<zone>.exoscale.com/v2');
    }
    this.endpoint = opts.endpoint.replace(/\/+$/, '');
    this.key = opts.key;
    this.secret = opts.secret;
    this.fetchImpl = opts.fetch ?? ((input, init) => fetch(input, init));
    this.requestTimeoutMs = opts.requestTimeoutMs ?? 30_000;
    this.pollIntervalMs = opts.pollIntervalMs ?? 1000;
    this.operationTimeoutMs = opts.operationTimeoutMs ?? 10 * 60_000;
    this.sleep = opts.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.rateLimitWaitMs = opts.rateLimitWaitMs ?? 60_000;
    this.random = opts.random ?? Math.random;
  }

  // --- plumbing ---

  /** Validates a request body against its strict schema; the error names the field. */
  private checkBody<S extends z.ZodType>(call: Omit<Call, 'body'>, schema: S, body: unknown): z.infer<S> {
    const parsed = schema.safeParse(body);
    if (parsed.success) return parsed.data;
    const detail = describeIssues(parsed.error);
    throw new ExoscaleApiError(`Exoscale API ${call.method} ${call.path}: the request does not match the API contract: ${detail}`, 'InvalidArgument', false, {
      status: 0, method: call.method, path: call.path, detail, hint: 'fix the value named above; nothing was sent',
    });
  }

  /** One call: sent again after a 429 while the rate-limit budget lasts (see rateLimitWaitMs). */
  private async request<S extends z.ZodType>(call: Call, schema: S): Promise<z.infer<S>> {
    let waited = 0;
    for (;;) {
      try {
        return await this.send(call, schema);
      } catch (err) {
        if (!(err instanceof ExoscaleApiError) || err.type !== 'RateLimited') throw err;
        const pause = Math.round((err.retryAfterMs ?? 1000) * (1 + this.random()));
        if (waited + pause > this.rateLimitWaitMs) throw err;
        await this.sleep(pause);
        waited += pause;
      }
    }
  }

  /** One signed request; returns the response parsed with `schema`. */
  private async send<S extends z.ZodType>(call: Call, schema: S): Promise<z.infer<S>> {
    const url = new URL(this.endpoint + call.path);
    for (const [k, v] of Object.entries(call.query ?? {})) if (v !== undefined) url.searchParams.append(k, v);
    const body = call.body === undefined ? '' : JSON.stringify(call.body);
    const headers: Record<string, string> = {
      Accept: 'application/json',
      'User-Agent': 'overlayctl',
      Authorization: authorizationHeader({
        method: call.method, path: url.pathname, query: url.searchParams, body, key: this.key, secret: this.secret, expires: defaultExpiry(),
      }),
    };
    if (call.body !== undefined) headers['Content-Type'] = 'application/json';
    const where = { method: call.method, path: call.path };

    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, this.requestTimeoutMs);
    let status: number;
    let text: string;
    let responseHeaders: Headers;
    try {
      const res = await this.fetchImpl(url, { method: call.method, headers, body: call.body === undefined ? undefined : body, signal: controller.signal });
      status = res.status;
      responseHeaders = res.headers;
      text = await res.text(); // inside the timeout: a stalled body is a timeout too
    } catch (err) {
      if (timedOut) throw timeoutError(where, this.requestTimeoutMs);
      throw errorFromNetwork(where, err);
    } finally {
      clearTimeout(timer);
    }

    if (status >= 400) throw errorFromResponse(where, status, responseHeaders, text);
    const invalid = (detail: string) =>
      new ExoscaleApiError(`Exoscale API ${call.method} ${call.path} returned a body that does not match the API contract: ${detail}`, 'InvalidResponse', false, {
        status, method: call.method, path: call.path, detail, hint: 'the API may have changed; compare with src/providers/exoscale/api/schemas.ts',
      });
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw invalid(`not JSON (${text.trim().slice(0, 120) || 'empty body'})`);
    }
    const parsed = schema.safeParse(dropNulls(json));
    if (!parsed.success) throw invalid(describeIssues(parsed.error));
    return parsed.data;
  }

  /** A mutating call: send it, then wait for its operation to succeed. */
  private async mutate(call: Call, opts: { quick?: boolean } = {}): Promise<Operation> {
    return this.waitForOperation(await this.request(call, OperationSchema), { firstPollMs: opts.quick && QUICK_FIRST_POLL_MS < this.pollIntervalMs ? QUICK_FIRST_POLL_MS : undefined });
  }

  /** The id of the resource an operation created; an error when the API did not say. */
  private referenceId(op: Operation, call: { method: string; path: string }): string {
    const id = op.reference?.id;
    if (id) return id;
    throw new ExoscaleApiError(`Exoscale API ${call.method} ${call.path}: operation ${op.id} succeeded but names no resource (reference.id)`, 'InvalidResponse', false, {
      status: 200, ...call, operation: op, hint: 'the API may have changed; look the resource up by name',
    });
  }

  /**
   * DELETE and wait. Already gone counts as done: a 404 on the DELETE itself, or an
   * operation that fails with reason not-found (deleted concurrently).
   */
  private async deleteAndWait(path: string): Promise<void> {
    let op: Operation;
    try {
      op = await this.request({ method: 'DELETE', path }, OperationSchema);
    } catch (err) {
      if (isNotFound(err)) return;
      throw err;
    }
    try {
      await this.waitForOperation(op);
    } catch (err) {
      if (err instanceof ExoscaleApiError && err.type === 'OperationFailed' && err.operation?.reason === 'not-found') return;
      throw err;
    }
  }

  // --- zones and operations ---

  async listZones(): Promise<Zone[]> {
    return (await this.request({ method: 'GET', path: '/zone' }, ZoneListSchema)).zones;
  }

  async getOperation(id: string): Promise<Operation> {
    return this.request({ method: 'GET', path: `/operation/${seg(id)}` }, OperationSchema);
  }

  /**
   * Polls the operation until it leaves `pending`. Resolves with it on success; throws
   * OperationFailed (not retryable) on failure, OperationTimeout (retryable) when the API
   * reports a timeout or our deadline passes.
   */
  async waitForOperation(op: Operation, opts: { timeoutMs?: number; firstPollMs?: number } = {}): Promise<Operation> {
    const timeoutMs = opts.timeoutMs ?? this.operationTimeoutMs;
    const path = `/operation/${op.id}`;
    const started = Date.now();
    let waited = 0; // counted too, so an injected sleep advances the deadline like real time
    let interval = this.pollIntervalMs;
    let first = opts.firstPollMs;
    let errors = 0;
    let current = op;
    while (current.state === 'pending') {
      const elapsed = Math.max(Date.now() - started, waited);
      if (elapsed >= timeoutMs) {
        throw new ExoscaleApiError(`Exoscale operation ${op.id} (${describeRef(current)}) still pending after ${timeoutMs} ms`, 'OperationTimeout', true, {
          status: 0, method: 'GET', path, operation: current, hint: 'the step is retried and finds the resource by name or label',
        });
      }
      const pause = Math.min(first ?? interval, timeoutMs - elapsed);
      await this.sleep(pause);
      waited += pause;
      if (first !== undefined) first = undefined; // then the usual schedule, from its start
      else interval = Math.min(Math.max(this.pollIntervalMs, MAX_POLL_INTERVAL_MS), Math.round(interval * 1.2));
      try {
        current = await this.getOperation(op.id);
        errors = 0;
      } catch (err) {
        if (!(err instanceof ExoscaleApiError) || !err.retryable || ++errors >= MAX_POLL_ERRORS) throw err;
      }
    }
    if (current.state === 'success') return current;
    const what = `Exoscale operation ${current.id} (${describeRef(current)}) ended in ${current.state}`;
    const why = [current.reason && `reason: ${current.reason}`, current.message && `message: ${current.message}`].filter(Boolean).join(', ');
    if (current.state === 'timeout') {
      throw new ExoscaleApiError(`${what}${why ? ` (${why})` : ''}`, 'OperationTimeout', true, {
        status: 0, method: 'GET', path, detail: current.message, operation: current, hint: 'the step is retried and finds the resource by name or label',
      });
    }
    throw new ExoscaleApiError(`${what}${why ? ` (${why})` : ''}`, 'OperationFailed', false, {
      status: 0, method: 'GET', path, detail: current.message, operation: current, hint: 'Exoscale refused or could not complete the change; see the reason above',
    });
  }

  // --- security groups ---

  async listSecurityGroups(): Promise<SecurityGroup[]> {
    return (await this.request({ method: 'GET', path: '/security-group' }, SecurityGroupListSchema))['security-groups'];
  }

  async getSecurityGroup(id: string): Promise<SecurityGroup> {
    return this.request({ method: 'GET', path: `/security-group/${seg(id)}` }, SecurityGroupSchema);
  }

  /** The group with exactly this name; undefined if none; Conflict if several (names are not unique). */
  async findSecurityGroupByName(name: string): Promise<SecurityGroup | undefined> {
    const found = (await this.listSecurityGroups()).filter((g) => g.name === name);
    if (found.length > 1) throw ambiguous('GET /security-group', `security group "${name}"`, found.map((g) => g.id));
    return found[0];
  }

  async createSecurityGroup(req: { name: string; description?: string }): Promise<SecurityGroup> {
    const call = { method: 'POST', path: '/security-group' } as const;
    const body = this.checkBody(call, CreateSecurityGroupRequestSchema, req);
    const op = await this.mutate({ ...call, body }, { quick: true });
    return this.getSecurityGroup(this.referenceId(op, call));
  }

  /** Deletes the group; already gone (404) counts as done. */
  async deleteSecurityGroup(id: string): Promise<void> {
    await this.deleteAndWait(`/security-group/${seg(id)}`);
  }

  /** Adds one rule and waits; returns the finished operation (what its reference names for rules is not documented). */
  async addSecurityGroupRule(groupId: string, rule: SecurityGroupRuleRequest): Promise<Operation> {
    const call = { method: 'POST', path: `/security-group/${seg(groupId)}/rules` } as const;
    return this.mutate({ ...call, body: this.checkBody(call, SecurityGroupRuleRequestSchema, rule) }, { quick: true });
  }

  async deleteSecurityGroupRule(groupId: string, ruleId: string): Promise<void> {
    await this.deleteAndWait(`/security-group/${seg(groupId)}/rules/${seg(ruleId)}`);
  }

  // --- SSH keys (named, not numbered) ---

  async listSshKeys(): Promise<SshKey[]> {
    return (await this.request({ method: 'GET', path: '/ssh-key' }, SshKeyListSchema))['ssh-keys'];
  }

  async getSshKey(name: string): Promise<SshKey | undefined> {
    return this.undefinedIfNotFound(() => this.request({ method: 'GET', path: `/ssh-key/${seg(name)}` }, SshKeySchema));
  }

  async registerSshKey(req: { name: string; publicKey: string }): Promise<SshKey> {
    const call = { method: 'POST', path: '/ssh-key' } as const;
    const body = this.checkBody(call, RegisterSshKeyRequestSchema, { name: req.name, 'public-key': req.publicKey.trim() });
    await this.mutate({ ...call, body }, { quick: true });
    // keys are addressed by name; the operation's reference is not needed
    const key = await this.getSshKey(req.name);
    if (key) return key;
    throw new ExoscaleApiError(`Exoscale API POST /ssh-key: key "${req.name}" was registered but GET /ssh-key/${req.name} does not find it`, 'NotFound', true, {
      status: 404, method: 'GET', path: `/ssh-key/${req.name}`, hint: 'the step is retried',
    });
  }

  async deleteSshKey(name: string): Promise<void> {
    await this.deleteAndWait(`/ssh-key/${seg(name)}`);
  }

  // --- instances ---

  async listInstances(): Promise<Instance[]> {
    return (await this.request({ method: 'GET', path: '/instance' }, InstanceListSchema)).instances;
  }

  async getInstance(id: string): Promise<Instance | undefined> {
    return this.undefinedIfNotFound(() => this.request({ method: 'GET', path: `/instance/${seg(id)}` }, InstanceSchema));
  }

  /** Creates the instance, waits for it, and returns it as GET /instance/{id} shows it. */
  async createInstance(body: CreateInstanceRequest): Promise<Instance> {
    const call = { method: 'POST', path: '/instance' } as const;
    const op = await this.mutate({ ...call, body: this.checkBody(call, CreateInstanceRequestSchema, body) });
    const id = this.referenceId(op, call);
    return this.request({ method: 'GET', path: `/instance/${seg(id)}` }, InstanceSchema);
  }

  async deleteInstance(id: string): Promise<void> {
    await this.deleteAndWait(`/instance/${seg(id)}`);
  }

  /** PUT :start requires a body by the contract ({} = no rescue profile). */
  async startInstance(id: string): Promise<Operation> {
    return this.mutate({ method: 'PUT', path: `/instance/${seg(id)}:start`, body: {} });
  }

  async stopInstance(id: string): Promise<Operation> {
    return this.mutate({ method: 'PUT', path: `/instance/${seg(id)}:stop` });
  }

  // --- catalogue ---

  async listTemplates(opts: { visibility?: Visibility; family?: string } = {}): Promise<Template[]> {
    return (await this.request({ method: 'GET', path: '/template', query: { visibility: opts.visibility, family: opts.family } }, TemplateListSchema)).templates;
  }

  /** The template whose name (or id) is exactly `nameOrId`; undefined if none; Conflict if several. */
  async findTemplate(nameOrId: string, visibility: Visibility = 'public'): Promise<Template | undefined> {
    const found = (await this.listTemplates({ visibility })).filter((t) => t.name === nameOrId || t.id === nameOrId);
    if (found.length > 1) throw ambiguous(`GET /template?visibility=${visibility}`, `template "${nameOrId}"`, found.map((t) => t.id));
    return found[0];
  }

  async listInstanceTypes(): Promise<InstanceType[]> {
    return (await this.request({ method: 'GET', path: '/instance-type' }, InstanceTypeListSchema))['instance-types'];
  }

  /**
   * An instance type by id, FAMILY.SIZE or bare SIZE (family standard), as egoscale's
   * FindInstanceTypeByIdOrFamilyAndSize. NotFound (listing what exists) if none matches.
   */
  async findInstanceType(spec: string): Promise<InstanceType> {
    const types = await this.listInstanceTypes();
    const dot = spec.indexOf('.');
    const family = dot < 0 ? 'standard' : spec.slice(0, dot).toLowerCase();
    const size = (dot < 0 ? spec : spec.slice(dot + 1)).toLowerCase();
    const found = types.filter((t) => t.id === spec || (t.family === family && t.size === size));
    if (found.length > 1) throw ambiguous('GET /instance-type', `instance type "${spec}"`, found.map((t) => t.id));
    if (found.length === 1) return found[0];
    const known = types.map((t) => `${t.family}.${t.size}`).sort().join(', ');
    throw new ExoscaleApiError(`Exoscale instance type "${spec}" not found in this zone`, 'NotFound', false, {
      status: 0, method: 'GET', path: '/instance-type', hint: `use FAMILY.SIZE (e.g. standard.small) or an id; this zone offers: ${known || 'none'}`,
    });
  }

  async listQuotas(): Promise<Quota[]> {
    return (await this.request({ method: 'GET', path: '/quota' }, QuotaListSchema)).quotas;
  }

  // --- helpers ---

  private async undefinedIfNotFound<T>(fn: () => Promise<T>): Promise<T | undefined> {
    try {
      return await fn();
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }
}

function describeRef(op: Operation): string {
  const ref = op.reference;
  return ref ? [ref.command, ref.id].filter(Boolean).join(' ') || 'no reference' : 'no reference';
}

function ambiguous(call: string, what: string, ids: string[]): ExoscaleApiError {
  const [method, path] = call.split(' ');
  return new ExoscaleApiError(`Exoscale API ${call}: ${ids.length} resources match ${what} (${ids.join(', ')})`, 'Conflict', false, {
    status: 0, method, path, hint: 'names are not unique on Exoscale; delete the duplicates or refer to one by id',
  });
}
