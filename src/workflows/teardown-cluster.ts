// teardownCluster: everything labelled with the cluster is gone. Works on a
// half-built cluster and when our own state is lost: hosts are found on the provider.
import type { TeardownInput, TeardownResult } from '../types.js';
import { activitiesOn } from './activity-proxies.js';
import { allSettled } from './settle.js';

export async function teardownCluster(input: TeardownInput): Promise<TeardownResult> {
  const acts = activitiesOn(input.hostTaskQueue).teardown;
  const ref = { cluster: input.cluster, provider: input.provider };
  const hosts = await acts(`find the hosts of ${input.cluster}`).listHosts(ref);
  await allSettled(hosts.map((h) => acts(`delete host ${h.name}`).deleteHost({ ...ref, host: h.name })));
  await acts(`delete the ssh key of ${input.cluster}`).deleteSshKey(ref);
  await acts(`delete the security group of ${input.cluster}`).deleteFirewall(ref);
  await acts(`remove what is left of ${input.cluster} (bridge, state)`).deleteClusterResources(ref);
  return { cluster: input.cluster, removedHosts: hosts.map((h) => h.name) };
}
