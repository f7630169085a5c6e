import { resolve } from 'node:path';
import { ScheduleAlreadyRunning, ScheduleNotFoundError, ScheduleOverlapPolicy, type Client, type ScheduleSummary } from '@temporalio/client';
import type { Command } from 'commander';
import { UserError, UsageError } from '../../errors.js';
import { OVERLAY_CLUSTER, OVERLAY_PROVIDER } from '../../search-attributes.js';
import { DEFAULT_SPEC_PATH, loadSpecFile } from '../../spec.js';
import { hostTaskQueue, TASK_QUEUE } from '../../temporal.js';
import type { RebuildInput } from '../../types.js';
import type { CliContext } from '../context.js';
import { table } from '../output.js';
import { ensureSearchAttributes, retryWhileAttributesPropagate } from '../register-search-attributes.js';

export const NIGHTLY_SPEC = resolve(DEFAULT_SPEC_PATH, '..', 'nightly.yaml');
const PREFIX = 'overlayctl-';
const scheduleId = (name: string) => `${PREFIX}${name}`;

export interface ScheduleRow {
  name: string;
  scheduleId: string;
  cron: string[];
  paused: boolean;
  note?: string;
  nextRuns: string[];
  lastRun?: { workflowId: string; at: string };
}

function toRow(s: Pick<ScheduleSummary, 'scheduleId' | 'memo' | 'state' | 'info'>): ScheduleRow {
  const last = s.info.recentActions.at(-1);
  return {
    name: s.scheduleId.slice(PREFIX.length),
    scheduleId: s.scheduleId,
    // the server keeps cron expressions as calendars: the expression itself is in the memo
    cron: (s.memo?.cron as string[] | undefined) ?? [],
    paused: s.state.paused,
    note: s.state.note || undefined,
    nextRuns: s.info.nextActionTimes.map((d) => d.toISOString()),
    lastRun: last ? { workflowId: last.action.workflow.workflowId, at: last.takenAt.toISOString() } : undefined,
  };
}

async function handleOf(client: Client, name: string) {
  const handle = client.schedule.getHandle(scheduleId(name));
  try {
    await handle.describe();
  } catch (err) {
    if (err instanceof ScheduleNotFoundError) throw new UserError(`no schedule named "${name}"`, 1, 'list them with `overlayctl schedule ls`, create one with `overlayctl schedule create`');
    throw err;
  }
  return handle;
}

export function registerSchedule(program: Command, context: (cmd: Command) => CliContext): void {
  const schedule = program
    .command('schedule')
    .summary('a Temporal Schedule that rebuilds and verifies a cluster (the nightly canary)')
    .description('Each run builds a fresh cluster from the spec under a run-specific name, verifies it, always tears it down and stores a report (`overlayctl reports`). Overlapping runs are skipped; missed runs are caught up for 10 minutes only. Nothing but the worker needs to run: no cron.')
    .addHelpText('after', "\nExamples:\n  $ overlayctl schedule create                       # nightly at 03:00 with specs/nightly.yaml\n  $ overlayctl schedule create --cron '0 */6 * * *' --name six-hourly\n  $ overlayctl schedule trigger nightly && overlayctl reports --last 1");

  schedule
    .command('create')
    .summary('create (or replace, with --force) a rebuild-and-verify schedule')
    .option('--name <name>', 'schedule name', 'nightly')
    .option('--cron <expr>', 'when to run (cron, server time zone UTC unless --timezone)', '0 3 * * *')
    .option('--timezone <tz>', 'IANA time zone for the cron expression', 'UTC')
    .option('-f, --spec <file>', 'cluster spec the runs build (its subnet must not be used by another cluster)', NIGHTLY_SPEC)
    .option('--force', 'replace a schedule of that name')
    .option('--json', 'print the schedule as JSON')
    .action(async (opts: { name: string; cron: string; timezone: string; spec: string; force?: boolean; json?: boolean }, cmd: Command) => {
      const ctx = context(cmd);
      if (!/^[a-z0-9][a-z0-9-]{0,40}$/.test(opts.name)) throw new UsageError(`schedule name "${opts.name}" is not valid`, 'use lowercase letters, digits and dashes');
      if (opts.cron.trim().split(/\s+/).length !== 5) throw new UsageError(`--cron "${opts.cron}" is not a 5-field cron expression`, "e.g. --cron '0 3 * * *' (03:00 every day)");
      const spec = loadSpecFile(opts.spec);
      const client = await ctx.temporal(true);
      await ensureSearchAttributes(client);
      const input: RebuildInput = { spec, hostTaskQueue: hostTaskQueue() };
      const options = {
        scheduleId: scheduleId(opts.name),
        spec: { cronExpressions: [opts.cron], timezone: opts.timezone },
        action: {
          type: 'startWorkflow' as const,
          workflowType: 'rebuildAndVerify',
          taskQueue: TASK_QUEUE,
          args: [input] as [RebuildInput],
          workflowId: `overlayctl/${spec.cluster}/rebuild`,
          staticSummary: `${opts.name}: rebuild and verify ${spec.cluster}`,
          typedSearchAttributes: [
            { key: OVERLAY_CLUSTER, value: spec.cluster },
            { key: OVERLAY_PROVIDER, value: spec.provider.type },
          ],
        },
        policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '10m' },
        memo: { cron: [`${opts.cron} (${opts.timezone})`], cluster: spec.cluster },
        state: { note: `created by overlayctl for ${spec.cluster}` },
      };
      if (opts.force) await client.schedule.getHandle(options.scheduleId).delete().catch(() => undefined);
      let handle;
      try {
        handle = await retryWhileAttributesPropagate(() => client.schedule.create(options));
      } catch (err) {
        if (err instanceof ScheduleAlreadyRunning) throw new UserError(`a schedule named "${opts.name}" exists`, 1, 'pass --force to replace it, or --name for another one');
        throw err;
      }
      const row = toRow(await handle.describe());
      if (opts.json) return ctx.out.json(row);
      ctx.out.data(`schedule ${opts.name} created: ${opts.cron} (${opts.timezone}), next run ${row.nextRuns[0] ?? 'none'}`);
    });

  schedule
    .command('ls')
    .summary('list the schedules')
    .option('--json', 'print one JSON document')
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      const ctx = context(cmd);
      const client = await ctx.temporal(false);
      const rows: ScheduleRow[] = [];
      for await (const s of client.schedule.list()) if (s.scheduleId.startsWith(PREFIX)) rows.push(toRow(s));
      rows.sort((a, b) => a.name.localeCompare(b.name));
      if (opts.json) return ctx.out.json({ schedules: rows });
      if (rows.length === 0) return ctx.out.data('no schedules (create one with `overlayctl schedule create`)');
      ctx.out.data(
        table([
          ['NAME', 'WHEN', 'STATE', 'NEXT RUN', 'LAST RUN'],
          ...rows.map((r) => [r.name, r.cron.join(' | '), r.paused ? 'paused' : 'active', r.nextRuns[0] ?? '-', r.lastRun?.at ?? '-']),
        ]),
      );
    });

  for (const [verb, summary] of [
    ['pause', 'pause a schedule (no runs until unpaused)'],
    ['unpause', 'resume a paused schedule'],
    ['trigger', 'start a run now'],
    ['delete', 'delete a schedule (its reports stay)'],
  ] as const) {
    schedule
      .command(`${verb} <name>`)
      .summary(summary)
      .action(async (name: string, _opts: unknown, cmd: Command) => {
        const ctx = context(cmd);
        const handle = await handleOf(await ctx.temporal(verb === 'trigger'), name);
        if (verb === 'pause') await handle.pause('paused with overlayctl');
        if (verb === 'unpause') await handle.unpause('unpaused with overlayctl');
        if (verb === 'trigger') await handle.trigger(ScheduleOverlapPolicy.SKIP);
        if (verb === 'delete') await handle.delete();
        ctx.out.data(`schedule ${name}: ${verb === 'trigger' ? 'run started (skipped if one is running)' : `${verb}d`}`);
      });
  }
}
