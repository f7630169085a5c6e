// One Temporal dev server and worker for the whole benchmark (started before anything
// is timed), in a private state folder, driven through the real CLI as a user runs it.
import { performance } from 'node:perf_hooks';
import type { Client } from '@temporalio/client';
import { defaultPaths, type Paths } from '../../src/paths.js';
import { connectClient } from '../../src/temporal.js';
import { provisionWorkflowId } from '../../src/workflow-ids.js';
import { createSandbox, leftovers, type Result, type Sandbox } from '../../test/e2e/harness.js';
import { analyzeHistory, type HistoryFigures } from './history.js';

export interface Timed<T> {
  seconds: number;
  value: T;
}

export async function timed<T>(fn: () => Promise<T>): Promise<Timed<T>> {
  const t0 = performance.now();
  const value = await fn();
  return { seconds: (performance.now() - t0) / 1000, value };
}

export class BenchEnv {
  private constructor(
    readonly box: Sandbox,
    readonly paths: Paths,
    readonly client: Client,
  ) {}

  static async start(): Promise<BenchEnv> {
    const box = await createSandbox();
    const started = await box.cli(['dev', 'start']);
    if (started.code !== 0) {
      box.dispose([]);
      throw new Error(`overlayctl dev start failed: ${started.stderr}`);
    }
    const paths = defaultPaths(box.env);
    return new BenchEnv(box, paths, await connectClient(box.address, paths));
  }

  async workerPid(): Promise<number> {
    const status = JSON.parse((await this.box.cli(['dev', 'status', '--json'])).stdout) as { worker: { pid?: number } };
    if (!status.worker.pid) throw new Error('the worker is not running');
    return status.worker.pid;
  }

  /** the CLI, failing loudly: a benchmark of a failed run measures nothing */
  async cli(args: string[], timeoutMs = 900_000): Promise<Result> {
    const r = await this.box.cli(args, { timeoutMs });
    if (r.code !== 0) throw new Error(`overlayctl ${args.join(' ')} exited ${r.code}:\n${r.stderr.slice(-3000)}`);
    return r;
  }

  async up(spec: { cluster: string }, name = spec.cluster): Promise<Timed<Result>> {
    const file = this.box.writeSpec(spec, name);
    return timed(() => this.cli(['up', '-f', file]));
  }

  down(cluster: string): Promise<Timed<Result>> {
    return timed(() => this.cli(['down', cluster]));
  }

  /** the latest provisioning run of a cluster, as figures */
  async provisionHistory(cluster: string): Promise<HistoryFigures> {
    const history = await this.client.workflow.getHandle(provisionWorkflowId(cluster)).fetchHistory();
    return analyzeHistory(history);
  }

  /** Stops the server and worker; returns what the clusters left behind (empty when nothing). */
  async stop(clusters: string[]): Promise<string[]> {
    for (const c of clusters) await this.box.cli(['down', c], { timeoutMs: 300_000 });
    await this.client.connection.close();
    await this.box.cli(['dev', 'stop']);
    const left = clusters.flatMap((c) => leftovers(c, this.box.stateDir));
    this.box.dispose([]);
    return left;
  }
}
