// Records the histories the replay test runs against the current workflow code:
// a complete run, a failed run (with compensation), a cancelled run, a run that
// keeps what it made, a teardown and a verification. Run it when a workflow change is
// intended to change histories (npm run replay:record), and read the README's note on
// patching first: in-flight runs replay against the new code too.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { loadSpecFile } from '../../src/spec.js';
import type { ProvisionInput } from '../../src/types.js';
import { FakeActivities, WorkflowHarness, type RunContext } from '../workflow/harness.js';

const DIR = join(import.meta.dirname, 'histories');
const spec = loadSpecFile();

async function provision(ctx: RunContext, extra: Partial<ProvisionInput> = {}): Promise<WorkflowHandle> {
  return ctx.client.workflow.start('provisionCluster', {
    taskQueue: ctx.taskQueue,
    workflowId: `replay-${ctx.id}`,
    args: [{ spec, hostTaskQueue: ctx.hostTaskQueue, ...extra }],
  });
}

async function settle(handle: WorkflowHandle): Promise<void> {
  await handle.result().catch(() => undefined);
}

const classic = { ...spec, mode: 'classic' as const, clusterStore: 'etcd' as const };

const scenarios: Record<string, { fake: () => FakeActivities; run: (ctx: RunContext) => Promise<WorkflowHandle> }> = {
  'provision-complete': {
    fake: () => new FakeActivities(),
    run: async (ctx) => {
      const h = await provision(ctx);
      await settle(h);
      return h;
    },
  },
  'provision-classic-complete': {
    fake: () => new FakeActivities(),
    run: async (ctx) => {
      const h = await provision(ctx, { spec: classic });
      await settle(h);
      return h;
    },
  },
  'provision-classic-failed-compensated': {
    fake: () => new FakeActivities().fail('ensureOverlayNetwork'),
    run: async (ctx) => {
      const h = await provision(ctx, { spec: classic });
      await settle(h);
      return h;
    },
  },
  'provision-failed-compensated': {
    fake: () => new FakeActivities().fail('ensureWorkload', 'web'),
    run: async (ctx) => {
      const h = await provision(ctx);
      await settle(h);
      return h;
    },
  },
  'provision-failed-kept': {
    fake: () => new FakeActivities().fail('verifyConnectivity'),
    run: async (ctx) => {
      const h = await provision(ctx, { keepOnFailure: true });
      await settle(h);
      return h;
    },
  },
  'provision-cancelled': {
    fake: () => new FakeActivities().delay('ensureConsul', 3_000),
    run: async (ctx) => {
      const h = await provision(ctx);
      await new Promise((r) => setTimeout(r, 1_000));
      await h.cancel();
      await settle(h);
      return h;
    },
  },
  'teardown': {
    fake: () => {
      const f = new FakeActivities();
      f.hosts = [
        { name: 'tuto-manager', address: '10.213.0.10' },
        { name: 'tuto-node1', address: '10.213.0.11' },
      ];
      return f;
    },
    run: async (ctx) => {
      const h = await ctx.client.workflow.start('teardownCluster', {
        taskQueue: ctx.taskQueue,
        workflowId: `replay-${ctx.id}`,
        args: [{ cluster: spec.cluster, provider: spec.provider, hostTaskQueue: ctx.hostTaskQueue }],
      });
      await settle(h);
      return h;
    },
  },
  'rebuild-passed': {
    fake: () => new FakeActivities(),
    run: async (ctx) => {
      const h = await ctx.client.workflow.start('rebuildAndVerify', {
        taskQueue: ctx.taskQueue,
        workflowId: `replay-${ctx.id}`,
        args: [{ spec, hostTaskQueue: ctx.hostTaskQueue }],
      });
      await settle(h);
      return h;
    },
  },
  'rebuild-failed': {
    fake: () => new FakeActivities().fail('ensureSwarm'),
    run: async (ctx) => {
      const h = await ctx.client.workflow.start('rebuildAndVerify', {
        taskQueue: ctx.taskQueue,
        workflowId: `replay-${ctx.id}`,
        args: [{ spec, hostTaskQueue: ctx.hostTaskQueue }],
      });
      await settle(h);
      return h;
    },
  },
  'verify': {
    fake: () => new FakeActivities(),
    run: async (ctx) => {
      const h = await ctx.client.workflow.start('verifyCluster', {
        taskQueue: ctx.taskQueue,
        workflowId: `replay-${ctx.id}`,
        args: [{ spec, hostTaskQueue: ctx.hostTaskQueue, exposed: true }],
      });
      await settle(h);
      return h;
    },
  },
};

// Names on the command line record only those (npm run replay:record -- provision-classic-complete):
// the others stay as recorded by the code they guard.
const only = process.argv.slice(2);
const unknown = only.filter((n) => !(n in scenarios));
if (unknown.length) throw new Error(`unknown scenario(s): ${unknown.join(', ')}; known: ${Object.keys(scenarios).join(', ')}`);
const harness = await WorkflowHarness.create();
try {
  for (const [name, scenario] of Object.entries(scenarios)) {
    if (only.length && !only.includes(name)) continue;
    const history = await harness.run(scenario.fake(), async (ctx) => (await scenario.run(ctx)).fetchHistory());
    // proto3 JSON, as `temporal workflow show -o json` writes it
    writeFileSync(join(DIR, `${name}.json`), `${historyToJSON(history)}\n`);
    console.log(`recorded ${name} (${history.events?.length} events)`);
  }
} finally {
  await harness.teardown();
}
