// One benchmark case on its own: npx tsx bench/run-case.ts <case> [--quick] [--runs N] [--json FILE]
// Prints the case's table (renderCase); --json also writes its raw result.
import { writeFileSync } from 'node:fs';
import { renderCase } from './lib/stats.js';
import type { BenchCase } from './lib/types.js';

const CASES: Record<string, () => Promise<BenchCase>> = {
  'emulated-cloud': async () => (await import('./cases/emulated-cloud.js')).emulatedCloud,
  'history-growth': async () => (await import('./cases/history-growth.js')).historyGrowth,
  // the cases that need engines run through scripts/bench.ts (npm run bench -- --only NAME)
};

const args = process.argv.slice(2);
const name = args.find((a) => !a.startsWith('--') && !/^\d+$/.test(a));
const opt = (flag: string) => {
  const i = args.indexOf(flag);
  return i >= 0 ? args[i + 1] : undefined;
};
const load = name ? CASES[name] : undefined;
if (!load) {
  console.error(`usage: npx tsx bench/run-case.ts <${Object.keys(CASES).join('|')}> [--quick] [--runs N] [--json FILE]`);
  process.exit(2);
}
const quick = args.includes('--quick');
const runs = Number(opt('--runs') ?? (quick ? 1 : 3));
const t0 = Date.now();
const run = await load();
const result = await run({ quick, runs, log: (m) => console.error(`[${((Date.now() - t0) / 1000).toFixed(1)}s] ${m}`) });
console.log(renderCase(result));
const json = opt('--json');
if (json) writeFileSync(json, JSON.stringify(result, null, 2));
console.error(`done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
