// Operating overlayctl: live progress (terminal and plain), watch, ls, logs, the Web
// UI's metadata and search attributes (read back with the temporal CLI), and the
// nightly schedule with its reports, for a passing and a failing run.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClusterSpec } from '../../src/types.js';
import { BIN, createSandbox, leftovers, type Sandbox } from './harness.js';

let box: Sandbox;
const clusters = ['e2eops'];

function spec(cluster: string, subnet: string, faults?: string): ClusterSpec {
  return {
    cluster,
    provider: { type: 'local', subnet, ...(faults ? { faults } : {}) },
    manager: { name: `${cluster}-m` },
    nodes: [{ name: `${cluster}-n1` }, { name: `${cluster}-n2` }],
    network: { name: 'private-net', subnet: '10.0.9.0/24', encrypted: false },
    workloads: [{ name: 'web', kind: 'nginx', host: `${cluster}-n2`, expose: 80 }],
    verify: { from: `${cluster}-n1` },
  };
}

beforeAll(async () => {
  box = await createSandbox();
});

afterAll(async () => {
  for (const name of ['nightly-ok', 'nightly-bad']) await box.cli(['schedule', 'delete', name]);
  for (const c of clusters) await box.cli(['down', c]);
  await box.cli(['dev', 'stop']);
  expect(box.dispose(clusters)).toEqual([]);
}, 240_000);

describe('progress, watch, ls and logs', () => {
  it('up --detach returns the workflow id at once; watch in a terminal redraws a live table', async () => {
    const file = box.writeSpec(spec('e2eops', '10.225.0.0/24'), 'ops');
    const up = await box.cli(['up', '-f', file, '--detach']);
    expect(up.code).toBe(0);
    expect(up.stdout.trim()).toBe('overlayctl/e2eops/provision');
    // a pseudo-terminal, as a user's shell has
    const tty = await box.sh(`script -qec "node ${BIN} watch e2eops" /dev/null`);
    expect(tty.code).toBe(0);
    expect(tty.stdout).toMatch(/\x1b\[\d+A/); // cursor up: the table is redrawn in place
    expect(tty.stdout).toMatch(/[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]/); // a spinner while steps run
    expect(tty.stdout).toContain('cluster e2eops is ready');
  }, 300_000);

  it('watch of a finished run, in a pipe, prints plain lines without control characters', async () => {
    const plain = await box.cli(['watch', 'e2eops']);
    expect(plain.code).toBe(0);
    expect(plain.stderr).toContain('✓ hosts: e2eops-n1: 10.225.0.11');
    expect(plain.stderr + plain.stdout).not.toMatch(/\x1b/);
  });

  it('ls lists the cluster with its state, provider, host count, age and last verification', async () => {
    const ls = await box.cli(['ls', '--json']);
    expect(ls.code).toBe(0);
    const row = JSON.parse(ls.stdout).clusters.find((c: { cluster: string }) => c.cluster === 'e2eops');
    expect(row).toMatchObject({ cluster: 'e2eops', provider: 'local', state: 'ready', hosts: 3 });
    expect(row.ageSeconds).toBeGreaterThanOrEqual(0);
    expect(row.lastVerification).toMatchObject({ ok: true, workflowId: 'overlayctl/e2eops/provision' });
    const text = await box.cli(['ls']);
    expect(text.stdout.split('\n')[0]).toMatch(/^CLUSTER\s+STATE\s+PROVIDER\s+HOSTS\s+AGE\s+LAST VERIFICATION$/);
  });

  it("logs show the worker's JSON lines with cluster, workflow id, step and attempt", async () => {
    const logs = await box.cli(['logs', '--cluster', 'e2eops', '--json']);
    expect(logs.code).toBe(0);
    const entries = logs.stdout.trim().split('\n').map((l) => JSON.parse(l));
    const host = entries.find((e: { msg: string; step?: string }) => e.msg === 'step completed' && e.step === 'ensureHost');
    expect(host).toMatchObject({ cluster: 'e2eops', workflowId: 'overlayctl/e2eops/provision', step: 'ensureHost', attempt: 1 });
    const text = await box.cli(['logs', '--cluster', 'e2eops']);
    expect(text.stdout).toMatch(/info +\[e2eops ensureHost\] step completed/);
  });
});

describe('the Web UI sees what the CLI sees', () => {
  it('runs carry search attributes, a summary, details, activity summaries and the step table', async () => {
    const list = box.temporal(['workflow', 'list', '--query', "OverlayCluster='e2eops' AND OverlayProvider='local'", '-o', 'json']);
    const runs = JSON.parse(list.stdout) as { execution: { workflowId: string } }[];
    expect(runs.map((r) => r.execution.workflowId)).toContain('overlayctl/e2eops/provision');
    const verified = box.temporal(['workflow', 'list', '--query', "OverlayCluster='e2eops' AND OverlayVerified=true AND OverlayStep='exposeWorkload'", '-o', 'json']);
    expect(JSON.parse(verified.stdout)).toHaveLength(1);
    // summaries are encrypted payloads too: read them through the codec server, as the UI does
    const status = JSON.parse((await box.cli(['dev', 'status', '--json'])).stdout);
    const described = box.temporal(['workflow', 'describe', '-w', 'overlayctl/e2eops/provision', '-o', 'json', '--codec-endpoint', status.codec.url]);
    const text = described.stdout;
    expect(text).toContain('e2eops: local, 3 hosts, 1 workloads');
    expect(text).toContain('cluster: e2eops'); // the spec as details
    const history = JSON.parse(box.temporal(['workflow', 'show', '-w', 'overlayctl/e2eops/provision', '-o', 'json', '--codec-endpoint', status.codec.url]).stdout);
    const summaries = (history.events as { eventType: string; userMetadata?: { summary?: { data: string } } }[])
      .filter((e) => e.eventType === 'EVENT_TYPE_ACTIVITY_TASK_SCHEDULED' && e.userMetadata?.summary)
      .map((e) => JSON.parse(Buffer.from(e.userMetadata!.summary!.data, 'base64').toString('utf8')) as string);
    expect(summaries).toContain('create host e2eops-n2');
    expect(summaries).toContain('join e2eops-n2 to the cluster');
    expect(summaries).toContain('publish web on e2eops-n2:80');
    const metadata = box.temporal(['workflow', 'metadata', '-w', 'overlayctl/e2eops/provision', '-o', 'json', '--codec-endpoint', status.codec.url]);
    expect(metadata.stdout).toContain('| ✓ | hosts | done |');
  });
});

describe('the nightly schedule and its reports', () => {
  it('create, ls, trigger: a run builds, verifies and removes a fresh cluster and leaves a passing report', async () => {
    const file = box.writeSpec(spec('nightok', '10.226.0.0/24'), 'nightly-ok');
    const created = await box.cli(['schedule', 'create', '--name', 'nightly-ok', '--spec', file, '--cron', '0 3 * * *']);
    expect(created.code, created.stderr).toBe(0);
    const ls = JSON.parse((await box.cli(['schedule', 'ls', '--json'])).stdout);
    expect(ls.schedules).toEqual([expect.objectContaining({ name: 'nightly-ok', cron: ['0 3 * * * (UTC)'], paused: false })]);
    expect((await box.cli(['schedule', 'trigger', 'nightly-ok'])).code).toBe(0);
    const report = await waitForReports(1);
    expect(report).toMatchObject({ baseCluster: 'nightok', ok: true, outcome: 'passed', teardown: 'done' });
    expect(report.cluster).toMatch(/^nightok-[a-z0-9]{6}$/);
    expect(report.steps.find((s: { name: string }) => s.name === 'ensureHost').ms).toBeGreaterThan(0);
    expect(report.checks.every((c: { ok: boolean }) => c.ok)).toBe(true);
    expect(report.versions.docker).toMatch(/^Docker version /);
    expect(leftovers(report.cluster, box.stateDir)).toEqual([]);
    expect((await box.cli(['reports', '--last', '1', '--check'])).code).toBe(0);
    const show = await box.cli(['reports', 'show', report.id]);
    expect(show.stdout).toContain(`report ${report.id}: passed`);
    for (const verb of ['pause', 'unpause'] as const) expect((await box.cli(['schedule', verb, 'nightly-ok'])).code).toBe(0);
    expect((await box.cli(['schedule', 'delete', 'nightly-ok'])).code).toBe(0);
    expect(JSON.parse((await box.cli(['schedule', 'ls', '--json'])).stdout).schedules).toEqual([]);
  }, 300_000);

  it('a failing nightly run leaves nothing, shows in reports and the UI, and `reports --last 1 --check` exits 1', async () => {
    const file = box.writeSpec(spec('nightbad', '10.227.0.0/24', 'permanent:verifyConnectivity:Forbidden'), 'nightly-bad');
    expect((await box.cli(['schedule', 'create', '--name', 'nightly-bad', '--spec', file])).code).toBe(0);
    expect((await box.cli(['schedule', 'trigger', 'nightly-bad'])).code).toBe(0);
    const report = await waitForReports(2);
    expect(report).toMatchObject({ baseCluster: 'nightbad', ok: false, outcome: 'failed', teardown: 'done', failure: { step: 'verifyConnectivity' } });
    expect(report.failure.cause).toContain('HTTP 403');
    expect(leftovers(report.cluster, box.stateDir)).toEqual([]);
    const check = await box.cli(['reports', '--last', '1', '--check']);
    expect(check.code).toBe(1);
    expect(check.stdout).toMatch(/FAILED/);
    const failed = box.temporal(['workflow', 'list', '--query', "WorkflowType='rebuildAndVerify' AND OverlayCluster='nightbad' AND OverlayVerified=false", '-o', 'json']);
    expect(JSON.parse(failed.stdout)).toHaveLength(1);
    expect((await box.cli(['reports', '--last', '0'])).code).toBe(2);
  }, 300_000);
});

/** Waits until `count` reports exist and returns the newest. */
async function waitForReports(count: number) {
  const deadline = Date.now() + 240_000;
  while (Date.now() < deadline) {
    const res = await box.cli(['reports', '--json']);
    const reports = JSON.parse(res.stdout).reports;
    if (reports.length >= count) return reports[0];
    await new Promise((r) => setTimeout(r, 2000));
  }
  throw new Error(`no ${count} reports after 4 minutes`);
}
