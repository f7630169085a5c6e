// What every benchmark case returns: raw samples (the JSON file keeps them all), the
// ratios the issue sets targets for, and notes that say where the time goes.

export interface BenchContext {
  /** --quick: fewer runs and smaller sizes, so CI keeps the benchmark working */
  quick: boolean;
  /** runs per compared command (at least 3 in a full run) */
  runs: number;
  log: (message: string) => void;
}

/** One measured quantity, every sample kept (seconds, bytes, Gbit/s, ...). */
export interface Figure {
  name: string;
  unit: string;
  samples: number[];
}

export interface Ratio {
  name: string;
  value: number;
  /** the target, e.g. { max: 1.25 } or { min: 0.8 } */
  target?: { max?: number; min?: number };
}

export interface CaseResult {
  id: string;
  title: string;
  figures: Figure[];
  ratios: Ratio[];
  /** where the time goes, what was measured how, why a target is missed */
  notes: string[];
  /** anything else worth keeping in the JSON file (per-step durations, histories' sizes) */
  details?: unknown;
}

export type BenchCase = (ctx: BenchContext) => Promise<CaseResult>;

export const metTarget = (r: Ratio): boolean | undefined =>
  r.target === undefined ? undefined : (r.target.max === undefined || r.value <= r.target.max) && (r.target.min === undefined || r.value >= r.target.min);
