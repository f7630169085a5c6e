import { rm } from 'node:fs/promises';
import { clusterStateDir } from '../paths.js';
import type { ClusterSpec } from '../types.js';
import { activity, type ActivityDeps } from './context.js';

/** The last teardown step: what the provider keeps besides hosts (bridge, runtime files) and the cluster's state folder (secrets included). */
export const deleteClusterResources = (deps: ActivityDeps) =>
  activity(async (input: { cluster: string; provider: ClusterSpec['provider'] }) => {
    await deps.provider(input.provider).deleteClusterResources(input.cluster);
    await rm(clusterStateDir(deps.paths, input.cluster), { recursive: true, force: true });
  });
