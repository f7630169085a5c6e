// Test harness for the workflows: one Temporal dev server (the pinned CLI binary) and
// one workflow bundle per file, two workers per test (the real workflow code on one
// queue, a recording fake of the activities on another), and the fake itself.
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, DefaultLogger, Runtime, Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import type { Activities } from '../../src/activities/index.js';
import { hostInput } from '../../src/activities/ensure-host.js';
import { cacheRoot } from '../../src/paths.js';
import { temporalBin } from '../../src/toolchain.js';
import type { HostAddress, VerifyReport } from '../../src/types.js';
import { SEARCH_ATTRIBUTES } from '../../src/search-attributes.js';
import { WORKFLOWS_PATH } from '../../src/worker.js';

export type ActivityName = keyof Activities;

/** Activities that undo something; listHosts is read-only and also used at the start of a run. */
export const TEARDOWN_ACTIVITIES: ActivityName[] = [
  'removeWorkload',
  'removeOverlayNetwork',
  'leaveSwarm',
  'removeEtcd',
  'removeConsul',
  'deleteHost',
  'deleteSshKey',
  'deleteFirewall',
  'deleteClusterResources',
];

export interface Call {
  activity: ActivityName;
  /** the host, node, workload or firewall mode the call concerns */
  subject?: string;
  attempt: number;
  input: Record<string, unknown>;
  /** performance.now() at start and end of this attempt */
  start: number;
  end?: number;
  outcome?: 'ok' | 'failed';
}

/** `name(subject)`, or `name` when the call concerns the whole cluster. */
export const label = (c: Pick<Call, 'activity' | 'subject'>) => (c.subject === undefined ? c.activity : `${c.activity}(${c.subject})`);

function subjectOf(activity: ActivityName, input: Record<string, unknown>): string | undefined {
  if (activity === 'ensureFirewall') return `exposed=${String(input.exposed)}`;
  for (const key of ['workload', 'host', 'node', 'manager']) {
    if (typeof input[key] === 'string') return input[key] as string;
  }
  return undefined;
}

interface Hook {
  activity: ActivityName;
  subject?: string;
  run: (call: Call, seen: number) => Promise<void>;
  seen: number;
}

/** A recording fake of the whole activity set, with injectable failures and delays. */
export class FakeActivities {
  readonly calls: Call[] = [];
  /** what listHosts answers; empty means a fresh cluster */
  hosts: HostAddress[] = [];
  /** what listHosts answers once a teardown activity has run (default: the same as `hosts`) */
  hostsAfterTeardown?: HostAddress[];
  /** what ensureSshKey answers */
  sshKey = { skipped: true, reason: 'local hosts are reached over unix sockets' };
  /** what verifyConnectivity answers (cluster, from and exposed are filled in) */
  verify: Pick<VerifyReport, 'ok' | 'checks'> = {
    ok: true,
    checks: [
      { name: 'dns: web', ok: true, detail: 'web resolves to 10.0.9.4', ms: 3 },
      { name: 'tcp: database:3306', ok: true, detail: 'connected', ms: 5 },
    ],
  };
  private readonly hooks: Hook[] = [];

  /** Every attempt of `activity` (for `subject` only, if given) fails non-retryably (type InjectedFault). */
  fail(activity: ActivityName, subject?: string, message = 'boom'): this {
    return this.hook(activity, subject, async () => {
      throw ApplicationFailure.nonRetryable(message, 'InjectedFault');
    });
  }

  /** The first `times` attempts fail with a plain (retryable) Error, later ones succeed. */
  failTimes(activity: ActivityName, times: number, subject?: string): this {
    return this.hook(activity, subject, async (_call, seen) => {
      if (seen <= times) throw new Error(`transient failure ${seen} of ${times}`);
    });
  }

  /**
   * The activity takes `ms`, heartbeating meanwhile like the real ones do; it ends early
   * (CancelledFailure) only when the cancellation reaches it (heartbeats are throttled
   * by the SDK) or the worker shuts down.
   */
  delay(activity: ActivityName, ms: number, subject?: string): this {
    return this.hook(activity, subject, async () => {
      const ctx = Context.current();
      const beat = setInterval(() => ctx.heartbeat(), 250);
      try {
        await ctx.sleep(ms);
      } finally {
        clearInterval(beat);
      }
    });
  }

  private hook(activity: ActivityName, subject: string | undefined, run: Hook['run']): this {
    this.hooks.push({ activity, subject, run, seen: 0 });
    return this;
  }

  labels(): string[] {
    return this.calls.map(label);
  }

  called(activity: ActivityName, subject?: string): Call[] {
    return this.calls.filter((c) => c.activity === activity && (subject === undefined || c.subject === subject));
  }

  teardownCalls(): Call[] {
    return this.calls.filter((c) => TEARDOWN_ACTIVITIES.includes(c.activity));
  }

  /** Resolves once `activity` (for `subject`, if given) has started (polls; the fake runs in this process). */
  async started(activity: ActivityName, subject?: string, timeoutMs = 20_000): Promise<Call> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const call = this.called(activity, subject)[0];
      if (call) return call;
      if (Date.now() > deadline) throw new Error(`${label({ activity, subject })} did not start within ${timeoutMs} ms; calls: ${this.labels().join(', ')}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  private wrap<K extends ActivityName>(activity: K, fn: (input: never) => Promise<unknown>): Activities[K] {
    const wrapped = async (input: Record<string, unknown>) => {
      const call: Call = { activity, subject: subjectOf(activity, input), attempt: Context.current().info.attempt, input, start: performance.now() };
      this.calls.push(call);
      try {
        for (const h of this.hooks) {
          if (h.activity !== activity || (h.subject !== undefined && h.subject !== call.subject)) continue;
          h.seen += 1;
          await h.run(call, h.seen);
        }
        const result = await fn(input as never);
        call.outcome = 'ok';
        return result;
      } catch (err) {
        call.outcome = 'failed';
        throw err;
      } finally {
        call.end = performance.now();
      }
    };
    return wrapped as unknown as Activities[K];
  }

  /** The activity object a Worker is given: the same names createActivities returns. */
  get activities(): Activities {
    const impl: Activities = {
      checkClassicMode: async () => ({ engine: 'Docker version 20.10.24+dfsg1, build 5d6db84' }),
      ensureFirewall: async () => ({ rules: 7 }),
      ensureSshKey: async () => ({ ...this.sshKey }),
      ensureHost: async (input) => {
        const { host, index } = hostInput(input);
        return { name: host, address: `10.213.0.${10 + index}` };
      },
      ensureConsul: async ({ managerAddress }) => ({ address: `${managerAddress}:8500`, container: 'created' as const }),
      ensureEtcd: async ({ managerAddress }) => ({ address: `${managerAddress}:2379`, container: 'created' as const }),
      ensureSwarm: async () => ({ clusterId: 'c1', managerNode: 'tuto-node1' }),
      ensureSwarmMember: async ({ node }) => ({ node, membership: 'joined' }),
      ensureOverlayNetwork: async ({ spec }) => ({ id: 'net1', created: true, subnet: spec.network.subnet }),
      ensureWorkload: async ({ spec, workload }) => ({
        workload,
        host: spec.workloads.find((w) => w.name === workload)!.host,
        container: `c-${workload}`,
        action: 'created' as const,
      }),
      verifyConnectivity: async ({ spec, exposed }) => ({ cluster: spec.cluster, from: spec.verify.from, exposed, ...structuredClone(this.verify) }),
      exposeWorkload: async ({ spec, workload, addresses }) => {
        const w = spec.workloads.find((x) => x.name === workload)!;
        return { workload, host: w.host, container: `c-${workload}`, action: 'replaced' as const, url: `http://${addresses[w.host]}:${w.expose}/`, ok: true };
      },
      removeWorkload: async () => ({ removed: true }),
      removeOverlayNetwork: async () => ({ removed: true }),
      leaveSwarm: async () => ({ left: true }),
      removeEtcd: async () => ({ removed: true }),
      removeConsul: async () => ({ removed: true }),
      listHosts: async () =>
        structuredClone(this.hostsAfterTeardown && this.calls.some((c) => TEARDOWN_ACTIVITIES.includes(c.activity)) ? this.hostsAfterTeardown : this.hosts),
      deleteHost: async () => undefined,
      deleteSshKey: async () => undefined,
      deleteFirewall: async () => undefined,
      deleteClusterResources: async () => undefined,
      recordReport: async (input) => ({
        id: `report-${input.cluster}`,
        workflowId: input.workflowId,
        baseCluster: input.baseCluster,
        cluster: input.cluster,
        startedAt: input.startedAt,
        endedAt: input.startedAt,
        durationMs: 0,
        ok: input.outcome === 'passed',
        outcome: input.outcome,
        steps: [],
        checks: [],
        failure: input.cause ? { cause: input.cause } : undefined,
        teardown: input.leftovers.length ? ('incomplete' as const) : ('done' as const),
        leftovers: input.leftovers.length ? input.leftovers : undefined,
        versions: {},
      }),
    };
    return Object.fromEntries(Object.entries(impl).map(([name, fn]) => [name, this.wrap(name as ActivityName, fn)])) as Activities;
  }
}

export interface RunContext {
  client: Client;
  /** the queue the workflow worker polls: pass it as the workflow's taskQueue */
  taskQueue: string;
  /** the queue the fake activities are on: pass it as the input's hostTaskQueue */
  hostTaskQueue: string;
  /** unique per run: use it in workflow ids */
  id: string;
}

/** The dev server and the bundle, shared by every test of a file. */
export class WorkflowHarness {
  private constructor(
    readonly env: TestWorkflowEnvironment,
    private readonly bundle: WorkflowBundleWithSourceMap,
  ) {}

  static async create(): Promise<WorkflowHarness> {
    try {
      // Quiet: the workers log every injected activity failure at WARN.
      Runtime.install({ logger: new DefaultLogger('ERROR') });
    } catch {
      // already installed in this process
    }
    const path = temporalBin(cacheRoot());
    if (!existsSync(path)) throw new Error(`the Temporal CLI is not at ${path}: run scripts/setup.sh or set TEMPORAL_BIN`);
    const [env, bundle] = await Promise.all([
      TestWorkflowEnvironment.createLocal({ server: { executable: { type: 'existing-path', path }, searchAttributes: SEARCH_ATTRIBUTES } }),
      bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: new DefaultLogger('WARN') }),
    ]);
    return new WorkflowHarness(env, bundle);
  }

  get client(): Client {
    return this.env.client;
  }

  /** Runs `fn` while a workflow worker and a worker with `fake`'s activities poll their own fresh queues; both are shut down afterwards, also when `fn` throws. */
  async run<T>(fake: FakeActivities, fn: (ctx: RunContext) => Promise<T>): Promise<T> {
    const id = randomUUID().slice(0, 8);
    const taskQueue = `wf-${id}`;
    const hostTaskQueue = `host-${id}`;
    const connection = this.env.nativeConnection;
    const namespace = this.env.namespace ?? 'default';
    const workflows = await Worker.create({ connection, namespace, taskQueue, workflowBundle: this.bundle });
    const activities = await Worker.create({ connection, namespace, taskQueue: hostTaskQueue, activities: fake.activities });
    return workflows.runUntil(activities.runUntil(() => fn({ client: this.client, taskQueue, hostTaskQueue, id })));
  }

  async teardown(): Promise<void> {
    await this.env.teardown();
  }
}

/** The innermost cause of an error chain (WorkflowFailedError -> ActivityFailure -> ApplicationFailure). */
export function rootCause(err: unknown): Error {
  let e = err as Error;
  while (e.cause instanceof Error) e = e.cause;
  return e;
}

type Step = string | string[];

/**
 * The recorded labels against an expected sequence in which an array is a group of
 * calls the workflow makes concurrently (their order among themselves is free).
 */
export function inOrder(actual: string[], expected: Step[]): Step[] {
  const out: Step[] = [];
  let i = 0;
  for (const step of expected) {
    if (Array.isArray(step)) {
      out.push(actual.slice(i, i + step.length).sort());
      i += step.length;
    } else {
      out.push(actual[i++]);
    }
  }
  out.push(...actual.slice(i));
  return out.filter((s) => s !== undefined);
}

/** `expected` with its groups sorted, to compare with inOrder(actual, expected). */
export const normalized = (expected: Step[]): Step[] => expected.map((s) => (Array.isArray(s) ? [...s].sort() : s));
