import { WorkflowNotFoundError } from '@temporalio/client';
import type { Command } from 'commander';
import { provisionWorkflowId } from '../../names.js';
import { providerFor } from '../../providers/registry.js';
import { clusterStoreOf, modeOf } from '../../spec.js';
import type { ClusterProgress } from '../../types.js';
import { progressQuery } from '../../workflows/progress.js';
import { requireClusterSpec } from '../cluster-files.js';
import type { CliContext } from '../context.js';
import { formatLine } from '../progress-view.js';
import { defaultCluster } from './down.js';

export interface ClusterStatus {
  cluster: string;
  provider: string;
  /** swarm or classic */
  mode: 'swarm' | 'classic';
  /** classic mode: the store the engines share (consul or etcd) */
  clusterStore?: 'consul' | 'etcd';
  workflow?: { id: string; runId: string; status: string };
  phase?: ClusterProgress['phase'];
  error?: string;
  hosts: { name: string; address: string; state: string }[];
  steps: ClusterProgress['steps'];
}

export async function clusterStatus(ctx: CliContext, cluster: string): Promise<ClusterStatus> {
  const spec = await requireClusterSpec(ctx.paths, cluster);
  const hosts = await providerFor(spec.provider, ctx.paths).listHosts(cluster);
  const status: ClusterStatus = { cluster, provider: spec.provider.type, mode: modeOf(spec), clusterStore: clusterStoreOf(spec), hosts: hosts.map(({ name, address, state }) => ({ name, address, state })), steps: [] };
  const client = await ctx.temporal(false);
  const handle = client.workflow.getHandle(provisionWorkflowId(cluster));
  try {
    const d = await handle.describe();
    status.workflow = { id: d.workflowId, runId: d.runId, status: d.status.name };
    const p = await handle.query(progressQuery);
    Object.assign(status, { phase: p.phase, error: p.error, steps: p.steps });
  } catch (err) {
    if (!(err instanceof WorkflowNotFoundError)) throw err;
  }
  return status;
}

export function registerStatus(program: Command, context: (cmd: Command) => CliContext): void {
  program
    .command('status [cluster]')
    .summary("show a cluster's hosts, addresses and each step's state")
    .option('--json', 'print one JSON document')
    .addHelpText('after', '\nExamples:\n  $ overlayctl status\n  $ overlayctl status tuto --json')
    .action(async (clusterArg: string | undefined, opts: { json?: boolean }, cmd: Command) => {
      const ctx = context(cmd);
      const s = await clusterStatus(ctx, clusterArg ?? defaultCluster());
      if (opts.json) return ctx.out.json(s);
      const mode = s.mode === 'classic' ? `mode classic on ${s.clusterStore}` : `mode ${s.mode}`;
      const lines = [`cluster ${s.cluster} (provider ${s.provider}, ${mode}): ${s.phase ?? 'no run recorded'}${s.workflow ? ` - workflow ${s.workflow.id} ${s.workflow.status}` : ''}`];
      if (s.error) lines.push(`  error: ${s.error}`);
      lines.push('hosts:');
      for (const h of s.hosts) lines.push(`  ${h.name.padEnd(20)} ${h.address.padEnd(16)} ${h.state}`);
      if (s.hosts.length === 0) lines.push('  (none)');
      lines.push('steps:');
      for (const step of s.steps) {
        lines.push(`  ${formatLine(step.title, step)}`);
        for (const c of step.children ?? []) lines.push(`      ${formatLine(c.title, c)}`);
      }
      ctx.out.data(lines.join('\n'));
    });
}
