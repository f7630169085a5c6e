import type { Command } from 'commander';
import { devStart, devStatus, devStop, type DevStatus } from '../../dev/dev-server.js';
import type { CliContext } from '../context.js';

function describe(s: DevStatus): string {
  return [
    `server: ${s.server.running ? `running (pid ${s.server.pid}) at ${s.server.address}` : 'stopped'}`,
    `  web ui: ${s.server.uiUrl}`,
    `  history: ${s.server.db}`,
    `  log: ${s.server.log}`,
    `codec server: ${s.codec.running ? `running (pid ${s.codec.pid}) at ${s.codec.url}` : 'stopped'}`,
    `worker: ${s.worker.running ? `running (pid ${s.worker.pid})` : 'stopped'}, task queues ${s.worker.taskQueues.join(', ')}`,
    `  log: ${s.worker.log}`,
  ].join('\n');
}

export function registerDev(program: Command, context: (cmd: Command) => CliContext): void {
  const dev = program
    .command('dev')
    .summary('manage the local Temporal dev server and worker (background processes)')
    .addHelpText('after', '\nExamples:\n  $ overlayctl dev start\n  $ overlayctl dev status --json\n  $ overlayctl dev stop');
  dev
    .command('start')
    .summary('start the dev server and a worker (no-op when they run)')
    .option('--json', 'print the status as JSON')
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      const ctx = context(cmd);
      const s = await devStart(ctx.paths);
      opts.json ? ctx.out.json(s) : ctx.out.data(describe(s));
    });
  dev
    .command('stop')
    .summary('stop the worker and the dev server (history is kept)')
    .option('--json', 'print the status as JSON')
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      const ctx = context(cmd);
      const s = await devStop(ctx.paths);
      opts.json ? ctx.out.json(s) : ctx.out.data(describe(s));
    });
  dev
    .command('status')
    .summary('show pids, the server address and the Web UI URL')
    .option('--json', 'print the status as JSON')
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      const ctx = context(cmd);
      const s = await devStatus(ctx.paths);
      opts.json ? ctx.out.json(s) : ctx.out.data(describe(s));
    });
}
