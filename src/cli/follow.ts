// Follows a run until it ends: the progress query (what the workflow says about its
// steps) plus the run's pending activities (attempts and last errors of retries),
// rendered live on a terminal or as plain lines elsewhere.
import type { WorkflowHandle } from '@temporalio/client';
import type { ClusterProgress } from '../types.js';
import { progressQuery } from '../workflows/progress.js';
import type { CliContext } from './context.js';
import { LiveProgressView, ProgressView, type Retry } from './progress-view.js';

async function retriesOf(handle: WorkflowHandle): Promise<Retry[]> {
  const d = await handle.describe();
  return (d.raw.pendingActivities ?? []).map((a) => ({
    activityType: a.activityType?.name ?? '',
    attempt: a.attempt ?? 1,
    lastError: a.lastFailure?.message ?? undefined,
  }));
}

export async function follow<T>(ctx: CliContext, handle: WorkflowHandle, result: Promise<T>): Promise<T> {
  const live = !ctx.opts.quiet && !ctx.opts.json && process.stderr.isTTY === true;
  const plain = new ProgressView();
  const table = new LiveProgressView((s) => process.stderr.write(s));
  let latest: { p: ClusterProgress; retries: Retry[] } | undefined;
  const draw = () => {
    if (!latest) return;
    if (live) table.render(latest.p, latest.retries);
    else for (const line of plain.update(latest.p, latest.retries)) ctx.out.info(line);
  };
  let done = false;
  const poll = async () => {
    try {
      const [p, retries] = await Promise.all([handle.query(progressQuery), retriesOf(handle).catch(() => [])]);
      latest = { p, retries };
    } catch {
      // no worker has answered yet, or the run just ended
    }
  };
  const poller = (async () => {
    while (!done) {
      await poll();
      if (!live) draw();
      await new Promise((r) => setTimeout(r, 300));
    }
  })();
  const spinner = live ? setInterval(draw, 100) : undefined;
  try {
    return await result;
  } finally {
    done = true;
    await poller;
    if (spinner) clearInterval(spinner);
    await poll();
    if (latest) latest.retries = [];
    draw();
  }
}
