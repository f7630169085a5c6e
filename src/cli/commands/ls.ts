import type { Client } from '@temporalio/client';
import type { Command } from 'commander';
import { provisionWorkflowId } from '../../names.js';
import { providerFor } from '../../providers/registry.js';
import { OVERLAY_VERIFIED } from '../../search-attributes.js';
import type { ClusterSpec } from '../../spec.js';
import { progressQuery } from '../../workflows/progress.js';
import { knownClusters } from '../cluster-files.js';
import type { CliContext } from '../context.js';
import { table } from '../output.js';

export interface ClusterRow {
  cluster: string;
  provider: string;
  /** the provisioning run's phase (ready, failed, provisioning...), or its status when it cannot be asked */
  state: string;
  hosts: number;
  /** when the provisioning run started */
  startedAt?: string;
  ageSeconds?: number;
  /** the newest verification (provisioning run or `verify`): passed or not, and when */
  lastVerification?: { ok: boolean; at: string; workflowId: string };
}

async function lastVerification(client: Client, cluster: string): Promise<ClusterRow['lastVerification']> {
  let newest: ClusterRow['lastVerification'];
  for await (const wf of client.workflow.list({ query: `OverlayCluster = '${cluster}' AND OverlayVerified IS NOT NULL` })) {
    const ok = wf.typedSearchAttributes.get(OVERLAY_VERIFIED);
    const at = (wf.closeTime ?? wf.startTime).toISOString();
    if (ok !== undefined && (!newest || at > newest.at)) newest = { ok, at, workflowId: wf.workflowId };
  }
  return newest;
}

async function row(ctx: CliContext, client: Client | undefined, spec: ClusterSpec): Promise<ClusterRow> {
  const hosts = await providerFor(spec.provider, ctx.paths).listHosts(spec.cluster);
  const r: ClusterRow = { cluster: spec.cluster, provider: spec.provider.type, state: hosts.length ? 'unknown' : 'no hosts', hosts: hosts.length };
  if (!client) return r;
  const handle = client.workflow.getHandle(provisionWorkflowId(spec.cluster));
  try {
    const d = await handle.describe();
    r.startedAt = d.startTime.toISOString();
    r.ageSeconds = Math.round((Date.now() - d.startTime.getTime()) / 1000);
    r.state = (await handle.query(progressQuery).catch(() => undefined))?.phase ?? d.status.name.toLowerCase();
  } catch {
    // no provisioning run recorded on this server
  }
  r.lastVerification = await lastVerification(client, spec.cluster).catch(() => undefined);
  return r;
}

function age(seconds?: number): string {
  if (seconds === undefined) return '-';
  if (seconds < 120) return `${seconds}s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)}m`;
  if (seconds < 172800) return `${Math.round(seconds / 3600)}h`;
  return `${Math.round(seconds / 86400)}d`;
}

export function registerLs(program: Command, context: (cmd: Command) => CliContext): void {
  program
    .command('ls')
    .summary('list clusters: state, provider, host count, age, last verification')
    .option('--json', 'print one JSON document')
    .addHelpText('after', '\nExamples:\n  $ overlayctl ls\n  $ overlayctl ls --json')
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      const ctx = context(cmd);
      const specs = await knownClusters(ctx.paths);
      const client = await ctx.temporal(false).catch(() => undefined); // the provider still answers without a server
      const rows = await Promise.all(specs.map((s) => row(ctx, client, s)));
      if (opts.json) return ctx.out.json({ clusters: rows });
      if (rows.length === 0) return ctx.out.data('no clusters (create one with `overlayctl up`)');
      const lines = [['CLUSTER', 'STATE', 'PROVIDER', 'HOSTS', 'AGE', 'LAST VERIFICATION']];
      for (const r of rows) {
        const v = r.lastVerification ? `${r.lastVerification.ok ? 'passed' : 'FAILED'} ${r.lastVerification.at}` : '-';
        lines.push([r.cluster, r.state, r.provider, String(r.hosts), age(r.ageSeconds), v]);
      }
      ctx.out.data(table(lines));
    });
}
