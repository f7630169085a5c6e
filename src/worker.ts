// The worker: workflows on the shared task queue, activities on this machine's queue
// (they drive the local provider's namespaces and sockets). One process, two pollers.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Context } from '@temporalio/activity';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { JsonLineLogger, TeeLogger, workerLogFile } from './logging/worker-log.js';
import { createActivities } from './activities/index.js';
import { dataConverter } from './codec/data-converter.js';
import type { Paths } from './paths.js';
import { parseFaultPlan, withFaults } from './providers/faults.js';
import { providerFor } from './providers/registry.js';
import { connectClient, DEFAULT_NAMESPACE, hostTaskQueue, TASK_QUEUE } from './temporal.js';
import type { Client } from '@temporalio/client';

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
  const envFaults = parseFaultPlan(process.env.OVERLAYCTL_FAULTS);
  let client: Promise<Client> | undefined;
  const activities = createActivities({
    paths: opts.paths,
    client: () => (client ??= connectClient(opts.address, opts.paths, namespace)),
    // Faults (from the spec or OVERLAYCTL_FAULTS) sit in front of the provider; the
    // running activity's name lets a rule target one step.
    provider: (config) => {
      const info = Context.current().info;
      return withFaults(providerFor(config, opts.paths), [...parseFaultPlan(config.faults), ...envFaults], {
        activity: info.activityType,
        // crash rules are for provisioning runs: `down` and `verify` must stay usable
        crashMarker: info.workflowType === 'provisionCluster' ? join(opts.paths.state, 'crashes', `${info.activityType}@${info.workflowExecution?.runId}`) : undefined,
      });
    },
  });
  const converter = dataConverter(opts.paths);
  const workflows = await Worker.create({ connection, namespace, taskQueue: TASK_QUEUE, workflowsPath: WORKFLOWS_PATH, dataConverter: converter });
  const hostBound = await Worker.create({
    connection,
    namespace,
    taskQueue: opts.hostQueue ?? hostTaskQueue(),
    activities,
    dataConverter: converter,
    maxConcurrentActivityTaskExecutions: 64,
  });
  return { workers: [workflows, hostBound], connection };
}

/** Runs until SIGINT/SIGTERM (the SDK's shutdown signals), then drains and returns. */
export async function runWorker(opts: WorkerOptions, onReady?: () => void): Promise<void> {
  // Structured log (JSON lines) in the state folder, warnings also on stderr.
  Runtime.install({ logger: new TeeLogger([new JsonLineLogger(workerLogFile(opts.paths)), new DefaultLogger('WARN')]) });
  const { workers, connection } = await createWorkers(opts);
  onReady?.();
  try {
    await Promise.all(workers.map((w) => w.run()));
  } finally {
    await connection.close();
  }
}
