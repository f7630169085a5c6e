// Issue 6, item 5: emulated cloud at scale. 100 instances (quick: 20) created by the
// hosts step run as the workflow runs it (one ensureHost activity per host, the workflow's
// retry policy, Retry-After honoured through nextRetryDelay) on a real Temporal dev server,
// against the Exoscale API emulator with MemoryBackend instances, per-call latency,
// operation delays and a token-bucket rate limit. Compared with the critical path the
// API allows: the longer of one instance's serial chain and the time the rate limit
// needs to let the run's successful requests through.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { bundleWorkflowCode, DefaultLogger, Worker } from '@temporalio/worker';
import { activity, reportPhase } from '../../src/activities/context.js';
import { hostInput, type HostInput } from '../../src/activities/ensure-host.js';
import { createActivities } from '../../src/activities/index.js';
import type { Paths } from '../../src/paths.js';
import { ExoscaleProvider, type ExoscaleProviderConfig } from '../../src/providers/exoscale/provider.js';
import type { ClusterSpec } from '../../src/types.js';
import { MemoryBackend } from '../../test/emulator/backend.js';
import { startEmulator, type Emulator, type RequestLogEntry } from '../../test/emulator/server.js';
import type { createInstances as CreateInstancesWorkflow, CreateInstancesResult } from '../workflows/create-instances.js';
import { startDevServer } from '../lib/temporal-env.js';
import { fmt, median } from '../lib/stats.js';
import type { BenchCase, BenchContext, CaseResult, Figure } from '../lib/types.js';

const KEY = 'EXObench0123456789abcdef0';
const SECRET = 'bench-secret-for-the-emulator-only-0123456789';
const ENV = { EXOSCALE_API_KEY: KEY, EXOSCALE_API_SECRET: SECRET };
const WORKFLOWS = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

/** What the emulated cloud does; documented in the case's notes. */
export const SETTINGS = {
  /** every call waits one of these (equally likely) before it is handled: a WAN round trip plus API work */
  latencyMs: [50, 75, 100],
  /** an instance stays 'starting' (and its create operation pending) this long */
  createDelayMs: 3000,
  /** every other operation (security group, rules, ssh key) takes at least this long */
  operationDelayMs: 250,
  /** token bucket over all calls of the account */
  rateLimit: { requestsPerSecond: 20, burst: 40 },
  /** what src/worker.ts gives the host-bound worker */
  maxConcurrentActivities: 64,
};

const meanLatencyMs = SETTINGS.latencyMs.reduce((a, b) => a + b, 0) / SETTINGS.latencyMs.length;

async function startCloud(withRateLimit = true): Promise<Emulator> {
  const emu = await startEmulator({
    credentials: [{ key: KEY, secret: SECRET }],
    backend: new MemoryBackend({ createDelayMs: SETTINGS.createDelayMs }),
    operationDelayMs: SETTINGS.operationDelayMs,
    rateLimit: withRateLimit ? SETTINGS.rateLimit : undefined,
  });
  // first rule that fires wins: 1/3, then 1/2 of the rest, then the rest
  const [a, b, c] = SETTINGS.latencyMs;
  emu.faults.add({ path: '/v2/', kind: 'latency', latencyMs: a, rate: 1 / 3 });
  emu.faults.add({ path: '/v2/', kind: 'latency', latencyMs: b, rate: 1 / 2 });
  emu.faults.add({ path: '/v2/', kind: 'latency', latencyMs: c });
  return emu;
}

export function exoscaleSpec(cluster: string, hosts: number, endpoint: string): ClusterSpec {
  const pad = String(hosts - 1).length;
  const nodes = Array.from({ length: hosts - 1 }, (_, i) => ({ name: `${cluster}-node${String(i + 1).padStart(pad, '0')}` }));
  return {
    cluster,
    provider: { type: 'exoscale', zone: 'ch-gva-2', template: 'Linux Ubuntu 22.04 LTS 64-bit', instanceType: 'standard.small', diskSize: 20, sshFrom: '203.0.113.7/32', endpoint },
    manager: { name: `${cluster}-manager` },
    nodes,
    network: { name: 'private-net', subnet: '10.0.0.0/16', encrypted: false },
    workloads: [],
    verify: { from: nodes[nodes.length - 1].name },
  };
}

/** GET /v2/instance/3f1e... -> GET /instance/{id} */
export function endpointOf(r: Pick<RequestLogEntry, 'method' | 'path'>): string {
  const p = r.path
    .replace(/^\/v2/, '')
    .replace(/^\/(instance|operation|security-group|template|instance-type)\/[^/:]+/, '/$1/{id}')
    .replace(/^\/ssh-key\/[^/]+/, '/ssh-key/{name}')
    .replace(/\/rules\/[^/]+$/, '/rules/{id}');
  return `${r.method} ${p}`;
}

interface Attempt {
  host: string;
  attempt: number;
  start: number;
  end: number;
  ok: boolean;
  error?: string;
}

/** The activities the bench worker runs: the real ensureFirewall / ensureSshKey, and ensureHost up to a running instance. */
function benchActivities(paths: Paths, attempts: Attempt[]) {
  const provider = (config: ClusterSpec['provider']) => new ExoscaleProvider(config as ExoscaleProviderConfig, paths, ENV);
  const real = createActivities({ paths, provider });
  // as src/activities/ensure-host.ts, minus the engine wait (no SSH behind MemoryBackend)
  const ensureInstance = activity(async (input: HostInput) => {
    const { cluster, host, index } = hostInput(input);
    const i = await provider(input.provider).ensureInstance({ cluster, name: host, index, onPhase: reportPhase });
    return { name: host, address: i['public-ip']! };
  });
  const ensureHost = async (input: HostInput) => {
    const a: Attempt = { host: input.host, attempt: Context.current().info.attempt, start: Date.now(), end: 0, ok: false };
    attempts.push(a);
    try {
      const r = await ensureInstance(input);
      a.ok = true;
      return r;
    } catch (err) {
      a.error = err instanceof ApplicationFailure ? (err.type ?? 'ApplicationFailure') : (err as Error).name;
      throw err;
    } finally {
      a.end = Date.now();
    }
  };
  return { ensureFirewall: real.ensureFirewall, ensureSshKey: real.ensureSshKey, ensureHost };
}

/** One instance alone on a fresh emulated cloud (same latency and delays): the serial chain the API allows with this client. */
async function soloChain(paths: Paths): Promise<{ ms: number; requests: number; endpoints: string[] }> {
  const emu = await startCloud();
  try {
    const spec = exoscaleSpec('solo', 2, emu.url);
    const provider = new ExoscaleProvider(spec.provider as ExoscaleProviderConfig, paths, ENV);
    // a group (with only the SSH rule: rules do not matter to instances) and the key
    await provider.ensureFirewall({ cluster: spec.cluster, rules: [], members: [] });
    await provider.ensureSshKey(spec.cluster);
    const from = emu.state.requests.length;
    const t0 = Date.now();
    await new ExoscaleProvider(spec.provider as ExoscaleProviderConfig, paths, ENV).ensureInstance({ cluster: spec.cluster, name: spec.manager.name, index: 0 });
    const ms = Date.now() - t0;
    const reqs = emu.state.requests.slice(from);
    return { ms, requests: reqs.length, endpoints: reqs.map(endpointOf) };
  } finally {
    await emu.stop();
  }
}

interface RunOutcome {
  ok: boolean;
  error?: string;
  wallMs: number;
  setupMs: number;
  /** the group and key steps done one call after another, each operation polled once, as soon as it is done */
  setupFloorMs: number;
  fanOutMs: number;
  /** successful (2xx) and 429 requests during the fan-out, by endpoint */
  byEndpoint: Record<string, { ok: number; throttled: number; other: number }>;
  okRequests: number;
  throttled: number;
  throttledOnOperationPolls: number;
  attempts: number;
  retriedHosts: number;
  maxAttempts: number;
  failedAttemptsByType: Record<string, number>;
  /** summed time between a failed attempt's end and the next attempt's start */
  retryWaitMs: number;
  maxRetryWaitMs: number;
  instancesCreated: number;
  historyEvents: number;
  historyBytes: number;
}

export const emulatedCloud: BenchCase = async (ctx: BenchContext): Promise<CaseResult> => {
  const hosts = ctx.quick ? 20 : 100;
  const runs = ctx.quick ? 1 : Math.max(3, ctx.runs);
  const dir = mkdtempSync(join(tmpdir(), 'overlayctl-bench-emu-'));
  const paths: Paths = { state: join(dir, 'state'), cache: join(dir, 'cache'), runtime: join(dir, 'run') };
  const env = await startDevServer();
  const outcomes: RunOutcome[] = [];
  let solo: Awaited<ReturnType<typeof soloChain>> | undefined;
  try {
    ctx.log(`emulated-cloud: the serial chain of one instance, alone`);
    const solos = [await soloChain(paths)];
    if (!ctx.quick) solos.push(await soloChain(paths));
    solo = solos.reduce((a, b) => (b.ms < a.ms ? b : a));
    const bundle = await bundleWorkflowCode({ workflowsPath: WORKFLOWS, logger: new DefaultLogger('WARN') });
    for (let run = 1; run <= runs; run++) {
      ctx.log(`emulated-cloud: run ${run}/${runs}, ${hosts} instances`);
      const emu = await startCloud();
      const attempts: Attempt[] = [];
      const id = `emu${run}-${Date.now().toString(36).slice(-5)}`;
      const taskQueue = `bench-wf-${id}`;
      const hostTaskQueue = `bench-host-${id}`;
      try {
        const spec = exoscaleSpec(`emu${run}`, hosts, emu.url);
        const connection = env.nativeConnection;
        const wfWorker = await Worker.create({ connection, taskQueue, workflowBundle: bundle });
        const actWorker = await Worker.create({
          connection,
          taskQueue: hostTaskQueue,
          activities: benchActivities(paths, attempts),
          maxConcurrentActivityTaskExecutions: SETTINGS.maxConcurrentActivities,
        });
        const t0 = Date.now();
        const result = await wfWorker.runUntil(
          actWorker.runUntil(async () => {
            const handle = await env.client.workflow.start<typeof CreateInstancesWorkflow>('createInstances', {
              taskQueue,
              workflowId: `bench-${id}`,
              args: [{ spec, hostTaskQueue }],
              workflowExecutionTimeout: '20m',
            });
            const out = await handle.result().then(
              (r): { r?: CreateInstancesResult; error?: string; events?: number; historyBytes?: number } => ({ r }),
              (err: unknown): { r?: CreateInstancesResult; error?: string } => ({ error: rootMessage(err) }),
            );
            const d = await handle.describe();
            return { ...out, events: d.historyLength, historyBytes: d.historySize };
          }),
        );
        const wallMs = Date.now() - t0;
        const r = result.r;
        const from = r ? r.fanOutStarted : t0;
        const to = r ? r.fanOutEnded : Date.now();
        const inFanOut = emu.state.requests.filter((q) => q.at >= from && q.at <= to);
        const byEndpoint: RunOutcome['byEndpoint'] = {};
        for (const q of inFanOut) {
          const e = (byEndpoint[endpointOf(q)] ??= { ok: 0, throttled: 0, other: 0 });
          if (q.status >= 200 && q.status < 300) e.ok++;
          else if (q.status === 429) e.throttled++;
          else e.other++;
        }
        const perHost = new Map<string, Attempt[]>();
        for (const a of attempts) perHost.set(a.host, [...(perHost.get(a.host) ?? []), a]);
        let retryWaitMs = 0;
        let maxRetryWaitMs = 0;
        for (const list of perHost.values()) {
          list.sort((x, y) => x.attempt - y.attempt);
          for (let i = 1; i < list.length; i++) {
            const wait = list[i].start - list[i - 1].end;
            retryWaitMs += wait;
            maxRetryWaitMs = Math.max(maxRetryWaitMs, wait);
          }
        }
        const failedAttemptsByType: Record<string, number> = {};
        for (const a of attempts) if (!a.ok) failedAttemptsByType[a.error ?? '?'] = (failedAttemptsByType[a.error ?? '?'] ?? 0) + 1;
        outcomes.push({
          ok: !!r,
          error: result.error,
          wallMs,
          setupMs: r ? r.fanOutStarted - r.started : Number.NaN,
          setupFloorMs: setupFloor(emu.state.requests.filter((q) => q.at < from)),
          fanOutMs: r ? r.fanOutEnded - r.fanOutStarted : Number.NaN,
          byEndpoint,
          okRequests: inFanOut.filter((q) => q.status >= 200 && q.status < 300).length,
          throttled: inFanOut.filter((q) => q.status === 429).length,
          throttledOnOperationPolls: inFanOut.filter((q) => q.status === 429 && q.path.startsWith('/v2/operation/')).length,
          attempts: attempts.length,
          retriedHosts: [...perHost.values()].filter((l) => l.length > 1).length,
          maxAttempts: Math.max(0, ...attempts.map((a) => a.attempt)),
          failedAttemptsByType,
          retryWaitMs,
          maxRetryWaitMs,
          instancesCreated: emu.state.instances.size,
          historyEvents: result.events ?? Number.NaN,
          historyBytes: result.historyBytes ?? Number.NaN,
        });
      } finally {
        await emu.stop();
      }
    }
  } finally {
    await env.teardown();
    rmSync(dir, { recursive: true, force: true });
  }

  const { requestsPerSecond: rps, burst } = SETTINGS.rateLimit;
  const soloMs = solo!.ms;
  const ok = outcomes.filter((o) => o.ok);
  const criticalOf = (o: RunOutcome) => Math.max(soloMs, (Math.max(0, o.okRequests - burst) / rps) * 1000);
  const s = (f: (o: RunOutcome) => number, from = ok) => from.map(f);
  const figures: Figure[] = [
    { name: `total wall time (${hosts} instances, incl. group and key)`, unit: 's', samples: s((o) => o.wallMs / 1000, outcomes) },
    { name: 'security group + ssh key steps', unit: 's', samples: s((o) => o.setupMs / 1000) },
    { name: '  their serial API floor', unit: 's', samples: s((o) => o.setupFloorMs / 1000) },
    { name: `hosts step: ${hosts} instances in parallel`, unit: 's', samples: s((o) => o.fanOutMs / 1000) },
    { name: 'critical path the API allows', unit: 's', samples: s((o) => criticalOf(o) / 1000) },
    { name: '  hosts step beyond it (extra time)', unit: 's', samples: s((o) => (o.fanOutMs - criticalOf(o)) / 1000) },
    { name: '  one instance alone (serial chain)', unit: 's', samples: [soloMs / 1000] },
    { name: `  successful requests / rate limit (-burst)`, unit: 's', samples: s((o) => (Math.max(0, o.okRequests - burst) / rps)) },
    { name: 'requests per second achieved (2xx)', unit: 'req/s', samples: s((o) => o.okRequests / (o.fanOutMs / 1000)) },
    { name: 'successful requests, hosts step', unit: 'req', samples: s((o) => o.okRequests) },
    { name: 'successful requests per instance', unit: 'req', samples: s((o) => o.okRequests / hosts) },
    { name: '429 answers, hosts step', unit: 'req', samples: s((o) => o.throttled, outcomes) },
    { name: '  of which on operation polls (absorbed by the poll loop)', unit: 'req', samples: s((o) => o.throttledOnOperationPolls, outcomes) },
    { name: 'activity attempts (1 per host when no retry)', unit: 'n', samples: s((o) => o.attempts, outcomes) },
    { name: 'hosts retried', unit: 'n', samples: s((o) => o.retriedHosts, outcomes) },
    { name: 'highest attempt number (policy allows 5)', unit: 'n', samples: s((o) => o.maxAttempts, outcomes) },
    { name: 'time waiting for retries, summed over hosts', unit: 's', samples: s((o) => o.retryWaitMs / 1000, outcomes) },
    { name: 'longest wait before a retry', unit: 's', samples: s((o) => o.maxRetryWaitMs / 1000, outcomes) },
    { name: 'workflow history events', unit: 'events', samples: s((o) => o.historyEvents, outcomes) },
    { name: 'workflow history size', unit: 'kB', samples: s((o) => o.historyBytes / 1024, outcomes) },
  ];
  const ratios = ok.length
    ? [
        { name: 'hosts step / critical path', value: median(ok.map((o) => o.fanOutMs / criticalOf(o))), target: { max: 1.2 } },
        { name: 'whole run / (serial API floor of group + key, then the hosts critical path)', value: median(ok.map((o) => o.wallMs / (o.setupFloorMs + criticalOf(o)))), target: { max: 1.2 } },
      ]
    : [];
  const notes: string[] = [
    `real Temporal dev server, in-process workers; workflow bench/workflows/create-instances.ts runs ensureFirewall, ensureSshKey, then one ensureHost activity per host (activitiesOn(): slow profile, retry 1 s x2 up to 20 s, 5 attempts, nextRetryDelay = Retry-After) with ExoscaleProvider.ensureInstance (no SSH engine wait: MemoryBackend instances are not hosts); activity worker at ${SETTINGS.maxConcurrentActivities} concurrent activities like src/worker.ts`,
    `emulated cloud: per-call latency ${SETTINGS.latencyMs.join('/')} ms (equally likely), instance create ${SETTINGS.createDelayMs} ms, other operations >= ${SETTINGS.operationDelayMs} ms, rate limit ${rps} req/s with burst ${burst} (token bucket, 429 + Retry-After in whole seconds)`,
    `critical path = max(one instance alone: ${fmt(soloMs / 1000)} s for ${solo!.requests} requests [${summarize(solo!.endpoints)}], (2xx requests of the hosts step - burst) / ${rps} req/s); the pure API floor of the chain (mean latency x calls + create delay, no poll granularity) is ${fmt((meanLatencyMs * solo!.requests + SETTINGS.createDelayMs) / 1000)} s`,
  ];
  if (ok.length) {
    const retried = median(outcomes.map((o) => o.attempts - hosts));
    notes.push(
      `how the 429s were absorbed: ExoscaleApi sends a refused request again after Retry-After plus up to as much again at random (1-2 s here), within 60 s per call, so a 429 costs that request's wait but no lookups are repeated; a 429 on an operation poll only delays that poll; ${retried ? `median ${retried} activity attempts beyond one per host (Temporal retries with nextRetryDelay = Retry-After)` : 'no activity attempt was retried'}; the cost in time is the hosts step beyond the critical path (figure above)`,
    );
  }
  const hostsRatio = ratios[0]?.value ?? Number.NaN;
  if (hostsRatio > 1.2) {
    notes.push(
      `hosts step target missed: the bound is the larger of the chain and the rate limit, but here they are close and overlap: the requests before each POST /instance share the bucket with the POSTs, and a request refused once waits at least 1 s (Retry-After comes in whole seconds) plus up to as much again (jitter), so the last instances start their ${fmt(SETTINGS.createDelayMs / 1000)} s creation late; with more instances the rate-limit term dominates and the ratio falls`,
    );
  }
  notes.push(
    `group + key steps: ${ok.length ? fmt(median(ok.map((o) => o.setupMs / 1000))) : '-'} s against a serial API floor of ${ok.length ? fmt(median(ok.map((o) => o.setupFloorMs / 1000))) : '-'} s (every call one after another, each operation polled once as soon as it is done): ensureFirewall adds its rules (8 here) one after another, each polled first after 250 ms (the emulator finishes them in ${SETTINGS.operationDelayMs} ms); rules are not sent in parallel, as concurrent changes to one group are not documented as safe`,
  );
  outcomes.forEach((o, i) => {
    if (!o.ok) notes.push(`run ${i + 1} FAILED: ${o.error}`);
    const eps = Object.entries(o.byEndpoint)
      .sort((a, b) => b[1].ok + b[1].throttled - (a[1].ok + a[1].throttled))
      .map(([e, c]) => `${e} ${c.ok}${c.throttled ? `+${c.throttled}x429` : ''}${c.other ? `+${c.other}err` : ''}`)
      .join(', ');
    notes.push(`run ${i + 1}: ${o.instancesCreated} instances; requests by endpoint (2xx+429): ${eps}; failed attempts: ${JSON.stringify(o.failedAttemptsByType)}`);
  });
  return { id: 'emulated-cloud', title: `Emulated cloud at scale: ${hosts} instances against the Exoscale emulator`, figures, ratios, notes, details: { settings: SETTINGS, hosts, solo, outcomes } };
};

function setupFloor(requests: RequestLogEntry[]): number {
  const ok = requests.filter((q) => q.status >= 200 && q.status < 300);
  const polls = ok.filter((q) => q.path.startsWith('/v2/operation/')).length;
  const mutations = ok.filter((q) => q.method !== 'GET').length;
  return (ok.length - polls + mutations) * meanLatencyMs + mutations * SETTINGS.operationDelayMs;
}

function summarize(endpoints: string[]): string {
  const counts = new Map<string, number>();
  for (const e of endpoints) counts.set(e, (counts.get(e) ?? 0) + 1);
  return [...counts].map(([e, n]) => (n > 1 ? `${e} x${n}` : e)).join(', ');
}

function rootMessage(err: unknown): string {
  let e = err as Error;
  while (e.cause instanceof Error) e = e.cause;
  return e.message;
}
