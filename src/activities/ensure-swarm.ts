// Cluster formation with Consul as the key-value store, as in the tutorial: the
// first node initialises the swarm and its address and join token are written to
// Consul; every other node reads them from Consul and joins; every node registers
// in Consul's catalog. The token never leaves the worker (not returned, not logged).
import { ensureSwarmInit, ensureSwarmMember as joinSwarm, isMemberOf, leaveSwarm as leave, workerJoinToken } from '../docker/swarm.js';
import { consulKeys } from '../names.js';
import { swarmManager } from '../spec.js';
import type { ClusterSpec } from '../types.js';
import { CONSUL_PORT, consulFromMember, consulPut } from './consul.js';
import { activity, engineOf, liveEngine, type ActivityDeps } from './context.js';

/** Node 1 is the swarm manager; its address and the worker token are in Consul's KV store. */
export const ensureSwarm = (deps: ActivityDeps) =>
  activity(async (input: { spec: ClusterSpec; addresses: Record<string, string> }) => {
    const { spec, addresses } = input;
    const provider = deps.provider(spec.provider);
    const first = swarmManager(spec);
    const docker = await engineOf(provider, spec.cluster, first);
    const clusterId = await ensureSwarmInit(docker, addresses[first]);
    const manager = await engineOf(provider, spec.cluster, spec.manager.name);
    const keys = consulKeys(spec.cluster);
    await consulPut(manager, keys.managerAddr, `${addresses[first]}:2377`);
    await consulPut(manager, keys.workerToken, await workerJoinToken(docker));
    return { clusterId, managerNode: first };
  });

/**
 * What one node's join needs, not the whole spec and every address: the workflow runs
 * one per node, so those would make the history grow with the square of the node count.
 */
export interface SwarmMemberInput {
  cluster: string;
  provider: ClusterSpec['provider'];
  node: string;
  /** the address of the host that runs Consul */
  managerAddress: string;
  /** the first node, which started the swarm */
  swarmManager: string;
  /** this node's address */
  address: string;
}

/** The input of runs started before SwarmMemberInput. */
type LegacySwarmMemberInput = { spec: ClusterSpec; node: string; addresses: Record<string, string> };

export function swarmMemberInput(input: SwarmMemberInput | LegacySwarmMemberInput): SwarmMemberInput {
  if (!('spec' in input)) return input;
  const { spec, node, addresses } = input;
  return { cluster: spec.cluster, provider: spec.provider, node, managerAddress: addresses[spec.manager.name], swarmManager: swarmManager(spec), address: addresses[node] };
}

/** The node is registered in Consul's catalog and is a member of the swarm `clusterId`. */
export const ensureSwarmMember = (deps: ActivityDeps) =>
  activity(async (input: SwarmMemberInput | LegacySwarmMemberInput) => {
    const { cluster, node, managerAddress, swarmManager: first, address, ...ref } = swarmMemberInput(input);
    const provider = deps.provider(ref.provider);
    await provider.ensureImage(cluster, node, 'probe');
    const docker = await engineOf(provider, cluster, node);
    const consul = `http://${managerAddress}:${CONSUL_PORT}`;
    await consulFromMember(docker, cluster, 'PUT', `${consul}/v1/catalog/register`, JSON.stringify({ Node: node, Address: address, NodeMeta: { 'overlayctl-cluster': cluster } }));
    if (node === first) return { node, membership: 'manager' };
    const manager = await engineOf(provider, cluster, first);
    if (await isMemberOf(manager, docker)) return { node, membership: 'member' };
    const keys = consulKeys(cluster);
    const managerAddr = (await consulFromMember(docker, cluster, 'GET', `${consul}/v1/kv/${keys.managerAddr}?raw`)).trim();
    const token = (await consulFromMember(docker, cluster, 'GET', `${consul}/v1/kv/${keys.workerToken}?raw`)).trim();
    return { node, membership: await joinSwarm(manager, docker, { managerAddr, token, address }) };
  });

export const leaveSwarm = (deps: ActivityDeps) =>
  activity(async (input: { cluster: string; provider: ClusterSpec['provider']; node: string }) => {
    const docker = await liveEngine(deps.provider(input.provider), input.cluster, input.node);
    if (docker) await leave(docker);
    return { left: docker !== undefined };
  });
