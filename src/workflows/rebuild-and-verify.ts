// rebuildAndVerify: the nightly canary. A fresh cluster under a run-specific name,
// provisioned and verified by the provisioning workflow, always torn down (also when
// verification fails or the run is cancelled), and a report stored: as this run's
// result and as a file in the worker's state folder.
import { CancellationScope, executeChild, isCancellation, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import { OVERLAY_CLUSTER, OVERLAY_PROVIDER, OVERLAY_VERIFIED } from '../search-attributes.js';
import type { RebuildInput, RebuildReport } from '../types.js';
import { provisionWorkflowId, runClusterName, teardownWorkflowId } from '../workflow-ids.js';
import { activitiesOn } from './activity-proxies.js';
import { rootMessage } from './progress.js';
import type { provisionCluster } from './provision-cluster.js';
import type { teardownCluster } from './teardown-cluster.js';

export async function rebuildAndVerify(input: RebuildInput): Promise<RebuildReport> {
  const info = workflowInfo();
  const cluster = runClusterName(input.spec.cluster, info.runId);
  const spec = { ...input.spec, cluster };
  const startedAt = new Date().toISOString();
  const attributes = [
    { key: OVERLAY_CLUSTER, value: input.spec.cluster },
    { key: OVERLAY_PROVIDER, value: spec.provider.type },
  ];
  let outcome: RebuildReport['outcome'] = 'passed';
  let cause: string | undefined;
  let cancelled: unknown;
  try {
    await executeChild<typeof provisionCluster>('provisionCluster', {
      workflowId: provisionWorkflowId(cluster),
      args: [{ spec, hostTaskQueue: input.hostTaskQueue, keepOnFailure: false }],
      staticSummary: `nightly ${input.spec.cluster}: build ${cluster} and verify it`,
      typedSearchAttributes: attributes,
    });
  } catch (err) {
    cause = rootMessage(err);
    outcome = isCancellation(err) ? 'cancelled' : 'failed';
    if (isCancellation(err)) cancelled = err;
  }
  // Whatever happened, tear it down and write the report; cancellation cannot stop this.
  const report = await CancellationScope.nonCancellable(async () => {
    let leftovers: string[] = [];
    try {
      await executeChild<typeof teardownCluster>('teardownCluster', {
        workflowId: teardownWorkflowId(cluster),
        args: [{ cluster, provider: spec.provider, hostTaskQueue: input.hostTaskQueue }],
        staticSummary: `nightly ${input.spec.cluster}: tear down ${cluster}`,
        typedSearchAttributes: attributes,
      });
    } catch (err) {
      leftovers = [`teardown failed: ${rootMessage(err)}`];
    }
    return activitiesOn(input.hostTaskQueue)
      .quick(`write the report of ${cluster}`)
      .recordReport({ workflowId: info.workflowId, runId: info.runId, baseCluster: input.spec.cluster, cluster, provider: spec.provider, startedAt, outcome, cause, leftovers });
  });
  upsertSearchAttributes([{ key: OVERLAY_VERIFIED, value: report.ok }]);
  if (cancelled) throw cancelled;
  return report;
}
