// Replay safety: recorded histories of complete, failed, kept, cancelled, teardown and
// verify runs (and of classic-mode runs) replayed against the current workflow code. A change that would break
// determinism for runs in flight fails here. Refresh with `npm run replay:record` only
// when the change is intended (and use patched() where in-flight runs matter).
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils.js';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { WORKFLOWS_PATH } from '../../src/worker.js';

const DIR = join(import.meta.dirname, 'histories');
const files = readdirSync(DIR).filter((f) => f.endsWith('.json')).sort();

describe('replay of recorded histories', () => {
  it('has the recorded kinds of run', () => {
    expect(files).toEqual([
      'provision-cancelled.json',
      'provision-classic-complete.json',
      'provision-classic-failed-compensated.json',
      'provision-complete.json',
      'provision-failed-compensated.json',
      'provision-failed-kept.json',
      'rebuild-failed.json',
      'rebuild-passed.json',
      'teardown.json',
      'verify.json',
    ]);
  });

  it('replays every history against the current workflow code without a determinism error', async () => {
    try {
      Runtime.install({ logger: new DefaultLogger('ERROR') });
    } catch {
      // already installed
    }
    const histories = files.map((f) => ({ workflowId: f.replace(/\.json$/, ''), history: historyFromJSON(JSON.parse(readFileSync(join(DIR, f), 'utf8'))) }));
    const results: { workflowId: string; error?: unknown }[] = [];
    for await (const r of Worker.runReplayHistories({ workflowsPath: WORKFLOWS_PATH }, histories)) results.push(r);
    expect(results.map((r) => [r.workflowId, r.error ? String((r.error as Error).message ?? r.error) : 'ok'])).toEqual(histories.map((h) => [h.workflowId, 'ok']));
  }, 120_000);
});
