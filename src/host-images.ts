// The images a host will run, known from the spec alone, so the hosts step can load
// them while the hosts come up in parallel instead of one step at a time later on
// (loading images is most of a local build's time: local-host-facts.md). Pure, with
// type-only imports: the workflow computes each host's list for its activity input.
import type { ClusterSpec } from './types.js';

type Workload = ClusterSpec['workloads'][number];

/** Image used by a workload: the spec's, or the kind's default (the tutorial's names). */
export function workloadImage(w: Pick<Workload, 'image' | 'kind'>): string {
  return w.image ?? (w.kind === 'mysql' ? 'mysql' : w.kind === 'nginx' ? 'nginx' : 'busybox');
}

export function imagesFor(spec: ClusterSpec, host: string): string[] {
  const images = new Set<string>();
  if (host === spec.manager.name) images.add('consul');
  if (host === spec.manager.name && spec.mode === 'classic' && spec.clusterStore === 'etcd') images.add('etcd'); // classic mode's cluster store
  if (spec.nodes.some((n) => n.name === host)) images.add('probe'); // catalog registration and the swarm join
  for (const w of spec.workloads) if (w.host === host) images.add(workloadImage(w));
  if (host === spec.verify.from) {
    images.add('busybox').add('probe');
    if (spec.workloads.some((w) => w.kind === 'mysql')) images.add('mysql');
  }
  return [...images];
}
