// The exoscale provider end to end against the API emulator, whose instances are real
// local hosts (network namespace, dockerd, sshd with the registered key, the security
// group as iptables rules): signed API calls, operations, SSH to the engines, the
// overlay and the checks all run for real. Then faults, a worker killed during instance
// creation, and a rejected key.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientFor, countCluster, expectedCount, sandboxPaths, waitForMoment, waitForResult, workerPid } from '../chaos/driver.js';
import { LocalHostBackend } from '../emulator/local-backend.js';
import { startEmulator, type Emulator } from '../emulator/server.js';
import { createSandbox, leftovers, type Sandbox } from './harness.js';
import type { ClusterSpec } from '../../src/types.js';
import { loadSpecFile } from '../../src/spec.js';

const KEY = 'EXOtest0123456789abcdef01';
const SECRET = 'test-secret-for-the-emulator-only-0123456789';
const EMU = 'xemu';
let box: Sandbox;
let emulator: Emulator;
let backend: LocalHostBackend;

/** The tutorial's topology on "Exoscale" (the emulator). */
function exoSpec(cluster: string): ClusterSpec {
  const base = loadSpecFile();
  const rename = (n: string) => n.replace(/^tuto/, cluster);
  return {
    ...base,
    cluster,
    provider: {
      type: 'exoscale',
      zone: 'ch-gva-2',
      template: 'Overlayctl Test Host',
      instanceType: 'standard.small',
      diskSize: 20,
      sshFrom: '10.240.0.1/32', // the controller: the emulator's bridge address
      endpoint: emulator.url,
    },
    manager: { name: rename(base.manager.name) },
    nodes: base.nodes.map((n) => ({ name: rename(n.name) })),
    workloads: base.workloads.map((w) => ({ ...w, host: rename(w.host) })),
    verify: { from: rename(base.verify.from) },
  };
}

/** What the emulator holds for one cluster (its instances by label, its group and key by name). */
function resourcesOf(cluster: string): { instances: number; securityGroups: number; sshKeys: number } {
  return {
    instances: [...emulator.state.instances.values()].filter((i) => i.labels['overlayctl.cluster'] === cluster).length,
    securityGroups: [...emulator.state.securityGroups.values()].filter((g) => g.name === `overlayctl-${cluster}`).length,
    sshKeys: [...emulator.state.sshKeys.keys()].filter((k) => k === `overlayctl-${cluster}`).length,
  };
}

beforeAll(async () => {
  box = await createSandbox();
  backend = new LocalHostBackend({ paths: sandboxPaths(box), cluster: EMU, subnet: '10.240.0.0/24' });
  emulator = await startEmulator({
    credentials: [{ key: KEY, secret: SECRET }],
    backend,
    // a template whose default user exists on this machine (the hosts share its users)
    templates: [{ name: 'Overlayctl Test Host', family: 'debian', defaultUser: 'root', sshKeyEnabled: true }],
  });
  // the worker's environment (and the operator's: status and this test's own counts ask the API too)
  Object.assign(box.env, { EXOSCALE_API_KEY: KEY, EXOSCALE_API_SECRET: SECRET });
  Object.assign(process.env, { EXOSCALE_API_KEY: KEY, EXOSCALE_API_SECRET: SECRET });
  expect((await box.cli(['dev', 'start'])).code).toBe(0);
}, 120_000);

afterAll(async () => {
  for (const c of ['exo', 'exokill', 'exoflaky', 'exoquota', 'exokey']) await box.cli(['down', c]);
  await box.cli(['dev', 'stop']);
  await emulator.stop();
  await backend.destroyAll();
  expect(box.dispose(['exo', 'exokill', 'exoflaky', 'exoquota', 'exokey', EMU])).toEqual([]);
}, 300_000);

describe('the exoscale provider against the emulator', () => {
  it('asks before creating paid resources, and creates nothing without --yes off a terminal', async () => {
    const up = await box.cli(['up', '-f', box.writeSpec(exoSpec('exo'), 'exo')]);
    expect(up.code).toBe(2);
    expect(up.stderr).toContain('This creates paid resources in Exoscale zone ch-gva-2: 4 x standard.small instances');
    expect(up.stderr).toContain('pass --yes to confirm');
    expect(resourcesOf('exo')).toEqual({ instances: 0, securityGroups: 0, sshKeys: 0 });
  });

  it('up --yes builds the tutorial: signed calls, instances found by label, engines over SSH, the overlay verified', async () => {
    const spec = exoSpec('exo');
    const up = await box.cli(['up', '-f', box.writeSpec(spec, 'exo'), '--yes']);
    expect(up.code, up.stderr).toBe(0);
    expect(up.stdout).toContain('verification from exo-node3: passed');
    expect(resourcesOf('exo')).toEqual({ instances: 4, securityGroups: 1, sshKeys: 1 });
    const group = [...emulator.state.securityGroups.values()][0];
    expect(group.name).toBe('overlayctl-exo');
    // least privilege: members by group reference, SSH from the operator only, port 80 open after exposure
    const rules = group.rules.map((r) => `${r.protocol}:${r.startPort ?? ''}:${r.network ?? (r.securityGroupId === group.id ? 'group' : r.securityGroupId)}`).sort();
    expect(rules).toEqual(
      ['esp::group', 'icmp::group', 'tcp:22:10.240.0.1/32', 'tcp:2377:group', 'tcp:7946:group', 'tcp:8500:group', 'tcp:80:0.0.0.0/0', 'udp:4789:group', 'udp:7946:group'].sort(),
    );
    for (const i of emulator.state.instances.values()) expect(i.labels['overlayctl.cluster']).toBe('exo');
    expect(await countCluster(box, spec)).toEqual(expectedCount(spec));
    // every API call was signed and accepted
    expect(emulator.state.requests.filter((r) => r.status === 401)).toEqual([]);
    const verify = await box.cli(['verify', 'exo']);
    expect(verify.code, verify.stdout).toBe(0);
  }, 600_000);

  it('down removes every instance, the group and the key, and the hosts behind them', async () => {
    const down = await box.cli(['down', 'exo']);
    expect(down.code, down.stderr).toBe(0);
    expect(resourcesOf('exo')).toEqual({ instances: 0, securityGroups: 0, sshKeys: 0 });
    expect(leftovers('exo', box.stateDir)).toEqual([]);
  }, 300_000);

  it('transient API faults (429 with Retry-After, 5xx, resets) are retried to success', async () => {
    emulator.faults.add({ path: '/v2/instance', method: 'POST', kind: 'rate-limit', retryAfterSeconds: 1, times: 2 });
    emulator.faults.add({ path: '/v2/security-group', kind: 'server-error', status: 503, times: 2 });
    emulator.faults.add({ path: '/v2/ssh-key', kind: 'reset', times: 1 });
    emulator.faults.add({ path: '/v2/operation', kind: 'server-error', rate: 0.2 });
    const spec = exoSpec('exoflaky');
    try {
      const up = await box.cli(['up', '-f', box.writeSpec(spec, 'exoflaky'), '--yes']);
      expect(up.code, up.stderr).toBe(0);
    } finally {
      emulator.faults.clear();
    }
    expect(emulator.state.requests.filter((r) => r.fault).length).toBeGreaterThanOrEqual(5);
    expect(await countCluster(box, spec)).toEqual(expectedCount(spec));
    expect((await box.cli(['down', 'exoflaky'])).code).toBe(0);
    expect(resourcesOf('exoflaky')).toEqual({ instances: 0, securityGroups: 0, sshKeys: 0 });
  }, 600_000);

  it('a worker killed while instances are created resumes without creating any twice', async () => {
    const spec = exoSpec('exokill');
    const client = await clientFor(box);
    const id = 'overlayctl/exokill/provision';
    const before = emulator.state.requests.length;
    expect((await box.cli(['up', '-f', box.writeSpec(spec, 'exokill'), '--yes', '--detach'])).code).toBe(0);
    // the moment the first instance exists in the API, the worker dies
    expect(await waitForMoment(client, id, { name: 'instances', at: () => emulator.state.instances.size > 0 })).toBe(true);
    process.kill(workerPid(box), 'SIGKILL');
    expect((await box.cli(['dev', 'start'])).code).toBe(0);
    expect(await waitForResult(client, id)).toEqual({ ok: true });
    const posts = emulator.state.requests.slice(before).filter((r) => r.method === 'POST' && r.path === '/v2/instance' && r.status === 200);
    expect(posts).toHaveLength(4); // one per host: found by label after the restart
    expect(await countCluster(box, spec)).toEqual(expectedCount(spec));
    expect((await box.cli(['down', 'exokill'])).code).toBe(0);
    expect(resourcesOf('exokill')).toEqual({ instances: 0, securityGroups: 0, sshKeys: 0 });
  }, 600_000);

  it('a quota error fails the run at once with that cause, and nothing is left', async () => {
    // an emulator of its own, whose account may have 2 instances
    const quotaBackend = new LocalHostBackend({ paths: sandboxPaths(box), cluster: 'xemq', subnet: '10.241.0.0/24' });
    const small = await startEmulator({
      credentials: [{ key: KEY, secret: SECRET }],
      backend: quotaBackend,
      quota: { instances: 2 },
      templates: [{ name: 'Overlayctl Test Host', family: 'debian', defaultUser: 'root', sshKeyEnabled: true }],
    });
    try {
      const spec = exoSpec('exoquota');
      spec.provider = { ...spec.provider, endpoint: small.url, sshFrom: '10.241.0.1/32' } as ClusterSpec['provider'];
      const up = await box.cli(['up', '-f', box.writeSpec(spec, 'exoquota'), '--yes']);
      expect(up.code).toBe(1);
      expect(up.stderr).toMatch(/limit/i);
      expect(up.stderr).toContain('the run tore down what it had made');
      // failed at once: no attempt of ensureHost was retried
      const history = JSON.parse(box.temporal(['workflow', 'show', '-w', 'overlayctl/exoquota/provision', '-o', 'json']).stdout).events as { activityTaskStartedEventAttributes?: { attempt: number } }[];
      expect(history.filter((e) => (e.activityTaskStartedEventAttributes?.attempt ?? 1) > 1)).toEqual([]);
      expect({ instances: small.state.instances.size, securityGroups: small.state.securityGroups.size, sshKeys: small.state.sshKeys.size }).toEqual({ instances: 0, securityGroups: 0, sshKeys: 0 });
    } finally {
      await small.stop();
      await quotaBackend.destroyAll();
    }
    expect(leftovers('xemq', box.stateDir)).toEqual([]);
  }, 300_000);

  it('a rejected key gives one clear message and creates nothing', async () => {
    await box.cli(['dev', 'stop']);
    Object.assign(box.env, { EXOSCALE_API_SECRET: 'wrong-secret' });
    try {
      expect((await box.cli(['dev', 'start'])).code).toBe(0);
      const up = await box.cli(['up', '-f', box.writeSpec(exoSpec('exokey'), 'exokey'), '--yes']);
      expect(up.code).toBe(1);
      expect(up.stderr).toMatch(/EXOSCALE_API_KEY/);
      expect(resourcesOf('exokey')).toEqual({ instances: 0, securityGroups: 0, sshKeys: 0 });
      expect(emulator.state.requests.some((r) => r.status === 401)).toBe(true); // the emulator refused the signature
    } finally {
      await box.cli(['dev', 'stop']);
      Object.assign(box.env, { EXOSCALE_API_SECRET: SECRET });
      await box.cli(['dev', 'start']);
    }
  }, 300_000);
});
