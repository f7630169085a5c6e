import { WorkflowFailedError, WorkflowNotFoundError } from '@temporalio/client';
import type { Command } from 'commander';
import { EXIT, UserError } from '../../errors.js';
import { provisionWorkflowId } from '../../names.js';
import type { CliContext } from '../context.js';
import { defaultCluster } from './down.js';

export function registerCancel(program: Command, context: (cmd: Command) => CliContext): void {
  program
    .command('cancel [cluster]')
    .summary("cancel a cluster's provisioning run; it removes what it made")
    .option('--json', 'print the result as JSON')
    .addHelpText('after', '\nExamples:\n  $ overlayctl up --detach && overlayctl cancel\n  $ overlayctl cancel tuto')
    .action(async (clusterArg: string | undefined, opts: { json?: boolean }, cmd: Command) => {
      const ctx = context(cmd);
      const cluster = clusterArg ?? defaultCluster();
      const client = await ctx.temporal(false);
      const handle = client.workflow.getHandle(provisionWorkflowId(cluster));
      let status: string;
      try {
        status = (await handle.describe()).status.name;
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) throw new UserError(`cluster ${cluster} has no provisioning run`, EXIT.failed, 'nothing to cancel; `overlayctl down` removes a cluster');
        throw err;
      }
      if (status !== 'RUNNING') throw new UserError(`the provisioning run of ${cluster} is not running (${status})`, EXIT.failed, 'nothing to cancel; `overlayctl down` removes a cluster');
      ctx.out.info(`cancelling ${handle.workflowId}; waiting while it removes what it made...`);
      await handle.cancel();
      const outcome = await handle.result().then(
        () => 'completed before the cancellation reached it',
        (err) => (err instanceof WorkflowFailedError ? 'cancelled; what it made was removed' : `ended: ${(err as Error).message}`),
      );
      const final = (await handle.describe()).status.name;
      if (opts.json) return ctx.out.json({ cluster, workflowId: handle.workflowId, status: final });
      ctx.out.data(`${cluster}: ${outcome} (${final})`);
    });
}
