import { createInterface } from 'node:readline/promises';
import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { CancelledFailure, WorkflowIdConflictPolicy } from '@temporalio/common';
import type { Command } from 'commander';
import { EXIT, SpecError, UsageError, UserError } from '../../errors.js';
import { localEngine } from '../../providers/local/dockerd.js';
import { provisionWorkflowId } from '../../names.js';
import { stringify } from 'yaml';
import { OVERLAY_CLUSTER, OVERLAY_PROVIDER } from '../../search-attributes.js';
import { classicModeProblem, clusterStoreOf, DEFAULT_SPEC_PATH, loadSpecFile, type ClusterSpec } from '../../spec.js';
import { hostTaskQueue, TASK_QUEUE } from '../../temporal.js';
import type { ClusterProgress, ProvisionInput, ProvisionResult, VerifyReport } from '../../types.js';
import { progressQuery } from '../../workflows/progress.js';
import type { provisionCluster } from '../../workflows/provision-cluster.js';
import { saveClusterSpec } from '../cluster-files.js';
import { ensureSearchAttributes, retryWhileAttributesPropagate } from '../register-search-attributes.js';
import type { CliContext } from '../context.js';
import { dim, green, red } from '../output.js';
import { follow } from '../follow.js';

/** What the Web UI shows for a run: a one-line summary, the spec as details, and search attributes. */
export function runMetadata(spec: ClusterSpec) {
  const hosts = 1 + spec.nodes.length;
  return {
    staticSummary: `${spec.cluster}: ${spec.provider.type}, ${hosts} hosts, ${spec.workloads.length} workloads${spec.mode === 'classic' ? `, classic mode on ${clusterStoreOf(spec)}` : ''}`,
    // the spec holds no secret (passwords are generated in the worker), so it is shown as is
    staticDetails: ['```yaml', stringify(spec).trim(), '```'].join('\n'),
    typedSearchAttributes: [
      { key: OVERLAY_CLUSTER, value: spec.cluster },
      { key: OVERLAY_PROVIDER, value: spec.provider.type },
    ],
  };
}

export function formatReport(report: VerifyReport): string {
  const lines = [`verification from ${report.from}: ${report.ok ? green('passed') : red('FAILED')}`];
  for (const c of report.checks) lines.push(`  ${c.ok ? green('✓') : red('✗')} ${c.name} ${dim(`- ${c.detail}`)}`);
  return lines.join('\n');
}

/**
 * Follows a provisioning run to its end and prints the outcome: the ready cluster and
 * its report, or one error that says what failed and what was done about it.
 */
export async function awaitRun(ctx: CliContext, handle: WorkflowHandle, cluster: string, opts: { json?: boolean; cancelled?: () => boolean }): Promise<void> {
  let result: ProvisionResult;
  try {
    result = await follow(ctx, handle, handle.result() as Promise<ProvisionResult>);
  } catch (err) {
    if (err instanceof WorkflowFailedError && (opts.cancelled?.() || err.cause instanceof CancelledFailure)) {
      throw new UserError(`provisioning ${cluster} was cancelled`, EXIT.interrupted, 'the run removed what it had made');
    }
    if (err instanceof WorkflowFailedError) {
      let cause: Error | undefined = err.cause;
      while (cause?.cause) cause = cause.cause as Error;
      const p = await handle.query(progressQuery).catch(() => undefined);
      const hint =
        p?.afterFailure === 'torn-down'
          ? 'the run tore down what it had made; fix the cause and run `overlayctl up` again'
          : p?.afterFailure === 'incomplete'
            ? `the teardown could not remove: ${p.leftovers?.join(', ')}; run \`overlayctl down ${cluster}\` to finish it`
            : `the cluster is kept as it is; inspect it with \`overlayctl status ${cluster}\`, remove it with \`overlayctl down ${cluster}\``;
      throw new UserError(`provisioning ${cluster} failed: ${cause?.message ?? err.message}`, EXIT.failed, hint);
    }
    throw err;
  }
  if (opts.json) return ctx.out.json(result);
  const lines = [`cluster ${result.cluster} is ready`, ...result.hosts.map((h) => `  ${h.name.padEnd(20)} ${h.address}`), formatReport(result.report)];
  for (const e of result.exposure) lines.push(`exposed: ${e.workload} at ${e.url}`);
  lines.push('', `next: eval "$(overlayctl env ${result.hosts.at(-1)?.name})"; docker ps`, `      overlayctl status ${cluster} | overlayctl verify ${cluster} | overlayctl down ${cluster}`);
  ctx.out.data(lines.join('\n'));
}

/**
 * A cloud provider bills what the run creates: say what, and ask first (or take --yes).
 * Without a terminal to ask on, nothing is created unless --yes says so.
 */
async function confirmCosts(ctx: CliContext, spec: ClusterSpec, yes: boolean): Promise<void> {
  if (spec.provider.type !== 'exoscale') return;
  const p = spec.provider;
  const n = 1 + spec.nodes.length;
  ctx.out.info(`This creates paid resources in Exoscale zone ${p.zone}: ${n} x ${p.instanceType} instances (${p.template}, ${p.diskSize} GiB disk each), 1 security group, 1 SSH key. They run until \`overlayctl down ${spec.cluster}\`.`);
  if (yes) return;
  if (!(process.stdin.isTTY && process.stderr.isTTY)) throw new UsageError('not creating paid resources without confirmation', 'pass --yes to confirm when not running in a terminal');
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  const answer = await rl.question('create them? [y/N] ');
  rl.close();
  if (!/^y(es)?$/i.test(answer.trim())) throw new UserError('nothing was created', EXIT.usage);
}

function detach(cluster: string): never {
  process.stderr.write(`\ndetached: the run goes on. Watch it with \`overlayctl status ${cluster}\`; cancel it with \`overlayctl cancel ${cluster}\`.\n`);
  process.exit(EXIT.interrupted);
}

/**
 * Ctrl-C during `up`: ask (or, with --yes, do not ask) whether to cancel the run, which
 * then tears down what it made; a second Ctrl-C only detaches, the run goes on.
 * Without a terminal to ask on and without --yes, the first Ctrl-C detaches.
 */
function onInterrupt(cluster: string, yes: boolean, cancel: () => Promise<void>): void {
  let count = 0;
  process.on('SIGINT', async () => {
    count += 1;
    if (count > 1) detach(cluster);
    if (!yes && !(process.stdin.isTTY && process.stderr.isTTY)) detach(cluster);
    let confirmed = yes;
    if (!yes) {
      const rl = createInterface({ input: process.stdin, output: process.stderr });
      const answer = await rl.question(`\ncancel the run of ${cluster} and remove what it made? [y/N] `);
      rl.close();
      confirmed = /^y(es)?$/i.test(answer.trim());
    }
    if (!confirmed) detach(cluster);
    await cancel();
  });
}

/**
 * Classic mode on local hosts needs this machine's dockerd to have it: refused here,
 * with exit 2, before a run starts (the run checks again, for workers elsewhere).
 */
async function refuseUnsupportedMode(spec: ClusterSpec): Promise<void> {
  if (spec.mode !== 'classic' || spec.provider.type !== 'local') return;
  const engine = await localEngine();
  const problem = engine && classicModeProblem(spec, engine, "this machine's dockerd");
  if (problem) throw new SpecError(`${spec.cluster}: ${problem}`, [problem], 'nothing was created');
}

export function registerUp(program: Command, context: (cmd: Command) => CliContext): void {
  program
    .command('up')
    .summary('provision and verify a cluster (the default spec: the tutorial)')
    .description('Provision a cluster from a spec as a durable Temporal workflow, verify it, and expose its web workload. Running it again for the same cluster attaches to the running build, or re-checks a finished one: nothing is built twice.')
    .option('-f, --file <spec>', 'cluster spec (YAML)', DEFAULT_SPEC_PATH)
    .option('--keep-on-failure', 'keep what was made when a step fails (default: tear it down)')
    .option('--detach', 'start the run and return its workflow id at once')
    .option('-y, --yes', 'do not ask: create paid cloud resources, and on Ctrl-C cancel the run (removing what it made)')
    .option('--json', 'print the result as JSON')
    .addHelpText('after', '\nExamples:\n  $ overlayctl up\n  $ overlayctl up -f specs/small.yaml --keep-on-failure\n  $ overlayctl up --detach && overlayctl status')
    .action(async (opts: { file: string; keepOnFailure?: boolean; detach?: boolean; json?: boolean; yes?: boolean }, cmd: Command) => {
      const ctx = context(cmd);
      const spec = loadSpecFile(opts.file); // a bad spec exits 2 before anything starts
      await refuseUnsupportedMode(spec);
      await confirmCosts(ctx, spec, opts.yes ?? false);
      const client = await ctx.temporal(true);
      await ensureSearchAttributes(client);
      const input: ProvisionInput = { spec, hostTaskQueue: hostTaskQueue(), keepOnFailure: opts.keepOnFailure ?? false };
      const handle = await retryWhileAttributesPropagate(() =>
        client.workflow.start<typeof provisionCluster>('provisionCluster', {
          taskQueue: TASK_QUEUE,
          workflowId: provisionWorkflowId(spec.cluster),
          args: [input],
          workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
          ...runMetadata(spec),
        }),
      );
      // only a started run has a cluster to speak of (status, down and env read this copy)
      await saveClusterSpec(ctx.paths, spec);
      ctx.out.info(`cluster ${spec.cluster}: workflow ${handle.workflowId} (run ${handle.firstExecutionRunId})`);
      if (opts.detach) {
        if (opts.json) ctx.out.json({ workflowId: handle.workflowId, runId: handle.firstExecutionRunId });
        else ctx.out.data(handle.workflowId);
        return;
      }
      let cancelling = false;
      onInterrupt(spec.cluster, opts.yes ?? false, async () => {
        cancelling = true;
        ctx.out.info(`cancelling ${handle.workflowId}; the run removes what it made (Ctrl-C again detaches)...`);
        await handle.cancel();
      });
      await awaitRun(ctx, handle, spec.cluster, { json: opts.json, cancelled: () => cancelling });
    });
}
