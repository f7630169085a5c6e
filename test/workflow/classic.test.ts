// Classic mode's sequence on the real workflow code (real dev server, recording fake
// activities): the manager and its store before the node engines, no swarm, the
// pre-flight refusal before anything is created, retries, and the undo in reverse.
import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSpecFile, type ClusterSpec } from '../../src/spec.js';
import type { ClusterProgress } from '../../src/types.js';
import { progressQuery, provisionCluster } from '../../src/workflows/index.js';
import { FakeActivities, inOrder, normalized, rootCause, WorkflowHarness, type RunContext } from './harness.js';

const base = loadSpecFile();
const classic: ClusterSpec = { ...base, mode: 'classic' };
const withEtcd: ClusterSpec = { ...classic, clusterStore: 'etcd' };
const NODES = ['tuto-node1', 'tuto-node2', 'tuto-node3'];
const each = (activity: string, subjects: string[]) => subjects.map((s) => `${activity}(${s})`);

const BUILD_TO_NETWORK = [
  'listHosts',
  'checkClassicMode',
  'ensureFirewall(exposed=false)',
  'ensureSshKey',
  'ensureHost(tuto-manager)',
  'ensureConsul',
  each('ensureHost', NODES),
  'ensureOverlayNetwork',
];

let harness: WorkflowHarness;
beforeAll(async () => {
  harness = await WorkflowHarness.create();
});
afterAll(async () => {
  await harness?.teardown();
});

function start(ctx: RunContext, spec: ClusterSpec): Promise<WorkflowHandle<typeof provisionCluster>> {
  return ctx.client.workflow.start(provisionCluster, {
    taskQueue: ctx.taskQueue,
    workflowId: `classic-${ctx.id}`,
    args: [{ spec, hostTaskQueue: ctx.hostTaskQueue }],
    workflowExecutionTimeout: '50s',
  });
}

const expectCalls = (actual: string[], expected: (string | string[])[]) => expect(inOrder(actual, expected)).toEqual(normalized(expected));
const stateOf = (p: ClusterProgress) => Object.fromEntries(p.steps.map((s) => [s.name, s.state]));

describe('provisionCluster in classic mode', () => {
  it('manager, Consul, then the nodes on its store; no swarm; the same later steps', async () => {
    const fake = new FakeActivities();
    const { progress } = await harness.run(fake, async (ctx) => {
      const handle = await start(ctx, classic);
      await handle.result();
      return { progress: await handle.query(progressQuery) };
    });

    expectCalls(fake.labels(), [...BUILD_TO_NETWORK, each('ensureWorkload', ['database', 'web']), 'verifyConnectivity', 'ensureFirewall(exposed=true)', 'exposeWorkload(web)']);
    expect(fake.called('ensureSwarm')).toEqual([]);
    expect(fake.called('ensureSwarmMember')).toEqual([]);
    // node engines start only once Consul answers, each told where it is
    const consulEnd = fake.called('ensureConsul')[0].end!;
    for (const node of NODES) {
      const call = fake.called('ensureHost', node)[0];
      expect(call.start).toBeGreaterThan(consulEnd);
      expect(call.input.classic).toEqual({ store: 'consul', manager: 'tuto-manager', node: { clusterStore: 'consul://10.213.0.10:8500', managerAddress: '10.213.0.10' } });
      expect(call.input.spec).toBeUndefined(); // a host's own few fields, not the whole spec
    }
    // the manager's engine is checked for classic mode too, and gets no store
    expect(fake.called('ensureHost', 'tuto-manager')[0].input.classic).toEqual({ store: 'consul', manager: 'tuto-manager' });

    expect(progress.phase).toBe('ready');
    expect(stateOf(progress)).toEqual({
      ensureFirewall: 'done',
      ensureSshKey: 'skipped',
      ensureHost: 'done',
      ensureConsul: 'done',
      ensureSwarm: 'skipped',
      ensureOverlayNetwork: 'done',
      ensureWorkload: 'done',
      verifyConnectivity: 'done',
      exposeWorkload: 'done',
    });
    const swarm = progress.steps.find((s) => s.name === 'ensureSwarm')!;
    expect(swarm.detail).toBe('classic mode: the engines share networks through consul://10.213.0.10:8500, no swarm');
    expect(swarm.children).toBeUndefined();
    expect(progress.steps.find((s) => s.name === 'ensureHost')!.detail).toBe('4 hosts, nodes on consul://10.213.0.10:8500');
  });

  it('with etcd as the store: etcd starts after Consul, and the nodes use it', async () => {
    const fake = new FakeActivities();
    await harness.run(fake, async (ctx) => (await start(ctx, withEtcd)).result());
    expectCalls(fake.labels().slice(0, 7), ['listHosts', 'checkClassicMode', 'ensureFirewall(exposed=false)', 'ensureSshKey', 'ensureHost(tuto-manager)', 'ensureConsul', 'ensureEtcd']);
    for (const node of NODES) {
      const call = fake.called('ensureHost', node)[0];
      expect(call.start).toBeGreaterThan(fake.called('ensureEtcd')[0].end!);
      expect(call.input.classic).toMatchObject({ store: 'etcd', node: { clusterStore: 'etcd://10.213.0.10:2379' } });
    }
  });

  it('an engine without classic mode is refused before anything is created', async () => {
    const message = 'mode: classic needs a Docker engine older than 23 (--cluster-store was removed in 23.0), but this machine has Docker 24.0.7; use mode: swarm, or pin an engine older than 23';
    const fake = new FakeActivities().fail('checkClassicMode', undefined, message);
    const { err, progress } = await harness.run(fake, async (ctx) => {
      const handle = await start(ctx, classic);
      const err = await handle.result().then(() => undefined, (e: unknown) => e);
      return { err, progress: await handle.query(progressQuery) };
    });
    expect(err).toBeInstanceOf(WorkflowFailedError);
    expect(rootCause(err).message).toBe(message);
    expect(fake.called('checkClassicMode').map((c) => c.attempt)).toEqual([1]); // not retried
    for (const made of ['ensureFirewall', 'ensureSshKey', 'ensureHost', 'ensureConsul'] as const) expect(fake.called(made), made).toEqual([]);
    expect(progress.phase).toBe('failed');
    expect(progress.error).toBe(message);
    expect(Object.values(stateOf(progress)).every((s) => s === 'waiting')).toBe(true);
  });

  it('a node engine that cannot reach the store yet is retried until it does', async () => {
    const fake = new FakeActivities().failTimes('ensureHost', 2, 'tuto-node3');
    await harness.run(fake, async (ctx) => (await start(ctx, classic)).result());
    expect(fake.called('ensureHost', 'tuto-node3').map((c) => [c.attempt, c.outcome])).toEqual([
      [1, 'failed'],
      [2, 'failed'],
      [3, 'ok'],
    ]);
  });

  it('a failure undoes in reverse: the nodes go before the store, the manager last', async () => {
    const fake = new FakeActivities().fail('ensureOverlayNetwork');
    const progress = await harness.run(fake, async (ctx) => {
      const handle = await start(ctx, withEtcd);
      await handle.result().catch(() => undefined);
      return handle.query(progressQuery);
    });
    const undo = fake.labels().slice(fake.labels().indexOf('ensureOverlayNetwork') + 1);
    expectCalls(undo, [
      'removeOverlayNetwork(tuto-node1)',
      each('deleteHost', NODES),
      'removeEtcd(tuto-manager)',
      'removeConsul(tuto-manager)',
      'deleteHost(tuto-manager)',
      'deleteSshKey',
      'deleteFirewall',
      'deleteClusterResources',
      'listHosts',
    ]);
    expect(fake.called('leaveSwarm')).toEqual([]);
    expect(progress.afterFailure).toBe('torn-down');
    expect(stateOf(progress)).toMatchObject({ ensureHost: 'undone', ensureConsul: 'undone', ensureSwarm: 'skipped', ensureOverlayNetwork: 'failed' });
  });
});
