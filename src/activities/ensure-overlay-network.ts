import type Docker from 'dockerode';
import { ensureOverlayNetwork as ensureNetwork, findNetwork, removeNetwork } from '../docker/networks.js';
import { transient } from '../providers/errors.js';
import { modeOf, swarmManager } from '../spec.js';
import type { ClusterSpec } from '../types.js';
import { activity, engineOf, liveEngine, reportPhase, type ActivityDeps } from './context.js';

/**
 * The overlay network exists with the requested subnet, created on node 1 (swarm mode:
 * the swarm manager; attachable). Classic mode: it also appears, with scope global, on
 * every node's engine, which learns it from the shared store.
 */
export const ensureOverlayNetwork = (deps: ActivityDeps) =>
  activity(async (input: { spec: ClusterSpec }) => {
    const { spec } = input;
    const provider = deps.provider(spec.provider);
    const classic = modeOf(spec) === 'classic';
    const docker = await engineOf(provider, spec.cluster, swarmManager(spec));
    const want = { name: spec.network.name, subnet: spec.network.subnet, encrypted: spec.network.encrypted, cluster: spec.cluster, attachable: !classic };
    const net = await ensureNetwork(docker, want).catch((err: Error & { statusCode?: number }) => {
      // the engine says why in its own words (e.g. "could not get pools config from store")
      if (classic && err.statusCode !== undefined && err.statusCode >= 500) {
        throw transient('ClusterStoreUnreachable', `creating network ${spec.network.name} on ${swarmManager(spec)} failed, its cluster store (Consul on ${spec.manager.name}) may be down: ${err.message.split('\n')[0]}`);
      }
      throw err;
    });
    if (classic) {
      reportPhase('global on every node');
      for (const n of spec.nodes) await waitGlobal(await engineOf(provider, spec.cluster, n.name), n.name, spec.network.name);
    }
    return { id: net.id, created: net.created, subnet: spec.network.subnet };
  });

/** The network is listed by this engine with scope global (it read it from the store). */
async function waitGlobal(docker: Docker, node: string, name: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'not listed';
  for (;;) {
    const net = await findNetwork(docker, name);
    if (net?.Scope === 'global') return;
    if (net) last = `listed with scope ${net.Scope}`;
    if (Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw transient('NetworkNotShared', `network ${name} is not global on ${node} after ${timeoutMs / 1000} s (${last})`, `its engine reads networks from Consul: see \`overlayctl consul kv ls\` and the engine's log`);
}

export const removeOverlayNetwork = (deps: ActivityDeps) =>
  activity(async (input: { cluster: string; provider: ClusterSpec['provider']; node: string; network: string }) => {
    const docker = await liveEngine(deps.provider(input.provider), input.cluster, input.node);
    return { removed: docker ? await removeNetwork(docker, input.network) : false };
  });
