import { WorkflowIdConflictPolicy } from '@temporalio/common';
import { WorkflowNotFoundError } from '@temporalio/client';
import type { Command } from 'commander';
import { provisionWorkflowId, teardownWorkflowId } from '../../names.js';
import { DEFAULT_SPEC_PATH, loadSpecFile } from '../../spec.js';
import { hostTaskQueue, TASK_QUEUE } from '../../temporal.js';
import type { TeardownInput, TeardownResult } from '../../types.js';
import type { teardownCluster } from '../../workflows/teardown-cluster.js';
import { loadClusterSpec } from '../cluster-files.js';
import type { CliContext } from '../context.js';

export function defaultCluster(): string {
  return loadSpecFile(DEFAULT_SPEC_PATH).cluster;
}

export function registerDown(program: Command, context: (cmd: Command) => CliContext): void {
  program
    .command('down [cluster]')
    .summary('tear a cluster down; nothing it made is left')
    .description('Remove every host, rule, network and file of the cluster (found on the provider, so it also works on a half-built cluster). A provisioning run still in progress is cancelled first.')
    .option('--json', 'print the result as JSON')
    .addHelpText('after', '\nExamples:\n  $ overlayctl down\n  $ overlayctl down tuto')
    .action(async (clusterArg: string | undefined, opts: { json?: boolean }, cmd: Command) => {
      const ctx = context(cmd);
      const cluster = clusterArg ?? defaultCluster();
      const spec = await loadClusterSpec(ctx.paths, cluster);
      const client = await ctx.temporal(true);
      const provision = client.workflow.getHandle(provisionWorkflowId(cluster));
      try {
        if ((await provision.describe()).status.name === 'RUNNING') {
          ctx.out.info(`cancelling the provisioning run of ${cluster} first...`);
          await provision.cancel();
          await provision.result().catch(() => undefined);
        }
      } catch (err) {
        if (!(err instanceof WorkflowNotFoundError)) throw err;
      }
      const input: TeardownInput = { cluster, provider: spec?.provider ?? { type: 'local', subnet: '10.213.0.0/24' }, hostTaskQueue: hostTaskQueue() };
      ctx.out.info(`tearing down ${cluster}...`);
      const result: TeardownResult = await client.workflow.execute<typeof teardownCluster>('teardownCluster', {
        taskQueue: TASK_QUEUE,
        workflowId: teardownWorkflowId(cluster),
        args: [input],
        workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
      });
      if (opts.json) return ctx.out.json(result);
      ctx.out.data(result.removedHosts.length ? `cluster ${cluster} removed (${result.removedHosts.join(', ')})` : `cluster ${cluster}: nothing was left to remove`);
    });
}
