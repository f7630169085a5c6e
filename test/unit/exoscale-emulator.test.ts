// The Exoscale API emulator (test/emulator), over real HTTP with a signer written here
// from the published algorithm (not the client's, not the verifier's).
import { createHash, createHmac, generateKeyPairSync } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { firewallRulesFor, MemoryBackend, type BackendContext, type EmulatedInstance } from '../emulator/backend.js';
import { startEmulator, type Emulator, type EmulatorOptions } from '../emulator/server.js';
import { verifyRequest } from '../emulator/verify-signature.js';
import { ExoscaleApi } from '../../src/providers/exoscale/api/client.js';
import { ExoscaleApiError } from '../../src/providers/exoscale/api/errors.js';

const KEY = 'EXOtest0000000000000000000';
const SECRET = 'test-secret-0123456789';

function sign(method: string, url: string, body: string, o: { key?: string; secret?: string; expires?: number } = {}): string {
  const u = new URL(url);
  const names = [...new Set(u.searchParams.keys())].filter((k) => u.searchParams.getAll(k).length === 1).sort();
  const expires = o.expires ?? Math.floor(Date.now() / 1000) + 600;
  const msg = [`${method} ${u.pathname}`, body, names.map((n) => u.searchParams.get(n)).join(''), '', String(expires)].join('\n');
  const sig = createHmac('sha256', o.secret ?? SECRET).update(msg).digest('base64');
  return `EXO2-HMAC-SHA256 credential=${o.key ?? KEY}${names.length ? `,signed-query-args=${names.join(';')}` : ''},expires=${expires},signature=${sig}`;
}

interface Reply {
  status: number;
  headers: Headers;
  json: any;
}

async function call(em: Emulator, method: string, path: string, body?: unknown, o: Parameters<typeof sign>[3] & { signal?: AbortSignal } = {}): Promise<Reply> {
  const url = em.url + path;
  const text = body === undefined ? '' : JSON.stringify(body);
  const res = await fetch(url, {
    method,
    headers: { authorization: sign(method, url, text, o), 'content-type': 'application/json' },
    body: text || undefined,
    signal: o.signal,
  });
  return { status: res.status, headers: res.headers, json: await res.json() };
}

async function settle(em: Emulator, op: { id: string }): Promise<any> {
  for (let n = 0; n < 400; n++) {
    const r = await call(em, 'GET', `/operation/${op.id}`);
    expect(r.status).toBe(200);
    if (r.json.state !== 'pending') return r.json;
    await sleep(5);
  }
  throw new Error('operation stayed pending');
}

function ed25519Line(comment = 'test@example'): string {
  const der = generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'der' });
  const ssh = (b: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(b.length, 0);
    return Buffer.concat([len, b]); // SSH "string": uint32 length + bytes
  };
  const blob = Buffer.concat([ssh(Buffer.from('ssh-ed25519')), ssh(der.subarray(der.length - 32))]);
  return `ssh-ed25519 ${blob.toString('base64')} ${comment}`;
}

let em: Emulator | undefined;
async function start(opts: Partial<EmulatorOptions> = {}): Promise<Emulator> {
  em = await startEmulator({ credentials: [{ key: KEY, secret: SECRET }], ...opts });
  return em;
}
afterEach(async () => {
  await em?.stop();
  em = undefined;
});

async function ids(e: Emulator) {
  const types = (await call(e, 'GET', '/instance-type')).json['instance-types'];
  const templates = (await call(e, 'GET', '/template?visibility=public')).json.templates;
  return {
    small: types.find((t: any) => t.family === 'standard' && t.size === 'small').id as string,
    ubuntu: templates.find((t: any) => t.name === 'Linux Ubuntu 22.04 LTS 64-bit').id as string,
  };
}

describe('signature verifier: published test vectors (egoscale v2 security_test.go)', () => {
  const cred = [{ key: 'EXOxxxxxxxxxxxxxxxxxxxxxxxx', secret: 'X'.repeat(43) }];
  const before2077 = Date.UTC(2030, 0, 1);
  const A = 'EXO2-HMAC-SHA256 credential=EXOxxxxxxxxxxxxxxxxxxxxxxxx,expires=3376684800,signature=Ntbq/p0HVmA3Zg1HHY+Lq1vjFGi7HeMrrgXDS5jRNlY=';
  const B = 'EXO2-HMAC-SHA256 credential=EXOxxxxxxxxxxxxxxxxxxxxxxxx,signed-query-args=k1;k2,expires=3376684800,signature=iqOBz13+44L5j0uJclE8hmUhQQcvtCSoPEOXYK6liqY=';

  it('accepts vector A (GET /v2/zone) and vector B (GET /v2/zone?k1=v1&k2=v2)', () => {
    expect(verifyRequest({ method: 'GET', url: '/v2/zone', body: '', authorization: A }, cred, before2077)).toEqual({ ok: true, key: cred[0].key });
    expect(verifyRequest({ method: 'GET', url: '/v2/zone?k1=v1&k2=v2', body: '', authorization: B }, cred, before2077)).toEqual({ ok: true, key: cred[0].key });
  });

  it('accepts the derived body vector (POST /v2/security-group {"name":"test"})', () => {
    const h = 'EXO2-HMAC-SHA256 credential=EXOxxxxxxxxxxxxxxxxxxxxxxxx,expires=3376684800,signature=Gw57L6l4XDA2ucY1ioe6LUM1wSmKDRkpdsDbbyUtyJ4=';
    expect(verifyRequest({ method: 'POST', url: '/v2/security-group', body: '{"name":"test"}', authorization: h }, cred, before2077).ok).toBe(true);
    expect(verifyRequest({ method: 'POST', url: '/v2/security-group', body: '{"name":"tesT"}', authorization: h }, cred, before2077)).toMatchObject({ ok: false, reason: 'bad-signature' });
  });

  it('rejects expiry, other paths/queries, unknown keys and malformed headers', () => {
    const after = 3376684801 * 1000;
    expect(verifyRequest({ method: 'GET', url: '/v2/zone', body: '', authorization: A }, cred, after)).toMatchObject({ ok: false, reason: 'expired' });
    expect(verifyRequest({ method: 'GET', url: '/v2/zones', body: '', authorization: A }, cred, before2077)).toMatchObject({ ok: false, reason: 'bad-signature' });
    expect(verifyRequest({ method: 'GET', url: '/v2/zone?k1=v1&k2=v3', body: '', authorization: B }, cred, before2077)).toMatchObject({ ok: false, reason: 'bad-signature' });
    expect(verifyRequest({ method: 'GET', url: '/v2/zone?k1=v1&k2=v2&k3=x', body: '', authorization: B }, cred, before2077)).toMatchObject({ ok: false, reason: 'query-mismatch' });
    expect(verifyRequest({ method: 'GET', url: '/v2/zone', body: '', authorization: A }, [{ key: 'EXOother', secret: 'x' }], before2077)).toMatchObject({ ok: false, reason: 'unknown-key' });
    expect(verifyRequest({ method: 'GET', url: '/v2/zone', body: '', authorization: 'Bearer abc' }, cred, before2077)).toMatchObject({ ok: false, reason: 'malformed' });
    expect(verifyRequest({ method: 'GET', url: '/v2/zone', body: '', authorization: undefined }, cred, before2077)).toMatchObject({ ok: false, reason: 'missing' });
  });
});

describe('authentication over HTTP', () => {
  it('answers 401 problem JSON to unsigned, badly signed, expired and tampered requests', async () => {
    const e = await start();
    const unsigned = await fetch(`${e.url}/zone`);
    expect(unsigned.status).toBe(401);
    expect(await unsigned.json()).toMatchObject({ type: '#/http-problem-types/unauthorized', title: 'Unauthorized', status: 401 });
    expect((await call(e, 'GET', '/zone', undefined, { secret: 'wrong' })).status).toBe(401);
    expect((await call(e, 'GET', '/zone', undefined, { key: 'EXOunknown' })).status).toBe(401);
    const expired = await call(e, 'GET', '/zone', undefined, { expires: Math.floor(Date.now() / 1000) - 5 });
    expect(expired.status).toBe(401);
    expect(expired.json.detail).toMatch(/expired/);
    const url = `${e.url}/instance?labels=a%3Db`;
    const tampered = await fetch(`${url}&ip-address=1.2.3.4`, { headers: { authorization: sign('GET', url, '') } });
    expect(tampered.status).toBe(401);
    const ok = await call(e, 'GET', '/zone');
    expect(ok.status).toBe(200);
    expect(ok.json.zones).toContainEqual(expect.objectContaining({ name: 'ch-gva-2', 'api-endpoint': e.url }));
    expect(e.state.requests.map((r) => r.status)).toEqual([401, 401, 401, 401, 401, 200]);
    expect(e.state.requests.at(-1)).toMatchObject({ method: 'GET', path: '/v2/zone', key: KEY });
  });
});

describe('resources', () => {
  it('security group and rules: operations go pending -> success; group references and CIDRs', async () => {
    const e = await start();
    const op = await call(e, 'POST', '/security-group', { name: 'swarm', description: 'cluster' });
    expect(op.status).toBe(200);
    expect(op.json).toMatchObject({ state: 'pending', reference: { command: 'create-security-group' } });
    const id = op.json.reference.id as string;
    expect(op.json.reference.link).toBe(`${e.url}/security-group/${id}`);
    expect((await call(e, 'GET', `/operation/${op.json.id}`)).json.state).toBe('pending'); // operationPolls: 1
    expect((await call(e, 'GET', `/operation/${op.json.id}`)).json.state).toBe('success');
    expect((await call(e, 'GET', `/operation/${op.json.id}`)).json.state).toBe('success'); // stays queryable

    const self = await call(e, 'POST', `/security-group/${id}/rules`, { 'flow-direction': 'ingress', protocol: 'tcp', 'start-port': 2377, 'end-port': 2377, 'security-group': { id } });
    expect(self.json.reference).toMatchObject({ id, command: 'add-rule-to-security-group' });
    await settle(e, self.json);
    const cidr = await call(e, 'POST', `/security-group/${id}/rules`, { 'flow-direction': 'ingress', protocol: 'icmp', network: '0.0.0.0/0' });
    await settle(e, cidr.json);
    const g = (await call(e, 'GET', `/security-group/${id}`)).json;
    expect(g).toMatchObject({ id, name: 'swarm', description: 'cluster', 'external-sources': [] });
    expect(g.rules).toEqual([
      expect.objectContaining({ 'flow-direction': 'ingress', protocol: 'tcp', 'start-port': 2377, 'end-port': 2377, 'security-group': { id, name: 'swarm' } }),
      expect.objectContaining({ protocol: 'icmp', network: '0.0.0.0/0', icmp: { type: -1, code: -1 } }),
    ]);
    expect((await call(e, 'GET', '/security-group')).json['security-groups']).toHaveLength(1);
    expect((await call(e, 'GET', '/security-group?visibility=public')).json['security-groups']).toEqual([]);

    await settle(e, (await call(e, 'DELETE', `/security-group/${id}/rules/${g.rules[0].id}`)).json);
    expect((await call(e, 'GET', `/security-group/${id}`)).json.rules).toHaveLength(1);
    expect((await call(e, 'DELETE', `/security-group/${id}/rules/${g.rules[0].id}`)).status).toBe(404);
    expect(await settle(e, (await call(e, 'DELETE', `/security-group/${id}`)).json)).toMatchObject({ state: 'success' });
    const gone = await call(e, 'GET', `/security-group/${id}`);
    expect(gone.status).toBe(404);
    expect(gone.json).toMatchObject({ type: '#/http-problem-types/not-found', title: 'Not Found', detail: expect.stringContaining(id) });
  });

  it('ssh keys by name, with an MD5 colon-hex fingerprint of the key blob', async () => {
    const e = await start({ operationPolls: 0 });
    const line = ed25519Line();
    const op = await call(e, 'POST', '/ssh-key', { name: 'deploy-key', 'public-key': line });
    expect(op.json).toMatchObject({ state: 'pending', reference: { command: 'register-ssh-key', link: `${e.url}/ssh-key/deploy-key` } });
    expect(await settle(e, op.json)).toMatchObject({ state: 'success' });
    const md5 = createHash('md5').update(Buffer.from(line.split(' ')[1], 'base64')).digest('hex').match(/../g)!.join(':');
    expect((await call(e, 'GET', '/ssh-key/deploy-key')).json).toEqual({ name: 'deploy-key', fingerprint: md5 });
    expect((await call(e, 'GET', '/ssh-key')).json['ssh-keys']).toEqual([{ name: 'deploy-key', fingerprint: md5 }]);
    expect((await call(e, 'POST', '/ssh-key', { name: 'deploy-key', 'public-key': line })).status).toBe(409);
    const bad = await call(e, 'POST', '/ssh-key', { name: 'other', 'public-key': 'ssh-ed25519 bm90IGEga2V5' });
    expect(bad.status).toBe(400);
    expect(bad.json.errors).toEqual([expect.objectContaining({ location: "$['public-key']" })]);
    expect((await call(e, 'POST', '/ssh-key', { name: '-bad', 'public-key': line })).json.errors[0].location).toBe("$['name']");
    await settle(e, (await call(e, 'DELETE', '/ssh-key/deploy-key')).json);
    expect((await call(e, 'GET', '/ssh-key/deploy-key')).status).toBe(404);
  });

  it('instances: starting -> running with MemoryBackend addresses, stop/start, destroying -> gone', async () => {
    // long enough that the GET right after a change still sees the transient state
    // (starting, stopping, destroying) on a machine loaded by end-to-end tests
    const backend = new MemoryBackend({ createDelayMs: 750, deleteDelayMs: 750, powerDelayMs: 750 });
    const e = await start({ backend });
    const { small, ubuntu } = await ids(e);
    const sgOp = await call(e, 'POST', '/security-group', { name: 'cluster' });
    const sgId = sgOp.json.reference.id;
    await call(e, 'POST', '/ssh-key', { name: 'k1', 'public-key': ed25519Line() });
    const body = (name: string, labels: Record<string, string>) => ({
      name,
      'instance-type': { id: small },
      template: { id: ubuntu },
      'disk-size': 20,
      'security-groups': [{ id: sgId }],
      'ssh-keys': [{ name: 'k1' }],
      labels,
      'user-data': Buffer.from('#cloud-config\n').toString('base64'),
    });
    const op1 = await call(e, 'POST', '/instance', body('node-1', { cluster: 'c1', role: 'manager' }));
    expect(op1.json).toMatchObject({ state: 'pending', reference: { command: 'create-instance' } });
    const id1 = op1.json.reference.id;
    const starting = (await call(e, 'GET', `/instance/${id1}`)).json;
    expect(starting).toMatchObject({ id: id1, name: 'node-1', state: 'starting', 'disk-size': 20, labels: { cluster: 'c1', role: 'manager' } });
    expect(starting['public-ip']).toBeUndefined();
    expect(await settle(e, op1.json)).toMatchObject({ state: 'success' });
    const running = (await call(e, 'GET', `/instance/${id1}`)).json;
    expect(running).toMatchObject({ state: 'running', 'public-ip': '198.51.100.1', 'security-groups': [{ id: sgId }], 'ssh-keys': [{ name: 'k1' }], template: { id: ubuntu, 'default-user': 'ubuntu' }, 'instance-type': { id: small, cpus: 2 } });
    expect(running['user-data']).toBe(body('x', {})['user-data']);

    const op2 = await call(e, 'POST', '/instance', body('node-2', { cluster: 'c1', role: 'worker' }));
    await settle(e, op2.json);
    const id2 = op2.json.reference.id;
    expect((await call(e, 'GET', `/instance/${id2}`)).json['public-ip']).toBe('198.51.100.2');
    expect((await call(e, 'GET', '/instance')).json.instances.map((i: any) => i.name)).toEqual(['node-1', 'node-2']);
    expect((await call(e, 'GET', '/instance?ip-address=198.51.100.2')).json.instances.map((i: any) => i.id)).toEqual([id2]);
    expect((await call(e, 'GET', '/instance?labels=role%3Dmanager')).json.instances.map((i: any) => i.id)).toEqual([id1]);

    const stop = await call(e, 'PUT', `/instance/${id1}:stop`);
    expect((await call(e, 'GET', `/instance/${id1}`)).json.state).toBe('stopping');
    await settle(e, stop.json);
    expect((await call(e, 'GET', `/instance/${id1}`)).json.state).toBe('stopped');
    await settle(e, (await call(e, 'PUT', `/instance/${id1}:start`, {})).json);
    expect((await call(e, 'GET', `/instance/${id1}`)).json.state).toBe('running');

    const del = await call(e, 'DELETE', `/instance/${id1}`);
    expect(del.json.reference).toMatchObject({ id: id1, command: 'delete-instance' });
    expect((await call(e, 'GET', `/instance/${id1}`)).json.state).toBe('destroying');
    await settle(e, del.json);
    expect((await call(e, 'GET', `/instance/${id1}`)).status).toBe(404);
    expect(backend.calls.filter((c) => c.op !== 'securityGroupsChanged')).toEqual([
      { op: 'create', instanceId: id1 },
      { op: 'create', instanceId: id2 },
      { op: 'stop', instanceId: id1 },
      { op: 'start', instanceId: id1 },
      { op: 'delete', instanceId: id1 },
    ]);
    // a recreated instance gets the next address, not a reused one
    await settle(e, (await call(e, 'POST', '/instance', body('node-3', {}))).json);
    expect((await call(e, 'GET', '/instance?ip-address=198.51.100.3')).json.instances).toHaveLength(1);
  });

  it('catalogue: templates by visibility, standard instance types in the zone, zones', async () => {
    const e = await start({ zone: 'de-fra-1' });
    const templates = (await call(e, 'GET', '/template?visibility=public')).json.templates;
    expect(templates).toContainEqual(expect.objectContaining({ name: 'Linux Ubuntu 22.04 LTS 64-bit', 'default-user': 'ubuntu', visibility: 'public' }));
    expect(templates).toContainEqual(expect.objectContaining({ name: 'Linux Debian 12 (Bookworm) 64-bit' }));
    expect((await call(e, 'GET', '/template?visibility=private')).json.templates).toEqual([]);
    const types = (await call(e, 'GET', '/instance-type')).json['instance-types'];
    expect(types.map((t: any) => t.size)).toEqual(['micro', 'tiny', 'small', 'medium', 'large', 'extra-large', 'huge']);
    for (const t of types) expect(t).toMatchObject({ family: 'standard', authorized: true, zones: expect.arrayContaining(['de-fra-1']) });
    expect((await call(e, 'GET', `/instance-type/${types[0].id}`)).json).toEqual(types[0]);
  });
});

describe('errors', () => {
  it('400 problem JSON with JSONPath-like locations', async () => {
    const e = await start();
    const { small } = await ids(e);
    const r = await call(e, 'POST', '/instance', { 'instance-type': { id: small }, 'disk-size': 5, name: 'x'.repeat(256), 'user-data': 'not base64!', labels: { a: 1 } });
    expect(r.status).toBe(400);
    expect(r.json).toMatchObject({ type: '#/http-problem-types/bad-request', title: 'Bad Request', status: 400 });
    expect(r.json.errors.map((x: any) => x.location).sort()).toEqual(["$['disk-size']", "$['labels']['a']", "$['name']", "$['template']", "$['user-data']"].sort());
    const refs = await call(e, 'POST', '/instance', { 'instance-type': { id: small }, template: { id: '00000000-0000-4000-8000-000000000000' }, 'disk-size': 10, 'security-groups': [{ id: '00000000-0000-4000-8000-000000000001' }], 'ssh-key': { name: 'nope' } });
    expect(refs.json.errors.map((x: any) => x.location)).toEqual(["$['template']['id']", "$['security-groups'][0]['id']", "$['ssh-key']['name']"]);
    expect((await call(e, 'POST', '/instance', { 'disk-size': 51201 })).json.errors.map((x: any) => x.location)).toContain("$['disk-size']");

    const sg = (await call(e, 'POST', '/security-group', { name: 'g' })).json.reference.id;
    const rule = (b: unknown) => call(e, 'POST', `/security-group/${sg}/rules`, b);
    expect((await rule({ 'flow-direction': 'sideways', protocol: 'tcp' })).json.errors[0].location).toBe("$['flow-direction']");
    expect((await rule({ 'flow-direction': 'ingress', protocol: 'sctp', network: '0.0.0.0/0' })).json.errors[0].location).toBe("$['protocol']");
    expect((await rule({ 'flow-direction': 'ingress', protocol: 'tcp', 'start-port': 70000, 'end-port': 1, network: '0.0.0.0/0' })).json.errors[0].location).toBe("$['start-port']");
    expect((await rule({ 'flow-direction': 'ingress', protocol: 'tcp', 'start-port': 90, 'end-port': 80, network: '0.0.0.0/0' })).json.errors[0].location).toBe("$['end-port']");
    expect((await rule({ 'flow-direction': 'ingress', protocol: 'udp', 'start-port': 80, 'end-port': 80, network: '10.0.0.0/33' })).json.errors[0].location).toBe("$['network']");
    expect((await rule({ 'flow-direction': 'ingress', protocol: 'udp', 'start-port': 80, 'end-port': 80 })).json.errors[0].location).toBe("$['network']");
    expect((await rule({ 'flow-direction': 'ingress', protocol: 'tcp', 'start-port': 1, 'end-port': 2, 'security-group': { id: '00000000-0000-4000-8000-000000000009' } })).json.errors[0].location).toBe("$['security-group']");
    expect((await call(e, 'POST', '/security-group', { description: 'no name' })).json.errors[0].location).toBe("$['name']");
    expect((await rule({ 'flow-direction': 'ingress', protocol: 'tcp', 'start-port': 1, 'end-port': 2, network: '::/0' })).status).toBe(200);
  });

  it('404 problem JSON for unknown ids and paths; 405 for a wrong method', async () => {
    const e = await start();
    for (const path of ['/instance/4f6e1d7a-0000-4000-8000-000000000000', '/operation/4f6e1d7a-0000-4000-8000-000000000000', '/ssh-key/nope', '/nothing']) {
      const r = await call(e, 'GET', path);
      expect(r.status).toBe(404);
      expect(r.json).toMatchObject({ type: '#/http-problem-types/not-found', title: 'Not Found', detail: expect.any(String) });
    }
    const r = await call(e, 'PUT', '/security-group');
    expect(r.status).toBe(405);
    expect(r.headers.get('allow')).toBe('GET, POST');
  });

  it('quota: 403 problem JSON naming the limit; GET /quota', async () => {
    const e = await start({ quota: { securityGroups: 1, instances: 1 } });
    expect((await call(e, 'POST', '/security-group', { name: 'a' })).status).toBe(200);
    const over = await call(e, 'POST', '/security-group', { name: 'b' });
    expect(over.status).toBe(403);
    expect(over.json).toMatchObject({ type: '#/http-problem-types/forbidden', status: 403, detail: expect.stringContaining('limit is 1') });
    const { small, ubuntu } = await ids(e);
    const vm = { 'instance-type': { id: small }, template: { id: ubuntu }, 'disk-size': 10 };
    expect((await call(e, 'POST', '/instance', vm)).status).toBe(200);
    expect((await call(e, 'POST', '/instance', vm)).status).toBe(403);
    expect((await call(e, 'GET', '/quota')).json.quotas).toEqual([
      { resource: 'instance', usage: 1, limit: 1 },
      { resource: 'security-group', usage: 1, limit: 1 },
      { resource: 'ssh-key', usage: 0, limit: -1 },
    ]);
  });

  it('409 when deleting a security group an instance still uses', async () => {
    const e = await start({ operationPolls: 0 });
    const { small, ubuntu } = await ids(e);
    const sg = (await call(e, 'POST', '/security-group', { name: 'used' })).json.reference.id;
    const op = await call(e, 'POST', '/instance', { 'instance-type': { id: small }, template: { id: ubuntu }, 'disk-size': 10, 'security-groups': [{ id: sg }] });
    await settle(e, op.json);
    const r = await call(e, 'DELETE', `/security-group/${sg}`);
    expect(r.status).toBe(409);
    expect(r.json).toMatchObject({ type: '#/http-problem-types/conflict', detail: expect.stringContaining(op.json.reference.id) });
    await settle(e, (await call(e, 'DELETE', `/instance/${op.json.reference.id}`)).json);
    expect((await call(e, 'DELETE', `/security-group/${sg}`)).status).toBe(200);
  });
});

describe('operation timing', () => {
  it('operationDelayMs: pending until the (injected) clock has moved on', async () => {
    let t = Date.now();
    const e = await start({ operationDelayMs: 30_000, now: () => t });
    const op = (await call(e, 'POST', '/security-group', { name: 'slow' })).json;
    expect((await call(e, 'GET', `/operation/${op.id}`)).json.state).toBe('pending');
    t += 30_000;
    expect((await call(e, 'GET', `/operation/${op.id}`)).json.state).toBe('success');
  });

  it('a failing backend leaves the instance in error and fails the operation', async () => {
    const backend = new MemoryBackend();
    backend.create = async () => {
      throw new Error('no capacity');
    };
    const e = await start({ backend, operationPolls: 0 });
    const { small, ubuntu } = await ids(e);
    const op = await call(e, 'POST', '/instance', { 'instance-type': { id: small }, template: { id: ubuntu }, 'disk-size': 10 });
    expect(await settle(e, op.json)).toMatchObject({ state: 'failure', reason: 'fault', message: 'no capacity' });
    expect((await call(e, 'GET', `/instance/${op.json.reference.id}`)).json.state).toBe('error');
  });
});

describe('faults', () => {
  it('rate-limit: 429 with Retry-After, only `times` requests, before the signature check', async () => {
    const e = await start();
    e.faults.add({ path: '/v2/zone', kind: 'rate-limit', times: 2, retryAfterSeconds: 7 });
    const first = await fetch(`${e.url}/zone`); // unsigned: the fault still comes first
    expect(first.status).toBe(429);
    expect(first.headers.get('retry-after')).toBe('7');
    expect(await first.json()).toMatchObject({ status: 429 });
    expect((await call(e, 'GET', '/zone')).status).toBe(429);
    expect((await call(e, 'GET', '/zone')).status).toBe(200);
    expect(e.state.requests.map((r) => [r.status, r.fault])).toEqual([[429, 'rate-limit'], [429, 'rate-limit'], [200, undefined]]);
  });

  it('rateLimit: a token bucket (burst, then requestsPerSecond); empty -> 429 + Retry-After in whole seconds, counted, no token taken', async () => {
    let clock = Date.now();
    const e = await start({ rateLimit: { requestsPerSecond: 2, burst: 3 }, now: () => clock });
    for (let n = 0; n < 3; n++) expect((await call(e, 'GET', '/zone')).status).toBe(200);
    const refused = await call(e, 'GET', '/zone');
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(refused.json).toMatchObject({ status: 429, title: 'Too Many Requests' });
    // the client reads it as a retryable RateLimited error that says how long to wait (not waiting itself here)
    const api = new ExoscaleApi({ endpoint: e.url, key: KEY, secret: SECRET, rateLimitWaitMs: 0 });
    const err = await api.listZones().catch((x: unknown) => x);
    expect(err).toBeInstanceOf(ExoscaleApiError);
    expect(err).toMatchObject({ status: 429, type: 'RateLimited', retryable: true, retryAfterMs: 1000 });
    clock += 500; // one token back
    expect((await call(e, 'GET', '/zone')).status).toBe(200);
    expect((await call(e, 'GET', '/zone')).status).toBe(429);
    clock += 60_000; // refills to the burst, not beyond
    for (let n = 0; n < 3; n++) expect((await call(e, 'GET', '/zone')).status).toBe(200);
    expect((await call(e, 'GET', '/zone')).status).toBe(429);
    expect(e.rateLimited()).toEqual({ admitted: 7, rejected: 4 });
    expect(e.state.requests.filter((r) => r.throttled).map((r) => r.status)).toEqual([429, 429, 429, 429]);
    expect(e.state.requests.filter((r) => r.throttled && r.fault)).toEqual([]);
  });

  it('rateLimit: Retry-After rounds the wait for a token up to whole seconds; unsigned requests count too', async () => {
    let clock = Date.now();
    const e = await start({ rateLimit: { requestsPerSecond: 0.25, burst: 1 }, now: () => clock });
    expect((await fetch(`${e.url}/zone`)).status).toBe(401); // takes the only token
    const r = await fetch(`${e.url}/zone`);
    expect(r.status).toBe(429);
    expect(r.headers.get('retry-after')).toBe('4');
    clock += 1000;
    expect((await fetch(`${e.url}/zone`)).headers.get('retry-after')).toBe('3');
    clock += 3000;
    expect((await call(e, 'GET', '/zone')).status).toBe(200);
    expect(e.rateLimited()).toEqual({ admitted: 2, rejected: 2 });
  });

  it('without rateLimit nothing is throttled', async () => {
    const e = await start();
    await Promise.all(Array.from({ length: 50 }, () => call(e, 'GET', '/zone')));
    expect(e.state.requests.every((r) => r.status === 200)).toBe(true);
    expect(e.rateLimited()).toEqual({ admitted: 0, rejected: 0 });
  });

  it('server-error by method and RegExp; rate 0 never fires; clear()', async () => {
    const e = await start();
    e.faults.add({ method: 'POST', path: /^\/v2\/security-group$/, kind: 'server-error', status: 503 });
    e.faults.add({ path: '/v2/zone', kind: 'server-error', rate: 0 });
    expect((await call(e, 'GET', '/security-group')).status).toBe(200);
    const r = await call(e, 'POST', '/security-group', { name: 'x' });
    expect(r.status).toBe(503);
    expect(e.state.securityGroups.size).toBe(0); // nothing happened behind the error
    expect((await call(e, 'GET', '/zone')).status).toBe(200);
    e.faults.clear();
    expect((await call(e, 'POST', '/security-group', { name: 'x' })).status).toBe(200);
  });

  it('reset destroys the connection; latency delays; timeout holds until the client gives up', async () => {
    const e = await start();
    e.faults.add({ path: '/v2/zone', kind: 'reset', times: 1 });
    await expect(call(e, 'GET', '/zone')).rejects.toThrow();
    expect(e.state.requests.at(-1)).toMatchObject({ status: 0, fault: 'reset' });

    e.faults.add({ path: '/v2/zone', kind: 'latency', latencyMs: 150, times: 1 });
    const t0 = Date.now();
    expect((await call(e, 'GET', '/zone')).status).toBe(200);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(140);

    e.faults.add({ path: '/v2/template', kind: 'timeout' });
    const t1 = Date.now();
    await expect(call(e, 'GET', '/template', undefined, { signal: AbortSignal.timeout(200) })).rejects.toThrow();
    expect(Date.now() - t1).toBeLessThan(5_000);
    // a request still held does not keep stop() waiting
    const pending = call(e, 'GET', '/template').catch((err: unknown) => err);
    await sleep(50);
    await e.stop();
    expect(await pending).toBeInstanceOf(Error);
    em = undefined;
  });
});

describe('backend hooks', () => {
  it('securityGroupsChanged after rule changes and membership changes; group refs resolve to member IPs', async () => {
    const seen: { instances: EmulatedInstance[]; rules: ReturnType<typeof firewallRulesFor>[] }[] = [];
    const backend = new MemoryBackend();
    const base = backend.securityGroupsChanged.bind(backend);
    backend.securityGroupsChanged = async (ctx: BackendContext) => {
      await base(ctx);
      const instances = ctx.instances();
      seen.push({ instances, rules: instances.map((i) => firewallRulesFor(i.id, ctx)) });
    };
    const e = await start({ backend, operationPolls: 0 });
    const { small, ubuntu } = await ids(e);
    const sg = (await call(e, 'POST', '/security-group', { name: 'mesh' })).json.reference.id;
    await settle(e, (await call(e, 'POST', `/security-group/${sg}/rules`, { 'flow-direction': 'ingress', protocol: 'udp', 'start-port': 4789, 'end-port': 4789, 'security-group': { id: sg } })).json);
    expect(seen).toHaveLength(1); // rule added, no members yet
    expect(seen[0].instances).toEqual([]);

    const vm = { 'instance-type': { id: small }, template: { id: ubuntu }, 'disk-size': 10, 'security-groups': [{ id: sg }] };
    const a = await call(e, 'POST', '/instance', vm);
    await settle(e, a.json);
    const b = await call(e, 'POST', '/instance', vm);
    await settle(e, b.json);
    expect(seen).toHaveLength(3); // one per created instance
    const last = seen[2];
    expect(last.rules[0]).toEqual([expect.objectContaining({ groupId: sg, flowDirection: 'ingress', protocol: 'udp', startPort: 4789, endPort: 4789, peers: ['198.51.100.1/32', '198.51.100.2/32'] })]);

    const ruleId = (await call(e, 'GET', `/security-group/${sg}`)).json.rules[0].id;
    await settle(e, (await call(e, 'POST', `/security-group/${sg}/rules`, { 'flow-direction': 'ingress', protocol: 'tcp', 'start-port': 22, 'end-port': 22, network: '203.0.113.0/24' })).json);
    expect(seen).toHaveLength(4);
    expect(seen[3].rules[0].map((r) => r.peers)).toEqual([['198.51.100.1/32', '198.51.100.2/32'], ['203.0.113.0/24']]);
    await settle(e, (await call(e, 'DELETE', `/security-group/${sg}/rules/${ruleId}`)).json);
    expect(seen).toHaveLength(5);
    await settle(e, (await call(e, 'DELETE', `/instance/${a.json.reference.id}`)).json);
    expect(seen).toHaveLength(6);
    expect(seen[5].instances.map((i) => i.id)).toEqual([b.json.reference.id]);
    expect(backend.calls.filter((c) => c.op === 'securityGroupsChanged')).toHaveLength(6);
  });
});
