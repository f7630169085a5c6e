// /instance, /template, /instance-type. Shapes: contract components/schemas/instance,
// template, instance-type and the create-instance body.
//
// Lifecycle (instance-state enum of the contract): POST -> 'starting' at once, 'running'
// when the backend's create() resolved (the create operation succeeds only then);
// DELETE -> 'destroying' at once, gone (404) when the backend's delete() resolved;
// :stop -> 'stopping' -> 'stopped'; :start -> 'starting' -> 'running'. A backend error
// leaves the instance in 'error' and fails the operation. Steps of one instance run in
// order, so a DELETE during creation waits for the creation to finish.
import { randomUUID } from 'node:crypto';
import type { EmulatedInstance } from './backend.js';
import type { Api, Handler } from './api.js';
import { CreateInstanceBody, StartInstanceBody, conflict, invalid, notFound, parseBody } from './schemas.js';

function macFor(id: string): string {
  const hex = id.replace(/-/g, '');
  return ['06', hex.slice(0, 2), hex.slice(2, 4), hex.slice(4, 6), hex.slice(6, 8), hex.slice(8, 10)].join(':');
}

function renderInstance(api: Api, i: EmulatedInstance, detail: boolean) {
  const keys = i.sshKeyNames.map((name) => {
    const k = api.store.sshKeys.get(name);
    return k ? { name, fingerprint: k.fingerprint } : { name };
  });
  return {
    id: i.id,
    name: i.name,
    state: i.state,
    'instance-type': api.cfg.instanceTypes.find((t) => t.id === i.instanceTypeId) ?? { id: i.instanceTypeId },
    template: api.cfg.templates.find((t) => t.id === i.templateId) ?? { id: i.templateId },
    'disk-size': i.diskSize,
    'public-ip-assignment': i.publicIpAssignment,
    ...(i.publicIp && i.publicIpAssignment !== 'none' ? { 'public-ip': i.publicIp } : {}),
    labels: i.labels,
    'security-groups': i.securityGroupIds.map((id) => ({ id })),
    ...(keys.length ? { 'ssh-key': keys[0] } : {}),
    'ssh-keys': keys,
    'private-networks': [],
    'mac-address': macFor(i.id),
    'created-at': i.createdAt,
    ...(detail && i.userData ? { 'user-data': i.userData } : {}),
  };
}

function instance(api: Api, id: string): EmulatedInstance {
  const i = api.store.instances.get(id);
  if (!i) throw notFound(`instance ${id} not found`);
  return i;
}

/**
 * The labels list filter's syntax is not in the sources (the contract only says it is a
 * string). Our guess: "k=v" pairs separated by ",", all must match; a bare "k" asks for
 * the key to be present. Clients are better off filtering the full list themselves.
 */
function labelsMatch(filter: string, labels: Record<string, string>): boolean {
  return filter
    .split(',')
    .filter(Boolean)
    .every((term) => {
      const eq = term.indexOf('=');
      return eq < 0 ? term in labels : labels[term.slice(0, eq)] === term.slice(eq + 1);
    });
}

export const listInstances: Handler = (api, { query }) => {
  const ip = query.get('ip-address');
  const labels = query.get('labels');
  const managerType = query.get('manager-type');
  if (managerType !== null && managerType !== 'instance-pool') throw invalid([{ location: "query['manager-type']", detail: 'must be instance-pool' }]);
  let list = [...api.store.instances.values()];
  if (query.has('manager-id')) list = []; // no instance pools are emulated
  if (ip !== null) list = list.filter((i) => i.publicIp === ip && i.publicIpAssignment !== 'none');
  if (labels !== null) list = list.filter((i) => labelsMatch(labels, i.labels));
  return { instances: list.map((i) => renderInstance(api, i, false)) };
};

export const getInstance: Handler = (api, { params }) => renderInstance(api, instance(api, params[0]), true);

export const createInstance: Handler = (api, { body }) => {
  const b = parseBody(CreateInstanceBody, body);
  // References must name existing things; a 400 with the location of the bad reference
  // is our choice (the real status for a dangling reference is not in the sources).
  const errors: { detail: string; location: string }[] = [];
  const type = api.cfg.instanceTypes.find((t) => t.id === b['instance-type'].id);
  if (!type) errors.push({ location: "$['instance-type']['id']", detail: `instance type ${b['instance-type'].id} not found` });
  else if (!type.authorized || !type.zones.includes(api.cfg.zone)) errors.push({ location: "$['instance-type']['id']", detail: `instance type ${type.family}.${type.size} is not available` });
  if (!api.cfg.templates.some((t) => t.id === b.template.id)) errors.push({ location: "$['template']['id']", detail: `template ${b.template.id} not found` });
  const groups = b['security-groups'] ?? [];
  groups.forEach((g, n) => {
    if (!api.store.securityGroups.has(g.id)) errors.push({ location: `$['security-groups'][${n}]['id']`, detail: `security group ${g.id} not found` });
    else if (groups.findIndex((o) => o.id === g.id) !== n) errors.push({ location: `$['security-groups'][${n}]`, detail: 'duplicate item (uniqueItems)' });
  });
  const keyRefs: [string, string][] = [];
  if (b['ssh-key']) keyRefs.push([b['ssh-key'].name, "$['ssh-key']['name']"]);
  (b['ssh-keys'] ?? []).forEach((k, n) => keyRefs.push([k.name, `$['ssh-keys'][${n}]['name']`]));
  for (const [name, loc] of keyRefs) if (!api.store.sshKeys.has(name)) errors.push({ location: loc, detail: `SSH key ${name} not found` });
  if (errors.length) throw invalid(errors);
  api.checkQuota('instance', api.cfg.quota.instances, api.store.instances.size);

  const id = randomUUID();
  const inst: EmulatedInstance = {
    id,
    // name is optional in the contract; what the real API picks is not in the sources
    name: b.name ?? `instance-${id.slice(0, 8)}`,
    labels: b.labels ?? {},
    securityGroupIds: groups.map((g) => g.id),
    sshKeyNames: [...new Set(keyRefs.map(([name]) => name))],
    ...(b['user-data'] ? { userData: b['user-data'] } : {}),
    templateId: b.template.id,
    instanceTypeId: b['instance-type'].id,
    state: 'starting',
    diskSize: b['disk-size'],
    publicIpAssignment: b['public-ip-assignment'] ?? 'inet4',
    createdAt: api.isoNow(),
  };
  api.store.instances.set(id, inst);
  const backend = api.cfg.backend;
  return api.operation('create-instance', { id, path: `/instance/${id}` }, () =>
    api.chainInstance(id, async () => {
      try {
        const { publicIp } = await backend.create(structuredClone(inst), api.ctx());
        if (api.stopped) return;
        inst.publicIp = publicIp;
        if (b['auto-start'] === false) await backend.stop?.(structuredClone(inst));
        if (inst.state === 'starting') inst.state = b['auto-start'] === false ? 'stopped' : 'running';
      } catch (err) {
        if (inst.state === 'starting') inst.state = 'error';
        throw err;
      }
      await api.securityGroupsChanged();
    }),
  );
};

export const deleteInstance: Handler = (api, { params }) => {
  const inst = instance(api, params[0]);
  inst.state = 'destroying';
  return api.operation('delete-instance', { id: inst.id, path: `/instance/${inst.id}` }, () =>
    api.chainInstance(inst.id, async () => {
      if (api.store.instances.get(inst.id) !== inst) return; // an earlier DELETE finished it
      try {
        await api.cfg.backend.delete(structuredClone(inst));
      } catch (err) {
        inst.state = 'error';
        throw err;
      }
      if (api.stopped) return;
      api.store.instances.delete(inst.id);
      await api.securityGroupsChanged();
    }),
  );
};

/** :start / :stop. Asking for the state it is already in is a no-op; on a dying instance, 409 (our choice). */
function powerAction(api: Api, id: string, to: 'running' | 'stopped') {
  const inst = instance(api, id);
  if (inst.state === 'destroying') throw conflict(`instance ${id} is being destroyed`);
  const [from, via] = to === 'running' ? (['stopped', 'starting'] as const) : (['running', 'stopping'] as const);
  if (inst.state === from) inst.state = via;
  const command = to === 'running' ? 'start-instance' : 'stop-instance';
  return api.operation(command, { id, path: `/instance/${id}` }, () =>
    api.chainInstance(id, async () => {
      if (api.store.instances.get(id) !== inst || (inst.state !== from && inst.state !== via)) return;
      inst.state = via;
      const copy = structuredClone(inst);
      await (to === 'running' ? api.cfg.backend.start?.(copy) : api.cfg.backend.stop?.(copy));
      if (inst.state === via) inst.state = to;
    }),
  );
}

export const startInstance: Handler = (api, { params, body }) => {
  parseBody(StartInstanceBody, body ?? {}); // rescue profiles are accepted, not emulated
  return powerAction(api, params[0], 'running');
};
export const stopInstance: Handler = (api, { params }) => powerAction(api, params[0], 'stopped');

export const listTemplates: Handler = (api, { query }) => {
  const visibility = query.get('visibility') ?? 'public'; // default when absent: our assumption
  if (visibility !== 'public' && visibility !== 'private') throw invalid([{ location: "query['visibility']", detail: 'must be one of private, public' }]);
  const family = query.get('family');
  return { templates: api.cfg.templates.filter((t) => t.visibility === visibility && (family === null || t.family === family)) };
};

export const getTemplate: Handler = (api, { params }) => {
  const t = api.cfg.templates.find((x) => x.id === params[0]);
  if (!t) throw notFound(`template ${params[0]} not found`);
  return t;
};

export const listInstanceTypes: Handler = (api) => ({ 'instance-types': api.cfg.instanceTypes });

export const getInstanceType: Handler = (api, { params }) => {
  const t = api.cfg.instanceTypes.find((x) => x.id === params[0]);
  if (!t) throw notFound(`instance type ${params[0]} not found`);
  return t;
};
