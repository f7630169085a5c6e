import type { ClusterSpec } from '../types.js';
import { log } from '@temporalio/activity';
import { activity, hostList, previousPhase, reportPhase, type ActivityDeps } from './context.js';

/** The host exists, runs, and its Docker engine answers. */
export const ensureHost = (deps: ActivityDeps) =>
  activity(async (input: { spec: ClusterSpec; host: string }) => {
    const { spec, host } = input;
    const entry = hostList(spec).find((h) => h.name === host);
    if (!entry) throw new Error(`host ${host} is not in the spec of ${spec.cluster}`);
    const resumed = previousPhase();
    if (resumed) log.info('retrying ensureHost; the last attempt got to this phase', { host, phase: resumed });
    const info = await deps.provider(spec.provider).ensureHost({ cluster: spec.cluster, name: host, index: entry.index, onPhase: reportPhase });
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
