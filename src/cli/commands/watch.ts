import { WorkflowNotFoundError } from '@temporalio/client';
import type { Command } from 'commander';
import { UserError } from '../../errors.js';
import { provisionWorkflowId } from '../../names.js';
import type { CliContext } from '../context.js';
import { defaultCluster } from './down.js';
import { awaitRun } from './up.js';

export function registerWatch(program: Command, context: (cmd: Command) => CliContext): void {
  program
    .command('watch [cluster]')
    .summary("attach to a cluster's provisioning run (running or finished) and show its progress")
    .option('--json', 'print the result as JSON when the run ends')
    .addHelpText('after', '\nExamples:\n  $ overlayctl up --detach && overlayctl watch\n  $ overlayctl watch tuto')
    .action(async (clusterArg: string | undefined, opts: { json?: boolean }, cmd: Command) => {
      const ctx = context(cmd);
      const cluster = clusterArg ?? defaultCluster();
      const client = await ctx.temporal(false);
      const handle = client.workflow.getHandle(provisionWorkflowId(cluster));
      try {
        await handle.describe();
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) throw new UserError(`cluster ${cluster} has no provisioning run`, 1, 'start one with `overlayctl up`');
        throw err;
      }
      // Ctrl-C only stops watching: the run goes on.
      await awaitRun(ctx, handle, cluster, { json: opts.json });
    });
}
