// The tutorial end to end, as a user runs it: the real CLI, a real Temporal dev
// server and worker, real dockerd hosts; checked with the real docker and temporal CLIs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, createSandbox, leftovers, tutorialSpec, type Sandbox } from './harness.js';

const ovl = `node ${BIN}`;

const CLUSTER = 'e2e';
const spec = tutorialSpec(CLUSTER, '10.214.0.0/24');
let box: Sandbox;
let specFile: string;

beforeAll(async () => {
  box = await createSandbox();
  specFile = box.writeSpec(spec, 'tutorial');
});

afterAll(async () => {
  // Whatever happened above, leave nothing: down is idempotent, then stop the dev server.
  await box.cli(['down', CLUSTER]);
  await box.cli(['dev', 'stop']);
  expect(box.dispose([CLUSTER])).toEqual([]);
}, 180_000);

describe('the tutorial on local hosts', () => {
  it('up provisions, verifies and exposes the cluster', async () => {
    const up = await box.cli(['up', '-f', specFile]);
    expect(up.stderr + up.stdout).toContain(`cluster ${CLUSTER} is ready`);
    expect(up.code).toBe(0);
    expect(up.stdout).toContain('verification from e2e-node3: passed');
    expect(up.stdout).toMatch(/exposed: web at http:\/\/10\.214\.0\.12:80\//);
    // progress reached stderr one line per state change, without control characters
    expect(up.stderr).toContain('✓ hosts: e2e-node2: 10.214.0.12');
    expect(up.stderr).not.toMatch(/\x1b\[/);
  }, 300_000);

  it('status --json shows the hosts, their addresses and every step done', async () => {
    const res = await box.cli(['status', CLUSTER, '--json']);
    expect(res.code).toBe(0);
    const status = JSON.parse(res.stdout);
    expect(status.phase).toBe('ready');
    expect(status.workflow.status).toBe('COMPLETED');
    expect(status.hosts).toEqual([
      { name: 'e2e-manager', address: '10.214.0.10', state: 'running' },
      { name: 'e2e-node1', address: '10.214.0.11', state: 'running' },
      { name: 'e2e-node2', address: '10.214.0.12', state: 'running' },
      { name: 'e2e-node3', address: '10.214.0.13', state: 'running' },
    ]);
    const states = Object.fromEntries(status.steps.map((s: { name: string; state: string }) => [s.name, s.state]));
    expect(states).toEqual({
      ensureFirewall: 'done',
      ensureSshKey: 'skipped',
      ensureHost: 'done',
      ensureConsul: 'done',
      ensureSwarm: 'done',
      ensureOverlayNetwork: 'done',
      ensureWorkload: 'done',
      verifyConnectivity: 'done',
      exposeWorkload: 'done',
    });
  });

  it("the tutorial's own commands work through `env` with the plain docker CLI", async () => {
    const web = await box.sh(`eval "$(${ovl} env e2e-node3)" && docker run --rm --net private-net busybox wget -qO- http://web`);
    expect(web.stderr).toBe('');
    expect(web.stdout).toContain('<title>Welcome to nginx!</title>');
    const sql = await box.sh(
      `eval "$(${ovl} env e2e-node3)" && PW=$(${ovl} secret ${CLUSTER} database) && docker run --rm --net private-net mysql mysql -h database -uroot -p"$PW" -e 'select 1'`,
    );
    expect(sql.code).toBe(0);
    expect(sql.stdout.trim().split('\n')).toEqual(['1', '1']);
    // the password is not what the tutorial hard-codes, and a wrong one is refused
    const wrong = await box.sh(`eval "$(${ovl} env e2e-node3)" && docker run --rm --net private-net mysql mysql -h database -uroot -psecret -e 'select 1'`);
    expect(wrong.code).not.toBe(0);
    expect(wrong.stderr).toContain('Access denied');
  });

  it('the temporal CLI sees the run completed, each step once', async () => {
    const id = `overlayctl/${CLUSTER}/provision`;
    const described = box.temporal(['workflow', 'describe', '-w', id, '-o', 'json']);
    expect(described.code).toBe(0);
    expect(JSON.parse(described.stdout).workflowExecutionInfo.status).toBe('WORKFLOW_EXECUTION_STATUS_COMPLETED');
    const history = box.temporal(['workflow', 'show', '-w', id, '-o', 'json']);
    const events = JSON.parse(history.stdout).events as { eventType: string; activityTaskScheduledEventAttributes?: { activityType: { name: string } } }[];
    const scheduled: Record<string, number> = {};
    for (const e of events) {
      const name = e.activityTaskScheduledEventAttributes?.activityType.name;
      if (name) scheduled[name] = (scheduled[name] ?? 0) + 1;
    }
    expect(scheduled).toEqual({
      listHosts: 1,
      ensureFirewall: 2, // members only, then the exposed port
      ensureSshKey: 1,
      ensureHost: 4,
      ensureConsul: 1,
      ensureSwarm: 1,
      ensureSwarmMember: 3,
      ensureOverlayNetwork: 1,
      ensureWorkload: 2,
      verifyConnectivity: 1,
      exposeWorkload: 1,
    });
  });

  it('verify passes on the live cluster; a missing firewall rule (UDP 4789) breaks the overlay', async () => {
    const ok = await box.cli(['verify', CLUSTER, '--json']);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout).checks.every((c: { ok: boolean }) => c.ok)).toBe(true);

    // Drop VXLAN at node2, where web runs: the cross-host HTTP check from node3 must fail.
    const ns = `/var/run/netns/ovl_${CLUSTER}_e2e-node2`;
    const drop = ['-t', 'mangle', '-I', 'OVERLAYCTL-SG', '1', '-p', 'udp', '--dport', '4789', '-j', 'DROP'];
    expect((await box.sh(`nsenter --net=${ns} iptables -w ${drop.join(' ')}`)).code).toBe(0);
    try {
      const broken = await box.cli(['verify', CLUSTER, '--json']);
      expect(broken.code).toBe(1);
      const failed = JSON.parse(broken.stdout).checks.filter((c: { ok: boolean }) => !c.ok).map((c: { name: string }) => c.name);
      expect(failed).toContain('http: web serves its page to e2e-node3');
      expect(failed).not.toContain('sql: root logs in to database from e2e-node3'); // node1 is untouched
    } finally {
      await box.sh(`nsenter --net=${ns} iptables -w ${drop.join(' ').replace('-I OVERLAYCTL-SG 1', '-D OVERLAYCTL-SG')}`);
    }
    const again = await box.cli(['verify', CLUSTER]);
    expect(again.code).toBe(0);
  }, 180_000);

  it("a host-level FORWARD policy of DROP (as a host dockerd sets) does not break the cluster: our own rule allows our bridge", async () => {
    const bridgeRule = (await box.sh(`iptables -w -S FORWARD | grep -- '--comment "overlayctl:${CLUSTER}"'`)).stdout.trim();
    expect(bridgeRule).toMatch(/^-A FORWARD -i ovlbr\w+ -o ovlbr\w+ .*-j ACCEPT$/);
    const policy = (await box.sh('iptables -w -S FORWARD | head -1')).stdout.trim(); // e.g. -P FORWARD ACCEPT
    await box.sh('iptables -w -P FORWARD DROP');
    try {
      expect((await box.cli(['verify', CLUSTER])).code).toBe(0);
      // and the rule is what makes it work: without it, the hosts cannot reach each other
      await box.sh(`iptables -w ${bridgeRule.replace(/^-A/, '-D')}`);
      try {
        const broken = await box.cli(['verify', CLUSTER, '--json']);
        expect(broken.code).toBe(1);
      } finally {
        await box.sh(`iptables -w ${bridgeRule.replace(/^-A FORWARD/, '-I FORWARD 1')}`);
      }
    } finally {
      await box.sh(`iptables -w ${policy.replace(/^-P FORWARD/, '-P FORWARD')}`);
    }
  }, 240_000);

  it('up again builds nothing twice', async () => {
    const up = await box.cli(['up', '-f', specFile]);
    expect(up.code).toBe(0);
    expect(up.stderr).toContain('✓ workloads: database: e2e-node1 (unchanged)');
    expect(up.stderr).toContain('✓ workloads: web: e2e-node2 (unchanged)');
    expect(up.stderr).toContain('✓ swarm: e2e-node3: member');
    const nodes = await box.sh(`eval "$(${ovl} env e2e-node1)" && docker node ls --format '{{.Hostname}} {{.Status}}' | sort`);
    expect(nodes.stdout.trim().split('\n')).toEqual(['e2e-node1 Ready', 'e2e-node2 Ready', 'e2e-node3 Ready']);
    const containers = await box.sh(`eval "$(${ovl} env e2e-node2)" && docker ps -a --format '{{.Names}}'`);
    expect(containers.stdout.trim().split('\n')).toEqual(['web']);
  }, 300_000);

  it('down removes everything the cluster made, and only that', async () => {
    const foreign = '-m comment --comment not-overlayctl-e2e -j ACCEPT';
    await box.sh(`iptables -w -A FORWARD -i lo -o lo ${foreign}`);
    try {
      const down = await box.cli(['down', CLUSTER]);
      expect(down.code).toBe(0);
      expect(down.stdout).toContain(`cluster ${CLUSTER} removed (e2e-manager, e2e-node1, e2e-node2, e2e-node3)`);
      expect(leftovers(CLUSTER, box.stateDir)).toEqual([]);
      expect((await box.sh(`iptables -w -C FORWARD -i lo -o lo ${foreign}`)).code).toBe(0);
    } finally {
      await box.sh(`iptables -w -D FORWARD -i lo -o lo ${foreign}`);
    }
  }, 120_000);
});
