// The real workflow code (src/workflows) on a real Temporal dev server, with the
// activities replaced by a recording fake: call order, compensation, retries,
// keep-on-failure, verification failure, cancellation and teardown.
import { ActivityFailure, ApplicationFailure, CancelledFailure, WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSpecFile } from '../../src/spec.js';
import type { ClusterProgress, ProvisionInput, StepProgress, StepState } from '../../src/types.js';
import { progressQuery, provisionCluster, teardownCluster, verifyCluster } from '../../src/workflows/index.js';
import { FakeActivities, inOrder, label, normalized, rootCause, WorkflowHarness, type RunContext } from './harness.js';

const spec = loadSpecFile();
const HOSTS = ['tuto-manager', 'tuto-node1', 'tuto-node2', 'tuto-node3'];
const NODES = HOSTS.slice(1);
const each = (activity: string, subjects: string[]) => subjects.map((s) => `${activity}(${s})`);

/** What a fresh run calls up to and including the overlay network (arrays: concurrent calls). */
const BUILD_TO_NETWORK = [
  'listHosts',
  'ensureFirewall(exposed=false)',
  'ensureSshKey',
  each('ensureHost', HOSTS),
  'ensureConsul',
  'ensureSwarm',
  each('ensureSwarmMember', NODES),
  'ensureOverlayNetwork',
];

/** The undo of BUILD_TO_NETWORK: the reverse order of what was made. */
const UNDO_FROM_NETWORK = [
  'removeOverlayNetwork(tuto-node1)',
  each('leaveSwarm', NODES),
  'removeConsul(tuto-manager)',
  each('deleteHost', HOSTS),
  'deleteSshKey',
  'deleteFirewall',
  'deleteClusterResources',
  'listHosts', // what is left, if anything
];

function expectCalls(actual: string[], expected: (string | string[])[]): void {
  expect(inOrder(actual, expected)).toEqual(normalized(expected));
}

let harness: WorkflowHarness;

beforeAll(async () => {
  harness = await WorkflowHarness.create();
});

afterAll(async () => {
  await harness?.teardown();
});

function startProvision(ctx: RunContext, extra: Partial<ProvisionInput> = {}): Promise<WorkflowHandle<typeof provisionCluster>> {
  return ctx.client.workflow.start(provisionCluster, {
    taskQueue: ctx.taskQueue,
    workflowId: `provision-${ctx.id}`,
    args: [{ spec, hostTaskQueue: ctx.hostTaskQueue, ...extra }],
    // a broken run fails the test instead of hanging it
    workflowExecutionTimeout: '50s',
  });
}

/** The run's failure; fails the test if the run completed. */
async function failureOf(handle: WorkflowHandle): Promise<WorkflowFailedError> {
  const outcome = await handle.result().then(
    (result) => ({ result }),
    (error: unknown) => ({ error }),
  );
  if (!('error' in outcome)) throw new Error(`the workflow completed: ${JSON.stringify(outcome.result)}`);
  expect(outcome.error).toBeInstanceOf(WorkflowFailedError);
  return outcome.error as WorkflowFailedError;
}

/** The failure came from the activity `activity` and is the injected one. */
function expectInjected(err: WorkflowFailedError, activity: string, message = 'boom'): void {
  expect(err.cause).toBeInstanceOf(ActivityFailure);
  expect((err.cause as ActivityFailure).activityType).toBe(activity);
  const root = rootCause(err);
  expect(root).toBeInstanceOf(ApplicationFailure);
  expect(root.message).toBe(message);
  expect((root as ApplicationFailure).type).toBe('InjectedFault');
}

const stateOf = (p: ClusterProgress) => Object.fromEntries(p.steps.map((s) => [s.name, s.state]));
const childStates = (s: StepProgress) => Object.fromEntries((s.children ?? []).map((c) => [c.name, c.state]));

describe('provisionCluster', () => {
  it('happy path: every step once, in order, and a ready progress', async () => {
    const fake = new FakeActivities();
    const { result, progress } = await harness.run(fake, async (ctx) => {
      const handle = await startProvision(ctx);
      const result = await handle.result();
      return { result, progress: await handle.query(progressQuery) };
    });

    expectCalls(fake.labels(), [
      ...BUILD_TO_NETWORK,
      each('ensureWorkload', ['database', 'web']),
      'verifyConnectivity',
      'ensureFirewall(exposed=true)',
      'exposeWorkload(web)',
    ]);
    expect(fake.teardownCalls()).toEqual([]);
    expect(fake.called('verifyConnectivity')[0].input).toMatchObject({
      exposed: false,
      addresses: { 'tuto-manager': '10.213.0.10', 'tuto-node1': '10.213.0.11', 'tuto-node2': '10.213.0.12', 'tuto-node3': '10.213.0.13' },
    });

    expect(result.cluster).toBe('tuto');
    expect(result.hosts).toEqual(HOSTS.map((name, i) => ({ name, address: `10.213.0.${10 + i}` })));
    expect(result.report.ok).toBe(true);
    expect(result.report.checks).toHaveLength(2);
    expect(result.exposure).toEqual([{ workload: 'web', url: 'http://10.213.0.12:80/', ok: true }]);

    expect(progress.phase).toBe('ready');
    expect(progress.afterFailure).toBeUndefined();
    expect(progress.hosts).toEqual(result.hosts);
    const expected: Record<string, StepState> = {
      ensureFirewall: 'done',
      ensureSshKey: 'skipped',
      ensureHost: 'done',
      ensureConsul: 'done',
      ensureSwarm: 'done',
      ensureOverlayNetwork: 'done',
      ensureWorkload: 'done',
      verifyConnectivity: 'done',
      exposeWorkload: 'done',
    };
    expect(stateOf(progress)).toEqual(expected);
    for (const step of progress.steps) {
      for (const state of Object.values(childStates(step))) expect(state, `${step.name} children`).toBe('done');
    }
    expect(childStates(progress.steps.find((s) => s.name === 'ensureHost')!)).toEqual(Object.fromEntries(HOSTS.map((h) => [h, 'done'])));
  });

  it('compensation: a failed step undoes what was made, in reverse order, and rethrows the original error', async () => {
    const fake = new FakeActivities().fail('ensureOverlayNetwork');
    const { err, progress } = await harness.run(fake, async (ctx) => {
      const handle = await startProvision(ctx);
      const err = await failureOf(handle);
      return { err, progress: await handle.query(progressQuery) };
    });

    expectInjected(err, 'ensureOverlayNetwork');
    expectCalls(fake.labels(), [...BUILD_TO_NETWORK, ...UNDO_FROM_NETWORK]);
    for (const later of ['ensureWorkload', 'verifyConnectivity', 'exposeWorkload', 'removeWorkload'] as const) {
      expect(fake.called(later), later).toEqual([]);
    }

    expect(progress.phase).toBe('failed');
    expect(progress.afterFailure).toBe('torn-down');
    expect(progress.error).toBe('boom');
    expect(stateOf(progress)).toMatchObject({
      ensureFirewall: 'undone',
      ensureSshKey: 'skipped',
      ensureHost: 'undone',
      ensureConsul: 'undone',
      ensureSwarm: 'undone',
      ensureOverlayNetwork: 'failed',
      ensureWorkload: 'waiting',
      verifyConnectivity: 'waiting',
      exposeWorkload: 'waiting',
    });
  });

  it('compensation: a failing undo step neither stops the others nor replaces the original cause', async () => {
    const fake = new FakeActivities().fail('ensureOverlayNetwork').fail('removeConsul', undefined, 'consul removal broke');
    const err = await harness.run(fake, async (ctx) => failureOf(await startProvision(ctx)));

    expectInjected(err, 'ensureOverlayNetwork', 'boom');
    expectCalls(fake.labels(), [...BUILD_TO_NETWORK, ...UNDO_FROM_NETWORK]);
    expect(fake.called('removeConsul').map((c) => c.outcome)).toEqual(['failed']);
    for (const c of fake.teardownCalls().filter((x) => x.activity !== 'removeConsul')) expect(c.outcome, c.activity).toBe('ok');
  });

  it('a teardown that cannot finish leaves the run failed with the original cause and a list of what is left', async () => {
    const fake = new FakeActivities().fail('ensureOverlayNetwork').fail('deleteHost', 'tuto-node2', 'host stuck');
    fake.hostsAfterTeardown = [{ name: 'tuto-node2', address: '10.213.0.12' }];
    const { err, progress } = await harness.run(fake, async (ctx) => {
      const handle = await startProvision(ctx);
      const err = await failureOf(handle);
      return { err, progress: await handle.query(progressQuery) };
    });

    expectInjected(err, 'ensureOverlayNetwork', 'boom');
    expect(progress.afterFailure).toBe('incomplete');
    expect(progress.leftovers).toEqual(['host tuto-node2']);
  });

  it('retries: a step that fails twice with a transient error succeeds on the third attempt', async () => {
    const fake = new FakeActivities().failTimes('ensureHost', 2, 'tuto-node2');
    const result = await harness.run(fake, async (ctx) => (await startProvision(ctx)).result());

    expect(result.hosts.map((h) => h.name)).toEqual(HOSTS);
    expect(fake.called('ensureHost', 'tuto-node2').map((c) => [c.attempt, c.outcome])).toEqual([
      [1, 'failed'],
      [2, 'failed'],
      [3, 'ok'],
    ]);
    for (const h of HOSTS.filter((x) => x !== 'tuto-node2')) expect(fake.called('ensureHost', h), h).toHaveLength(1);
    expectCalls(fake.labels(), [
      ...BUILD_TO_NETWORK.map((s) => (Array.isArray(s) && s[0].startsWith('ensureHost') ? [...s, 'ensureHost(tuto-node2)', 'ensureHost(tuto-node2)'] : s)),
      each('ensureWorkload', ['database', 'web']),
      'verifyConnectivity',
      'ensureFirewall(exposed=true)',
      'exposeWorkload(web)',
    ]);
    expect(fake.teardownCalls()).toEqual([]);
  });

  it('keepOnFailure: a failure tears nothing down and the progress says kept', async () => {
    const fake = new FakeActivities().fail('ensureOverlayNetwork');
    const { err, progress } = await harness.run(fake, async (ctx) => {
      const handle = await startProvision(ctx, { keepOnFailure: true });
      const err = await failureOf(handle);
      return { err, progress: await handle.query(progressQuery) };
    });

    expectInjected(err, 'ensureOverlayNetwork');
    expectCalls(fake.labels(), BUILD_TO_NETWORK);
    expect(fake.teardownCalls()).toEqual([]);
    expect(progress.phase).toBe('failed');
    expect(progress.afterFailure).toBe('kept');
    expect(stateOf(progress)).toMatchObject({ ensureHost: 'done', ensureOverlayNetwork: 'failed' });
  });

  it('existing cluster: a failure on a cluster that already had hosts tears nothing down', async () => {
    const fake = new FakeActivities().fail('ensureWorkload', 'web');
    fake.hosts = HOSTS.map((name, i) => ({ name, address: `10.213.0.${10 + i}` }));
    const { err, progress } = await harness.run(fake, async (ctx) => {
      const handle = await startProvision(ctx);
      const err = await failureOf(handle);
      return { err, progress: await handle.query(progressQuery) };
    });

    expectInjected(err, 'ensureWorkload');
    expect(fake.called('ensureWorkload', 'web')).toHaveLength(1);
    expect(fake.teardownCalls()).toEqual([]);
    expect(progress.phase).toBe('failed');
    expect(progress.afterFailure).toBe('kept');
  });

  it('verification failure: fails with VerificationFailed naming the failing check, and compensates', async () => {
    const fake = new FakeActivities();
    fake.verify = {
      ok: false,
      checks: [
        { name: 'tcp: database:3306', ok: true, detail: 'connected', ms: 4 },
        { name: 'dns: web', ok: false, detail: 'web does not resolve', ms: 20_000 },
      ],
    };
    const { err, progress } = await harness.run(fake, async (ctx) => {
      const handle = await startProvision(ctx);
      const err = await failureOf(handle);
      return { err, progress: await handle.query(progressQuery) };
    });

    expect(err.cause).toBeInstanceOf(ApplicationFailure);
    const failure = err.cause as ApplicationFailure;
    expect(failure.type).toBe('VerificationFailed');
    expect(failure.nonRetryable).toBe(true);
    expect(failure.message).toContain('dns: web (web does not resolve)');
    expect(failure.message).not.toContain('tcp: database');
    expect(failure.details?.[0]).toMatchObject({ ok: false, cluster: 'tuto' });

    expect(fake.called('verifyConnectivity')).toHaveLength(1); // a failed check is an answer, not an activity failure: no retry
    expectCalls(fake.labels(), [
      ...BUILD_TO_NETWORK,
      each('ensureWorkload', ['database', 'web']),
      'verifyConnectivity',
      // the workloads were started last, so they are removed first (web was pushed last)
      'removeWorkload(web)',
      'removeWorkload(database)',
      ...UNDO_FROM_NETWORK,
    ]);
    expect(fake.called('exposeWorkload')).toEqual([]);
    expect(progress.phase).toBe('failed');
    expect(progress.afterFailure).toBe('torn-down');
    expect(progress.error).toContain('dns: web');
    expect(stateOf(progress)).toMatchObject({ verifyConnectivity: 'failed', ensureWorkload: 'undone', exposeWorkload: 'waiting' });
  });

  it('cancellation: a cancelled run ends cancelled and the undo steps still run', async () => {
    // ensureWorkload is still running when the cancel arrives (it ends when the
    // cancellation reaches it through a heartbeat, or after 3 s).
    const fake = new FakeActivities().delay('ensureWorkload', 3_000);
    const { err, progress } = await harness.run(fake, async (ctx) => {
      const handle = await startProvision(ctx);
      await fake.started('ensureWorkload');
      await handle.cancel();
      const err = await failureOf(handle);
      return { err, progress: await handle.query(progressQuery) };
    });

    expect(err.cause).toBeInstanceOf(CancelledFailure);
    expectCalls(fake.labels(), [
      ...BUILD_TO_NETWORK,
      each('ensureWorkload', ['database', 'web']),
      'removeWorkload(web)',
      'removeWorkload(database)',
      ...UNDO_FROM_NETWORK,
    ]);
    for (const c of fake.teardownCalls()) expect(c.outcome, c.activity).toBe('ok');
    expect(fake.called('verifyConnectivity')).toEqual([]);
    expect(progress.phase).toBe('failed');
    expect(progress.afterFailure).toBe('torn-down');
  });

  // With the default cancellationType (TRY_CANCEL) the workflow compensated while the
  // cancelled activity was still running, so a host could be created after its undo;
  // activity-proxies.ts now uses WAIT_CANCELLATION_COMPLETED. This keeps it that way.
  it('cancellation: undo steps wait until the cancelled in-flight activity has stopped', async () => {
    const fake = new FakeActivities().delay('ensureHost', 3_000, 'tuto-node2');
    const runningAtEnd = await harness.run(fake, async (ctx) => {
      const handle = await startProvision(ctx);
      await fake.started('ensureHost', 'tuto-node2');
      await handle.cancel();
      expect((await failureOf(handle)).cause).toBeInstanceOf(CancelledFailure);
      return fake.calls.filter((c) => c.end === undefined).map(label);
    });

    expect(fake.called('deleteHost', 'tuto-node2')).toHaveLength(1);
    expect(runningAtEnd, 'still running when the run ended').toEqual([]);
    expect(fake.called('deleteHost', 'tuto-node2')[0].start).toBeGreaterThanOrEqual(fake.called('ensureHost', 'tuto-node2')[0].end!);
  });

  // Regressions: fan-outs (hosts, swarm members, workloads, exposures, and the undo of
  // hosts and swarm membership) wait for every branch before failing, so compensation
  // never races a step that is still creating things.
  it('compensation waits for concurrent calls of the failed step before undoing them', async () => {
    const fake = new FakeActivities().fail('ensureHost', 'tuto-node1').delay('ensureHost', 3_000, 'tuto-node2');
    const runningAtEnd = await harness.run(fake, async (ctx) => {
      await failureOf(await startProvision(ctx));
      return fake.calls.filter((c) => c.end === undefined).map(label);
    });

    expect(fake.called('deleteHost', 'tuto-node2')).toHaveLength(1);
    expect(runningAtEnd, 'still running when the run ended').toEqual([]);
    expect(fake.called('deleteHost', 'tuto-node2')[0].start).toBeGreaterThanOrEqual(fake.called('ensureHost', 'tuto-node2')[0].end!);
  });

  // The undo of several hosts is one entry: a failing deleteHost must not let the next
  // entries (the bridge, the state folder) run while its siblings are still deleting.
  it('compensation: one failing deleteHost does not let later undo steps overtake the other hosts', async () => {
    const fake = new FakeActivities().fail('ensureOverlayNetwork').fail('deleteHost', 'tuto-node1', 'host busy').delay('deleteHost', 2_000, 'tuto-node2');
    const { err, runningAtEnd } = await harness.run(fake, async (ctx) => {
      const err = await failureOf(await startProvision(ctx));
      return { err, runningAtEnd: fake.calls.filter((c) => c.end === undefined).map(label) };
    });

    expectInjected(err, 'ensureOverlayNetwork');
    expectCalls(fake.labels(), [...BUILD_TO_NETWORK, ...UNDO_FROM_NETWORK]);
    expect(runningAtEnd, 'still running when the run ended').toEqual([]);
    expect(fake.called('deleteClusterResources')[0].start).toBeGreaterThanOrEqual(fake.called('deleteHost', 'tuto-node2')[0].end!);
  });

  // A provider that registers a key (skipped: false) shows the step done.
  it('progress: a registered (not skipped) ssh key shows as done', async () => {
    const fake = new FakeActivities();
    fake.sshKey = { skipped: false, reason: '' };
    const progress = await harness.run(fake, async (ctx) => {
      const handle = await startProvision(ctx);
      await handle.result();
      return handle.query(progressQuery);
    });

    expect(progress.phase).toBe('ready');
    expect(stateOf(progress).ensureSshKey).toBe('done');
  });
});

describe('teardownCluster', () => {
  it('deletes the hosts the provider lists, then the key, firewall and cluster resources', async () => {
    const fake = new FakeActivities();
    fake.hosts = [
      { name: 'tuto-manager', address: '10.213.0.10' },
      { name: 'tuto-node1', address: '10.213.0.11' },
    ];
    const result = await harness.run(fake, async (ctx) =>
      ctx.client.workflow.execute(teardownCluster, {
        taskQueue: ctx.taskQueue,
        workflowId: `teardown-${ctx.id}`,
        args: [{ cluster: 'tuto', provider: spec.provider, hostTaskQueue: ctx.hostTaskQueue }],
        workflowExecutionTimeout: '50s',
      }),
    );

    expectCalls(fake.labels(), ['listHosts', each('deleteHost', ['tuto-manager', 'tuto-node1']), 'deleteSshKey', 'deleteFirewall', 'deleteClusterResources']);
    for (const c of fake.calls) expect(c.input).toMatchObject({ cluster: 'tuto', provider: spec.provider });
    expect(result).toEqual({ cluster: 'tuto', removedHosts: ['tuto-manager', 'tuto-node1'] });
  });
});

describe('verifyCluster', () => {
  it('runs the checks with the addresses the provider lists', async () => {
    const fake = new FakeActivities();
    fake.hosts = HOSTS.map((name, i) => ({ name, address: `10.213.0.${10 + i}` }));
    const report = await harness.run(fake, async (ctx) =>
      ctx.client.workflow.execute(verifyCluster, {
        taskQueue: ctx.taskQueue,
        workflowId: `verify-${ctx.id}`,
        args: [{ spec, hostTaskQueue: ctx.hostTaskQueue, exposed: true }],
        workflowExecutionTimeout: '50s',
      }),
    );

    expect(fake.labels()).toEqual(['listHosts', 'verifyConnectivity']);
    expect(fake.called('verifyConnectivity')[0].input).toMatchObject({ exposed: true, addresses: Object.fromEntries(fake.hosts.map((h) => [h.name, h.address])) });
    expect(report).toMatchObject({ cluster: 'tuto', from: 'tuto-node3', exposed: true, ok: true });
  });
});
