import type { ClusterSpec } from '../types.js';
import { activity, type ActivityDeps } from './context.js';

/** The key the controller uses to reach hosts. Local hosts are reached over unix sockets: none needed. */
export const ensureSshKey = (_deps: ActivityDeps) =>
  activity(async (input: { spec: ClusterSpec }) => {
    return { skipped: input.spec.provider.type === 'local', reason: 'local hosts are reached over unix sockets' };
  });

export const deleteSshKey = (_deps: ActivityDeps) =>
  activity(async (_input: { cluster: string; provider: ClusterSpec['provider'] }) => {
    return { skipped: true };
  });
