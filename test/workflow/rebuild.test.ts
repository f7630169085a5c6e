// rebuildAndVerify on the real dev server with fake activities: a fresh cluster under a
// run-specific name, always torn down (passed, failed or cancelled), a report each time.
import { CancelledFailure, WorkflowFailedError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSpecFile } from '../../src/spec.js';
import type { RebuildReport } from '../../src/types.js';
import { runClusterName } from '../../src/workflow-ids.js';
import { rebuildAndVerify } from '../../src/workflows/index.js';
import { FakeActivities, WorkflowHarness, type RunContext } from './harness.js';

const spec = loadSpecFile();
let harness: WorkflowHarness;

beforeAll(async () => {
  harness = await WorkflowHarness.create();
});

afterAll(async () => {
  await harness?.teardown();
});

function start(ctx: RunContext) {
  return ctx.client.workflow.start(rebuildAndVerify, {
    taskQueue: ctx.taskQueue,
    workflowId: `rebuild-${ctx.id}`,
    args: [{ spec, hostTaskQueue: ctx.hostTaskQueue }],
    workflowExecutionTimeout: '60s',
  });
}

describe('rebuildAndVerify', () => {
  it('names the run cluster after the spec and the run, within 20 characters', () => {
    expect(runClusterName('tuto', '01a24205-b348-717a-85ff-c2bfbe632b0d')).toBe('tuto-632b0d');
    expect(runClusterName('a-very-long-cluster1', '01a24205-b348-717a-85ff-c2bfbe632b0d')).toBe('a-very-long-c-632b0d');
  });

  it('builds, verifies, always tears down, and reports a pass', async () => {
    const fake = new FakeActivities();
    const report = await harness.run(fake, async (ctx) => (await start(ctx)).result());
    expect(report.ok).toBe(true);
    expect(report.outcome).toBe('passed');
    expect(report.cluster).toMatch(/^tuto-[a-z0-9]{6}$/);
    const calls = fake.labels();
    expect(calls).toContain('verifyConnectivity');
    // the teardown workflow ran after the build, then the report was written
    const teardown = calls.indexOf('deleteClusterResources');
    expect(teardown).toBeGreaterThan(calls.indexOf('exposeWorkload'));
    expect(calls.at(-1)).toBe('recordReport');
    expect(fake.called('recordReport')[0].outcome).toBe('ok');
  });

  it('a failed verification is reported as failed, and the cluster is still torn down', async () => {
    const fake = new FakeActivities();
    fake.verify = { ok: false, checks: [{ name: 'http: web', ok: false, detail: 'bad address', ms: 3 }] };
    const report: RebuildReport = await harness.run(fake, async (ctx) => (await start(ctx)).result());
    expect(report.ok).toBe(false);
    expect(report.outcome).toBe('failed');
    expect(report.failure?.cause).toContain('verification failed: http: web (bad address)');
    // torn down twice over: the provisioning run's own compensation, then the teardown workflow
    expect(fake.called('deleteHost').length).toBeGreaterThanOrEqual(4);
    expect(fake.labels().at(-1)).toBe('recordReport');
  });

  it('a cancelled run tears down, writes its report and ends cancelled', async () => {
    const fake = new FakeActivities().delay('ensureConsul', 3_000);
    const err = await harness.run(fake, async (ctx) => {
      const handle = await start(ctx);
      await new Promise((r) => setTimeout(r, 1_500));
      await handle.cancel();
      return handle.result().then(
        () => undefined,
        (e: unknown) => e,
      );
    });
    expect(err).toBeInstanceOf(WorkflowFailedError);
    expect((err as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
    expect(fake.called('deleteClusterResources').length).toBeGreaterThanOrEqual(1);
    const report = fake.called('recordReport');
    expect(report).toHaveLength(1);
    expect(fake.labels().at(-1)).toBe('recordReport');
  });
});
