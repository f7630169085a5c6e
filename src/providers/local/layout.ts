// Names and places of a local host: deterministic from the cluster and host names,
// so every step finds what an earlier (possibly crashed) attempt made.
import { join } from 'node:path';
import { shortHash } from '../../names.js';
import { formatIpv4, nthAddress, parseCidr } from '../../net/cidr.js';
import type { Paths } from '../../paths.js';

/** Network namespaces are named ovl_<cluster>_<host>: "_" never occurs in either name. */
export const NETNS_PREFIX = 'ovl_';

export function netnsName(cluster: string, host: string): string {
  return `${NETNS_PREFIX}${cluster}_${host}`;
}

export function parseNetnsName(name: string): { cluster: string; host: string } | undefined {
  const m = /^ovl_([a-z0-9-]+)_([a-z0-9-]+)$/.exec(name);
  return m ? { cluster: m[1], host: m[2] } : undefined;
}

/** Interface names are limited to 15 bytes: a hash keeps them short and unique. */
export const bridgeName = (cluster: string) => `ovlbr${shortHash(cluster)}`;
export const vethName = (cluster: string, host: string) => `ovlv${shortHash(cluster, host)}`;

/** Link alias and iptables comment: the "label" that marks what belongs to a cluster. */
export const clusterTag = (cluster: string) => `overlayctl:${cluster}`;

/** The bridge takes the first address; hosts start at .10 (manager first, then nodes). */
export function bridgeAddress(subnet: string): string {
  return nthAddress(parseCidr(subnet), 1);
}

export function hostAddress(subnet: string, index: number): string {
  return nthAddress(parseCidr(subnet), 10 + index);
}

export function prefixLength(subnet: string): number {
  return parseCidr(subnet).prefix;
}

export function networkAddress(subnet: string): string {
  return formatIpv4(parseCidr(subnet).network);
}

export interface HostDirs {
  /** runtime: sockets, pid files, dockerd's exec root (short paths) */
  run: string;
  socket: string;
  pidfile: string;
  execRoot: string;
  /** state: dockerd's data root and its log */
  state: string;
  dataRoot: string;
  log: string;
  /** cgroup parent of the host's containers, removed with the host */
  cgroupParent: string;
}

export function clusterRunDir(paths: Paths, cluster: string): string {
  return join(paths.runtime, cluster);
}

export function hostDirs(paths: Paths, cluster: string, host: string): HostDirs {
  const run = join(clusterRunDir(paths, cluster), host);
  const state = join(paths.state, 'clusters', cluster, 'hosts', host);
  return {
    run,
    socket: join(run, 'docker.sock'),
    pidfile: join(run, 'dockerd.pid'),
    execRoot: join(run, 'exec'),
    state,
    dataRoot: join(state, 'docker'),
    log: join(state, 'dockerd.log'),
    cgroupParent: `overlayctl_${cluster}_${host}`,
  };
}

/** The security group of a cluster, kept where the hosts' runtime lives. */
export const securityGroupFile = (paths: Paths, cluster: string) => join(clusterRunDir(paths, cluster), 'security-group.json');
