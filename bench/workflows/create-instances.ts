// The hosts step of provisionCluster on its own, for the emulated-cloud benchmark: the
// security group and the SSH key first, then one `ensureHost` activity per host, all at
// once, with the same activity profiles (timeouts, retry policy, summaries) and the same
// wait-for-all as the real workflow. The benchmark's worker gives `ensureHost` an
// implementation that stops once the instance runs (no SSH: the instances are not real).
import { workflowInfo } from '@temporalio/workflow';
import type { ClusterSpec } from '../../src/types.js';
import { activitiesOn } from '../../src/workflows/activity-proxies.js';
import { allSettled } from '../../src/workflows/settle.js';

export interface CreateInstancesInput {
  spec: ClusterSpec;
  hostTaskQueue: string;
}

export interface CreateInstancesResult {
  hosts: { name: string; address: string }[];
  /** workflow clock (ms since epoch) at the start, before the fan-out, after the last host */
  started: number;
  fanOutStarted: number;
  fanOutEnded: number;
}

export async function createInstances(input: CreateInstancesInput): Promise<CreateInstancesResult> {
  const { spec } = input;
  const started = workflowInfo().runStartTime.getTime();
  const acts = activitiesOn(input.hostTaskQueue);
  await acts.quick(`security group of ${spec.cluster}: members only`).ensureFirewall({ spec, exposed: false });
  await acts.quick(`ssh key of ${spec.cluster}`).ensureSshKey({ spec });
  const fanOutStarted = Date.now();
  const hostNames = [spec.manager.name, ...spec.nodes.map((n) => n.name)];
  const ref = { cluster: spec.cluster, provider: spec.provider };
  const hosts = await allSettled(hostNames.map((host, index) => acts.slow(`create host ${host}`).ensureHost({ ...ref, host, index })));
  return { hosts, started, fanOutStarted, fanOutEnded: Date.now() };
}
