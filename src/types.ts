// Types shared by workflows, activities and the CLI. Type-only: workflows may import it.
import type { ClusterSpec } from './spec.js';

export type { ClusterSpec };
export type ProviderConfig = ClusterSpec['provider'];

export interface HostAddress {
  name: string;
  address: string;
}

export interface Check {
  name: string;
  ok: boolean;
  detail: string;
  ms: number;
}

export interface VerifyReport {
  cluster: string;
  from: string;
  exposed: boolean;
  ok: boolean;
  checks: Check[];
}

export interface ProvisionInput {
  spec: ClusterSpec;
  /** task queue of the worker that can reach the provider's hosts (local: this machine) */
  hostTaskQueue: string;
  keepOnFailure?: boolean;
}

export interface ProvisionResult {
  cluster: string;
  hosts: HostAddress[];
  report: VerifyReport;
  exposure: { workload: string; url: string; ok: boolean }[];
}

export interface TeardownInput {
  cluster: string;
  provider: ProviderConfig;
  hostTaskQueue: string;
}

export interface TeardownResult {
  cluster: string;
  removedHosts: string[];
}

export type StepState = 'waiting' | 'running' | 'done' | 'failed' | 'skipped' | 'undone';

export interface StepProgress {
  name: string;
  title: string;
  state: StepState;
  startedAt?: string;
  endedAt?: string;
  detail?: string;
  children?: StepProgress[];
}

export interface ClusterProgress {
  cluster: string;
  phase: 'provisioning' | 'verifying' | 'ready' | 'tearing-down' | 'failed' | 'torn-down';
  steps: StepProgress[];
  hosts: HostAddress[];
  error?: string;
  /** after a failure: what was made was torn down, or kept (--keep-on-failure, or the cluster existed before the run) */
  afterFailure?: 'torn-down' | 'kept' | 'incomplete';
  /** what a teardown that could not finish left behind (`overlayctl down` finishes it) */
  leftovers?: string[];
}

export interface RebuildInput {
  spec: ClusterSpec;
  hostTaskQueue: string;
}

/** What a nightly rebuild-and-verify run found: kept as the run's result and as a file. */
export interface RebuildReport {
  id: string;
  workflowId: string;
  /** the spec's cluster name; the run built `cluster`, a name of its own */
  baseCluster: string;
  cluster: string;
  startedAt: string;
  endedAt: string;
  durationMs: number;
  ok: boolean;
  outcome: 'passed' | 'failed' | 'cancelled';
  steps: { name: string; title: string; state: StepState; ms?: number; detail?: string }[];
  checks: Check[];
  failure?: { step?: string; cause: string };
  teardown: 'done' | 'incomplete';
  leftovers?: string[];
  versions: Record<string, string>;
}
