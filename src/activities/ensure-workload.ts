import type Docker from 'dockerode';
import { ensureContainer, execIn, findContainer, removeContainer } from '../docker/containers.js';
import { transient } from '../providers/errors.js';
import { ensureSecret } from '../secrets.js';
import { workloadImage, type WorkloadSpec } from '../spec.js';
import type { ClusterSpec } from '../types.js';
import { activity, engineOf, liveEngine, reportPhase, type ActivityDeps } from './context.js';

export function findWorkload(spec: ClusterSpec, name: string): WorkloadSpec {
  const w = spec.workloads.find((x) => x.name === name);
  if (!w) throw new Error(`workload ${name} is not in the spec of ${spec.cluster}`);
  return w;
}

async function waitReady(docker: Docker, w: WorkloadSpec, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    const info = await findContainer(docker, w.name);
    if (!info?.State.Running) {
      last = `container is ${info?.State.Status ?? 'gone'} (exit code ${info?.State.ExitCode})`;
      if (info?.State.Status === 'exited' && info.State.ExitCode !== 0 && info.RestartCount > 2) break;
    } else if (w.kind !== 'mysql') {
      // Running is not enough: a process that exits at once looks running for a moment.
      await new Promise((r) => setTimeout(r, 1000));
      const again = await findContainer(docker, w.name);
      if (again?.State.Running && again.State.StartedAt === info.State.StartedAt) return;
      last = `container restarted (exit code ${again?.State.ExitCode}); see its logs`;
    } else {
      // Root logs in over the container's unix socket: no password in the exec.
      const out = await execIn(docker, w.name, ['mariadb-admin', 'ping', '--silent']).catch((e: Error) => ({ code: 1, stdout: '', stderr: e.message }));
      if (out.code === 0) return;
      last = (out.stderr || out.stdout).trim();
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw transient('WorkloadNotReady', `${w.name} on ${w.host} is not ready after ${timeoutMs / 1000} s: ${last}`, `see \`docker logs ${w.name}\` on ${w.host} (overlayctl env ${w.host})`);
}

/** Starts (or keeps) the workload's container on its pinned node, attached to the overlay network. */
export async function runWorkload(deps: ActivityDeps, spec: ClusterSpec, w: WorkloadSpec, exposed: boolean) {
  const provider = deps.provider(spec.provider);
  const image = workloadImage(w);
  reportPhase(`image ${image}`);
  await provider.ensureImage(spec.cluster, w.host, image);
  reportPhase('container');
  const docker = await engineOf(provider, spec.cluster, w.host);
  const env: Record<string, string> = {};
  if (w.kind === 'mysql') env.MYSQL_ROOT_PASSWORD = await ensureSecret(deps.paths, spec.cluster, w.name);
  const want = { name: w.name, image, cluster: spec.cluster, cmd: w.command, env, network: spec.network.name };
  const published = w.expose !== undefined ? { ...want, publish: { [w.expose]: w.expose } } : undefined;
  // A re-run keeps a workload that a completed run already exposed.
  const result = exposed && published ? await ensureContainer(docker, published) : await ensureContainer(docker, want, published);
  reportPhase('ready');
  await waitReady(docker, w);
  return { workload: w.name, host: w.host, container: result.id.slice(0, 12), action: result.action };
}

/** The workload's container runs on the node the spec pins it to, and is ready. */
export const ensureWorkload = (deps: ActivityDeps) =>
  activity(async (input: { spec: ClusterSpec; workload: string }) => {
    return runWorkload(deps, input.spec, findWorkload(input.spec, input.workload), false);
  });

export const removeWorkload = (deps: ActivityDeps) =>
  activity(async (input: { cluster: string; provider: ClusterSpec['provider']; host: string; workload: string }) => {
    const docker = await liveEngine(deps.provider(input.provider), input.cluster, input.host);
    return { removed: docker ? await removeContainer(docker, input.workload) : false };
  });
