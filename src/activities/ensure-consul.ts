import { ensureContainer, execUntilOk, removeContainer } from '../docker/containers.js';
import { transient } from '../providers/errors.js';
import type { ClusterSpec } from '../types.js';
import { CONSUL_CONTAINER, CONSUL_PORT } from './consul.js';
import { activity, engineOf, liveEngine, type ActivityDeps } from './context.js';

/** Consul runs on the manager as the cluster's key-value store and has a leader. */
export const ensureConsul = (deps: ActivityDeps) =>
  activity(async (input: { spec: ClusterSpec; managerAddress: string }) => {
    const { spec, managerAddress } = input;
    const provider = deps.provider(spec.provider);
    const manager = spec.manager.name;
    await provider.ensureImage(spec.cluster, manager, 'consul');
    const docker = await engineOf(provider, spec.cluster, manager);
    const { action } = await ensureContainer(docker, {
      name: CONSUL_CONTAINER,
      image: 'consul',
      cluster: spec.cluster,
      network: 'host',
      // -bind: gossip and RPC on the manager's address; -client: the HTTP API on every
      // interface, reachable only by group members (security group, TCP 8500).
      // raft_multiplier 1: the timing Consul recommends for production; its default (5,
      // for slow dev machines) makes a fresh server wait ~7 s before electing itself.
      cmd: ['agent', '-server', '-bootstrap-expect=1', '-data-dir=/consul/data', `-bind=${managerAddress}`, '-client=0.0.0.0', '-ui', `-node=${manager}`, '-hcl=performance { raft_multiplier = 1 }'],
    });
    // Ready means a leader accepts writes.
    const last = await execUntilOk(docker, CONSUL_CONTAINER, ['consul', 'kv', 'put', `overlayctl/${spec.cluster}/consul-ready`, 'true'], 30_000);
    if (last === undefined) return { address: `${managerAddress}:${CONSUL_PORT}`, container: action };
    throw transient('ConsulNotReady', `Consul on ${manager} has no leader after 30 s: ${last}`);
  });

export const removeConsul = (deps: ActivityDeps) =>
  activity(async (input: { cluster: string; provider: ClusterSpec['provider']; manager: string }) => {
    const docker = await liveEngine(deps.provider(input.provider), input.cluster, input.manager);
    return { removed: docker ? await removeContainer(docker, CONSUL_CONTAINER) : false };
  });
