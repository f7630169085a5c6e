// The benchmark's reading of a history: Temporal's share is the union (not the sum) of
// waiting intervals, and a retried activity's wait is not counted as Temporal's.
import protoPkg, { type temporal } from '@temporalio/proto';
import { describe, expect, it } from 'vitest';
import { analyzeHistory } from '../../bench/lib/history.js';
import { median } from '../../bench/lib/stats.js';

const T = protoPkg.temporal.api.enums.v1.EventType;
const at = (ms: number) => ({ seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1e6 });
let id = 0;
const ev = (ms: number, eventType: temporal.api.enums.v1.EventType, attrs: Record<string, unknown> = {}) => ({ eventId: ++id, eventTime: at(ms), eventType, ...attrs });

function history() {
  id = 0;
  const act = (scheduledId: number, type: string) => ({ activityTaskScheduledEventAttributes: { activityType: { name: type } }, _: scheduledId });
  return {
    events: [
      ev(0, T.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED),
      ev(0, T.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED), // 2
      ev(10, T.EVENT_TYPE_WORKFLOW_TASK_STARTED, { workflowTaskStartedEventAttributes: { scheduledEventId: 2 } }),
      ev(20, T.EVENT_TYPE_WORKFLOW_TASK_COMPLETED, { workflowTaskCompletedEventAttributes: { scheduledEventId: 2 } }),
      ev(20, T.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED, act(5, 'ensureHost')), // 5
      ev(20, T.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED, act(6, 'ensureHost')), // 6
      ev(25, T.EVENT_TYPE_ACTIVITY_TASK_STARTED, { activityTaskStartedEventAttributes: { scheduledEventId: 5, attempt: 1 } }),
      ev(30, T.EVENT_TYPE_ACTIVITY_TASK_STARTED, { activityTaskStartedEventAttributes: { scheduledEventId: 6, attempt: 1 } }),
      ev(500, T.EVENT_TYPE_ACTIVITY_TASK_COMPLETED, { activityTaskCompletedEventAttributes: { scheduledEventId: 5 } }),
      ev(600, T.EVENT_TYPE_ACTIVITY_TASK_COMPLETED, { activityTaskCompletedEventAttributes: { scheduledEventId: 6 } }),
      ev(600, T.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED), // 11
      ev(605, T.EVENT_TYPE_WORKFLOW_TASK_STARTED, { workflowTaskStartedEventAttributes: { scheduledEventId: 11 } }),
      ev(610, T.EVENT_TYPE_WORKFLOW_TASK_COMPLETED, { workflowTaskCompletedEventAttributes: { scheduledEventId: 11 } }),
      ev(610, T.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED, act(14, 'ensureConsul')), // 14
      // retried: its Started event is the last attempt's, after 3 s of backoff
      ev(3610, T.EVENT_TYPE_ACTIVITY_TASK_STARTED, { activityTaskStartedEventAttributes: { scheduledEventId: 14, attempt: 3 } }),
      ev(3700, T.EVENT_TYPE_ACTIVITY_TASK_COMPLETED, { activityTaskCompletedEventAttributes: { scheduledEventId: 14 } }),
      ev(3700, T.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED), // 17
      ev(3702, T.EVENT_TYPE_WORKFLOW_TASK_STARTED, { workflowTaskStartedEventAttributes: { scheduledEventId: 17 } }),
      ev(3710, T.EVENT_TYPE_WORKFLOW_TASK_COMPLETED, { workflowTaskCompletedEventAttributes: { scheduledEventId: 17 } }),
      ev(4000, T.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED),
    ].map(({ _: _unused, ...e }: Record<string, unknown>) => e),
  } as temporal.api.history.v1.IHistory;
}

describe('analyzeHistory', () => {
  const h = analyzeHistory(history());

  it('counts events, bytes and activities, and the wall time', () => {
    expect(h.events).toBe(20);
    expect(h.bytes).toBeGreaterThan(200);
    expect(h.activities).toBe(3);
    expect(h.wallMs).toBe(4000);
  });

  it('takes schedule-to-start from first attempts only, and workflow tasks scheduled to completed', () => {
    expect(h.scheduleToStartMs).toEqual([5, 10]);
    expect(h.workflowTaskMs).toEqual([20, 10, 10]);
  });

  it("Temporal's time is the union of the intervals: 0-20, 20-30 overlap into 30; then 600-610 and 3700-3710", () => {
    expect(h.overheadMs).toBe(50);
    expect(h.overheadShare).toBeCloseTo(50 / 4000);
  });

  it('spans each activity type from its first scheduling to its last completion, with attempts', () => {
    expect(h.steps).toEqual({ ensureHost: { spanMs: 580, count: 2, maxAttempt: 1 }, ensureConsul: { spanMs: 3090, count: 1, maxAttempt: 3 } });
  });
});

describe('median', () => {
  it('is the middle sample, or the mean of the two middle ones', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
  });
});

describe('steps by wave', () => {
  it('splits one activity type scheduled by two workflow tasks into two steps', () => {
    id = 0;
    const sched = (ms: number, task: number) => ev(ms, T.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED, { activityTaskScheduledEventAttributes: { activityType: { name: 'ensureFirewall' }, workflowTaskCompletedEventId: task } });
    const done = (ms: number, scheduledEventId: number) => ev(ms, T.EVENT_TYPE_ACTIVITY_TASK_COMPLETED, { activityTaskCompletedEventAttributes: { scheduledEventId } });
    const h = analyzeHistory({ events: [ev(0, T.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED), sched(0, 1), done(100, 2), sched(5000, 3), done(5200, 4), ev(6000, T.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED)] } as unknown as temporal.api.history.v1.IHistory);
    expect(h.steps).toEqual({ ensureFirewall: { spanMs: 100, count: 1, maxAttempt: 1 }, 'ensureFirewall#2': { spanMs: 200, count: 1, maxAttempt: 1 } });
  });
});
