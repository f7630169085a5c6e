// Idempotency under retry: each activity run twice in a row against real engines (the
// crash window: the side effect happened, the completion was never recorded). The
// second run must leave exactly the state the first left: same dockerd processes,
// same container and network ids, same swarm node ids, same firewall rules.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActivities, type Activities } from '../../src/activities/index.js';
import { defaultPaths, type Paths } from '../../src/paths.js';
import { dockerdPid } from '../../src/providers/local/dockerd.js';
import { hostDirs, netnsName } from '../../src/providers/local/layout.js';
import { listSecurityGroup } from '../../src/providers/local/security-group.js';
import { providerFor } from '../../src/providers/registry.js';
import { leftovers, tutorialSpec } from './harness.js';

const spec = tutorialSpec('didem', '10.223.0.0/24');
const hosts = [spec.manager.name, ...spec.nodes.map((n) => n.name)];
const ref = { cluster: spec.cluster, provider: spec.provider };
let stateDir: string;
let paths: Paths;
let acts: Activities;
const addresses: Record<string, string> = {};

async function runActivity<K extends keyof Activities>(name: K, attempt: number, args: Parameters<Activities[K]>): Promise<Awaited<ReturnType<Activities[K]>>> {
  const env = new MockActivityEnvironment({ activityType: name, attempt });
  const run = env.run.bind(env) as (fn: unknown, ...a: unknown[]) => Promise<unknown>;
  return (await run(acts[name], ...args)) as Awaited<ReturnType<Activities[K]>>;
}

/**
 * Runs an activity as Temporal would (in an activity context) twice in a row, as a
 * retry after a lost completion would, and checks the second run changed nothing.
 */
async function twice<K extends keyof Activities>(name: K, ...args: Parameters<Activities[K]>): Promise<Awaited<ReturnType<Activities[K]>>[]> {
  const first = await runActivity(name, 1, args);
  const before = await snapshot();
  const second = await runActivity(name, 2, args);
  expect(await snapshot(), `${name} run again changed the state`).toEqual(before);
  return [first, second];
}

/** The state that matters, read from the machine and the engines. */
async function snapshot(): Promise<unknown> {
  const out: Record<string, unknown> = {};
  for (const h of hosts) {
    const dirs = hostDirs(paths, spec.cluster, h);
    const pid = await dockerdPid(dirs);
    const entry: Record<string, unknown> = { dockerd: pid, rules: await listSecurityGroup(netnsName(spec.cluster, h)).catch(() => []) };
    if (pid) {
      const docker = new Docker({ socketPath: dirs.socket });
      entry.containers = (await docker.listContainers({ all: true })).map((c) => `${c.Names[0]}=${c.Id}`).sort();
      // the overlay as its creator (the swarm manager) sees it; workers attach it lazily
      if (h === spec.nodes[0].name) entry.networks = ((await docker.listNetworks()) as { Name: string; Id: string }[]).filter((n) => n.Name === spec.network.name).map((n) => n.Id);
      entry.images = (await docker.listImages()).map((i) => `${i.RepoTags?.join(',')}=${i.Id}`).sort();
      const info = (await docker.info()) as { Swarm: { NodeID: string; LocalNodeState: string } };
      entry.swarm = `${info.Swarm.LocalNodeState}:${info.Swarm.NodeID}`;
    }
    out[h] = entry;
  }
  return out;
}

beforeAll(() => {
  stateDir = mkdtempSync(join(tmpdir(), 'overlayctl-idem-'));
  paths = defaultPaths({ ...process.env, OVERLAYCTL_STATE_DIR: stateDir });
  acts = createActivities({ paths, provider: (config) => providerFor(config, paths) });
});

afterAll(async () => {
  // down, as the teardown workflow does it, also when a test failed half-way
  const provider = providerFor(spec.provider, paths);
  await Promise.allSettled(hosts.map((h) => provider.deleteHost(spec.cluster, h)));
  await provider.deleteFirewall(spec.cluster);
  await provider.deleteClusterResources(spec.cluster);
  rmSync(stateDir, { recursive: true, force: true });
}, 120_000);

describe('each activity, run twice in a row, changes nothing the second time', () => {
  it('ensureFirewall, ensureSshKey and ensureHost', async () => {
    await twice('ensureFirewall', { spec, exposed: false });
    expect(await twice('ensureSshKey', { spec })).toEqual([
      { skipped: true, reason: 'local hosts are reached over unix sockets' },
      { skipped: true, reason: 'local hosts are reached over unix sockets' },
    ]);
    for (const host of hosts) {
      const [first, second] = await twice('ensureHost', { spec, host });
      expect(second).toEqual(first);
      addresses[host] = first.address;
    }
  }, 120_000);

  it('ensureConsul, ensureSwarm and ensureSwarmMember', async () => {
    await twice('ensureConsul', { spec, managerAddress: addresses[spec.manager.name] });

    const [a, b] = await twice('ensureSwarm', { spec, addresses });
    expect(b.clusterId).toBe(a.clusterId);
    for (const n of spec.nodes) {
      const [first, second] = await twice('ensureSwarmMember', { spec, node: n.name, addresses });
      expect(second.membership).toBe(n.name === spec.nodes[0].name ? 'manager' : 'member');
      expect(first.membership).toBe(n.name === spec.nodes[0].name ? 'manager' : 'joined');
    }
    // and the first step again, once the swarm exists, changes nothing either
    await twice('ensureSwarm', { spec, addresses });
  }, 180_000);

  it('ensureOverlayNetwork, ensureWorkload, verifyConnectivity and exposeWorkload', async () => {
    const [n1, n2] = await twice('ensureOverlayNetwork', { spec });
    expect([n1.created, n2.created, n2.id]).toEqual([true, false, n1.id]);
    for (const w of spec.workloads) {
      const [first, second] = await twice('ensureWorkload', { spec, workload: w.name });
      expect([first.action, second.action, second.container]).toEqual(['created', 'unchanged', first.container]);
    }
    const reports = await twice('verifyConnectivity', { spec, addresses, exposed: false });
    expect(reports.map((r) => r.ok)).toEqual([true, true]);

    await twice('ensureFirewall', { spec, exposed: true });
    const [e1, e2] = await twice('exposeWorkload', { spec, workload: 'web', addresses });
    expect([e1.action, e2.action, e2.container]).toEqual(['replaced', 'unchanged', e1.container]);
    // a re-run of the workload step keeps the exposed container
    expect((await twice('ensureWorkload', { spec, workload: 'web' })).map((r) => r.action)).toEqual(['unchanged', 'unchanged']);
  }, 180_000);

  it('the teardown activities, twice, leave nothing', async () => {
    for (const w of spec.workloads) await twice('removeWorkload', { ...ref, host: w.host, workload: w.name });
    await twice('removeOverlayNetwork', { ...ref, node: spec.nodes[0].name, network: spec.network.name });
    for (const n of spec.nodes) await twice('leaveSwarm', { ...ref, node: n.name });
    await twice('removeConsul', { ...ref, manager: spec.manager.name });
    for (const host of hosts) await twice('deleteHost', { ...ref, host });
    await twice('deleteSshKey', ref);
    await twice('deleteFirewall', ref);
    await twice('deleteClusterResources', ref);
    expect(leftovers(spec.cluster, stateDir)).toEqual([]);
  }, 180_000);
});
