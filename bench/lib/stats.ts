// Median, min and max of a figure's samples, and the table the benchmark prints.
import { metTarget, type CaseResult } from './types.js';

export function median(xs: number[]): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

export const min = (xs: number[]) => (xs.length ? Math.min(...xs) : Number.NaN);
export const max = (xs: number[]) => (xs.length ? Math.max(...xs) : Number.NaN);

export function fmt(x: number): string {
  if (!Number.isFinite(x)) return '-';
  const a = Math.abs(x);
  return a >= 1000 ? x.toFixed(0) : a >= 100 ? x.toFixed(1) : a >= 1 ? x.toFixed(2) : x.toFixed(3);
}

const pad = (rows: string[][]): string[] => {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  '));
};

/** The case as plain text: one line per figure (median, min, max, n), then its ratios. */
export function renderCase(r: CaseResult): string {
  const lines = [`== ${r.id}: ${r.title}`];
  if (r.figures.length) {
    const rows = [['figure', 'unit', 'median', 'min', 'max', 'n']];
    for (const f of r.figures) rows.push([f.name, f.unit, fmt(median(f.samples)), fmt(min(f.samples)), fmt(max(f.samples)), String(f.samples.length)]);
    lines.push(...pad(rows));
  }
  for (const q of r.ratios) {
    const t = q.target ? ` (target ${q.target.max !== undefined ? `<= ${q.target.max}` : `>= ${q.target.min}`}: ${metTarget(q) ? 'met' : 'MISSED'})` : '';
    lines.push(`ratio ${q.name} = ${fmt(q.value)}${t}`);
  }
  for (const n of r.notes) lines.push(`  - ${n}`);
  return lines.join('\n');
}
