// 3. Temporal overhead, read from the histories of the runs above: how long activities
// waited to be picked up, how long workflow tasks took, their share of the wall time,
// and how big a run's history is by host count.
import type { HistoryFigures } from '../lib/history.js';
import { median } from '../lib/stats.js';
import type { CaseResult, Figure } from '../lib/types.js';

export function temporalOverhead(runs: { hosts: number; history: HistoryFigures }[]): CaseResult {
  const all = runs.map((r) => r.history);
  const byHosts = new Map<number, HistoryFigures[]>();
  for (const r of runs) byHosts.set(r.hosts, [...(byHosts.get(r.hosts) ?? []), r.history]);
  const figures: Figure[] = [
    { name: 'activity scheduled -> started', unit: 'ms', samples: all.flatMap((h) => h.scheduleToStartMs) },
    { name: 'workflow task scheduled -> completed', unit: 'ms', samples: all.flatMap((h) => h.workflowTaskMs) },
    { name: 'Temporal time (union) per run', unit: 's', samples: all.map((h) => h.overheadMs / 1000) },
    { name: 'Temporal share of the wall time', unit: '%', samples: all.map((h) => h.overheadShare * 100) },
    ...[...byHosts].sort(([a], [b]) => a - b).flatMap(([n, hs]): Figure[] => [
      { name: `history events, ${n} docker hosts`, unit: 'events', samples: hs.map((h) => h.events) },
      { name: `history size, ${n} docker hosts`, unit: 'KiB', samples: hs.map((h) => h.bytes / 1024) },
    ]),
  ];
  return {
    id: 'temporal-overhead',
    title: `Temporal's share of ${all.length} provisioning runs, from their histories`,
    figures,
    ratios: [{ name: 'Temporal share of the wall time (median)', value: median(all.map((h) => h.overheadShare)), target: { max: 0.05 } }],
    notes: [
      "Temporal time is the union of every first attempt's scheduled->started interval and every workflow task's scheduled->completed interval: an upper bound of the time the run waited on Temporal rather than on its own work (parallel activities overlap, so the union is not their sum)",
      'history size: the History message encoded as protobuf (payloads encrypted by the codec, as stored)',
    ],
  };
}
