import type { Command } from 'commander';
import { providerFor } from '../../providers/registry.js';
import { UserError } from '../../errors.js';
import { clusterOfHost } from '../cluster-files.js';
import type { CliContext } from '../context.js';

export function registerEnv(program: Command, context: (cmd: Command) => CliContext): void {
  program
    .command('env <host>')
    .summary("print shell exports that point the docker CLI at a host's engine")
    .description('Like `docker-machine env`: the plain docker CLI then talks to that host\'s engine.')
    .option('--json', 'print the variables as JSON')
    .addHelpText('after', '\nExamples:\n  $ eval "$(overlayctl env tuto-node3)"\n  $ docker run --rm --net private-net busybox wget -qO- http://web')
    .action(async (host: string, opts: { json?: boolean }, cmd: Command) => {
      const ctx = context(cmd);
      const spec = await clusterOfHost(ctx.paths, host);
      const provider = providerFor(spec.provider, ctx.paths);
      const live = await provider.listHosts(spec.cluster);
      if (!live.some((h) => h.name === host && h.state === 'running')) {
        throw new UserError(`host ${host} of cluster ${spec.cluster} is not running`, 1, `see \`overlayctl status ${spec.cluster}\``);
      }
      const endpoint = await provider.engine(spec.cluster, host);
      const vars = { DOCKER_HOST: endpoint.kind === 'unix' ? `unix://${endpoint.socketPath}` : `ssh://${endpoint.username}@${endpoint.host}:${endpoint.port}` };
      if (opts.json) return ctx.out.json(endpoint.kind === 'ssh' ? { ...vars, sshIdentityFile: endpoint.privateKeyPath } : vars);
      ctx.out.data(
        [
          `export DOCKER_HOST="${vars.DOCKER_HOST}"`,
          // a context or TLS settings from the user's shell would override or break DOCKER_HOST
          'unset DOCKER_CONTEXT DOCKER_TLS_VERIFY DOCKER_CERT_PATH',
          // the docker CLI reaches ssh:// hosts with the system ssh: it needs the cluster's key
          ...(endpoint.kind === 'ssh' ? [`# the docker CLI uses your ssh: add the cluster's key first: ssh-add ${endpoint.privateKeyPath}`] : []),
          `# Run this command to configure your shell:`,
          `# eval "$(overlayctl env ${host})"`,
        ].join('\n'),
      );
    });
}
