// Renders a run's step list (the workflow's `progress` query) with retry information
// (the run's pending activities): on a terminal, a live table redrawn in place with a
// spinner; otherwise one plain line per state change, no control characters.
import type { ClusterProgress, StepProgress } from '../types.js';
import { dim, green, red, yellow } from './output.js';

const MARK: Record<string, string> = { running: '•', done: '✓', failed: '✗', skipped: '-', undone: '↺', waiting: ' ', retrying: '↻' };
const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/** An activity being retried, from the run's description. */
export interface Retry {
  activityType: string;
  attempt: number;
  lastError?: string;
}

/** Which step an activity belongs to. */
const STEP_OF: Record<string, string> = { ensureSwarmMember: 'ensureSwarm' };

function seconds(from?: string, to?: string): string {
  if (!from) return '';
  const ms = (to ? Date.parse(to) : Date.now()) - Date.parse(from);
  return `${(ms / 1000).toFixed(1)} s`;
}

function retryOf(step: StepProgress, retries: Retry[]): Retry | undefined {
  if (step.state !== 'running') return undefined;
  return retries.filter((r) => (STEP_OF[r.activityType] ?? r.activityType) === step.name && r.attempt > 1).sort((a, b) => b.attempt - a.attempt)[0];
}

function describe(s: StepProgress, retry: Retry | undefined): { mark: string; text: string } {
  if (retry) return { mark: yellow(MARK.retrying), text: `retrying (attempt ${retry.attempt})${retry.lastError ? `: ${retry.lastError}` : ''}` };
  const mark = s.state === 'done' ? green(MARK.done) : s.state === 'failed' ? red(MARK.failed) : MARK[s.state];
  return { mark, text: s.detail ?? (s.state === 'running' ? 'running' : '') };
}

export function formatLine(path: string, s: StepProgress, retry?: Retry): string {
  const { mark, text } = describe(s, retry);
  const time = s.state === 'done' || s.state === 'failed' ? ` (${seconds(s.startedAt, s.endedAt)})` : '';
  return `${mark} ${path}${text ? `: ${text}` : ''}${dim(time)}`;
}

/** Plain mode: remembers what was printed and returns the lines for what changed since. */
export class ProgressView {
  private seen = new Map<string, string>();

  update(p: ClusterProgress, retries: Retry[] = []): string[] {
    const lines: string[] = [];
    const visit = (path: string, s: StepProgress, retry?: Retry) => {
      const key = `${s.state}|${s.detail ?? ''}|${retry?.attempt ?? ''}`;
      if (s.state !== 'waiting' && this.seen.get(path) !== key) {
        this.seen.set(path, key);
        lines.push(formatLine(path, s, retry));
      }
    };
    for (const step of p.steps) {
      const retry = retryOf(step, retries);
      const first = step.state === 'running' || step.state === 'failed';
      if (first) visit(step.title, { ...step, detail: step.state === 'running' ? undefined : step.detail }, retry);
      for (const c of step.children ?? []) visit(`${step.title}: ${c.title}`, c);
      if (!first) visit(step.title, step);
    }
    return lines;
  }
}

/** Terminal mode: the whole table, redrawn in place. */
export class LiveProgressView {
  private drawn = 0;
  private frame = 0;

  constructor(private readonly write: (s: string) => void) {}

  render(p: ClusterProgress, retries: Retry[] = []): void {
    const spin = SPINNER[this.frame++ % SPINNER.length];
    const lines: string[] = [];
    const width = Math.max(...p.steps.flatMap((s) => [s.title.length, ...(s.children ?? []).map((c) => c.title.length + 4)]));
    const row = (indent: string, title: string, s: StepProgress, retry?: Retry) => {
      const { mark, text } = describe(s, retry);
      const icon = s.state === 'running' && !retry ? spin : mark;
      const time = s.state === 'running' || s.state === 'done' || s.state === 'failed' ? dim(seconds(s.startedAt, s.endedAt)) : '';
      const body = `${indent}${icon} ${title.padEnd(width - indent.length + 2)} ${s.state === 'waiting' ? dim('waiting') : text}`;
      const columns = process.stderr.columns || 120;
      lines.push(`${body.slice(0, Math.max(20, columns - 12))} ${time}`);
    };
    lines.push(`${p.cluster}: ${p.phase}`);
    for (const step of p.steps) {
      row('  ', step.title, step, retryOf(step, retries));
      for (const c of step.children ?? []) row('      ', c.title, c);
    }
    // move to the top of what was drawn last time, then redraw every line
    this.write((this.drawn ? `\x1b[${this.drawn}A` : '') + lines.map((l) => `\x1b[2K${l}\n`).join(''));
    this.drawn = lines.length;
  }
}
