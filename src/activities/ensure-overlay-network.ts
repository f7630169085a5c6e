import { ensureOverlayNetwork as ensureNetwork, removeNetwork } from '../docker/networks.js';
import { swarmManager } from '../spec.js';
import type { ClusterSpec } from '../types.js';
import { activity, engineOf, liveEngine, type ActivityDeps } from './context.js';

/** The attachable overlay network exists with the requested subnet (created on the swarm manager). */
export const ensureOverlayNetwork = (deps: ActivityDeps) =>
  activity(async (input: { spec: ClusterSpec }) => {
    const { spec } = input;
    const docker = await engineOf(deps.provider(spec.provider), spec.cluster, swarmManager(spec));
    const net = await ensureNetwork(docker, { name: spec.network.name, subnet: spec.network.subnet, encrypted: spec.network.encrypted, cluster: spec.cluster });
    return { id: net.id, created: net.created, subnet: spec.network.subnet };
  });

export const removeOverlayNetwork = (deps: ActivityDeps) =>
  activity(async (input: { cluster: string; provider: ClusterSpec['provider']; node: string; network: string }) => {
    const docker = await liveEngine(deps.provider(input.provider), input.cluster, input.node);
    return { removed: docker ? await removeNetwork(docker, input.network) : false };
  });
