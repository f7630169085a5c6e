import type { Command } from 'commander';
import { EXIT, UserError } from '../../errors.js';
import { listReports } from '../../reports.js';
import type { RebuildReport } from '../../types.js';
import type { CliContext } from '../context.js';
import { dim, green, red, table } from '../output.js';

function seconds(ms?: number): string {
  return ms === undefined ? '-' : `${(ms / 1000).toFixed(1)} s`;
}

function failingCheck(r: RebuildReport): string {
  return r.checks.find((c) => !c.ok)?.name ?? (r.failure ? `${r.failure.step ?? 'run'}: ${r.failure.cause}` : '-');
}

export function formatReportDetail(r: RebuildReport): string {
  const lines = [
    `report ${r.id}: ${r.ok ? green('passed') : red(r.outcome.toUpperCase())}`,
    `  cluster ${r.cluster} (from ${r.baseCluster}), workflow ${r.workflowId}`,
    `  ${r.startedAt} -> ${r.endedAt} (${seconds(r.durationMs)}), teardown ${r.teardown}${r.leftovers ? `: ${r.leftovers.join(', ')}` : ''}`,
  ];
  if (r.failure) lines.push(`  failure${r.failure.step ? ` at ${r.failure.step}` : ''}: ${r.failure.cause}`);
  lines.push('steps:');
  for (const s of r.steps) lines.push(`  ${s.state.padEnd(8)} ${s.title.padEnd(28)} ${seconds(s.ms).padStart(8)}  ${dim(s.detail ?? '')}`);
  if (r.checks.length) lines.push('checks:');
  for (const c of r.checks) lines.push(`  ${c.ok ? green('✓') : red('✗')} ${c.name} ${dim(`- ${c.detail}`)}`);
  lines.push('versions:', ...Object.entries(r.versions).map(([k, v]) => `  ${k}: ${v}`));
  return lines.join('\n');
}

export function registerReports(program: Command, context: (cmd: Command) => CliContext): void {
  const reports = program
    .command('reports')
    .summary('reports of rebuild-and-verify runs (newest first)')
    .option('--last <n>', 'only the newest n', (v) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1) throw new UserError(`--last ${v}: expected a whole number of at least 1`, EXIT.usage);
      return n;
    })
    .option('--check', 'exit 1 if any listed run failed (for monitoring: `reports --last 1 --check`)')
    .option('--json', 'print one JSON document')
    .addHelpText('after', '\nExamples:\n  $ overlayctl reports --last 5\n  $ overlayctl reports --last 1 --check || page-the-on-call\n  $ overlayctl reports show <id>');
  reports.action(async (opts: { last?: number; check?: boolean; json?: boolean }, cmd: Command) => {
    const ctx = context(cmd);
    const all = await listReports(ctx.paths);
    const shown = opts.last ? all.slice(0, opts.last) : all;
    if (opts.json) ctx.out.json({ reports: shown });
    else if (shown.length === 0) ctx.out.data('no reports yet (they come from `overlayctl schedule` runs)');
    else
      ctx.out.data(
        table([
          ['ID', 'RESULT', 'STARTED', 'DURATION', 'FAILING CHECK'],
          ...shown.map((r) => [r.id, r.ok ? 'passed' : r.outcome.toUpperCase(), r.startedAt, seconds(r.durationMs), r.ok ? '-' : failingCheck(r)]),
        ]),
      );
    if (opts.check) {
      if (shown.length === 0) throw new UserError('no report to check', EXIT.failed, 'has the schedule run yet? `overlayctl schedule ls`');
      if (shown.some((r) => !r.ok)) process.exitCode = EXIT.failed;
    }
  });
  reports
    .command('show <id>')
    .summary('one report in full: steps with durations, checks, versions, failure')
    .option('--json', 'print the report as JSON')
    .action(async (id: string, opts: { json?: boolean }, cmd: Command) => {
      const ctx = context(cmd);
      const r = (await listReports(ctx.paths)).find((x) => x.id === id);
      if (!r) throw new UserError(`no report with id ${id}`, EXIT.failed, 'list them with `overlayctl reports`');
      if (opts.json) return ctx.out.json(r);
      ctx.out.data(formatReportDetail(r));
    });
}
