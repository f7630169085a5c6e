// teardownCluster: everything labelled with the cluster is gone. Works on a
// half-built cluster and when our own state is lost: hosts are found on the provider.
import type { TeardownInput, TeardownResult } from '../types.js';
import { activitiesOn } from './activity-proxies.js';
import { allSettled } from './settle.js';

export async function teardownCluster(input: TeardownInput): Promise<TeardownResult> {
  const acts = activitiesOn(input.hostTaskQueue).teardown;
  const ref = { cluster: input.cluster, provider: input.provider };
  const hosts = await acts.listHosts(ref);
  await allSettled(hosts.map((h) => acts.deleteHost({ ...ref, host: h.name })));
  await acts.deleteSshKey(ref);
  await acts.deleteFirewall(ref);
  await acts.deleteClusterResources(ref);
  return { cluster: input.cluster, removedHosts: hosts.map((h) => h.name) };
}
