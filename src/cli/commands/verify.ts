import type { Command } from 'commander';
import { EXIT } from '../../errors.js';
import { OVERLAY_CLUSTER, OVERLAY_PROVIDER } from '../../search-attributes.js';
import { provisionWorkflowId } from '../../names.js';
import { hostTaskQueue, TASK_QUEUE } from '../../temporal.js';
import type { VerifyReport } from '../../types.js';
import { progressQuery } from '../../workflows/progress.js';
import type { verifyCluster } from '../../workflows/verify-cluster.js';
import { requireClusterSpec } from '../cluster-files.js';
import type { CliContext } from '../context.js';
import { ensureSearchAttributes, retryWhileAttributesPropagate } from '../register-search-attributes.js';
import { defaultCluster } from './down.js';
import { formatReport } from './up.js';

export function registerVerify(program: Command, context: (cmd: Command) => CliContext): void {
  program
    .command('verify [cluster]')
    .summary('re-run the connectivity checks on the live cluster (exit 1 if any fails)')
    .option('--json', 'print the report as JSON')
    .addHelpText('after', '\nExamples:\n  $ overlayctl verify\n  $ overlayctl verify tuto --json')
    .action(async (clusterArg: string | undefined, opts: { json?: boolean }, cmd: Command) => {
      const ctx = context(cmd);
      const cluster = clusterArg ?? defaultCluster();
      const spec = await requireClusterSpec(ctx.paths, cluster);
      const client = await ctx.temporal(true);
      await ensureSearchAttributes(client);
      // Exposed ports are expected open once the provisioning run got that far.
      const progress = await client.workflow
        .getHandle(provisionWorkflowId(cluster))
        .query(progressQuery)
        .catch(() => undefined);
      const exposed = progress?.steps.find((s) => s.name === 'exposeWorkload')?.state === 'done';
      const report: VerifyReport = await retryWhileAttributesPropagate(() => client.workflow.execute<typeof verifyCluster>('verifyCluster', {
        taskQueue: TASK_QUEUE,
        workflowId: `${provisionWorkflowId(cluster).replace(/provision$/, 'verify')}-${Date.now()}`,
        args: [{ spec, hostTaskQueue: hostTaskQueue(), exposed }],
        staticSummary: `verify ${cluster} from ${spec.verify.from}`,
        typedSearchAttributes: [
          { key: OVERLAY_CLUSTER, value: cluster },
          { key: OVERLAY_PROVIDER, value: spec.provider.type },
        ],
      }));
      if (opts.json) ctx.out.json(report);
      else ctx.out.data(formatReport(report));
      if (!report.ok) process.exitCode = EXIT.failed;
    });
}
