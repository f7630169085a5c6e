// The images a host will run, known from the spec alone, so the hosts step can load
// them while the hosts come up in parallel instead of one step at a time later on
// (loading images is most of a local build's time: local-host-facts.md).
import type { ClusterSpec } from '../types.js';
import { workloadImage } from '../spec.js';

export function imagesFor(spec: ClusterSpec, host: string): string[] {
  const images = new Set<string>();
  if (host === spec.manager.name) images.add('consul');
  if (spec.nodes.some((n) => n.name === host)) images.add('probe'); // catalog registration and the swarm join
  for (const w of spec.workloads) if (w.host === host) images.add(workloadImage(w));
  if (host === spec.verify.from) {
    images.add('busybox').add('probe');
    if (spec.workloads.some((w) => w.kind === 'mysql')) images.add('mysql');
  }
  return [...images];
}
