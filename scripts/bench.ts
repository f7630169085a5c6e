// `npm run bench [-- --quick] [--only a,b] [--runs N] [--out FILE]`: every benchmark case,
// side by side in one run, on one Temporal dev server and worker; prints a table per
// case (median, min, max, ratios) and writes every sample to a JSON file. Figures, never
// a pass/fail on a number: the exit code says only whether the cases could run.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, release, totalmem } from 'node:os';
import { dirname, resolve } from 'node:path';
import { Command } from 'commander';
import { BenchEnv } from '../bench/lib/bench-env.js';
import { cacheRoot } from '../src/paths.js';
import { temporalBin } from '../src/toolchain.js';
import type { HistoryFigures } from '../bench/lib/history.js';
import { renderCase } from '../bench/lib/stats.js';
import type { BenchContext, CaseResult } from '../bench/lib/types.js';
import { DATAPLANE_CLUSTER, dataplane } from '../bench/cases/dataplane.js';
import { emulatedCloud } from '../bench/cases/emulated-cloud.js';
import { historyGrowth } from '../bench/cases/history-growth.js';
import { provisioning, PROVISIONING_CLUSTER } from '../bench/cases/provisioning.js';
import { resume, RESUME_CLUSTER } from '../bench/cases/resume.js';
import { scaling, scalingCluster, SCALING_SIZES, type ScalingRun } from '../bench/cases/scaling.js';
import { temporalOverhead } from '../bench/cases/temporal-overhead.js';

const ROOT = resolve(import.meta.dirname, '..');
const CASES = ['provisioning', 'scaling', 'temporal-overhead', 'history-growth', 'dataplane', 'emulated-cloud', 'resume'] as const;

function version(cmd: string, args: string[]): string {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8' }).trim().split('\n')[0];
  } catch {
    return 'unknown';
  }
}

function machine() {
  const pkg = JSON.parse(readFileSync(resolve(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
  return {
    cpus: `${cpus().length} x ${cpus()[0]?.model ?? '?'}`,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    kernel: release(),
    node: process.version,
    dockerd: version('dockerd', ['--version']),
    temporalCli: version(temporalBin(cacheRoot()), ['--version']),
    temporalSdk: pkg.dependencies['@temporalio/worker'],
    commit: version('git', ['-C', ROOT, 'rev-parse', '--short', 'HEAD']),
  };
}

async function main(): Promise<void> {
  const opts = new Command('bench')
    .option('--quick', 'one run per case and smaller sizes (what CI runs)')
    .option('--runs <n>', 'runs per compared command (default 3, quick 1)')
    .option('--only <cases>', `comma-separated: ${CASES.join(', ')}`)
    .option('--out <file>', 'where the JSON results go', 'bench/results/latest.json')
    .parse()
    .opts<{ quick?: boolean; runs?: string; only?: string; out: string }>();
  const quick = opts.quick ?? false;
  const only = new Set(opts.only ? opts.only.split(',') : CASES);
  for (const c of only) if (!(CASES as readonly string[]).includes(c)) throw new Error(`--only: unknown case "${c}"; known: ${CASES.join(', ')}`);
  const ctx: BenchContext = { quick, runs: Number(opts.runs ?? (quick ? 1 : 3)), log: (m) => console.error(`bench: ${m}`) };
  const results: CaseResult[] = [];
  const report = (r: CaseResult) => {
    results.push(r);
    console.log(`${renderCase(r)}\n`);
  };
  const started = new Date().toISOString();
  const env = await BenchEnv.start();
  const histories: { hosts: number; history: HistoryFigures }[] = [];
  let failed = false;
  try {
    if (only.has('provisioning')) {
      const hs: HistoryFigures[] = [];
      report(await provisioning(ctx, env, hs));
      histories.push(...hs.map((history) => ({ hosts: 3, history })));
    }
    if (only.has('scaling')) {
      const runs: ScalingRun[] = [];
      report(await scaling(ctx, env, runs));
      histories.push(...runs);
    }
    if (only.has('temporal-overhead') && histories.length) report(temporalOverhead(histories));
    // these two run their own Temporal dev server in this process (no engines involved)
    if (only.has('history-growth')) report(await historyGrowth(ctx));
    if (only.has('dataplane')) report(await dataplane(ctx, env));
    if (only.has('emulated-cloud')) report(await emulatedCloud(ctx));
    if (only.has('resume')) report(await resume(ctx, env));
  } catch (err) {
    failed = true;
    console.error(`bench: ${(err as Error).stack ?? err}`);
  } finally {
    const left = await env.stop([PROVISIONING_CLUSTER, RESUME_CLUSTER, DATAPLANE_CLUSTER, ...SCALING_SIZES.map(scalingCluster)]);
    if (left.length) {
      failed = true;
      console.error(`bench: left behind:\n${left.join('\n')}`);
    }
  }
  const out = resolve(ROOT, opts.out);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify({ started, ended: new Date().toISOString(), quick, runs: ctx.runs, machine: machine(), results }, null, 2)}\n`);
  console.error(`bench: results in ${out}`);
  process.exitCode = failed ? 1 : 0;
}

await main();
