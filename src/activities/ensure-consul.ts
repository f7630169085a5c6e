import { ensureContainer, execIn, removeContainer } from '../docker/containers.js';
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
    const deadline = Date.now() + 30_000;
    let last = '';
    while (Date.now() < deadline) {
      const out = await execIn(docker, CONSUL_CONTAINER, ['consul', 'kv', 'put', `overlayctl/${spec.cluster}/consul-ready`, 'true']).catch((e: Error) => ({ code: 1, stdout: '', stderr: e.message }));
      if (out.code === 0) return { address: `${managerAddress}:${CONSUL_PORT}`, container: action };
      last = (out.stderr || out.stdout).trim();
      await new Promise((r) => setTimeout(r, 250));
    }
    throw transient('ConsulNotReady', `Consul on ${manager} has no leader after 30 s: ${last}`);
  });

export const removeConsul = (deps: ActivityDeps) =>
  activity(async (input: { cluster: string; provider: ClusterSpec['provider']; manager: string }) => {
    const docker = await liveEngine(deps.provider(input.provider), input.cluster, input.manager);
    return { removed: docker ? await removeContainer(docker, CONSUL_CONTAINER) : false };
  });
