// The worker: workflows on the shared task queue, activities on this machine's queue
// (they drive the local provider's namespaces and sockets). One process, two pollers.
import { fileURLToPath } from 'node:url';
import { NativeConnection, Worker } from '@temporalio/worker';
import { createActivities } from './activities/index.js';
import type { Paths } from './paths.js';
import { providerFor } from './providers/registry.js';
import { DEFAULT_NAMESPACE, hostTaskQueue, TASK_QUEUE } from './temporal.js';

export const WORKFLOWS_PATH = fileURLToPath(new URL('./workflows/index.ts', import.meta.url));

export interface WorkerOptions {
  address: string;
  namespace?: string;
  paths: Paths;
  hostQueue?: string;
}

export async function createWorkers(opts: WorkerOptions): Promise<{ workers: Worker[]; connection: NativeConnection }> {
  const connection = await NativeConnection.connect({ address: opts.address });
  const namespace = opts.namespace ?? DEFAULT_NAMESPACE;
  const activities = createActivities({ paths: opts.paths, provider: (config) => providerFor(config, opts.paths) });
  const workflows = await Worker.create({ connection, namespace, taskQueue: TASK_QUEUE, workflowsPath: WORKFLOWS_PATH });
  const hostBound = await Worker.create({ connection, namespace, taskQueue: opts.hostQueue ?? hostTaskQueue(), activities, maxConcurrentActivityTaskExecutions: 64 });
  return { workers: [workflows, hostBound], connection };
}

/** Runs until SIGINT/SIGTERM (the SDK's shutdown signals), then drains and returns. */
export async function runWorker(opts: WorkerOptions, onReady?: () => void): Promise<void> {
  const { workers, connection } = await createWorkers(opts);
  onReady?.();
  try {
    await Promise.all(workers.map((w) => w.run()));
  } finally {
    await connection.close();
  }
}
