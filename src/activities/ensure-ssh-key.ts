import type { ClusterSpec } from '../types.js';
import { activity, type ActivityDeps } from './context.js';

/** The key the controller uses to reach hosts is registered (providers whose hosts need none skip it). */
export const ensureSshKey = (deps: ActivityDeps) =>
  activity(async (input: { spec: ClusterSpec }) => {
    const r = await deps.provider(input.spec.provider).ensureSshKey(input.spec.cluster);
    return { skipped: r.skipped, reason: r.reason ?? '' };
  });

export const deleteSshKey = (deps: ActivityDeps) =>
  activity(async (input: { cluster: string; provider: ClusterSpec['provider'] }) => {
    await deps.provider(input.provider).deleteSshKey(input.cluster);
  });
