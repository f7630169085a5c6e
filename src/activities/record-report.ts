import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { WorkflowNotFoundError } from '@temporalio/client';
import { saveReport } from '../reports.js';
import { CONSUL_VERSION, TEMPORAL_VERSION } from '../toolchain.js';
import type { ClusterProgress, ProviderConfig, ProvisionResult, RebuildReport } from '../types.js';
import { provisionWorkflowId } from '../workflow-ids.js';
import { progressQuery } from '../workflows/progress.js';
import { activity, type ActivityDeps } from './context.js';

const PACKAGE_VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

function dockerVersion(): string {
  try {
    return execFileSync('dockerd', ['--version'], { encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

/**
 * The report of a rebuild-and-verify run: step durations and checks come from the
 * provisioning run itself (its progress query and result, which Temporal keeps), so
 * the report is complete for failed runs too.
 */
export const recordReport = (deps: ActivityDeps) =>
  activity(
    async (input: {
      workflowId: string;
      runId: string;
      baseCluster: string;
      cluster: string;
      provider: ProviderConfig;
      startedAt: string;
      outcome: RebuildReport['outcome'];
      cause?: string;
      leftovers: string[];
    }): Promise<RebuildReport> => {
      const endedAt = new Date().toISOString();
      let progress: ClusterProgress | undefined;
      let result: ProvisionResult | undefined;
      if (deps.client) {
        const handle = (await deps.client()).workflow.getHandle(provisionWorkflowId(input.cluster));
        try {
          progress = await handle.query(progressQuery);
          if (input.outcome === 'passed') result = (await handle.result()) as ProvisionResult;
        } catch (err) {
          if (!(err instanceof WorkflowNotFoundError)) throw err;
        }
      }
      const failedStep = progress?.steps.find((s) => s.state === 'failed');
      const leftovers = [...input.leftovers, ...(progress?.leftovers ?? [])];
      const report: RebuildReport = {
        id: `${input.startedAt.replace(/[:.]/g, '-')}-${input.cluster}`,
        workflowId: input.workflowId,
        baseCluster: input.baseCluster,
        cluster: input.cluster,
        startedAt: input.startedAt,
        endedAt,
        durationMs: Date.parse(endedAt) - Date.parse(input.startedAt),
        ok: input.outcome === 'passed' && result?.report.ok === true,
        outcome: input.outcome,
        steps: (progress?.steps ?? []).map((s) => ({
          name: s.name,
          title: s.title,
          state: s.state,
          ms: s.startedAt && s.endedAt ? Date.parse(s.endedAt) - Date.parse(s.startedAt) : undefined,
          detail: s.detail,
        })),
        checks: result?.report.checks ?? [],
        failure: input.cause ? { step: failedStep?.name, cause: input.cause } : undefined,
        teardown: leftovers.length ? 'incomplete' : 'done',
        leftovers: leftovers.length ? leftovers : undefined,
        versions: { overlayctl: PACKAGE_VERSION, node: process.version, docker: dockerVersion(), consul: CONSUL_VERSION, temporalCli: TEMPORAL_VERSION, provider: input.provider.type },
      };
      await saveReport(deps.paths, report);
      return report;
    },
  );
