// The local provider: each host is a Linux network namespace on the cluster's bridge,
// with its own dockerd. The namespaces themselves are the source of truth (found by
// their ovl_<cluster>_ names); files under the runtime folder only hold what a
// namespace cannot (the security group's rules, sockets, pid files).
import { mkdir, readFile, readdir, rename, rm, rmdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import Docker from 'dockerode';
import type { FirewallRule } from '../../firewall.js';
import type { Paths } from '../../paths.js';
import { imagesDir } from '../../toolchain.js';
import { permanent } from '../errors.js';
import type { EngineEndpoint, FirewallRequest, HostInfo, HostRequest, Provider } from '../provider.js';
import type { EngineFacts } from '../../spec.js';
import { dockerdPid, ensureDockerd, localEngine, stopDockerd } from './dockerd.js';
import { processesNamed } from './processes.js';
import { ensureImage } from '../../docker/images.js';
import { clusterRunDir, hostAddress, hostDirs, netnsName, parseNetnsName, securityGroupFile } from './layout.js';
import { deleteBridge, deleteNetns, ensureBridge, ensureHostLink, ensureNetns, hostAddressOf, listNetns } from './network.js';
import { applySecurityGroup } from './security-group.js';

export interface LocalProviderConfig {
  type: 'local';
  subnet: string;
}

interface StoredGroup {
  rules: FirewallRule[];
  members: string[];
}

export class LocalProvider implements Provider {
  readonly name = 'local';

  constructor(
    private readonly config: LocalProviderConfig,
    private readonly paths: Paths,
  ) {}

  async ensureFirewall(req: FirewallRequest): Promise<{ rules: number }> {
    const group: StoredGroup = { rules: req.rules, members: req.members.map((m) => hostAddress(this.config.subnet, m.index)) };
    const file = securityGroupFile(this.paths, req.cluster);
    await mkdir(dirname(file), { recursive: true, mode: 0o700 });
    await writeFile(`${file}.tmp`, JSON.stringify(group, null, 2));
    await rename(`${file}.tmp`, file);
    // Existing hosts follow the group at once, as cloud instances do.
    for (const host of await this.listHosts(req.cluster)) {
      await applySecurityGroup(netnsName(req.cluster, host.name), host.name, group.rules, group.members);
    }
    return { rules: req.rules.length };
  }

  private async readGroup(cluster: string): Promise<StoredGroup> {
    try {
      return JSON.parse(await readFile(securityGroupFile(this.paths, cluster), 'utf8')) as StoredGroup;
    } catch {
      throw permanent('SecurityGroupMissing', `the security group of cluster "${cluster}" does not exist`, 'the firewall step must run before hosts are created');
    }
  }

  async deleteFirewall(cluster: string): Promise<void> {
    await rm(securityGroupFile(this.paths, cluster), { force: true });
  }

  async ensureSshKey(_cluster: string): Promise<{ skipped: boolean; reason?: string }> {
    return { skipped: true, reason: 'local hosts are reached over unix sockets' };
  }

  async deleteSshKey(_cluster: string): Promise<void> {}

  async plannedEngine(): Promise<EngineFacts | undefined> {
    return localEngine();
  }

  async ensureHost(req: HostRequest): Promise<HostInfo> {
    const phase = req.onPhase ?? (() => undefined);
    const group = await this.readGroup(req.cluster);
    const netns = netnsName(req.cluster, req.name);
    phase('network');
    await ensureBridge(req.cluster, this.config.subnet, join(clusterRunDir(this.paths, req.cluster), '.bridge.lock'));
    await ensureNetns(netns);
    const address = await ensureHostLink(req.cluster, req.name, netns, this.config.subnet, req.index);
    // Rules before the engine: nothing is ever reachable that the group does not allow.
    phase('firewall');
    await applySecurityGroup(netns, req.name, group.rules, group.members);
    phase('engine');
    await ensureDockerd(netns, req.name, hostDirs(this.paths, req.cluster, req.name), req.engine);
    return { name: req.name, cluster: req.cluster, address, state: 'running' };
  }

  async deleteHost(cluster: string, name: string): Promise<void> {
    const netns = netnsName(cluster, name);
    const dirs = hostDirs(this.paths, cluster, name);
    await stopDockerd(netns, dirs);
    await deleteNetns(cluster, name, netns);
    await rm(dirs.run, { recursive: true, force: true });
    await rm(dirs.state, { recursive: true, force: true });
  }

  async listHosts(cluster: string): Promise<HostInfo[]> {
    const hosts: HostInfo[] = [];
    for (const ns of await listNetns()) {
      const parsed = parseNetnsName(ns);
      if (parsed?.cluster !== cluster) continue;
      const running = (await dockerdPid(hostDirs(this.paths, cluster, parsed.host))) !== undefined;
      hosts.push({ name: parsed.host, cluster, address: (await hostAddressOf(ns)) ?? '', state: running ? 'running' : 'stopped' });
    }
    return hosts.sort((a, b) => a.name.localeCompare(b.name));
  }

  async engine(cluster: string, name: string): Promise<EngineEndpoint> {
    return { kind: 'unix', socketPath: hostDirs(this.paths, cluster, name).socket };
  }

  async ensureImage(cluster: string, host: string, image: string): Promise<'present' | 'loaded' | 'pulled'> {
    const docker = new Docker({ socketPath: hostDirs(this.paths, cluster, host).socket });
    return ensureImage(docker, imagesDir(this.paths.cache), image, host);
  }

  async deleteClusterResources(cluster: string): Promise<void> {
    await deleteBridge(cluster);
    await rm(clusterRunDir(this.paths, cluster), { recursive: true, force: true });
    await rmdir(this.paths.runtime).catch(() => undefined); // only when no other cluster runs
    await rm(join(this.paths.state, 'clusters', cluster, 'hosts'), { recursive: true, force: true });
    await removeSharedDirsIfUnused();
  }
}

/**
 * Every dockerd creates /run/docker/plugins and every containerd /run/containerd/s,
 * whatever its exec root. Remove them (empty only) once no engine is left on the machine.
 */
async function removeSharedDirsIfUnused(): Promise<void> {
  if ((await processesNamed(['dockerd', 'containerd'])).length > 0) return;
  for (const dir of ['/run/docker/plugins', '/run/docker', '/run/containerd/s', '/run/containerd']) {
    try {
      if ((await readdir(dir)).length === 0) await rmdir(dir);
    } catch {
      // absent or not empty: not ours to remove
    }
  }
}
