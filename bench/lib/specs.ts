// The clusters the benchmark builds: the tutorial's topology under another name, and
// the same with more Docker hosts (the workloads and the checks stay the same).
import type { ClusterSpec } from '../../src/spec.js';
import { tutorialSpec } from '../../test/e2e/harness.js';

export function benchSpec(cluster: string, subnet: string, nodes = 3): ClusterSpec {
  const base = tutorialSpec(cluster, subnet);
  return { ...base, nodes: Array.from({ length: nodes }, (_, i) => ({ name: `${cluster}-node${i + 1}` })) };
}
