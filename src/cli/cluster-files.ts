// The operator-side copy of each cluster's spec (state/clusters/<name>/spec.json):
// lets `down`, `status`, `env` and `secret` work from a cluster or host name alone.
// The provider remains the source of truth for what exists.
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UserError } from '../errors.js';
import { clusterStateDir, type Paths } from '../paths.js';
import { hostNames, parseSpec, type ClusterSpec } from '../spec.js';

const specFile = (paths: Paths, cluster: string) => join(clusterStateDir(paths, cluster), 'spec.json');

export async function saveClusterSpec(paths: Paths, spec: ClusterSpec): Promise<void> {
  await mkdir(clusterStateDir(paths, spec.cluster), { recursive: true, mode: 0o700 });
  await writeFile(specFile(paths, spec.cluster), JSON.stringify(spec, null, 2));
}

export async function loadClusterSpec(paths: Paths, cluster: string): Promise<ClusterSpec | undefined> {
  try {
    return parseSpec(JSON.parse(await readFile(specFile(paths, cluster), 'utf8')), specFile(paths, cluster));
  } catch {
    return undefined;
  }
}

export async function requireClusterSpec(paths: Paths, cluster: string): Promise<ClusterSpec> {
  const spec = await loadClusterSpec(paths, cluster);
  if (!spec) throw new UserError(`no cluster named "${cluster}" is known here (${clusterStateDir(paths, cluster)})`, 1, 'create it with `overlayctl up`, or list clusters with `overlayctl ls`');
  return spec;
}

export async function knownClusters(paths: Paths): Promise<ClusterSpec[]> {
  let names: string[];
  try {
    names = await readdir(join(paths.state, 'clusters'));
  } catch {
    return [];
  }
  const specs = await Promise.all(names.map((n) => loadClusterSpec(paths, n)));
  return specs.filter((s): s is ClusterSpec => s !== undefined);
}

export async function clusterOfHost(paths: Paths, host: string): Promise<ClusterSpec> {
  const clusters = await knownClusters(paths);
  const found = clusters.filter((s) => hostNames(s).includes(host));
  if (found.length === 0) {
    const all = clusters.flatMap(hostNames);
    throw new UserError(`no host named "${host}" in any cluster known here`, 1, all.length ? `known hosts: ${all.join(', ')}` : 'create a cluster with `overlayctl up`');
  }
  return found[0];
}
