// Failures as a user meets them: a step that fails for real tears down what the run
// made; bad input is refused before anything starts. Nothing is left either way.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSandbox, leftovers, type Sandbox } from './harness.js';

let box: Sandbox;

beforeAll(async () => {
  box = await createSandbox();
});

afterAll(async () => {
  for (const cluster of ['e2efail', 'e2ebad', 'e2esub']) await box.cli(['down', cluster]);
  await box.cli(['dev', 'stop']);
  expect(box.dispose(['e2efail', 'e2ebad', 'e2esub'])).toEqual([]);
}, 180_000);

const small = {
  cluster: 'e2efail',
  provider: { type: 'local', subnet: '10.215.0.0/24' },
  manager: { name: 'e2efail-manager' },
  nodes: [{ name: 'e2efail-node1' }],
  network: { name: 'private-net', subnet: '10.0.9.0/24' },
  workloads: [{ name: 'app', kind: 'container', image: 'no-such-image', host: 'e2efail-node1' }],
  verify: { from: 'e2efail-node1' },
};

describe('failures', () => {
  it('a workload whose image does not exist fails the run, which tears down everything it made', async () => {
    const up = await box.cli(['up', '-f', box.writeSpec(small, 'missing-image')]);
    expect(up.code).toBe(1);
    expect(up.stderr).toContain('error: provisioning e2efail failed: image "no-such-image" for e2efail-node1 is not in the offline cache');
    expect(up.stderr).toContain('hint: the run tore down what it had made');
    // a permanent error is not retried: one attempt at the workload
    const history = box.temporal(['workflow', 'show', '-w', 'overlayctl/e2efail/provision', '-o', 'json']);
    const events = JSON.parse(history.stdout).events as { eventType: string; activityTaskStartedEventAttributes?: { attempt: number } }[];
    expect(events.at(-1)!.eventType).toBe('EVENT_TYPE_WORKFLOW_EXECUTION_FAILED');
    expect(events.filter((e) => e.activityTaskStartedEventAttributes && e.activityTaskStartedEventAttributes.attempt > 1)).toEqual([]);
    // nothing is left, before any `down`
    expect(leftovers('e2efail', box.stateDir)).toEqual([]);
    const status = await box.cli(['status', 'e2efail', '--json']);
    expect(status.code).toBe(1);
    expect(status.stderr).toContain('no cluster named "e2efail" is known here');
  }, 240_000);

  it('a bad spec exits 2 naming the field, and starts nothing', async () => {
    const bad = { ...small, cluster: 'e2ebad', workloads: [{ name: 'app', kind: 'nginx', host: 'e2ebad-node9' }], extra: true };
    const up = await box.cli(['up', '-f', box.writeSpec(bad, 'bad')]);
    expect(up.code).toBe(2);
    expect(up.stderr).toContain('(top level): unknown field "extra"; remove it or check the spelling');
    expect(up.stderr).toContain('workloads[0].host: "e2ebad-node9" is not a node of this cluster');
    expect(up.stdout).toBe('');
    const list = box.temporal(['workflow', 'list', '--query', "WorkflowId='overlayctl/e2ebad/provision'", '-o', 'json']);
    expect(list.stdout.trim() === '' || JSON.parse(list.stdout).length === 0).toBe(true);
    expect(leftovers('e2ebad', box.stateDir)).toEqual([]);
  });

  it('a subnet that another interface holds is refused before any host is made, and nothing is left', async () => {
    // stands for another cluster's bridge or the machine's own network
    expect((await box.sh('ip link add ovltestdummy type bridge && ip addr add 10.228.0.1/24 dev ovltestdummy')).code).toBe(0);
    try {
      const spec = { ...small, cluster: 'e2esub', provider: { type: 'local', subnet: '10.228.0.0/24' }, manager: { name: 'e2esub-m' }, nodes: [{ name: 'e2esub-n1' }], verify: { from: 'e2esub-n1' }, workloads: [] };
      const up = await box.cli(['up', '-f', box.writeSpec(spec, 'overlap')]);
      expect(up.code).toBe(1);
      expect(up.stderr).toContain('subnet 10.228.0.0/24 overlaps 10.228.0.1/24 on ovltestdummy; give this cluster another provider.subnet in its spec');
      expect(leftovers('e2esub', box.stateDir)).toEqual([]);
    } finally {
      await box.sh('ip link del ovltestdummy');
    }
  }, 120_000);

  it('usage errors exit 2; unknown hosts and clusters exit 1 with what to do', async () => {
    expect((await box.cli(['up', '--no-such-flag'])).code).toBe(2);
    expect((await box.cli(['frobnicate'])).code).toBe(2);
    const env = await box.cli(['env', 'nowhere']);
    expect(env.code).toBe(1);
    expect(env.stderr).toContain('error: no host named "nowhere" in any cluster known here');
    expect(env.stderr).toContain('hint: create a cluster with `overlayctl up`');
    const help = await box.cli(['down', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Examples:');
  });

  it('down of a cluster that does not exist succeeds and says so', async () => {
    const down = await box.cli(['down', 'e2ebad']);
    expect(down.code).toBe(0);
    expect(down.stdout).toContain('cluster e2ebad: nothing was left to remove');
  }, 120_000);

  it('dev status --json gives the pids, the server address and the Web UI URL', async () => {
    const res = await box.cli(['dev', 'status', '--json']);
    expect(res.code).toBe(0);
    const s = JSON.parse(res.stdout);
    expect(s.server).toMatchObject({ running: true, address: box.address });
    expect(s.server.pid).toBeGreaterThan(1);
    expect(s.server.uiUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(s.worker).toMatchObject({ running: true });
    expect(s.worker.pid).toBeGreaterThan(1);
  });
});
