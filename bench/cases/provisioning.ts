// 1. Provisioning against a plain script: `overlayctl up`/`down` of the tutorial's
// topology and bench/baseline.sh doing the same work, alternating, same machine, same run.
import type { BenchEnv } from '../lib/bench-env.js';
import { baselineDown, baselineUp } from '../lib/baseline.js';
import type { HistoryFigures } from '../lib/history.js';
import { benchSpec } from '../lib/specs.js';
import { median } from '../lib/stats.js';
import type { BenchContext, CaseResult } from '../lib/types.js';

export const PROVISIONING_CLUSTER = 'bprov';

export async function provisioning(ctx: BenchContext, env: BenchEnv, histories: HistoryFigures[]): Promise<CaseResult> {
  const spec = benchSpec(PROVISIONING_CLUSTER, '10.250.1.0/24');
  const [oUp, oDown, bUp, bDown] = [[], [], [], []] as number[][];
  for (let i = 0; i < ctx.runs; i++) {
    // alternate which goes first, so neither always runs on a warmer machine
    const order = i % 2 === 0 ? (['overlayctl', 'baseline'] as const) : (['baseline', 'overlayctl'] as const);
    for (const who of order) {
      if (who === 'overlayctl') {
        const up = await env.up(spec);
        histories.push(await env.provisionHistory(spec.cluster));
        const down = await env.down(spec.cluster);
        oUp.push(up.seconds);
        oDown.push(down.seconds);
        ctx.log(`run ${i + 1}: overlayctl up ${up.seconds.toFixed(1)} s, down ${down.seconds.toFixed(1)} s`);
      } else {
        try {
          const up = await baselineUp('bbase', '10.250.0');
          bUp.push(up.seconds);
        } finally {
          const down = await baselineDown('bbase', '10.250.0');
          bDown.push(down.seconds);
        }
        ctx.log(`run ${i + 1}: baseline up ${bUp.at(-1)?.toFixed(1)} s, down ${bDown.at(-1)?.toFixed(1)} s`);
      }
    }
  }
  const last = histories.at(-1);
  const inWorkflow = histories.slice(-ctx.runs).map((h) => h.wallMs / 1000);
  return {
    id: 'provisioning',
    title: 'the tutorial topology (manager + 3 nodes): overlayctl against bench/baseline.sh',
    figures: [
      { name: 'overlayctl up', unit: 's', samples: oUp },
      { name: 'baseline up', unit: 's', samples: bUp },
      { name: 'overlayctl up: workflow only', unit: 's', samples: inWorkflow },
      { name: 'overlayctl down', unit: 's', samples: oDown },
      { name: 'baseline down', unit: 's', samples: bDown },
    ],
    ratios: [
      { name: 'up: overlayctl / baseline', value: median(oUp) / median(bUp), target: { max: 1.25 } },
      { name: 'down: overlayctl / baseline', value: median(oDown) / median(bDown), target: { max: 1.25 } },
    ],
    notes: [
      `up includes the CLI's own start (node + tsx) and the connection to Temporal: ${(median(oUp) - median(inWorkflow)).toFixed(1)} s (median) between the command's wall time and the workflow's`,
      ...(last ? [`where the time goes (last run, per activity type, first scheduled to last completed): ${stepsLine(last)}`] : []),
    ],
    details: { steps: histories.slice(-ctx.runs).map((h) => h.steps) },
  };
}

export function stepsLine(h: HistoryFigures): string {
  return Object.entries(h.steps)
    .map(([type, s]) => `${type} ${(s.spanMs / 1000).toFixed(1)} s${s.count > 1 ? ` (x${s.count})` : ''}${s.maxAttempt > 1 ? ` [attempts ${s.maxAttempt}]` : ''}`)
    .join(', ');
}
