// Durability in classic mode, as in swarm mode: the worker SIGKILLs itself at the end of
// every step (the side effect made, its completion never reported) and is restarted;
// the same run finishes with every thing exactly once and nothing of a swarm.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { connectEngine } from '../../src/docker/engine.js';
import { providerFor } from '../../src/providers/registry.js';
import type { ClusterSpec } from '../../src/spec.js';
import { clientFor, sandboxPaths, waitForResult, restartWorkerUntil } from '../chaos/driver.js';
import { createSandbox, leftovers, tutorialSpec, type Sandbox } from './harness.js';

const CLUSTER = 'e2eclkill';
const spec: ClusterSpec = { ...tutorialSpec(CLUSTER, '10.251.8.0/24'), mode: 'classic', clusterStore: 'etcd' };
spec.provider = { type: 'local', subnet: '10.251.8.0/24', faults: 'crash:*' };
let box: Sandbox;
let client: Client;

beforeAll(async () => {
  box = await createSandbox();
  expect((await box.cli(['dev', 'start'])).code).toBe(0);
  client = await clientFor(box);
});

afterAll(async () => {
  await box.cli(['down', CLUSTER]);
  await box.cli(['dev', 'stop']);
  expect(box.dispose([CLUSTER])).toEqual([]);
}, 300_000);

/** Containers per host, the network's scope per node, swarm state per node: read from the engines. */
async function census() {
  const provider = providerFor(spec.provider, sandboxPaths(box));
  const out: Record<string, string> = {};
  for (const h of await provider.listHosts(CLUSTER)) {
    const docker = connectEngine(await provider.engine(CLUSTER, h.name));
    const containers = (await docker.listContainers({ all: true })).filter((c) => c.Labels['overlayctl.role'] !== 'one-shot').map((c) => c.Names[0].slice(1)).sort();
    const nets = ((await docker.listNetworks()) as { Name: string; Scope: string }[]).filter((n) => n.Name === spec.network.name).map((n) => n.Scope);
    const swarm = ((await docker.info()) as { Swarm: { LocalNodeState: string } }).Swarm.LocalNodeState;
    out[h.name] = `${containers.join(',')} | ${nets.join(',')} | ${swarm}`;
  }
  return out;
}

it('a worker SIGKILLed at the end of every step and restarted finishes the same classic run, each thing once', async () => {
  const file = box.writeSpec(spec, 'classic-kill');
  expect((await box.cli(['up', '-f', file, '--detach'])).code).toBe(0);
  const result = waitForResult(client, `overlayctl/${CLUSTER}/provision`);
  const crashes = await restartWorkerUntil(box, result);
  expect(await result).toEqual({ ok: true });
  const crashed = readdirSync(join(box.stateDir, 'crashes')).map((f) => f.split('@')[0]).sort();
  expect(crashed).toEqual(
    ['checkClassicMode', 'ensureConsul', 'ensureEtcd', 'ensureFirewall', 'ensureHost', 'ensureOverlayNetwork', 'ensureSshKey', 'ensureWorkload', 'exposeWorkload', 'listHosts', 'verifyConnectivity'].sort(),
  );
  expect(crashes).toBe(crashed.length);
  expect(await census()).toEqual({
    [`${CLUSTER}-manager`]: 'consul,etcd |  | inactive',
    [`${CLUSTER}-node1`]: 'database | global | inactive',
    [`${CLUSTER}-node2`]: 'web | global | inactive',
    [`${CLUSTER}-node3`]: ' | global | inactive',
  });
  expect((await box.cli(['verify', CLUSTER])).code).toBe(0);
  expect((await box.cli(['down', CLUSTER])).code).toBe(0);
  expect(leftovers(CLUSTER, box.stateDir)).toEqual([]);
}, 900_000);
