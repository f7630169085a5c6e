// Activity stubs with a timeout and retry profile per kind of step. Host-bound
// activities go to the task queue of the machine that holds the provider's hosts.
import { ActivityCancellationType, proxyActivities, type ActivityOptions } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';

const retry = { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '20s' } as const;

/**
 * Profiles by kind of step; each takes the summary the Web UI shows for that call
 * ("create host tuto-node2"), so every activity names its host or resource.
 */
export function activitiesOn(taskQueue: string) {
  const base: ActivityOptions = {
    taskQueue,
    startToCloseTimeout: '2m',
    // Activities heartbeat every 2 s: a killed worker's attempt is retried within 10 s.
    heartbeatTimeout: '10s',
    // On cancel, wait until the running attempt has ended: compensation must never
    // race a step that is still creating things.
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    retry: { ...retry, maximumAttempts: 6 },
  };
  const profile = (options: ActivityOptions) => (summary: string) => proxyActivities<Activities>({ ...options, summary });
  return {
    /** quick, local state changes */
    quick: profile(base),
    /** creating hosts and loading images into engines */
    slow: profile({ ...base, startToCloseTimeout: '6m', retry: { ...retry, maximumAttempts: 5 } }),
    /** the checks retry inside; a whole new attempt only helps against engine errors */
    verify: profile({ ...base, startToCloseTimeout: '4m', retry: { ...retry, maximumAttempts: 3 } }),
    /** teardown keeps trying: a leak costs more than a wait */
    teardown: profile({ ...base, startToCloseTimeout: '3m', retry: { ...retry, maximumAttempts: 10 } }),
  };
}
