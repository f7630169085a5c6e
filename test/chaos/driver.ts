// The chaos driver: runs a cluster through the real CLI and worker, kills the worker
// (SIGKILL) or restarts the dev server at chosen moments, and then counts what exists
// through the engines and the provider themselves, not through our own state.
// Used by the durability tests and by `npm run chaos`.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { connectEngine } from '../../src/docker/engine.js';
import { defaultPaths, type Paths } from '../../src/paths.js';
import { providerFor } from '../../src/providers/registry.js';
import { connectClient } from '../../src/temporal.js';
import type { ClusterProgress, ClusterSpec } from '../../src/types.js';
import { progressQuery } from '../../src/workflows/progress.js';
import type { Sandbox } from '../e2e/harness.js';

export const STEPS = ['ensureFirewall', 'ensureSshKey', 'ensureHost', 'ensureConsul', 'ensureSwarm', 'ensureOverlayNetwork', 'ensureWorkload', 'verifyConnectivity', 'exposeWorkload'];

export interface Moment {
  name: string;
  /** true when the run is at this moment */
  at(p: ClusterProgress): boolean;
}

const state = (p: ClusterProgress, step: string) => p.steps.find((s) => s.name === step)?.state;

/** After step i is done and before step i+1 starts (the last step has no boundary after it). */
export function boundary(i: number): Moment {
  const [done, next] = [STEPS[i], STEPS[i + 1]];
  return { name: `after ${done}`, at: (p) => state(p, done) === 'done' || state(p, done) === 'skipped' ? state(p, next) !== 'done' : false };
}

export const INSIDE: Moment[] = [
  { name: 'while hosts are created', at: (p) => state(p, 'ensureHost') === 'running' },
  {
    name: 'while a dockerd starts',
    at: (p) => (p.steps.find((s) => s.name === 'ensureHost')?.children ?? []).some((c) => c.state === 'done') && state(p, 'ensureHost') === 'running',
  },
  { name: 'while images load into engines', at: (p) => state(p, 'ensureWorkload') === 'running' },
];

export function sandboxPaths(box: Sandbox): Paths {
  return defaultPaths(box.env);
}

export async function clientFor(box: Sandbox): Promise<Client> {
  return connectClient(box.address, sandboxPaths(box));
}

export function workerPid(box: Sandbox): number {
  return Number(readFileSync(join(box.stateDir, 'dev', 'worker.pid'), 'utf8').trim());
}

/** Starts the worker again each time it dies (crash faults end it) until `result` settles; how many times it did. */
export async function restartWorkerUntil(box: Sandbox, result: Promise<unknown>): Promise<number> {
  let done = false;
  void result.then(
    () => (done = true),
    () => (done = true),
  );
  let crashes = 0;
  while (!done) {
    const pid = workerPid(box);
    while (!done && existsSync(`/proc/${pid}`)) await new Promise((r) => setTimeout(r, 100));
    if (done) break;
    crashes += 1;
    const restarted = await box.cli(['dev', 'start']);
    if (restarted.code !== 0) throw new Error(`overlayctl dev start failed: ${restarted.stderr}`);
  }
  return crashes;
}

export function serverPid(box: Sandbox): number {
  return Number(readFileSync(join(box.stateDir, 'dev', 'temporal.pid'), 'utf8').trim());
}

/** Polls the run's progress until `moment` (or the run's end); true if the moment came. */
export async function waitForMoment(client: Client, workflowId: string, moment: Moment, timeoutMs = 240_000): Promise<boolean> {
  const handle = client.workflow.getHandle(workflowId);
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const p = await handle.query(progressQuery);
      if (moment.at(p)) return true;
      // the moment's step is over (or the run is): it will not come any more
      const step = p.steps.find((s) => s.name === moment.name);
      if (p.phase === 'ready' || p.phase === 'failed' || (step && step.state !== 'waiting' && step.state !== 'running')) return false;
    } catch {
      // the run has not started on a worker yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

export interface ClusterCount {
  hosts: string[];
  /** container names per host (one-shot check containers excluded) */
  containers: Record<string, string[]>;
  /** overlay networks named like the spec's, as the swarm manager sees them */
  networks: number;
  /** swarm nodes as hostname:state, from the manager */
  swarmNodes: string[];
}

/** What exists, asked of the provider (namespaces) and of each engine. */
export async function countCluster(box: Sandbox, spec: ClusterSpec): Promise<ClusterCount> {
  const paths = sandboxPaths(box);
  const provider = providerFor(spec.provider, paths);
  const hosts = await provider.listHosts(spec.cluster);
  const count: ClusterCount = { hosts: hosts.map((h) => h.name).sort(), containers: {}, networks: 0, swarmNodes: [] };
  for (const h of hosts) {
    const docker = connectEngine(await provider.engine(spec.cluster, h.name));
    const list = await docker.listContainers({ all: true }).catch(() => []);
    count.containers[h.name] = list.filter((c) => c.Labels['overlayctl.role'] !== 'one-shot').map((c) => c.Names[0].replace(/^\//, '')).sort();
    if (h.name === spec.nodes[0].name) {
      const nets = (await docker.listNetworks().catch(() => [])) as { Name: string }[];
      count.networks = nets.filter((n) => n.Name === spec.network.name).length;
      const nodes = (await docker.listNodes().catch(() => [])) as { Description: { Hostname: string }; Status: { State: string } }[];
      count.swarmNodes = nodes.map((n) => `${n.Description.Hostname}:${n.Status.State}`).sort();
    }
  }
  return count;
}

/** The count a healthy tutorial cluster has: each thing exactly once. */
export function expectedCount(spec: ClusterSpec): ClusterCount {
  const containers: Record<string, string[]> = {};
  for (const h of [spec.manager.name, ...spec.nodes.map((n) => n.name)]) containers[h] = [];
  containers[spec.manager.name].push('consul');
  for (const w of spec.workloads) containers[w.host].push(w.name);
  for (const k of Object.keys(containers)) containers[k].sort();
  return {
    hosts: Object.keys(containers).sort(),
    containers,
    networks: 1,
    swarmNodes: spec.nodes.map((n) => `${n.name}:ready`).sort(),
  };
}

export async function waitForResult(client: Client, workflowId: string): Promise<{ ok: boolean; error?: string }> {
  try {
    await client.workflow.getHandle(workflowId).result();
    return { ok: true };
  } catch (err) {
    let e = err as Error & { cause?: Error };
    while (e.cause) e = e.cause as typeof e;
    return { ok: false, error: e.message };
  }
}
