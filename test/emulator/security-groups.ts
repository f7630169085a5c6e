// /security-group and its rules. Shapes: contract components/schemas/security-group,
// security-group-rule, and the add-rule-to-security-group body.
//
// Changes are visible to reads as soon as the mutating call has answered; the operation
// still starts 'pending'. egoscale relies on this: v2 CreateSecurityGroupRule reads the
// group before and after to find the new rule (the operation's reference.id is the
// GROUP id; the API never returns the rule id directly).
import { randomUUID } from 'node:crypto';
import { isIP } from 'node:net';
import type { EmulatedRule, EmulatedSecurityGroup } from './backend.js';
import type { Api, Handler } from './api.js';
import { AddRuleBody, CreateSecurityGroupBody, conflict, invalid, notFound, parseBody } from './schemas.js';

type RuleBody = ReturnType<typeof AddRuleBody.parse>;

function renderRule(api: Api, r: EmulatedRule) {
  const ref = r.securityGroupId ? api.store.securityGroups.get(r.securityGroupId) : undefined;
  return {
    id: r.id,
    'flow-direction': r.flowDirection,
    protocol: r.protocol,
    ...(r.startPort !== undefined ? { 'start-port': r.startPort, 'end-port': r.endPort } : {}),
    ...(r.network ? { network: r.network } : {}),
    ...(r.securityGroupId ? { 'security-group': { id: r.securityGroupId, ...(ref ? { name: ref.name } : {}) } } : {}),
    ...(r.icmp ? { icmp: r.icmp } : {}),
    ...(r.description ? { description: r.description } : {}),
  };
}

function renderGroup(api: Api, g: EmulatedSecurityGroup) {
  return { id: g.id, name: g.name, description: g.description ?? '', 'external-sources': [], rules: g.rules.map((r) => renderRule(api, r)) };
}

function group(api: Api, id: string): EmulatedSecurityGroup {
  const g = api.store.securityGroups.get(id);
  if (!g) throw notFound(`security group ${id} not found`);
  return g;
}

function validCidr(s: string): boolean {
  const m = /^([^/]+)\/(\d{1,3})$/.exec(s);
  if (!m) return false;
  const family = isIP(m[1]);
  const prefix = Number(m[2]);
  return (family === 4 && prefix <= 32) || (family === 6 && prefix <= 128);
}

/**
 * Rules the schema cannot express. The contract marks only flow-direction and protocol
 * as required; the rest is our reading of what a rule needs (not in the sources):
 * tcp/udp need both ports and start <= end, other protocols take no ports, and a rule
 * names exactly one source: a CIDR `network` or a `security-group` (private ones by id
 * or name; no public groups are emulated).
 */
function toRule(api: Api, b: RuleBody): EmulatedRule {
  const errors: { detail: string; location: string }[] = [];
  const ported = b.protocol === 'tcp' || b.protocol === 'udp';
  if (ported) {
    if (b['start-port'] === undefined) errors.push({ location: "$['start-port']", detail: `required for protocol ${b.protocol}` });
    if (b['end-port'] === undefined) errors.push({ location: "$['end-port']", detail: `required for protocol ${b.protocol}` });
    if (b['start-port'] !== undefined && b['end-port'] !== undefined && b['start-port'] > b['end-port']) {
      errors.push({ location: "$['end-port']", detail: 'must be greater than or equal to start-port' });
    }
  } else if (b['start-port'] !== undefined || b['end-port'] !== undefined) {
    errors.push({ location: "$['start-port']", detail: `ports only apply to tcp and udp, not ${b.protocol}` });
  }
  let securityGroupId: string | undefined;
  const ref = b['security-group'];
  if (b.network !== undefined && ref) errors.push({ location: "$['network']", detail: 'give either network or security-group, not both' });
  else if (b.network === undefined && !ref) errors.push({ location: "$['network']", detail: 'one of network or security-group is required' });
  else if (b.network !== undefined && !validCidr(b.network)) errors.push({ location: "$['network']", detail: `not a CIDR: ${b.network}` });
  else if (ref) {
    const groups = [...api.store.securityGroups.values()];
    const found = ref.visibility === 'public' ? [] : ref.id ? groups.filter((g) => g.id === ref.id) : groups.filter((g) => g.name === ref.name);
    if (!ref.id && !ref.name) errors.push({ location: "$['security-group']", detail: 'id or name is required' });
    else if (found.length !== 1) {
      const what = ref.id ?? ref.name;
      errors.push({ location: "$['security-group']", detail: found.length ? `security group name ${what} is ambiguous` : `${ref.visibility ?? 'private'} security group ${what} not found` });
    } else securityGroupId = found[0].id;
  }
  if (errors.length) throw invalid(errors);
  const icmp = b.protocol === 'icmp' || b.protocol === 'icmpv6' ? { type: b.icmp?.type ?? -1, code: b.icmp?.code ?? -1 } : undefined;
  return {
    id: randomUUID(),
    flowDirection: b['flow-direction'],
    protocol: b.protocol,
    ...(ported ? { startPort: b['start-port'], endPort: b['end-port'] } : {}),
    ...(b.network !== undefined ? { network: b.network } : { securityGroupId }),
    ...(icmp ? { icmp } : {}),
    ...(b.description ? { description: b.description } : {}),
  };
}

export const listSecurityGroups: Handler = (api, { query }) => {
  const visibility = query.get('visibility');
  if (visibility !== null && visibility !== 'private' && visibility !== 'public') {
    throw invalid([{ location: "query['visibility']", detail: 'must be one of private, public' }]);
  }
  // Public groups (Exoscale-maintained source lists) are not emulated.
  const groups = visibility === 'public' ? [] : [...api.store.securityGroups.values()];
  return { 'security-groups': groups.map((g) => renderGroup(api, g)) };
};

export const getSecurityGroup: Handler = (api, { params }) => renderGroup(api, group(api, params[0]));

// Names need not be unique (not documented; reference section 6), so a retried POST
// makes a second group, as it may on the real API.
export const createSecurityGroup: Handler = (api, { body }) => {
  const b = parseBody(CreateSecurityGroupBody, body);
  api.checkQuota('security-group', api.cfg.quota.securityGroups, api.store.securityGroups.size);
  const g: EmulatedSecurityGroup = { id: randomUUID(), name: b.name, ...(b.description ? { description: b.description } : {}), rules: [] };
  api.store.securityGroups.set(g.id, g);
  return api.operation('create-security-group', { id: g.id, path: `/security-group/${g.id}` });
};

/**
 * 409 while an instance is a member: neither the contract nor egoscale says what the
 * API does (egoscale only maps 409 to ErrConflict); refusing is the safe reading, and
 * it makes a client tear down in the right order. Rules of OTHER groups that name this
 * one are dropped with it (our choice; a dangling reference could match nobody anyway).
 */
export const deleteSecurityGroup: Handler = (api, { params }) => {
  const g = group(api, params[0]);
  const users = [...api.store.instances.values()].filter((i) => i.securityGroupIds.includes(g.id));
  if (users.length) throw conflict(`security group ${g.id} is in use by instance(s) ${users.map((i) => i.id).join(', ')}`);
  api.store.securityGroups.delete(g.id);
  for (const other of api.store.securityGroups.values()) other.rules = other.rules.filter((r) => r.securityGroupId !== g.id);
  return api.operation('delete-security-group', { id: g.id, path: `/security-group/${g.id}` }, () => api.securityGroupsChanged());
};

export const addRule: Handler = (api, { params, body }) => {
  const g = group(api, params[0]);
  const rule = toRule(api, parseBody(AddRuleBody, body));
  g.rules.push(rule);
  return api.operation('add-rule-to-security-group', { id: g.id, path: `/security-group/${g.id}` }, () => api.securityGroupsChanged());
};

export const deleteRule: Handler = (api, { params }) => {
  const g = group(api, params[0]);
  if (!g.rules.some((r) => r.id === params[1])) throw notFound(`rule ${params[1]} not found in security group ${g.id}`);
  g.rules = g.rules.filter((r) => r.id !== params[1]);
  return api.operation('delete-rule-from-security-group', { id: g.id, path: `/security-group/${g.id}` }, () => api.securityGroupsChanged());
};
