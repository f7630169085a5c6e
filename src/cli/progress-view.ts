// Renders a run's step list (from the workflow's `progress` query) as one line per
// state change: plain text, no control characters, fit for TTYs, pipes and CI logs.
import type { ClusterProgress, StepProgress } from '../types.js';
import { dim, green, red } from './output.js';

const MARK: Record<string, string> = { running: '•', done: '✓', failed: '✗', skipped: '-', undone: '↺', waiting: ' ' };

function duration(s: StepProgress): string {
  if (!s.startedAt || !s.endedAt) return '';
  return ` (${((Date.parse(s.endedAt) - Date.parse(s.startedAt)) / 1000).toFixed(1)} s)`;
}

export function formatLine(path: string, s: StepProgress): string {
  const mark = s.state === 'done' ? green(MARK.done) : s.state === 'failed' ? red(MARK.failed) : MARK[s.state];
  const detail = s.detail ? `: ${s.detail}` : s.state === 'running' ? ': running' : '';
  return `${mark} ${path}${detail}${dim(duration(s))}`;
}

/** Remembers what was printed and returns the lines for what changed since. */
export class ProgressView {
  private seen = new Map<string, string>();

  update(p: ClusterProgress): string[] {
    const lines: string[] = [];
    const visit = (path: string, s: StepProgress) => {
      const key = `${s.state}|${s.detail ?? ''}`;
      if (s.state !== 'waiting' && this.seen.get(path) !== key) {
        this.seen.set(path, key);
        lines.push(formatLine(path, s));
      }
    };
    for (const step of p.steps) {
      if (step.state === 'running' || step.state === 'failed') visit(step.title, { ...step, detail: step.state === 'running' ? undefined : step.detail });
      for (const c of step.children ?? []) visit(`${step.title}: ${c.title}`, c);
      if (step.state !== 'running' && step.state !== 'failed') visit(step.title, step);
    }
    return lines;
  }
}
