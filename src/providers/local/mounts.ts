// Mounts a host's dockerd leaves behind when it does not stop cleanly (container root
// file systems, network namespace files, its data root): found in mountinfo, unmounted
// deepest first, before any directory of the host is removed.
import { readFile } from 'node:fs/promises';
import { run } from './exec.js';

function unescapeMountPath(p: string): string {
  return p.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

export async function mountsUnder(prefixes: string[]): Promise<string[]> {
  const info = await readFile('/proc/self/mountinfo', 'utf8');
  const points = info
    .split('\n')
    .filter(Boolean)
    .map((line) => unescapeMountPath(line.split(' ')[4]))
    .filter((p) => prefixes.some((prefix) => p === prefix || p.startsWith(prefix + '/')));
  return [...new Set(points)].sort((a, b) => b.length - a.length);
}

export async function unmountUnder(prefixes: string[]): Promise<string[]> {
  for (let round = 0; round < 3; round++) {
    const points = await mountsUnder(prefixes);
    if (points.length === 0) return [];
    for (const p of points) await run('umount', ['-l', p], { allow: [1, 32] });
  }
  return mountsUnder(prefixes);
}
