// Classic mode (the tutorial's own mechanism): no swarm; every node's engine is started
// with --cluster-store=<store>://MANAGER:PORT --cluster-advertise=eth0:2376 and shares
// overlay networks through that key-value store. Docker 23 removed the options.
import type Docker from 'dockerode';
import { permanent, transient } from '../providers/errors.js';
import { classicModeProblem, modeOf } from '../spec.js';
import type { ClusterSpec } from '../types.js';
import { STORE_PORT, storeKeys, type StoreKind } from './cluster-store.js';
import { activity, type ActivityDeps } from './context.js';

/** The interface (and the tutorial's port) each engine advertises in the store. */
export const CLUSTER_ADVERTISE_INTERFACE = 'eth0';
export const CLUSTER_ADVERTISE_PORT = 2376;
/** Where engines register themselves (docker/pkg/discovery/kv); networks live under docker/network/. */
export const DISCOVERY_PREFIX = 'docker/nodes/';

export function engineOptions(clusterStore: string) {
  return { clusterStore, clusterAdvertise: `${CLUSTER_ADVERTISE_INTERFACE}:${CLUSTER_ADVERTISE_PORT}` };
}

/** The key an engine advertising `address` registers under. */
export const registrationKey = (address: string) => `${DISCOVERY_PREFIX}${address}:${CLUSTER_ADVERTISE_PORT}`;

/**
 * Before anything is created: classic mode on an engine that no longer has it (or lacks
 * the store's backend) is refused, non-retryably, naming what was found and the way out.
 * Where the engine is only known once a host runs (cloud images), the manager's engine
 * is checked as soon as it answers, before any node exists (ensureEngineSupportsMode).
 */
export const checkClassicMode = (deps: ActivityDeps) =>
  activity(async (input: { spec: ClusterSpec }) => {
    const { spec } = input;
    const engine = await deps.provider(spec.provider).plannedEngine();
    if (engine === undefined) return { engine: 'unknown until the manager answers' };
    const problem = classicModeProblem(spec, engine, `this machine's dockerd`);
    if (problem) throw permanent('ClassicModeUnsupported', problem);
    return { engine: engine.version };
  });

/** A running engine of `host` can run the spec's mode (classic: Docker older than 23). */
export async function ensureEngineSupportsMode(docker: Docker, spec: Pick<ClusterSpec, 'mode' | 'clusterStore'>, host: string): Promise<void> {
  if (modeOf(spec) !== 'classic') return;
  const version = ((await docker.version()) as { Version: string }).Version;
  const problem = classicModeProblem(spec, { version }, `the engine of ${host}`);
  if (problem) throw permanent('ClassicModeUnsupported', problem);
}

/**
 * The engine at `address` has registered itself in the store: proof that it reaches
 * it. Engines retry on their own (every 20 s), so a store that comes back is found by a
 * later attempt of the step; until then, a retryable failure that says so.
 */
export async function waitRegistered(manager: Docker, managerName: string, kind: StoreKind, node: string, address: string, timeoutMs = 45_000): Promise<void> {
  const key = registrationKey(address);
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    try {
      if ((await storeKeys(manager, managerName, kind, DISCOVERY_PREFIX)).includes(key)) return;
      last = `${key} is not in ${kind}`;
    } catch (err) {
      last = (err as Error).message;
    }
    if (Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 1000));
  }
  throw transient(
    'ClusterStoreUnreachable',
    `the engine of ${node} does not reach its cluster store (${kind} on ${managerName}, TCP ${STORE_PORT[kind]}): ${last}`,
    `check that ${kind} runs on ${managerName} and that TCP ${STORE_PORT[kind]} is open to ${node}; the engine's log says more ("discovery")`,
  );
}
