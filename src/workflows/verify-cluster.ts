// verifyCluster: the checks again, on the live cluster (overlayctl verify).
import { upsertSearchAttributes } from '@temporalio/workflow';
import { OVERLAY_VERIFIED } from '../search-attributes.js';
import type { ClusterSpec, VerifyReport } from '../types.js';
import { activitiesOn } from './activity-proxies.js';

export async function verifyCluster(input: { spec: ClusterSpec; hostTaskQueue: string; exposed: boolean }): Promise<VerifyReport> {
  const acts = activitiesOn(input.hostTaskQueue);
  const hosts = await acts.quick(`find the hosts of ${input.spec.cluster}`).listHosts({ cluster: input.spec.cluster, provider: input.spec.provider });
  const addresses = Object.fromEntries(hosts.map((h) => [h.name, h.address]));
  const report = await acts.verify(`verify connectivity from ${input.spec.verify.from}`).verifyConnectivity({ spec: input.spec, addresses, exposed: input.exposed });
  upsertSearchAttributes([{ key: OVERLAY_VERIFIED, value: report.ok }]);
  return report;
}
