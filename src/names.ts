// Deterministic names: every resource is found again by its name or label, so a
// retried or resumed step never creates anything twice.
import { createHash } from 'node:crypto';

/** Docker label carried by every container, network and image load of a cluster. */
export const CLUSTER_LABEL = 'overlayctl.cluster';

export const TASK_QUEUE = 'overlayctl';

export { provisionWorkflowId, teardownWorkflowId, runClusterName } from './workflow-ids.js';

export function shortHash(...parts: string[]): string {
  return createHash('sha256').update(parts.join('\0')).digest('hex').slice(0, 8);
}

/** Consul KV keys the swarm step writes and the joins read. */
export const consulKeys = (cluster: string) => ({
  managerAddr: `overlayctl/${cluster}/swarm/manager-addr`,
  workerToken: `overlayctl/${cluster}/swarm/worker-token`,
});
