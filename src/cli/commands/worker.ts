import type { Command } from 'commander';
import { devPorts } from '../../dev/dev-server.js';
import { hostTaskQueue, TASK_QUEUE } from '../../temporal.js';
import { runWorker } from '../../worker.js';
import type { CliContext } from '../context.js';

export function registerWorker(program: Command, context: (cmd: Command) => CliContext): void {
  program
    .command('worker')
    .summary('run a worker in the foreground (for your own Temporal server)')
    .description(`Polls the task queues "${TASK_QUEUE}" (workflows) and this machine's host queue (activities that drive its hosts). Stops on SIGINT/SIGTERM after finishing what it runs.`)
    .addHelpText('after', '\nExamples:\n  $ overlayctl worker --address temporal.example.com:7233\n  $ TEMPORAL_ADDRESS=127.0.0.1:7233 overlayctl worker')
    .action(async (_opts: unknown, cmd: Command) => {
      const ctx = context(cmd);
      const address = ctx.opts.address ?? process.env.TEMPORAL_ADDRESS ?? `127.0.0.1:${devPorts().port}`;
      await runWorker({ address, namespace: ctx.opts.namespace, paths: ctx.paths }, () =>
        ctx.out.info(`worker ready: ${address}, task queues ${TASK_QUEUE} and ${hostTaskQueue()}`),
      );
    });
}
