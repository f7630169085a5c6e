// The step list a run keeps and the `progress` query returns: what the CLI renders
// live. Deterministic: times come from the workflow clock.
import { defineQuery } from '@temporalio/workflow';
import type { ClusterProgress, ClusterSpec, StepProgress, StepState } from '../types.js';

export const progressQuery = defineQuery<ClusterProgress>('progress');

export const STEP_TITLES: Record<string, string> = {
  ensureFirewall: 'firewall (security group)',
  ensureSshKey: 'ssh key',
  ensureHost: 'hosts',
  ensureConsul: 'consul (key-value store)',
  ensureSwarm: 'swarm',
  ensureOverlayNetwork: 'overlay network',
  ensureWorkload: 'workloads',
  verifyConnectivity: 'verify connectivity',
  exposeWorkload: 'expose',
};

export interface ProgressHooks {
  /** a top-level step started running */
  stepStarted?(step: string): void;
  /** anything changed */
  changed?(state: ClusterProgress): void;
}

export class Progress {
  readonly state: ClusterProgress;

  constructor(
    spec: ClusterSpec,
    private readonly hooks: ProgressHooks = {},
  ) {
    const hosts = [spec.manager.name, ...spec.nodes.map((n) => n.name)];
    const children: Record<string, string[]> = {
      ensureHost: hosts,
      // classic mode forms no swarm: the step is skipped as a whole, it has no items
      ...(spec.mode === 'classic' ? {} : { ensureSwarm: spec.nodes.map((n) => n.name) }),
      ensureWorkload: spec.workloads.map((w) => w.name),
      exposeWorkload: spec.workloads.filter((w) => w.expose !== undefined).map((w) => w.name),
    };
    this.state = {
      cluster: spec.cluster,
      phase: 'provisioning',
      hosts: [],
      steps: Object.entries(STEP_TITLES).map(([name, title]) => ({
        name,
        title,
        state: 'waiting' as StepState,
        children: children[name]?.map((c) => ({ name: c, title: c, state: 'waiting' as StepState })),
      })),
    };
  }

  find(step: string, child?: string): StepProgress {
    const s = this.state.steps.find((x) => x.name === step);
    if (!s) throw new Error(`unknown step ${step}`);
    if (child === undefined) return s;
    const c = s.children?.find((x) => x.name === child);
    if (!c) throw new Error(`unknown item ${child} of step ${step}`);
    return c;
  }

  mark(item: StepProgress, state: StepState, detail?: string): void {
    const now = new Date().toISOString();
    if (state === 'running') item.startedAt = now;
    if (state === 'done' || state === 'failed' || state === 'skipped') item.endedAt = now;
    item.state = state;
    if (detail !== undefined) item.detail = detail;
    if (state === 'running' && this.state.steps.includes(item)) this.hooks.stepStarted?.(item.name);
    this.changed();
  }

  /** Tells the hooks that the state changed (also after direct edits of `state`). */
  changed(): void {
    this.hooks.changed?.(this.state);
  }

  /** Runs one step (or one item of a step), recording its state and a one-line detail. */
  async run<T>(step: string, fn: () => Promise<T>, describe: (r: T) => string = () => '', child?: string): Promise<T> {
    const item = this.find(step, child);
    this.mark(item, 'running');
    try {
      const result = await fn();
      this.mark(item, 'done', describe(result));
      return result;
    } catch (err) {
      this.mark(item, 'failed', rootMessage(err));
      throw err;
    }
  }

  skip(step: string, detail: string): void {
    this.mark(this.find(step), 'skipped', detail);
  }

  snapshot(): ClusterProgress {
    return this.state;
  }
}

/** The innermost cause's message: what actually went wrong, not "Activity task failed". */
export function rootMessage(err: unknown): string {
  let e = err as { message?: string; cause?: unknown } | undefined;
  while (e?.cause) e = e.cause as typeof e;
  return e?.message ?? String(err);
}

const ICON: Record<StepState, string> = { waiting: '·', running: '▶', done: '✓', failed: '✗', skipped: '-', undone: '↺' };

/** The step table as markdown: the run's current details in the Web UI. */
export function detailsMarkdown(p: ClusterProgress): string {
  const rows = p.steps.flatMap((s) => [
    `| ${ICON[s.state]} | ${s.title} | ${s.state} | ${(s.detail ?? '').replace(/\|/g, '/')} |`,
    ...(s.children ?? []).map((c) => `| ${ICON[c.state]} | ↳ ${c.title} | ${c.state} | ${(c.detail ?? '').replace(/\|/g, '/')} |`),
  ]);
  return [`**${p.cluster}**: ${p.phase}${p.error ? ` - ${p.error}` : ''}`, '', '| | step | state | detail |', '|---|---|---|---|', ...rows].join('\n');
}
