import type { Command } from 'commander';
import { UserError } from '../../errors.js';
import { readSecret } from '../../secrets.js';
import { requireClusterSpec } from '../cluster-files.js';
import type { CliContext } from '../context.js';

export function registerSecret(program: Command, context: (cmd: Command) => CliContext): void {
  program
    .command('secret <cluster> <name>')
    .summary("print one of a cluster's secrets (e.g. the database's root password)")
    .description('Secrets are generated on first use and kept with mode 0600 in the cluster\'s state folder; this is the only command that prints one.')
    .addHelpText('after', '\nExamples:\n  $ PW=$(overlayctl secret tuto database)\n  $ docker run --rm --net private-net mysql mysql -h database -uroot -p"$PW" -e "select 1"')
    .action(async (cluster: string, name: string, _opts: unknown, cmd: Command) => {
      const ctx = context(cmd);
      const spec = await requireClusterSpec(ctx.paths, cluster);
      const value = await readSecret(ctx.paths, cluster, name);
      if (value === undefined) {
        const names = spec.workloads.filter((w) => w.kind === 'mysql').map((w) => w.name);
        throw new UserError(`cluster ${cluster} has no secret named "${name}"`, 1, names.length ? `secrets of this cluster: ${names.join(', ')}` : 'this cluster has no secrets');
      }
      ctx.out.data(value);
    });
}
