// Emulated instances backed by real local hosts: each instance is a network namespace on
// the emulator's own bridge with its own dockerd (the local provider's building blocks),
// an sshd that accepts the registered keys, and its security groups as iptables rules.
// Its "public IP" is the host's address. Cloud-init is not run: the engine it would
// install is started directly (the user-data is validated by a unit test instead).
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { clusterStateDir, type Paths } from '../../src/paths.js';
import { dockerdPid, ensureDockerd, stopDockerd } from '../../src/providers/local/dockerd.js';
import { clusterRunDir, hostDirs, netnsName } from '../../src/providers/local/layout.js';
import { deleteBridge, deleteNetns, ensureBridge, ensureHostLink, ensureNetns } from '../../src/providers/local/network.js';
import { signal, waitForExit } from '../../src/providers/local/processes.js';
import { applyRestore, chainRestore } from '../../src/providers/local/security-group.js';
import { firewallRulesFor, type BackendContext, type EmulatedInstance, type InstanceBackend } from './backend.js';

const run = promisify(execFile);

export interface LocalHostBackendOptions {
  paths: Paths;
  /** the local "cluster" the instances live in: names their namespaces, bridge and folders */
  cluster: string;
  /** the emulator's public network, e.g. 10.240.0.0/24 (the bridge is .1, the controller's address) */
  subnet: string;
}

/** A DNS label from an instance name (the local host name). */
const hostName = (instance: EmulatedInstance) => instance.name.toLowerCase().replace(/[^a-z0-9-]/g, '-').slice(0, 32).replace(/-+$/, '');

export class LocalHostBackend implements InstanceBackend {
  private readonly slots = new Map<string, number>(); // instance id -> address index
  private readonly made = new Map<string, EmulatedInstance>(); // instance id -> instance, for destroyAll
  private madePrivsepDir = false;

  constructor(private readonly opts: LocalHostBackendOptions) {}

  private sshdDir(host: string): string {
    return join(hostDirs(this.opts.paths, this.opts.cluster, host).run, 'sshd');
  }

  async create(instance: EmulatedInstance, ctx: BackendContext): Promise<{ publicIp: string }> {
    const { cluster, subnet, paths } = this.opts;
    const host = hostName(instance);
    const netns = netnsName(cluster, host);
    let index = this.slots.get(instance.id);
    if (index === undefined) {
      const used = new Set(this.slots.values());
      index = 0;
      while (used.has(index)) index++;
      this.slots.set(instance.id, index);
    }
    this.made.set(instance.id, instance);
    mkdirSync(clusterRunDir(paths, cluster), { recursive: true });
    await ensureBridge(cluster, subnet, join(clusterRunDir(paths, cluster), '.bridge.lock'));
    await ensureNetns(netns);
    const address = await ensureHostLink(cluster, host, netns, subnet, index);
    await this.applyFirewall(instance.id, netns, ctx);
    const dirs = hostDirs(paths, cluster, host);
    await ensureDockerd(netns, host, dirs);
    await this.startSshd(instance, host, netns, address, dirs.socket, ctx);
    return { publicIp: address };
  }

  private async applyFirewall(instanceId: string, netns: string, ctx: BackendContext): Promise<void> {
    const bodies: string[] = [];
    for (const rule of firewallRulesFor(instanceId, ctx)) {
      if (rule.flowDirection !== 'ingress') continue;
      const proto =
        rule.protocol === 'tcp' || rule.protocol === 'udp'
          ? `-p ${rule.protocol} -m ${rule.protocol}${rule.startPort ? ` --dport ${rule.startPort}${rule.endPort && rule.endPort !== rule.startPort ? `:${rule.endPort}` : ''}` : ''}`
          : rule.protocol === 'icmp'
            ? `-p icmp${rule.icmp && rule.icmp.type >= 0 ? ` --icmp-type ${rule.icmp.type}${rule.icmp.code >= 0 ? `/${rule.icmp.code}` : ''}` : ''}`
            : `-p ${rule.protocol === 'ipip' ? '4' : rule.protocol}`;
      for (const peer of rule.peers) bodies.push(`-s ${peer} ${proto} -m comment --comment "sg ${rule.groupId.slice(0, 8)} rule ${rule.ruleId.slice(0, 8)}"`);
    }
    await applyRestore(netns, chainRestore(bodies));
  }

  /** sshd in the host's namespace: the registered keys, a host key of its own, Docker's socket as DOCKER_HOST. */
  private async startSshd(instance: EmulatedInstance, host: string, netns: string, address: string, socket: string, ctx: BackendContext): Promise<void> {
    const dir = this.sshdDir(host);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const keys = ctx.sshPublicKeys();
    writeFileSync(join(dir, 'authorized_keys'), `${instance.sshKeyNames.map((n) => keys.get(n)).filter(Boolean).join('\n')}\n`, { mode: 0o600 });
    if (existsSync(join(dir, 'sshd.pid')) && (await this.sshdPid(host)) !== undefined) return;
    if (!existsSync(join(dir, 'ssh_host_ed25519_key'))) await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'ssh_host_ed25519_key')]);
    writeFileSync(
      join(dir, 'sshd_config'),
      [
        'Port 22',
        `ListenAddress ${address}`,
        `HostKey ${join(dir, 'ssh_host_ed25519_key')}`,
        `PidFile ${join(dir, 'sshd.pid')}`,
        `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
        'PermitRootLogin prohibit-password',
        'PasswordAuthentication no',
        'KbdInteractiveAuthentication no',
        'UsePAM no',
        'StrictModes no',
        // what cloud-init's Docker would listen on, for `docker system dial-stdio`
        `SetEnv DOCKER_HOST=unix://${socket}`,
        '',
      ].join('\n'),
    );
    if (!existsSync('/run/sshd')) {
      mkdirSync('/run/sshd', { mode: 0o755 }); // sshd's privilege separation directory
      this.madePrivsepDir = true;
    }
    await new Promise<void>((resolve, reject) => {
      const child = spawn('nsenter', [`--net=/var/run/netns/${netns}`, '--', '/usr/sbin/sshd', '-f', join(dir, 'sshd_config'), '-E', join(dir, 'sshd.log')], { stdio: 'ignore' });
      child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`sshd for ${host} exited with ${code}; see ${join(dir, 'sshd.log')}`))));
    });
  }

  private async sshdPid(host: string): Promise<number | undefined> {
    try {
      const pid = Number(readFileSync(join(this.sshdDir(host), 'sshd.pid'), 'utf8').trim());
      process.kill(pid, 0);
      return pid;
    } catch {
      return undefined;
    }
  }

  async delete(instance: EmulatedInstance): Promise<void> {
    const { cluster, paths } = this.opts;
    const host = hostName(instance);
    const pid = await this.sshdPid(host);
    if (pid) {
      signal([pid], 'SIGTERM');
      await waitForExit([pid], 5_000);
    }
    const netns = netnsName(cluster, host);
    await stopDockerd(netns, hostDirs(paths, cluster, host)); // also ends whatever else runs in the namespace
    await deleteNetns(cluster, host, netns);
    const dirs = hostDirs(paths, cluster, host);
    await Promise.all([rm(dirs.run, { recursive: true, force: true }), rm(dirs.state, { recursive: true, force: true })]);
    this.slots.delete(instance.id);
    this.made.delete(instance.id);
  }

  async securityGroupsChanged(ctx: BackendContext): Promise<void> {
    for (const instance of ctx.instances()) {
      if (!this.slots.has(instance.id) || !instance.publicIp) continue;
      const host = hostName(instance);
      if ((await dockerdPid(hostDirs(this.opts.paths, this.opts.cluster, host))) === undefined) continue;
      await this.applyFirewall(instance.id, netnsName(this.opts.cluster, host), ctx);
    }
  }

  /** Removes every host still standing, the bridge and the runtime folders (the emulator's stop). */
  async destroyAll(): Promise<void> {
    for (const instance of [...this.made.values()]) await this.delete(instance);
    await deleteBridge(this.opts.cluster);
    await rm(clusterRunDir(this.opts.paths, this.opts.cluster), { recursive: true, force: true });
    await rm(clusterStateDir(this.opts.paths, this.opts.cluster), { recursive: true, force: true });
    if (this.madePrivsepDir) {
      try {
        rmdirSync('/run/sshd');
      } catch {
        // another sshd uses it
      }
    }
  }
}
