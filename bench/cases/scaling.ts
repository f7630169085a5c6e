// 2. Scaling: `up` of clusters with 3, 6 and 12 Docker hosts (plus the manager): wall
// time, the worker's peak memory, the engines' memory, and where the time goes.
import { join } from 'node:path';
import type { BenchEnv } from '../lib/bench-env.js';
import type { HistoryFigures } from '../lib/history.js';
import { enginesPss, peakRss, resetPeak } from '../lib/procs.js';
import { benchSpec } from '../lib/specs.js';
import { median } from '../lib/stats.js';
import type { BenchContext, CaseResult, Figure } from '../lib/types.js';
import { stepsLine } from './provisioning.js';

export interface ScalingRun {
  hosts: number;
  history: HistoryFigures;
}

export const SCALING_SIZES = [3, 6, 12] as const;
export const scalingCluster = (hosts: number) => `bscale${hosts}`;

export async function scaling(ctx: BenchContext, env: BenchEnv, runs: ScalingRun[]): Promise<CaseResult> {
  const sizes: number[] = ctx.quick ? SCALING_SIZES.slice(0, 2) : [...SCALING_SIZES];
  const wall = new Map<number, number[]>(sizes.map((n) => [n, []]));
  const worker = new Map<number, number[]>(sizes.map((n) => [n, []]));
  const engines = new Map<number, number[]>(sizes.map((n) => [n, []]));
  const lastHistory = new Map<number, HistoryFigures>();
  for (let i = 0; i < ctx.runs; i++) {
    // sizes in a rotating order, so no size always follows the same one
    for (const n of [...sizes.slice(i % sizes.length), ...sizes.slice(0, i % sizes.length)]) {
      const spec = benchSpec(scalingCluster(n), `10.250.${10 + n}.0/24`, n);
      const pid = await env.workerPid();
      resetPeak(pid);
      const up = await env.up(spec);
      const workerPeak = peakRss(pid);
      const mem = enginesPss(join(env.paths.runtime, spec.cluster));
      const history = await env.provisionHistory(spec.cluster);
      runs.push({ hosts: n, history });
      lastHistory.set(n, history);
      await env.down(spec.cluster);
      wall.get(n)!.push(up.seconds);
      worker.get(n)!.push(workerPeak / 2 ** 20);
      engines.get(n)!.push(mem.bytes / 2 ** 20);
      ctx.log(`${n} docker hosts: up ${up.seconds.toFixed(1)} s, worker peak ${(workerPeak / 2 ** 20).toFixed(0)} MiB, engines ${(mem.bytes / 2 ** 20).toFixed(0)} MiB in ${mem.processes} processes`);
    }
  }
  const figures: Figure[] = sizes.flatMap((n) => [
    { name: `up, ${n} docker hosts`, unit: 's', samples: wall.get(n)! },
    { name: `worker peak RSS, ${n} hosts`, unit: 'MiB', samples: worker.get(n)! },
    { name: `engines' PSS sum, ${n} hosts`, unit: 'MiB', samples: engines.get(n)! },
  ]);
  const [small, big] = [sizes[0], sizes.at(-1)!];
  return {
    id: 'scaling',
    title: `up with ${sizes.join(', ')} Docker hosts (and the manager)`,
    figures,
    ratios: [{ name: `time(${big}) / time(${small})`, value: median(wall.get(big)!) / median(wall.get(small)!), target: big === 12 ? { max: 1.6 } : undefined }],
    notes: [
      "worker peak: VmHWM of the worker process, reset (clear_refs) before each run; engines: PSS of every dockerd and containerd of the cluster (containers' own processes not included)",
      ...sizes.map((n) => `${n} hosts, where the time goes: ${stepsLine(lastHistory.get(n)!)}`),
    ],
    details: { steps: Object.fromEntries([...lastHistory].map(([n, h]) => [n, h.steps])) },
  };
}
