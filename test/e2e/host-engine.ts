// A host-level dockerd for the compose test (docker-compose.temporal.yml needs one),
// started and removed by the test itself: own data root, exec root, socket and cgroup
// parent; no iptables changes (--iptables=false: published ports go through
// docker-proxy on loopback) and no default bridge, so it leaves the machine as it was.
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Docker from 'dockerode';
import { waitForEngine } from '../../src/docker/engine.js';
import { unmountUnder } from '../../src/providers/local/mounts.js';
import { isAlive, pidsInCgroup, removeCgroup, signal, waitForExit } from '../../src/providers/local/processes.js';

export interface HostEngine {
  socket: string;
  stop(): Promise<void>;
}

export async function startHostEngine(dataRoot: string, runDir: string, cgroup: string): Promise<HostEngine> {
  mkdirSync(dataRoot, { recursive: true });
  mkdirSync(runDir, { recursive: true });
  const socket = join(runDir, 'docker.sock');
  const pidfile = join(runDir, 'dockerd.pid');
  const log = openSync(join(dataRoot, '..', 'dockerd.log'), 'a');
  const config = join(runDir, 'daemon.json');
  // our own config: a daemon.json of the machine never applies
  writeFileSync(config, JSON.stringify({ 'deprecated-key-path': join(dataRoot, '..', 'key.json') }));
  const child = spawn(
    'dockerd',
    ['--config-file', config, '--data-root', dataRoot, '--exec-root', join(runDir, 'exec'), '--pidfile', pidfile, '-H', `unix://${socket}`,
     '--iptables=false', '--ip-masq=false', '--bridge=none', '--cgroup-parent', `/${cgroup}`, '--exec-opt', 'native.cgroupdriver=cgroupfs'],
    { detached: true, stdio: ['ignore', log, log] },
  );
  closeSync(log);
  child.unref();
  if (!(await waitForEngine(new Docker({ socketPath: socket }), 30_000, () => isAlive(child.pid!)))) throw new Error(`the host dockerd did not start; see ${join(dataRoot, '..', 'dockerd.log')}`);
  return {
    socket,
    async stop() {
      const docker = new Docker({ socketPath: socket });
      const containers = await docker.listContainers({ all: true }).catch(() => []);
      await Promise.all(containers.map((c) => docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined)));
      const pid = Number(readFileSync(pidfile, 'utf8'));
      signal([pid], 'SIGTERM');
      signal(await waitForExit([pid], 20_000), 'SIGKILL');
      // containers' processes and shims, if the daemon could not stop them
      signal(await pidsInCgroup(cgroup), 'SIGKILL');
      await unmountUnder([dataRoot, runDir]);
      await removeCgroup(cgroup);
      rmSync(runDir, { recursive: true, force: true });
      rmSync(dataRoot, { recursive: true, force: true });
    },
  };
}
