import type { ClusterSpec } from '../types.js';
import { modeOf } from '../spec.js';
import { log } from '@temporalio/activity';
import { ensureEngineSupportsMode, engineOptions, waitRegistered } from './classic.js';
import { CONSUL_PORT, consulFromMember } from './consul.js';
import { activity, engineOf, hostList, previousPhase, reportPhase, type ActivityDeps } from './context.js';

/**
 * The host exists, runs, and its Docker engine answers. Classic mode: the engine runs a
 * Docker that still has cluster-store, and a node's engine (`clusterStore` given) is
 * registered in the store it shares networks through, and in Consul's catalog.
 */
export const ensureHost = (deps: ActivityDeps) =>
  activity(async (input: { spec: ClusterSpec; host: string; classic?: { clusterStore: string; managerAddress: string } }) => {
    const { spec, host, classic } = input;
    const entry = hostList(spec).find((h) => h.name === host);
    if (!entry) throw new Error(`host ${host} is not in the spec of ${spec.cluster}`);
    const resumed = previousPhase();
    if (resumed) log.info('retrying ensureHost; the last attempt got to this phase', { host, phase: resumed });
    const provider = deps.provider(spec.provider);
    const engine = classic ? engineOptions(classic.clusterStore) : undefined;
    const info = await provider.ensureHost({ cluster: spec.cluster, name: host, index: entry.index, engine, onPhase: reportPhase });
    if (modeOf(spec) === 'classic') {
      reportPhase('engine version');
      const docker = await engineOf(provider, spec.cluster, host);
      await ensureEngineSupportsMode(docker, spec, host);
      if (classic) {
        reportPhase('cluster store');
        await waitRegistered(await engineOf(provider, spec.cluster, spec.manager.name), spec, host, info.address);
        // as ensureSwarmMember does in swarm mode: Consul's catalog lists every host
        await provider.ensureImage(spec.cluster, host, 'probe');
        const consul = `http://${classic.managerAddress}:${CONSUL_PORT}`;
        await consulFromMember(docker, spec.cluster, 'PUT', `${consul}/v1/catalog/register`, JSON.stringify({ Node: host, Address: info.address, NodeMeta: { 'overlayctl-cluster': spec.cluster } }));
      }
    }
    return { name: info.name, address: info.address };
  });

export const deleteHost = (deps: ActivityDeps) =>
  activity(async (input: { cluster: string; provider: ClusterSpec['provider']; host: string }) => {
    await deps.provider(input.provider).deleteHost(input.cluster, input.host);
  });

export const listHosts = (deps: ActivityDeps) =>
  activity(async (input: { cluster: string; provider: ClusterSpec['provider'] }) => {
    return (await deps.provider(input.provider).listHosts(input.cluster)).map((h) => ({ name: h.name, address: h.address }));
  });
