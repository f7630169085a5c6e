// 6. Resume cost: the worker SIGKILLed in the middle of the hosts step and started
// again, against an uninterrupted run of the same cluster, alternating.
import { performance } from 'node:perf_hooks';
import type { ClusterProgress } from '../../src/types.js';
import { provisionWorkflowId } from '../../src/workflow-ids.js';
import type { BenchEnv } from '../lib/bench-env.js';
import { benchSpec } from '../lib/specs.js';
import { median } from '../lib/stats.js';
import type { BenchContext, CaseResult } from '../lib/types.js';

export const RESUME_CLUSTER = 'bresume';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits until at least one host is made and another is still being made. */
async function midHosts(env: BenchEnv, cluster: string): Promise<string> {
  const handle = env.client.workflow.getHandle(provisionWorkflowId(cluster));
  for (const deadline = Date.now() + 120_000; Date.now() < deadline; await sleep(100)) {
    let p: ClusterProgress;
    try {
      p = await handle.query<ClusterProgress>('progress');
    } catch {
      continue; // not started yet
    }
    const hosts = p.steps.find((s) => s.name === 'ensureHost');
    const children = hosts?.children ?? [];
    const done = children.filter((c) => c.state === 'done').length;
    if (hosts?.state === 'running' && done >= 1 && done < children.length) return `${done} of ${children.length} hosts made`;
    if (hosts && hosts.state !== 'waiting' && hosts.state !== 'running') throw new Error(`the hosts step ended (${hosts.state}) before the worker could be killed mid-step`);
  }
  throw new Error('the hosts step did not reach its middle in 120 s');
}

export async function resume(ctx: BenchContext, env: BenchEnv): Promise<CaseResult> {
  const spec = benchSpec(RESUME_CLUSTER, '10.250.2.0/24');
  const file = env.box.writeSpec(spec, RESUME_CLUSTER);
  const plain: number[] = [];
  const killed: number[] = [];
  const afterKill: number[] = [];
  const restart: number[] = [];
  const moments: string[] = [];
  for (let i = 0; i < ctx.runs; i++) {
    const order = i % 2 === 0 ? ['plain', 'killed'] : ['killed', 'plain'];
    for (const kind of order) {
      if (kind === 'plain') {
        plain.push((await env.up(spec, RESUME_CLUSTER)).seconds);
      } else {
        const t0 = performance.now();
        await env.cli(['up', '-f', file, '--detach']);
        moments.push(await midHosts(env, spec.cluster));
        const pid = await env.workerPid();
        process.kill(pid, 'SIGKILL');
        const tKill = performance.now();
        await env.cli(['dev', 'start']); // starts the worker again (the server still runs)
        restart.push((performance.now() - tKill) / 1000);
        await env.cli(['watch', spec.cluster]);
        const t1 = performance.now();
        killed.push((t1 - t0) / 1000);
        afterKill.push((t1 - tKill) / 1000);
      }
      await env.down(spec.cluster);
      ctx.log(`run ${i + 1} ${kind}: ${(kind === 'plain' ? plain : killed).at(-1)!.toFixed(1)} s`);
    }
  }
  return {
    id: 'resume',
    title: 'worker SIGKILLed mid-hosts and restarted, against an uninterrupted run (tutorial topology)',
    figures: [
      { name: 'uninterrupted up', unit: 's', samples: plain },
      { name: 'up with a worker kill', unit: 's', samples: killed },
      { name: 'kill -> run finished', unit: 's', samples: afterKill },
      { name: 'kill -> new worker polling', unit: 's', samples: restart },
    ],
    ratios: [{ name: 'killed / uninterrupted', value: median(killed) / median(plain) }],
    notes: [
      `killed when: ${[...new Set(moments)].join('; ')}`,
      "where the extra time goes: the new worker's start (node, tsx, bundling the workflow code; 'kill -> new worker polling'), then the activity heartbeat timeout (10 s): the server hands a dead worker's activities to the new worker only once their heartbeats stop, and its sticky workflow task queue times out first; the retried attempt continues from its heartbeat details",
    ],
  };
}
