// Durability, for real: the worker is SIGKILLed mid-run, the dev server restarted,
// provider calls fail, runs are cancelled; each run must end with the whole cluster
// verified (each thing exactly once, counted through the engines and the provider) or
// with nothing left. Secrets never appear in history, logs or CLI output.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STEPS, boundary, clientFor, countCluster, expectedCount, INSIDE, serverPid, waitForMoment, waitForResult, workerPid, restartWorkerUntil } from '../chaos/driver.js';
import { createSandbox, leftovers, tutorialSpec, type Sandbox } from './harness.js';
import type { ClusterSpec } from '../../src/types.js';

let box: Sandbox;
let client: Client;
const clusters: string[] = [];

beforeAll(async () => {
  box = await createSandbox();
  const started = await box.cli(['dev', 'start']);
  expect(started.code).toBe(0);
  client = await clientFor(box);
});

afterAll(async () => {
  for (const c of clusters) await box.cli(['down', c]);
  await box.cli(['dev', 'stop']);
  expect(box.dispose(clusters)).toEqual([]);
}, 300_000);

function useCluster(spec: ClusterSpec, name: string): string {
  clusters.push(spec.cluster);
  return box.writeSpec(spec, name);
}

/** A lighter cluster for the fault matrix: manager, two nodes, an exposed web server. */
function smallSpec(cluster: string, subnet: string, faults?: string): ClusterSpec {
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

async function killWorkerAndRestart(): Promise<void> {
  process.kill(workerPid(box), 'SIGKILL');
  const restarted = await box.cli(['dev', 'start']);
  expect(restarted.code, restarted.stderr).toBe(0);
}

describe('resume after crashes', () => {
  it('a worker SIGKILLed at the end of every step (side effect made, completion not reported) and restarted finishes the same run', async () => {
    // crash:* makes the worker kill itself right after each activity's first provider
    // call returns, once per activity: every step boundary, in the worst crash window.
    const spec = tutorialSpec('dkill', '10.216.0.0/24');
    spec.provider = { ...spec.provider, faults: 'crash:*' };
    const file = useCluster(spec, 'dkill');
    const id = `overlayctl/${spec.cluster}/provision`;
    expect((await box.cli(['up', '-f', file, '--detach'])).code).toBe(0);
    const result = waitForResult(client, id);
    const crashes = await restartWorkerUntil(box, result);
    expect(await result).toEqual({ ok: true });
    // one crash per activity type that calls the provider: every step of the run
    const crashed = readdirSync(join(box.stateDir, 'crashes')).map((f) => f.split('@')[0]).sort();
    expect(crashed).toEqual(
      ['ensureConsul', 'ensureFirewall', 'ensureHost', 'ensureOverlayNetwork', 'ensureSshKey', 'ensureSwarm', 'ensureSwarmMember', 'ensureWorkload', 'exposeWorkload', 'listHosts', 'verifyConnectivity'].sort(),
    );
    expect(crashes).toBe(crashed.length);
    expect(await countCluster(box, spec)).toEqual(expectedCount(spec));
    expect((await box.cli(['verify', spec.cluster])).code).toBe(0);
    expect((await box.cli(['down', spec.cluster])).code).toBe(0);
    expect(leftovers(spec.cluster, box.stateDir)).toEqual([]);
  }, 900_000);

  it('a worker killed from outside at step boundaries it can catch, and restarted, finishes the same run', async () => {
    const spec = tutorialSpec('dbound', '10.224.0.0/24');
    const file = useCluster(spec, 'dbound');
    const id = `overlayctl/${spec.cluster}/provision`;
    expect((await box.cli(['up', '-f', file, '--detach'])).code).toBe(0);
    let killed = 0;
    for (let i = 0; i < STEPS.length - 1; i++) {
      if (await waitForMoment(client, id, boundary(i))) {
        await killWorkerAndRestart();
        killed += 1;
      }
    }
    expect(killed).toBeGreaterThan(0);
    expect(await waitForResult(client, id)).toEqual({ ok: true });
    expect(await countCluster(box, spec)).toEqual(expectedCount(spec));
    expect((await box.cli(['down', spec.cluster])).code).toBe(0);
    expect(leftovers(spec.cluster, box.stateDir)).toEqual([]);
  }, 900_000);

  it('kills inside steps (while hosts are created, while a dockerd starts, while images load) change nothing in the end state', async () => {
    const spec = tutorialSpec('dins', '10.217.0.0/24');
    const file = useCluster(spec, 'dins');
    const id = `overlayctl/${spec.cluster}/provision`;
    expect((await box.cli(['up', '-f', file, '--detach'])).code).toBe(0);
    const killed: string[] = [];
    for (const moment of [INSIDE[0], INSIDE[2]]) {
      if (await waitForMoment(client, id, moment)) {
        await killWorkerAndRestart();
        killed.push(moment.name);
      }
    }
    expect(killed).toEqual([INSIDE[0].name, INSIDE[2].name]);
    expect(await waitForResult(client, id)).toEqual({ ok: true });
    expect(await countCluster(box, spec)).toEqual(expectedCount(spec));
    expect((await box.cli(['down', spec.cluster])).code).toBe(0);
    expect(leftovers(spec.cluster, box.stateDir)).toEqual([]);
  }, 600_000);

  it('the dev server stopped and restarted mid-run loses nothing (history in its SQLite file)', async () => {
    const spec = smallSpec('drestart', '10.218.0.0/24');
    const file = useCluster(spec, 'drestart');
    const id = `overlayctl/${spec.cluster}/provision`;
    expect((await box.cli(['up', '-f', file, '--detach'])).code).toBe(0);
    expect(await waitForMoment(client, id, { name: 'swarm', at: (p) => p.steps.find((s) => s.name === 'ensureSwarm')?.state === 'running' })).toBe(true);
    const pid = serverPid(box);
    process.kill(pid, 'SIGTERM');
    while (readdirSync('/proc').includes(String(pid))) await new Promise((r) => setTimeout(r, 100));
    const restarted = await box.cli(['dev', 'start']);
    expect(restarted.code, restarted.stderr).toBe(0);
    client = await clientFor(box);
    expect(await waitForResult(client, id)).toEqual({ ok: true });
    expect(await countCluster(box, spec)).toEqual(expectedCount(spec));
    expect((await box.cli(['down', spec.cluster])).code).toBe(0);
  }, 600_000);
});

describe('provider faults', () => {
  it('transient faults on 30 % of provider calls are retried: the run succeeds, each thing once', async () => {
    const spec = smallSpec('dflaky', '10.219.0.0/24', 'transient:0.3');
    const file = useCluster(spec, 'dflaky');
    const up = await box.cli(['up', '-f', file]);
    expect(up.code, up.stderr).toBe(0);
    expect(await countCluster(box, spec)).toEqual(expectedCount(spec));
    // the faults really happened: retried attempts are in the history
    const history = JSON.parse(box.temporal(['workflow', 'show', '-w', `overlayctl/${spec.cluster}/provision`, '-o', 'json']).stdout).events as {
      activityTaskStartedEventAttributes?: { attempt: number };
    }[];
    expect(history.some((e) => (e.activityTaskStartedEventAttributes?.attempt ?? 1) > 1)).toBe(true);
    expect((await box.cli(['down', spec.cluster])).code).toBe(0);
  }, 600_000);

  const steps = ['ensureFirewall', 'ensureSshKey', 'ensureHost', 'ensureConsul', 'ensureSwarm', 'ensureOverlayNetwork', 'ensureWorkload', 'verifyConnectivity', 'exposeWorkload'];
  it.each(steps.map((s, i) => [s, i]))('a permanent fault at %s fails the run at once with that cause, and nothing is left', async (step, i) => {
    const spec = smallSpec(`dperm${i}`, `10.220.${i}.0/24`, `permanent:${step}:Forbidden`);
    const file = useCluster(spec, `perm-${step}`);
    const up = await box.cli(['up', '-f', file]);
    expect(up.code).toBe(1);
    expect(up.stderr).toContain('HTTP 403: the API key may not do this (injected)');
    expect(up.stderr).toContain('the run tore down what it had made');
    const history = JSON.parse(box.temporal(['workflow', 'show', '-w', `overlayctl/${spec.cluster}/provision`, '-o', 'json']).stdout).events as {
      activityTaskScheduledEventAttributes?: { activityType: { name: string } };
      activityTaskStartedEventAttributes?: { attempt: number };
    }[];
    // failed at once: no attempt of anything was retried
    expect(history.filter((e) => (e.activityTaskStartedEventAttributes?.attempt ?? 1) > 1)).toEqual([]);
    expect(leftovers(spec.cluster, box.stateDir)).toEqual([]);
  }, 300_000);
});

describe('cancellation', () => {
  it.each(['ensureHost', 'ensureConsul', 'ensureWorkload'])('`overlayctl cancel` while %s runs tears down; the run ends cancelled, nothing is left', async (step) => {
    const spec = smallSpec(`dcan-${step.slice(6).toLowerCase()}`, `10.221.${STEPS.indexOf(step)}.0/24`);
    const file = useCluster(spec, `cancel-${step}`);
    const id = `overlayctl/${spec.cluster}/provision`;
    expect((await box.cli(['up', '-f', file, '--detach'])).code).toBe(0);
    expect(await waitForMoment(client, id, { name: step, at: (p) => p.steps.find((s) => s.name === step)?.state === 'running' })).toBe(true);
    const cancel = await box.cli(['cancel', spec.cluster]);
    expect(cancel.code, cancel.stderr).toBe(0);
    expect(cancel.stdout).toContain('(CANCELLED)');
    expect(leftovers(spec.cluster, box.stateDir)).toEqual([]);
  }, 300_000);
});

describe('secrets', () => {
  it('the database password and the swarm join token appear in no history, log or CLI output', async () => {
    const spec = tutorialSpec('dsecret', '10.222.0.0/24');
    const file = useCluster(spec, 'dsecret');
    const up = await box.cli(['up', '-f', file]);
    expect(up.code, up.stderr).toBe(0);
    const password = (await box.cli(['secret', spec.cluster, 'database'])).stdout.trim();
    expect(password.length).toBeGreaterThanOrEqual(20);
    const token = (await box.sh(`DOCKER_HOST=unix:///run/overlayctl/${spec.cluster}/${spec.nodes[0].name}/docker.sock docker swarm join-token -q worker`)).stdout.trim();
    expect(token).toMatch(/^SWMTKN-/);
    const status = await box.cli(['status', spec.cluster, '--json']);
    const verify = await box.cli(['verify', spec.cluster, '--json']);
    const histories = [`overlayctl/${spec.cluster}/provision`].map((id) => box.temporal(['workflow', 'show', '-w', id, '-o', 'json']).stdout);
    const logs = [
      ...readdirSync(join(box.stateDir, 'dev')).filter((f) => f.endsWith('.log')).map((f) => readFileSync(join(box.stateDir, 'dev', f), 'utf8')),
      readFileSync(join(box.stateDir, 'logs', 'worker.jsonl'), 'utf8'),
    ];
    const haystacks = { history: histories.join('\n'), logs: logs.join('\n'), up: up.stdout + up.stderr, status: status.stdout + status.stderr, verify: verify.stdout + verify.stderr };
    for (const [where, text] of Object.entries(haystacks)) {
      expect(text.includes(password), `password found in ${where}`).toBe(false);
      expect(text.includes(token), `join token found in ${where}`).toBe(false);
    }
    // and the payloads in history are encrypted: not even the spec is readable there
    expect(haystacks.history).not.toContain('private-net');
    expect(haystacks.history).toContain('YmluYXJ5L2VuY3J5cHRlZA=='); // base64 of "binary/encrypted"
    expect((await box.cli(['down', spec.cluster])).code).toBe(0);
  }, 600_000);
});
