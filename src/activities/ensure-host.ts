import type { ClusterSpec } from '../types.js';
import { log } from '@temporalio/activity';
import { imagesFor } from '../host-images.js';
import { clusterStoreOf } from '../spec.js';
import { ensureEngineSupportsMode, engineOptions, waitRegistered } from './classic.js';
import { CONSUL_PORT, consulFromMember } from './consul.js';
import { activity, engineOf, hostList, previousPhase, reportPhase, type ActivityDeps } from './context.js';

/**
 * One host's activity gets what it needs, not the whole spec: the workflow schedules one
 * per host, so a spec in each input would make the history (and the workflow task that
 * schedules them) grow with the square of the host count.
 */
export interface HostInput {
  cluster: string;
  provider: ClusterSpec['provider'];
  host: string;
  /** position in the spec, manager first (it fixes a local host's address) */
  index: number;
  /** the images the spec will run on this host (imagesFor), preloaded by this step */
  images?: string[];
  /** classic mode: its engine is checked for cluster-store support; a node's also starts on the store */
  classic?: ClassicHost;
}

export interface ClassicHost {
  store: 'consul' | 'etcd';
  manager: string;
  /** nodes only: the store's URL (consul://…, etcd://…) and the manager's address (Consul's catalog) */
  node?: { clusterStore: string; managerAddress: string };
}

/** The input of runs started before HostInput: the whole spec. */
type LegacyHostInput = { spec: ClusterSpec; host: string };

export function hostInput(input: HostInput | LegacyHostInput): HostInput {
  if (!('spec' in input)) return input;
  const { spec, host } = input;
  const entry = hostList(spec).find((h) => h.name === host);
  if (!entry) throw new Error(`host ${host} is not in the spec of ${spec.cluster}`);
  const store = clusterStoreOf(spec);
  return { cluster: spec.cluster, provider: spec.provider, host, index: entry.index, images: imagesFor(spec, host), classic: store && { store, manager: spec.manager.name } };
}

/**
 * The host exists, runs, its Docker engine answers, and holds the images the spec will
 * run on it. Classic mode: the engine runs a Docker that still has cluster-store, and a
 * node's engine is registered in the store it shares networks through, and in Consul's catalog.
 */
export const ensureHost = (deps: ActivityDeps) =>
  activity(async (input: HostInput | LegacyHostInput) => {
    const { cluster, provider: config, host, index, images = [], classic } = hostInput(input);
    const resumed = previousPhase();
    if (resumed) log.info('retrying ensureHost; the last attempt got to this phase', { host, phase: resumed });
    const provider = deps.provider(config);
    const engine = classic?.node ? engineOptions(classic.node.clusterStore) : undefined;
    const info = await provider.ensureHost({ cluster, name: host, index, engine, onPhase: reportPhase });
    // Best effort: the step that runs an image ensures it again and reports a failure
    // where it matters (e.g. a user's image that only a registry has).
    reportPhase('images');
    await Promise.all(
      images.map((image) =>
        provider.ensureImage(cluster, host, image).catch((err: Error) => log.warn('image not preloaded; the step that runs it will try again', { host, image, error: err.message })),
      ),
    );
    if (classic) {
      reportPhase('engine version');
      const docker = await engineOf(provider, cluster, host);
      await ensureEngineSupportsMode(docker, { mode: 'classic', clusterStore: classic.store }, host);
      if (classic.node) {
        reportPhase('cluster store');
        await waitRegistered(await engineOf(provider, cluster, classic.manager), classic.manager, classic.store, host, info.address);
        // as ensureSwarmMember does in swarm mode: Consul's catalog lists every host
        await provider.ensureImage(cluster, host, 'probe');
        const consul = `http://${classic.node.managerAddress}:${CONSUL_PORT}`;
        await consulFromMember(docker, cluster, 'PUT', `${consul}/v1/catalog/register`, JSON.stringify({ Node: host, Address: info.address, NodeMeta: { 'overlayctl-cluster': cluster } }));
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
