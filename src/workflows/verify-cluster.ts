// verifyCluster: the checks again, on the live cluster (overlayctl verify).
import type { ClusterSpec, VerifyReport } from '../types.js';
import { activitiesOn } from './activity-proxies.js';

export async function verifyCluster(input: { spec: ClusterSpec; hostTaskQueue: string; exposed: boolean }): Promise<VerifyReport> {
  const acts = activitiesOn(input.hostTaskQueue);
  const hosts = await acts.quick.listHosts({ cluster: input.spec.cluster, provider: input.spec.provider });
  const addresses = Object.fromEntries(hosts.map((h) => [h.name, h.address]));
  return acts.verify.verifyConnectivity({ spec: input.spec, addresses, exposed: input.exposed });
}
