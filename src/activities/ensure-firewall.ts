import { clusterRules } from '../firewall.js';
import type { ClusterSpec } from '../types.js';
import { activity, hostList, type ActivityDeps } from './context.js';

/** The cluster's security group holds the least-privilege rules (plus exposed ports once `exposed`). */
export const ensureFirewall = (deps: ActivityDeps) =>
  activity(async (input: { spec: ClusterSpec; exposed: boolean }) => {
    const { spec, exposed } = input;
    return deps.provider(spec.provider).ensureFirewall({ cluster: spec.cluster, rules: clusterRules(spec, { exposed }), members: hostList(spec) });
  });

export const deleteFirewall = (deps: ActivityDeps) =>
  activity(async (input: { cluster: string; provider: ClusterSpec['provider'] }) => {
    await deps.provider(input.provider).deleteFirewall(input.cluster);
  });
