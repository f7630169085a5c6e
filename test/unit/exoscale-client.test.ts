import { afterEach, describe, expect, it, vi } from 'vitest';
import { ExoscaleApi } from '../../src/providers/exoscale/api/client.js';
import { ExoscaleApiError, parseRetryAfter } from '../../src/providers/exoscale/api/errors.js';
import { authorizationHeader } from '../../src/providers/exoscale/api/signer.js';

// The client against a fake fetch: routes by "METHOD /path" (path relative to /v2); a
// route is a list of answers used in turn (the last one repeats). No network.
const ENDPOINT = 'http://127.0.0.1:8080/v2';
const KEY = 'EXOtestkey';
const SECRET = 'test-secret';

type Answer = Response | (() => Response | Promise<Response>) | Error;
interface Seen {
  method: string;
  url: URL;
  headers: Headers;
  body: string;
}

const json = (body: unknown, status = 200, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });
const problem = (status: number, title: string, detail: string) => json({ type: `#/http-problem-types/${title.toLowerCase().replace(/ /g, '-')}`, title, status, detail }, status);

function fakeApi(routes: Record<string, Answer[]>, opts: { requestTimeoutMs?: number; operationTimeoutMs?: number; pollIntervalMs?: number; rateLimitWaitMs?: number; random?: () => number } = {}) {
  const seen: Seen[] = [];
  const slept: number[] = [];
  const fake = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = new URL(String(input));
    const method = init?.method ?? 'GET';
    seen.push({ method, url, headers: new Headers(init?.headers), body: typeof init?.body === 'string' ? init.body : '' });
    const key = `${method} ${url.pathname.replace(/^\/v2/, '')}`;
    const answers = routes[key];
    if (!answers) return problem(404, 'Not Found', `no route ${key}`);
    const next = answers.length > 1 ? answers.shift()! : answers[0];
    if (next instanceof Error) throw next;
    const res = typeof next === 'function' ? await next() : next;
    return res.clone(); // a repeated answer must stay readable
  };
  const api = new ExoscaleApi({
    endpoint: ENDPOINT, key: KEY, secret: SECRET, fetch: fake as typeof fetch, pollIntervalMs: 10,
    sleep: async (ms) => void slept.push(ms), ...opts,
  });
  return { api, seen, slept };
}

const GROUP_ID = '11111111-1111-4111-8111-111111111111';
const INSTANCE_ID = '22222222-2222-4222-8222-222222222222';
const op = (state: string, extra: Record<string, unknown> = {}) => json({ id: 'op-1', state, reference: { id: GROUP_ID, command: 'create-security-group' }, ...extra });

async function failure(promise: Promise<unknown>): Promise<ExoscaleApiError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ExoscaleApiError);
  return err as ExoscaleApiError;
}

afterEach(() => vi.useRealTimers());

describe('ExoscaleApi requests', () => {
  it('builds zone endpoints', () => {
    expect(ExoscaleApi.endpointForZone('ch-gva-2')).toBe('https://api-ch-gva-2.exoscale.com/v2');
  });

  it('refuses a configuration that cannot work, permanently', () => {
    expect(() => new ExoscaleApi({ endpoint: ENDPOINT, key: '', secret: SECRET })).toThrow(/credentials are missing.*EXOSCALE_API_KEY/);
    expect(() => new ExoscaleApi({ endpoint: 'api-ch-gva-2.exoscale.com', key: KEY, secret: SECRET })).toThrow(/not an http\(s\) URL/);
  });

  it('signs every request with a well-formed header that verifies, with a fresh expiry each time', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.UTC(2030, 0, 1));
    const { api, seen } = fakeApi({ 'GET /zone': [json({ zones: [{ name: 'ch-gva-2', 'api-endpoint': 'https://api-ch-gva-2.exoscale.com/v2' }] })] });
    expect(await api.listZones()).toEqual([{ name: 'ch-gva-2', 'api-endpoint': 'https://api-ch-gva-2.exoscale.com/v2' }]);
    vi.setSystemTime(Date.UTC(2030, 0, 1) + 5000);
    await api.listZones();

    const [first, second] = seen.map((s) => s.headers.get('authorization')!);
    const format = /^EXO2-HMAC-SHA256 credential=EXOtestkey,expires=(\d+),signature=[A-Za-z0-9+/]{43}=$/;
    expect(first).toMatch(format);
    const expires = Number(first.match(format)![1]);
    expect(expires).toBe(Date.UTC(2030, 0, 1) / 1000 + 600);
    expect(Number(second.match(format)![1])).toBe(expires + 5);
    expect(first).toBe(authorizationHeader({ method: 'GET', path: '/v2/zone', body: '', key: KEY, secret: SECRET, expires }));
    expect(seen[0].headers.get('content-type')).toBeNull();
  });

  it('signs query parameters and JSON bodies exactly as sent', async () => {
    const { api, seen } = fakeApi({
      'GET /template': [json({ templates: [{ id: 't1', name: 'Linux Ubuntu 22.04 LTS 64-bit', 'default-user': 'ubuntu' }] })],
      'PUT /instance/i-1:start': [op('success')],
      'PUT /instance/i-1:stop': [op('success')],
    });
    expect(await api.findTemplate('Linux Ubuntu 22.04 LTS 64-bit', 'public')).toMatchObject({ id: 't1', 'default-user': 'ubuntu' });
    await api.startInstance('i-1');
    await api.stopInstance('i-1');
    const [list, start, stop] = seen;
    expect(list.url.search).toBe('?visibility=public');
    const listExpires = Number(list.headers.get('authorization')!.match(/expires=(\d+)/)![1]);
    expect(list.headers.get('authorization')).toBe(
      authorizationHeader({ method: 'GET', path: '/v2/template', query: list.url.searchParams, body: '', key: KEY, secret: SECRET, expires: listExpires }),
    );
    expect(list.headers.get('authorization')).toContain(',signed-query-args=visibility,');
    // the contract requires a body for :start ({} = no rescue profile); :stop has none
    expect(start.body).toBe('{}');
    expect(start.headers.get('content-type')).toBe('application/json');
    const startExpires = Number(start.headers.get('authorization')!.match(/expires=(\d+)/)![1]);
    expect(start.headers.get('authorization')).toBe(
      authorizationHeader({ method: 'PUT', path: '/v2/instance/i-1:start', body: '{}', key: KEY, secret: SECRET, expires: startExpires }),
    );
    expect(stop.body).toBe('');
    expect(stop.headers.get('content-type')).toBeNull();
  });

  it('rejects a request body that breaks the contract before sending it, naming the field', async () => {
    const { api, seen } = fakeApi({});
    const err = await failure(api.createInstance({ 'instance-type': { id: 'x' }, template: { id: 'y' }, 'disk-size': 5 }));
    expect(err.type).toBe('InvalidArgument');
    expect(err.retryable).toBe(false);
    expect(err.message).toContain('disk-size');
    const bad = await failure(api.registerSshKey({ name: '-bad name', publicKey: 'ssh-ed25519 AAAA' }));
    expect(bad.message).toMatch(/POST \/ssh-key.*name/);
    expect(seen).toHaveLength(0);
  });
});

describe('ExoscaleApi operations', () => {
  it('polls a pending operation until success, with gently growing intervals, then reads the resource', async () => {
    const { api, seen, slept } = fakeApi({
      'POST /security-group': [op('pending')],
      'GET /operation/op-1': [op('pending'), op('pending'), op('pending'), op('success')],
      [`GET /security-group/${GROUP_ID}`]: [json({ id: GROUP_ID, name: 'overlayctl-demo', rules: [], 'new-field-from-the-future': 1 })],
    });
    const group = await api.createSecurityGroup({ name: 'overlayctl-demo' });
    expect(group).toEqual({ id: GROUP_ID, name: 'overlayctl-demo', rules: [] });
    expect(seen.map((s) => `${s.method} ${s.url.pathname}`)).toEqual([
      'POST /v2/security-group',
      'GET /v2/operation/op-1',
      'GET /v2/operation/op-1',
      'GET /v2/operation/op-1',
      'GET /v2/operation/op-1',
      `GET /v2/security-group/${GROUP_ID}`,
    ]);
    expect(seen[0].body).toBe('{"name":"overlayctl-demo"}');
    expect(slept).toEqual([10, 12, 14, 17]);
  });

  it('polls security-group and ssh-key changes first after 250 ms, then on the usual schedule; instances on the usual one', async () => {
    const group = fakeApi(
      {
        'POST /security-group': [op('pending')],
        'GET /operation/op-1': [op('pending'), op('pending'), op('success')],
        [`GET /security-group/${GROUP_ID}`]: [json({ id: GROUP_ID, name: 'g' })],
      },
      { pollIntervalMs: 1000 },
    );
    await group.api.createSecurityGroup({ name: 'g' });
    expect(group.slept).toEqual([250, 1000, 1200]);
    const instance = fakeApi(
      {
        'POST /instance': [op('pending', { reference: { id: INSTANCE_ID, command: 'create-instance' } })],
        'GET /operation/op-1': [op('pending'), op('success', { reference: { id: INSTANCE_ID, command: 'create-instance' } })],
        [`GET /instance/${INSTANCE_ID}`]: [json({ id: INSTANCE_ID, name: 'n', state: 'running' })],
      },
      { pollIntervalMs: 1000 },
    );
    await instance.api.createInstance({ name: 'n', 'instance-type': { id: INSTANCE_ID }, template: { id: INSTANCE_ID }, 'disk-size': 20 });
    expect(instance.slept).toEqual([1000, 1200]);
  });

  it('caps the poll interval at 10 s', async () => {
    const { api, slept } = fakeApi({ 'GET /operation/op-1': [...Array.from({ length: 30 }, () => op('pending')), op('success')] }, { pollIntervalMs: 1000 });
    await api.waitForOperation({ id: 'op-1', state: 'pending' }, { timeoutMs: 10 * 60_000 });
    expect(Math.max(...slept)).toBe(10_000);
    expect(slept[0]).toBe(1000);
  });

  it('returns an operation that is already finished without polling', async () => {
    const { api, seen } = fakeApi({});
    expect(await api.waitForOperation({ id: 'op-9', state: 'success' })).toEqual({ id: 'op-9', state: 'success' });
    expect(seen).toHaveLength(0);
  });

  it('turns a failed operation into a permanent OperationFailed with reason and message', async () => {
    const { api } = fakeApi({
      'POST /instance': [op('pending')],
      'GET /operation/op-1': [op('failure', { reason: 'unavailable', message: 'no capacity for standard.huge' })],
    });
    const err = await failure(api.createInstance({ 'instance-type': { id: 'x' }, template: { id: 'y' }, 'disk-size': 50 }));
    expect(err.type).toBe('OperationFailed');
    expect(err.retryable).toBe(false);
    expect(err.message).toContain('reason: unavailable');
    expect(err.message).toContain('no capacity for standard.huge');
    expect(err.operation?.reason).toBe('unavailable');
  });

  it('turns a timed-out operation, or our own deadline, into a retryable OperationTimeout', async () => {
    const timedOut = fakeApi({ 'GET /operation/op-1': [op('timeout', { message: 'took too long' })] });
    const a = await failure(timedOut.api.waitForOperation({ id: 'op-1', state: 'pending' }));
    expect([a.type, a.retryable]).toEqual(['OperationTimeout', true]);
    expect(a.message).toContain('took too long');

    const stuck = fakeApi({ 'GET /operation/op-1': [op('pending')] });
    const b = await failure(stuck.api.waitForOperation({ id: 'op-1', state: 'pending' }, { timeoutMs: 100 }));
    expect([b.type, b.retryable]).toEqual(['OperationTimeout', true]);
    expect(b.message).toContain('still pending after 100 ms');
    // the last sleep is cut to the deadline
    expect(stuck.slept.reduce((a, b) => a + b, 0)).toBe(100);
  });

  it('rides out a few failed polls but not a permanent error', async () => {
    const flaky = fakeApi({ 'GET /operation/op-1': [problem(503, 'Service Unavailable', 'busy'), new TypeError('fetch failed'), op('success')] });
    expect((await flaky.api.waitForOperation({ id: 'op-1', state: 'pending' })).state).toBe('success');

    const denied = fakeApi({ 'GET /operation/op-1': [problem(403, 'Forbidden', 'not allowed')] });
    expect((await failure(denied.api.waitForOperation({ id: 'op-1', state: 'pending' }))).type).toBe('Forbidden');
  });
});

describe('ExoscaleApi errors', () => {
  const call = (answer: Answer) => fakeApi({ 'GET /instance': [answer] }).api.listInstances();

  it('400 with problem JSON: InvalidArgument carrying the detail and field errors', async () => {
    const err = await failure(
      call(json({ type: '#/http-problem-types/bad-request', title: 'Bad Request', status: 400, detail: 'Invalid disk size', errors: [{ location: "$['disk-size']", detail: 'must be >= 10' }, 'also bad'] }, 400)),
    );
    expect([err.type, err.retryable, err.status]).toEqual(['InvalidArgument', false, 400]);
    expect(err.message).toContain('GET /instance');
    expect(err.message).toContain('Invalid disk size');
    expect(err.message).toContain("$['disk-size']: must be >= 10");
    expect(err.message).toContain('also bad');
    expect(err.detail).toContain('Invalid disk size');
  });

  it('422 without detail uses the title; legacy {message} and {error} bodies and plain text are quoted too', async () => {
    expect((await failure(call(json({ type: '#/x', title: 'Invalid Request Body' }, 422)))).message).toContain('Invalid Request Body');
    expect((await failure(call(json({ message: 'legacy words' }, 400)))).message).toContain('legacy words');
    expect((await failure(call(json({ error: 'error words' }, 400)))).message).toContain('error words');
    expect((await failure(call(new Response('<html>bad gateway</html>', { status: 502 })))).message).toContain('<html>bad gateway</html>');
  });

  it('401 tells the user which variables to check', async () => {
    const err = await failure(call(json({ message: 'Invalid request signature' }, 401)));
    expect([err.type, err.retryable]).toEqual(['Unauthorized', false]);
    expect(err.message).toContain('Invalid request signature');
    expect(err.message).toContain('EXOSCALE_API_KEY / EXOSCALE_API_SECRET');
  });

  it('403 is Forbidden, or QuotaExceeded when the body speaks of a quota or limit', async () => {
    const quota = await failure(call(problem(403, 'Forbidden', 'Quota exceeded for resource instance (limit: 20)')));
    expect([quota.type, quota.retryable]).toEqual(['QuotaExceeded', false]);
    expect(quota.message).toContain('Quota exceeded for resource instance');
    const denied = await failure(call(problem(403, 'Forbidden', 'IAM policy denies compute:list-instances')));
    expect([denied.type, denied.retryable]).toEqual(['Forbidden', false]);
  });

  it('404 NotFound, 409 Conflict: permanent', async () => {
    const gone = await failure(call(problem(404, 'Not Found', 'no such instance')));
    expect([gone.type, gone.retryable, gone.status]).toEqual(['NotFound', false, 404]);
    const conflict = await failure(call(problem(409, 'Conflict', 'operation in progress')));
    expect([conflict.type, conflict.retryable]).toEqual(['Conflict', false]);
    expect(conflict.message).toContain('operation in progress');
  });

  it('429 is retryable after the Retry-After the API gave, in seconds or as an HTTP date', async () => {
    const seconds = await failure(call(json({ error: 'slow down' }, 429, { 'Retry-After': '7' })));
    expect([seconds.type, seconds.retryable, seconds.retryAfterMs]).toEqual(['RateLimited', true, 7000]);
    const date = await failure(call(json({ error: 'slow down' }, 429, { 'Retry-After': new Date(Date.now() + 30_000).toUTCString() })));
    expect(date.retryAfterMs).toBeGreaterThan(28_000);
    expect(date.retryAfterMs).toBeLessThanOrEqual(30_000);
    // no header: the contract's rate-limited body (retry_after, seconds)
    expect((await failure(call(json({ error: 'slow down', retry_after: 2.5 }, 429)))).retryAfterMs).toBe(2500);
    expect(parseRetryAfter('Fri, 31 Dec 1999 23:59:59 GMT')).toBe(0);
    expect(parseRetryAfter('soon')).toBeUndefined();
  });

  it('a 429 is sent again after Retry-After plus jitter (up to as much again), within the rate-limit budget', async () => {
    const limited = (after: string) => json({ error: 'slow down' }, 429, { 'Retry-After': after });
    const ok = json({ instances: [] });
    let r = 0;
    const draws = [0, 0.5, 0.999];
    const f = fakeApi({ 'GET /instance': [limited('1'), limited('2'), ok] }, { random: () => draws[r++] });
    expect(await f.api.listInstances()).toEqual([]);
    expect(f.seen.map((s) => s.method + ' ' + s.url.pathname)).toEqual(Array(3).fill('GET /v2/instance'));
    expect(f.slept).toEqual([1000, 3000]);
    // each attempt is signed anew (fresh expiry), the same request otherwise
    expect(new Set(f.seen.map((s) => s.url.href)).size).toBe(1);

    // POST too: the API refused it before doing anything
    const post = fakeApi({ 'POST /security-group': [limited('1'), op('success')], 'GET /operation/op-1': [op('success')], [`GET /security-group/${GROUP_ID}`]: [json({ id: GROUP_ID, name: 'g' })] });
    expect((await post.api.createSecurityGroup({ name: 'g' })).id).toBe(GROUP_ID);
    expect(post.seen.filter((s) => s.method === 'POST')).toHaveLength(2);
  });

  it('past the budget (or with rateLimitWaitMs 0) the RateLimited error goes to the caller', async () => {
    const limited = json({ error: 'slow down' }, 429, { 'Retry-After': '10' });
    const f = fakeApi({ 'GET /instance': [limited] }, { rateLimitWaitMs: 35_000, random: () => 0 });
    const err = await failure(f.api.listInstances());
    expect([err.type, err.retryAfterMs]).toEqual(['RateLimited', 10_000]);
    expect(f.slept).toEqual([10_000, 10_000, 10_000]);
    const none = fakeApi({ 'GET /instance': [limited] }, { rateLimitWaitMs: 0 });
    expect((await failure(none.api.listInstances())).type).toBe('RateLimited');
    expect([none.seen.length, none.slept]).toEqual([1, []]);
  });

  it('5xx is a retryable ServerError (503 honours Retry-After), 501 is not retryable', async () => {
    for (const status of [500, 502, 503, 504]) {
      const err = await failure(call(problem(status, 'Server Error', 'oops')));
      expect([err.type, err.retryable, err.status]).toEqual(['ServerError', true, status]);
    }
    expect((await failure(call(json({ message: 'maintenance' }, 503, { 'Retry-After': '3' })))).retryAfterMs).toBe(3000);
    const nope = await failure(call(problem(501, 'Not Implemented', 'nope')));
    expect([nope.type, nope.retryable]).toEqual(['NotImplemented', false]);
  });

  it('network errors are a retryable ConnectionReset with status 0', async () => {
    const reset = Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
    const a = await failure(call(new TypeError('fetch failed', { cause: reset })));
    expect([a.type, a.retryable, a.status]).toEqual(['ConnectionReset', true, 0]);
    expect(a.message).toContain('GET /instance');
    expect(a.message).toContain('ECONNRESET');
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' });
    expect((await failure(call(new TypeError('fetch failed', { cause: refused })))).message).toContain('ECONNREFUSED');
    const hangUp = await failure(call(new Error('socket hang up')));
    expect([hangUp.type, hangUp.retryable]).toEqual(['ConnectionReset', true]);
  });

  it('a request that outlives the timeout is a retryable ProviderTimeout', async () => {
    const fake = (_: unknown, init?: RequestInit) =>
      new Promise<Response>((_resolve, reject) => init?.signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError'))));
    const api = new ExoscaleApi({ endpoint: ENDPOINT, key: KEY, secret: SECRET, fetch: fake as typeof fetch, requestTimeoutMs: 20 });
    const err = await failure(api.listZones());
    expect([err.type, err.retryable, err.status]).toEqual(['ProviderTimeout', true, 0]);
    expect(err.message).toContain('GET /zone did not answer within 20 ms');
  });

  it('a response that does not match the schema names the field', async () => {
    const wrongType = await failure(call(json({ instances: [{ id: INSTANCE_ID, state: 'running' }, { id: INSTANCE_ID, state: 5 }] })));
    expect([wrongType.type, wrongType.retryable]).toEqual(['InvalidResponse', false]);
    expect(wrongType.message).toContain('instances[1].state');
    const missing = await failure(call(json({ instances: [{ name: 'no-id' }] })));
    expect(missing.message).toContain('instances[0].id');
    expect((await failure(call(new Response('not json', { status: 200 })))).message).toContain('not JSON');
    const badOp = fakeApi({ 'GET /operation/op-1': [json({ id: 'op-1', state: 'exploded' })] });
    expect((await failure(badOp.api.getOperation('op-1'))).message).toContain('state');
  });

  it('parses instances leniently: unknown fields dropped, null as absent, new enum values kept', async () => {
    const list = await fakeApi({
      'GET /instance': [json({ instances: [{ id: INSTANCE_ID, name: 'h1', state: 'hibernating', 'public-ip': null, labels: { 'overlayctl.cluster': 'demo' }, 'security-groups': [{ id: GROUP_ID, name: 'g' }], shiny: true }] })],
    }).api.listInstances();
    expect(list).toEqual([{ id: INSTANCE_ID, name: 'h1', state: 'hibernating', labels: { 'overlayctl.cluster': 'demo' }, 'security-groups': [{ id: GROUP_ID, name: 'g' }] }]);
    expect(await fakeApi({ 'GET /instance': [json({})] }).api.listInstances()).toEqual([]);
  });
});

describe('ExoscaleApi lookups and deletes', () => {
  const types = {
    'instance-types': [
      { id: 'it-small', family: 'standard', size: 'small', cpus: 2, memory: 2147483648, authorized: true, zones: ['ch-gva-2'] },
      { id: 'it-medium', family: 'standard', size: 'medium', cpus: 2, memory: 4294967296, authorized: true },
      { id: 'it-mem-small', family: 'memory', size: 'small', cpus: 2, memory: 8589934592, authorized: true },
    ],
  };

  it('finds instance types by FAMILY.SIZE, bare SIZE (standard) and id', async () => {
    const { api } = fakeApi({ 'GET /instance-type': [json(types)] });
    expect((await api.findInstanceType('standard.small')).id).toBe('it-small');
    expect((await api.findInstanceType('small')).id).toBe('it-small');
    expect((await api.findInstanceType('Standard.Medium')).id).toBe('it-medium');
    expect((await api.findInstanceType('memory.small')).id).toBe('it-mem-small');
    expect((await api.findInstanceType('it-mem-small')).family).toBe('memory');
    const err = await failure(api.findInstanceType('standard.galactic'));
    expect([err.type, err.retryable]).toEqual(['NotFound', false]);
    expect(err.message).toContain('this zone offers: memory.small, standard.medium, standard.small');
  });

  it('finds security groups by exact name; several of that name is a Conflict', async () => {
    const groups = (names: string[]) => json({ 'security-groups': names.map((name, i) => ({ id: `sg-${i}`, name })) });
    expect(await fakeApi({ 'GET /security-group': [groups(['a', 'ab'])] }).api.findSecurityGroupByName('a')).toEqual({ id: 'sg-0', name: 'a' });
    expect(await fakeApi({ 'GET /security-group': [groups(['ab'])] }).api.findSecurityGroupByName('a')).toBeUndefined();
    const err = await failure(fakeApi({ 'GET /security-group': [groups(['a', 'a'])] }).api.findSecurityGroupByName('a'));
    expect([err.type, err.retryable]).toEqual(['Conflict', false]);
    expect(err.message).toContain('sg-0, sg-1');
  });

  it('reads 404 on get as undefined', async () => {
    const { api } = fakeApi({});
    expect(await api.getInstance(INSTANCE_ID)).toBeUndefined();
    expect(await api.getSshKey('overlayctl-demo')).toBeUndefined();
  });

  it('treats 404 on delete as done, and still waits for a delete that was accepted', async () => {
    const { api, seen } = fakeApi({
      [`DELETE /instance/${INSTANCE_ID}`]: [problem(404, 'Not Found', 'gone')],
      'DELETE /ssh-key/overlayctl-demo': [problem(404, 'Not Found', 'gone')],
      [`DELETE /security-group/${GROUP_ID}/rules/r-1`]: [problem(404, 'Not Found', 'gone')],
      [`DELETE /security-group/${GROUP_ID}`]: [op('pending')],
      'GET /operation/op-1': [op('success')],
    });
    await api.deleteInstance(INSTANCE_ID);
    await api.deleteSshKey('overlayctl-demo');
    await api.deleteSecurityGroupRule(GROUP_ID, 'r-1');
    await api.deleteSecurityGroup(GROUP_ID);
    expect(seen.map((s) => `${s.method} ${s.url.pathname}`).slice(-2)).toEqual([`DELETE /v2/security-group/${GROUP_ID}`, 'GET /v2/operation/op-1']);
  });

  it('a delete whose operation fails as not-found is done too; other failures are not', async () => {
    const notFound = fakeApi({ [`DELETE /instance/${INSTANCE_ID}`]: [op('pending')], 'GET /operation/op-1': [op('failure', { reason: 'not-found' })] });
    await expect(notFound.api.deleteInstance(INSTANCE_ID)).resolves.toBeUndefined();
    const busy = fakeApi({ [`DELETE /instance/${INSTANCE_ID}`]: [op('pending')], 'GET /operation/op-1': [op('failure', { reason: 'busy' })] });
    expect((await failure(busy.api.deleteInstance(INSTANCE_ID))).type).toBe('OperationFailed');
  });

  it('registers an SSH key and reads it back by name', async () => {
    const { api, seen } = fakeApi({
      'POST /ssh-key': [op('success')],
      'GET /ssh-key/overlayctl-demo': [json({ name: 'overlayctl-demo', fingerprint: 'aa:bb' })],
    });
    expect(await api.registerSshKey({ name: 'overlayctl-demo', publicKey: 'ssh-ed25519 AAAAC3Nz demo\n' })).toEqual({ name: 'overlayctl-demo', fingerprint: 'aa:bb' });
    expect(JSON.parse(seen[0].body)).toEqual({ name: 'overlayctl-demo', 'public-key': 'ssh-ed25519 AAAAC3Nz demo' });
  });

  it('creates an instance and returns it as GET shows it; adds rules', async () => {
    const { api, seen } = fakeApi({
      'POST /instance': [json({ id: 'op-2', state: 'pending', reference: { id: INSTANCE_ID } })],
      'GET /operation/op-2': [json({ id: 'op-2', state: 'success', reference: { id: INSTANCE_ID } })],
      [`GET /instance/${INSTANCE_ID}`]: [json({ id: INSTANCE_ID, name: 'h1', state: 'running', 'public-ip': '194.182.0.1', 'instance-type': { id: 'it-small' }, template: { id: 't1' } })],
      [`POST /security-group/${GROUP_ID}/rules`]: [op('success')],
    });
    const instance = await api.createInstance({
      name: 'h1', 'instance-type': { id: 'it-small' }, template: { id: 't1' }, 'disk-size': 20,
      'security-groups': [{ id: GROUP_ID }], 'ssh-keys': [{ name: 'overlayctl-demo' }], labels: { 'overlayctl.cluster': 'demo' }, 'user-data': 'I2Nsb3VkLWNvbmZpZw==',
    });
    expect(instance).toMatchObject({ id: INSTANCE_ID, state: 'running', 'public-ip': '194.182.0.1' });
    expect(JSON.parse(seen[0].body)['disk-size']).toBe(20);
    const rule = await api.addSecurityGroupRule(GROUP_ID, { 'flow-direction': 'ingress', protocol: 'tcp', 'start-port': 2377, 'end-port': 2377, 'security-group': { id: GROUP_ID } });
    expect(rule.state).toBe('success');
    expect(JSON.parse(seen.at(-1)!.body)).toEqual({ 'flow-direction': 'ingress', protocol: 'tcp', 'start-port': 2377, 'end-port': 2377, 'security-group': { id: GROUP_ID } });
  });
});
