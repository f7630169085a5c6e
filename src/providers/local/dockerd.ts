// One real dockerd per local host, in the host's network namespace and its own UTS
// namespace (own hostname: the engines' gossip refuses duplicate names), with its
// own data root, exec root, socket, pid file, config file and cgroup parent.
import { execFile, spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import Docker from 'dockerode';
import { pingEngine, waitForEngine } from '../../docker/engine.js';
import { permanent, transient } from '../errors.js';
import type { EngineOptions } from '../provider.js';
import type { EngineFacts } from '../../spec.js';
import type { HostDirs } from './layout.js';
import { cmdline, isAlive, netnsInode, pidsInCgroup, pidsInNetns, signal, waitForExit, removeCgroup } from './processes.js';
import { unmountUnder } from './mounts.js';

export const ENGINE_START_TIMEOUT_MS = 30_000;

/** The PID of the host's dockerd, when it runs (checked against its command line, not just the pid file). */
export async function dockerdPid(dirs: HostDirs): Promise<number | undefined> {
  let pid: number;
  try {
    pid = Number((await readFile(dirs.pidfile, 'utf8')).trim());
  } catch {
    return undefined;
  }
  if (!pid || !isAlive(pid)) return undefined;
  const args = await cmdline(pid);
  return args?.includes(`unix://${dirs.socket}`) ? pid : undefined;
}

async function logTail(path: string, lines = 5): Promise<string> {
  try {
    return (await readFile(path, 'utf8')).trim().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

const CLUSTER_STORE_BACKENDS = ['consul', 'etcd', 'zookeeper'];

/**
 * This machine's dockerd, which every local host runs: `dockerd --version`, and the
 * cluster-store backends compiled into it (their libkv packages name themselves in the
 * binary; Debian's docker.io leaves Consul's out). Undefined without dockerd.
 */
export async function localEngine(): Promise<EngineFacts | undefined> {
  const run = (cmd: string, args: string[]) => new Promise<string | undefined>((resolve) => execFile(cmd, args, { timeout: 10_000 }, (err, stdout) => resolve(err ? undefined : stdout.trim())));
  const version = await run('dockerd', ['--version']);
  const path = await run('sh', ['-c', 'command -v dockerd']);
  if (!version || !path) return undefined;
  const binary = await readFile(path);
  return { version, clusterStores: CLUSTER_STORE_BACKENDS.filter((b) => binary.includes(`github.com/docker/libkv/store/${b}`)) };
}

export function dockerdArgs(dirs: HostDirs, configFile: string): string[] {
  return [
    '--config-file', configFile,
    '--data-root', dirs.dataRoot,
    '--exec-root', dirs.execRoot,
    '--pidfile', dirs.pidfile,
    '-H', `unix://${dirs.socket}`,
    '--cgroup-parent', `/${dirs.cgroupParent}`,
    '--exec-opt', 'native.cgroupdriver=cgroupfs',
    // published ports are reached through DNAT from other hosts; no docker-proxy processes
    '--userland-proxy=false',
  ];
}

/**
 * The engine's config file. Our own: a host-level /etc/docker/daemon.json never leaks
 * in, and the engine identity key stays per host instead of the shared
 * /etc/docker/key.json. Classic mode adds the key-value store the engines share.
 */
export function daemonConfig(dirs: HostDirs, options: EngineOptions = {}): string {
  const config: Record<string, string> = { 'deprecated-key-path': `${dirs.state}/key.json` };
  if (options.clusterStore) config['cluster-store'] = options.clusterStore;
  if (options.clusterAdvertise) config['cluster-advertise'] = options.clusterAdvertise;
  return JSON.stringify(config, null, 2);
}

/** Ensures the host's dockerd runs with `options` and answers; starts it when it does not. */
export async function ensureDockerd(netns: string, host: string, dirs: HostDirs, options: EngineOptions = {}): Promise<number> {
  const docker = new Docker({ socketPath: dirs.socket });
  const configFile = `${dirs.run}/daemon.json`;
  const config = daemonConfig(dirs, options);
  const running = await dockerdPid(dirs);
  if (running !== undefined) {
    // A running engine keeps its options until restarted: one started for the other
    // mode (swarm vs classic) would silently not share networks the way the spec says.
    const current = await readFile(configFile, 'utf8').catch(() => '');
    if (current && current !== config) {
      throw permanent('EngineOptionsDiffer', `dockerd on ${host} runs with other options than the spec asks for (${configFile})`, 'a cluster cannot change mode in place: remove it (overlayctl down) and run up again');
    }
    if (await waitForEngine(docker, ENGINE_START_TIMEOUT_MS, () => isAlive(running))) return running;
    throw transient('EngineNotAnswering', `dockerd on ${host} (pid ${running}) runs but did not answer in ${ENGINE_START_TIMEOUT_MS / 1000} s`, `see ${dirs.log}`);
  }
  // A crashed dockerd can leave its containerd, shims and mounts behind: clear them first.
  await sweepHost(netns, dirs);
  await mkdir(dirs.run, { recursive: true, mode: 0o700 });
  await mkdir(dirs.dataRoot, { recursive: true, mode: 0o710 });
  await writeFile(configFile, config);
  await mkdir(dirname(dirs.log), { recursive: true });
  const log = openSync(dirs.log, 'a');
  const child = spawn(
    'nsenter',
    [`--net=/var/run/netns/${netns}`, '--', 'unshare', '--uts', '--', 'sh', '-c', 'hostname "$0" && exec "$@"', host, 'dockerd', ...dockerdArgs(dirs, configFile)],
    { detached: true, stdio: ['ignore', log, log], env: { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin' } },
  );
  closeSync(log);
  let exited = false;
  child.once('exit', () => (exited = true));
  child.unref();
  if (await waitForEngine(docker, ENGINE_START_TIMEOUT_MS, () => !exited)) return child.pid!;
  const tail = await logTail(dirs.log);
  if (!exited && child.pid) signal([child.pid], 'SIGKILL');
  throw transient(
    'EngineNotAnswering',
    `dockerd on ${host} ${exited ? 'exited' : `did not answer in ${ENGINE_START_TIMEOUT_MS / 1000} s`}${tail ? `; its log ends with:\n${tail}` : ''}`,
    `see ${dirs.log}`,
  );
}

/**
 * Stops the host's dockerd: containers are removed with force first (a PID 1 that
 * ignores SIGTERM would otherwise hold the stop for 10 s), then SIGTERM, then SIGKILL
 * after `graceMs`, then everything the host left is swept.
 */
export async function stopDockerd(netns: string, dirs: HostDirs, graceMs = 10_000): Promise<void> {
  const pid = await dockerdPid(dirs);
  if (pid !== undefined) {
    const docker = new Docker({ socketPath: dirs.socket });
    if (await pingEngine(docker)) {
      const containers = await docker.listContainers({ all: true }).catch(() => []);
      await Promise.all(containers.map((c) => docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined)));
    }
    signal([pid], 'SIGTERM');
    const left = await waitForExit([pid], graceMs);
    signal(left, 'SIGKILL');
    await waitForExit(left, 5_000);
  }
  await sweepHost(netns, dirs);
}

/** Ends every process of the host (by PID), unmounts what it mounted, removes its cgroups. */
export async function sweepHost(netns: string, dirs: HostDirs): Promise<void> {
  const inode = await netnsInode(`/var/run/netns/${netns}`);
  for (let round = 0; round < 3; round++) {
    const pids = [...(inode ? await pidsInNetns(inode) : []), ...(await pidsInCgroup(dirs.cgroupParent))];
    if (pids.length === 0) break;
    signal(pids, 'SIGKILL');
    await waitForExit(pids, 5_000);
  }
  await unmountUnder([dirs.run, dirs.dataRoot]);
  await removeCgroup(dirs.cgroupParent);
  await rm(dirs.pidfile, { force: true });
}
