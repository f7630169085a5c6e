// Memory of processes, read from /proc: PSS (a shared page counted once across the
// processes that share it, so engines' figures can be summed) and the peak RSS.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';

function statusField(pid: number, field: string): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : Number.NaN;
}

/** the peak resident set size since the process started or since resetPeak() */
export const peakRss = (pid: number) => statusField(pid, 'VmHWM');

/** Starts a new peak measurement (clear_refs 5 resets VmHWM, Linux 4.0+). */
export function resetPeak(pid: number): void {
  writeFileSync(`/proc/${pid}/clear_refs`, '5');
}

export function pss(pid: number): number {
  try {
    const m = /^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0; // ended meanwhile
  }
}

/** pids whose command line contains `marker` */
export function pidsWith(marker: string): { pid: number; comm: string }[] {
  const found: { pid: number; comm: string }[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ').includes(marker)) {
        found.push({ pid: Number(entry), comm: readFileSync(`/proc/${entry}/comm`, 'utf8').trim() });
      }
    } catch {
      // ended meanwhile
    }
  }
  return found;
}

/** The engines of a local cluster (dockerd, containerd, shims): their summed PSS. */
export function enginesPss(runtimeDir: string): { bytes: number; processes: number } {
  const procs = pidsWith(`${runtimeDir}/`).filter((p) => /^(dockerd|containerd)/.test(p.comm));
  return { bytes: procs.reduce((sum, p) => sum + pss(p.pid), 0), processes: procs.length };
}
