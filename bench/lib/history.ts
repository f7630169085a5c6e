// What a run's history says about where the time went: per-step durations, and the
// time spent in Temporal itself (an activity waiting to be picked up, a workflow task
// waiting and running), as a share of the run's wall time.
import protoPkg, { type temporal } from '@temporalio/proto';

// a CommonJS module: its namespace comes through the default export under Node's ESM
const proto = protoPkg.temporal;
type Event = temporal.api.history.v1.IHistoryEvent;
const T = proto.api.enums.v1.EventType;

const ms = (e: Event): number => {
  const t = e.eventTime;
  return t ? Number(t.seconds ?? 0) * 1000 + Math.round((t.nanos ?? 0) / 1e6) : Number.NaN;
};

export interface HistoryFigures {
  events: number;
  bytes: number;
  /** WorkflowExecutionStarted to its close */
  wallMs: number;
  activities: number;
  /** activity scheduled -> started, every activity */
  scheduleToStartMs: number[];
  /** workflow task scheduled -> completed, every workflow task */
  workflowTaskMs: number[];
  /** the union of those intervals over the wall time: an upper bound of Temporal's share */
  overheadShare: number;
  overheadMs: number;
  /** per activity type and wave (see below): first scheduled to last completed, and the attempts it took */
  steps: Record<string, { spanMs: number; count: number; maxAttempt: number }>;
}

/** The length of the union of intervals. */
function unionLength(intervals: [number, number][]): number {
  const sorted = intervals.filter(([a, b]) => b > a).sort((x, y) => x[0] - y[0]);
  let total = 0;
  let [start, end] = [Number.NaN, Number.NaN];
  for (const [a, b] of sorted) {
    if (!(a <= end)) {
      if (end > start) total += end - start;
      [start, end] = [a, b];
    } else end = Math.max(end, b);
  }
  if (end > start) total += end - start;
  return total;
}

export function analyzeHistory(history: temporal.api.history.v1.IHistory): HistoryFigures {
  const events = history.events ?? [];
  const bytes = proto.api.history.v1.History.encode(history).finish().length;
  const first = events[0];
  const last = events[events.length - 1];
  const activities = new Map<number, { type: string; wave: string; scheduled: number; started?: number; completed?: number; attempt: number }>();
  // Activities of one type scheduled by one workflow task are one wave (the hosts made
  // in parallel); a type scheduled again later (the firewall at exposure) is a new step.
  const waves = new Map<string, string[]>();
  const waveOf = (type: string, task: string) => {
    const seen = waves.get(type) ?? [];
    if (!seen.includes(task)) waves.set(type, [...seen, task]);
    const n = (waves.get(type) ?? []).indexOf(task) + 1;
    return n === 1 ? type : `${type}#${n}`;
  };
  const wfts = new Map<number, { scheduled: number; completed?: number }>();
  for (const e of events) {
    const id = Number(e.eventId);
    switch (e.eventType) {
      case T.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
      {
        const attrs = e.activityTaskScheduledEventAttributes;
        const type = attrs?.activityType?.name ?? '?';
        activities.set(id, { type, wave: waveOf(type, String(attrs?.workflowTaskCompletedEventId ?? '')), scheduled: ms(e), attempt: 1 });
      }
        break;
      case T.EVENT_TYPE_ACTIVITY_TASK_STARTED: {
        const a = activities.get(Number(e.activityTaskStartedEventAttributes?.scheduledEventId));
        if (a) {
          a.started = ms(e);
          a.attempt = e.activityTaskStartedEventAttributes?.attempt ?? 1;
        }
        break;
      }
      case T.EVENT_TYPE_ACTIVITY_TASK_COMPLETED:
      case T.EVENT_TYPE_ACTIVITY_TASK_FAILED:
      case T.EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT:
      case T.EVENT_TYPE_ACTIVITY_TASK_CANCELED: {
        const attrs = e.activityTaskCompletedEventAttributes ?? e.activityTaskFailedEventAttributes ?? e.activityTaskTimedOutEventAttributes ?? e.activityTaskCanceledEventAttributes;
        const a = activities.get(Number(attrs?.scheduledEventId));
        if (a) a.completed = ms(e);
        break;
      }
      case T.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED:
        wfts.set(id, { scheduled: ms(e) });
        break;
      case T.EVENT_TYPE_WORKFLOW_TASK_COMPLETED:
      case T.EVENT_TYPE_WORKFLOW_TASK_FAILED:
      case T.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT: {
        const attrs = e.workflowTaskCompletedEventAttributes ?? e.workflowTaskFailedEventAttributes ?? e.workflowTaskTimedOutEventAttributes;
        const w = wfts.get(Number(attrs?.scheduledEventId));
        if (w) w.completed = ms(e);
        break;
      }
    }
  }
  const wallMs = ms(last) - ms(first);
  // A retried activity's Started event carries the last attempt's start: its wait
  // includes the retry backoff, which is the activity's doing, not Temporal's.
  const firstAttempts = [...activities.values()].filter((a) => a.started !== undefined && a.attempt === 1);
  const scheduleToStart = firstAttempts.map((a) => a.started! - a.scheduled);
  const wft = [...wfts.values()].filter((w) => w.completed !== undefined).map((w) => w.completed! - w.scheduled);
  const intervals: [number, number][] = [
    ...firstAttempts.map((a): [number, number] => [a.scheduled, a.started!]),
    ...[...wfts.values()].filter((w) => w.completed !== undefined).map((w): [number, number] => [w.scheduled, w.completed!]),
  ];
  const overheadMs = unionLength(intervals);
  const spans = new Map<string, { first: number; last: number; count: number; maxAttempt: number }>();
  for (const a of activities.values()) {
    const s = spans.get(a.wave) ?? { first: a.scheduled, last: a.scheduled, count: 0, maxAttempt: 1 };
    spans.set(a.wave, { first: Math.min(s.first, a.scheduled), last: Math.max(s.last, a.completed ?? a.scheduled), count: s.count + 1, maxAttempt: Math.max(s.maxAttempt, a.attempt) });
  }
  const steps: HistoryFigures['steps'] = {};
  for (const [wave, s] of spans) steps[wave] = { spanMs: s.last - s.first, count: s.count, maxAttempt: s.maxAttempt };
  return {
    events: events.length,
    bytes,
    wallMs,
    activities: activities.size,
    scheduleToStartMs: scheduleToStart,
    workflowTaskMs: wft,
    overheadMs,
    overheadShare: wallMs > 0 ? overheadMs / wallMs : Number.NaN,
    steps,
  };
}
