import { createReadStream, existsSync, statSync, watch } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import { workerLogFile } from '../../logging/worker-log.js';
import type { CliContext } from '../context.js';
import { dim, red } from '../output.js';

interface Entry {
  time?: string;
  level?: number;
  msg?: string;
  cluster?: string;
  step?: string;
  attempt?: number;
  [k: string]: unknown;
}

const LEVEL: Record<number, string> = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' };
const SHOWN = new Set(['time', 'level', 'msg', 'cluster', 'step', 'attempt', 'pid', 'workflowId', 'sdkComponent', 'taskQueue', 'namespace', 'workflowRunId', 'workflowType', 'activityId', 'isLocal', 'runId']);

export function formatEntry(e: Entry): string {
  const level = LEVEL[e.level ?? 30] ?? String(e.level);
  const where = [e.cluster, e.step && `${e.step}${e.attempt && e.attempt > 1 ? ` (attempt ${e.attempt})` : ''}`].filter(Boolean).join(' ');
  const extra = Object.entries(e)
    .filter(([k, v]) => !SHOWN.has(k) && v !== undefined)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' ');
  const line = `${dim(e.time ?? '')} ${level.padEnd(5)} ${where ? `[${where}] ` : ''}${e.msg ?? ''}${extra ? ` ${dim(extra)}` : ''}`;
  return level === 'error' ? red(line) : line;
}

export function registerLogs(program: Command, context: (cmd: Command) => CliContext): void {
  program
    .command('logs')
    .summary("show the worker's structured log (one JSON object per line)")
    .option('-f, --follow', 'keep printing new entries')
    .option('--cluster <name>', "only this cluster's entries")
    .option('--json', 'print the entries as they are stored (JSON lines)')
    .addHelpText('after', '\nExamples:\n  $ overlayctl logs --cluster tuto\n  $ overlayctl logs --follow --json | jq .msg')
    .action(async (opts: { follow?: boolean; cluster?: string; json?: boolean }, cmd: Command) => {
      const ctx = context(cmd);
      const file = workerLogFile(ctx.paths);
      if (!existsSync(file) && !opts.follow) {
        ctx.out.info(`no worker log yet (${file})`);
        return;
      }
      const print = (line: string) => {
        if (!line.trim()) return;
        let entry: Entry;
        try {
          entry = JSON.parse(line) as Entry;
        } catch {
          return;
        }
        if (opts.cluster && entry.cluster !== opts.cluster) return;
        ctx.out.data(opts.json ? line : formatEntry(entry));
      };
      let offset = 0;
      const readFrom = (start: number) =>
        new Promise<number>((resolve) => {
          if (!existsSync(file)) return resolve(start);
          const end = statSync(file).size;
          if (end <= start) return resolve(end < start ? 0 : start);
          const rl = createInterface({ input: createReadStream(file, { start, end: end - 1 }) });
          rl.on('line', print);
          rl.on('close', () => resolve(end));
        });
      offset = await readFrom(0);
      if (!opts.follow) return;
      await new Promise<void>(() => {
        let busy = false;
        const poll = async () => {
          if (busy) return;
          busy = true;
          offset = await readFrom(offset);
          busy = false;
        };
        if (existsSync(file)) watch(file, () => void poll());
        setInterval(() => void poll(), 1000);
      });
    });
}
