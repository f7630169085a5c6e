// Containers on one engine: ensure a named container runs with the wanted config
// (found by name, recreated only when its config changed), run a short-lived one and
// collect its output, or execute a command in a running one.
import { createHash } from 'node:crypto';
import type { Duplex } from 'node:stream';
import type Docker from 'dockerode';
import { CLUSTER_LABEL } from '../names.js';

export const CONFIG_HASH_LABEL = 'overlayctl.config-hash';

export interface ContainerWant {
  name: string;
  image: string;
  cluster: string;
  cmd?: string[];
  env?: Record<string, string>;
  /** a network name, or "host" */
  network: string;
  /** container port -> host port */
  publish?: Record<number, number>;
  hostname?: string;
}

export interface Output {
  code: number;
  stdout: string;
  stderr: string;
}

export function configHash(want: ContainerWant): string {
  const { name, image, cmd, env, network, publish, hostname } = want;
  return createHash('sha256').update(JSON.stringify({ name, image, cmd, env, network, publish, hostname })).digest('hex').slice(0, 16);
}

function createOptions(want: ContainerWant): Docker.ContainerCreateOptions {
  const ports = Object.entries(want.publish ?? {});
  return {
    name: want.name,
    Image: want.image,
    Cmd: want.cmd,
    Hostname: want.hostname,
    Env: Object.entries(want.env ?? {}).map(([k, v]) => `${k}=${v}`),
    Labels: { [CLUSTER_LABEL]: want.cluster, [CONFIG_HASH_LABEL]: configHash(want) },
    ExposedPorts: Object.fromEntries(ports.map(([c]) => [`${c}/tcp`, {}])),
    HostConfig: {
      NetworkMode: want.network,
      RestartPolicy: { Name: 'unless-stopped' },
      PortBindings: Object.fromEntries(ports.map(([c, h]) => [`${c}/tcp`, [{ HostPort: String(h) }]])),
    },
  };
}

export async function findContainer(docker: Docker, name: string): Promise<Docker.ContainerInspectInfo | undefined> {
  try {
    return await docker.getContainer(name).inspect();
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode === 404) return undefined;
    throw err;
  }
}

/** Returns what was done: nothing (already right), started, created, or replaced. */
export async function ensureContainer(
  docker: Docker,
  want: ContainerWant,
  /** another config that is just as good (e.g. the same workload, already exposed) */
  alsoAccept?: ContainerWant,
): Promise<{ id: string; action: 'unchanged' | 'started' | 'created' | 'replaced' }> {
  const existing = await findContainer(docker, want.name);
  let action: 'started' | 'created' | 'replaced' = 'created';
  if (existing) {
    const hash = existing.Config.Labels?.[CONFIG_HASH_LABEL];
    if (hash === configHash(want) || (alsoAccept && hash === configHash(alsoAccept))) {
      if (existing.State.Running) return { id: existing.Id, action: 'unchanged' };
      await docker.getContainer(existing.Id).start();
      return { id: existing.Id, action: 'started' };
    }
    await docker.getContainer(existing.Id).remove({ force: true });
    action = 'replaced';
  }
  const container = await docker.createContainer(createOptions(want));
  await container.start();
  return { id: container.id, action };
}

export async function removeContainer(docker: Docker, name: string): Promise<boolean> {
  try {
    await docker.getContainer(name).remove({ force: true });
    return true;
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode === 404) return false;
    throw err;
  }
}

/** Splits Docker's multiplexed stdout/stderr stream format (8-byte frame headers). */
export function demux(buffer: Buffer): { stdout: string; stderr: string } {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  let i = 0;
  while (i + 8 <= buffer.length) {
    const size = buffer.readUInt32BE(i + 4);
    const frame = buffer.subarray(i + 8, i + 8 + size);
    (buffer[i] === 2 ? err : out).push(frame);
    i += 8 + size;
  }
  return { stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') };
}

function collect(stream: NodeJS.ReadableStream): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
  });
}

export interface RunOnceOptions {
  image: string;
  cmd: string[];
  cluster: string;
  network?: string;
  env?: Record<string, string>;
  timeoutMs?: number;
}

/** `docker run --rm`: runs a short-lived container to completion and returns its output. */
export async function runOnce(docker: Docker, opts: RunOnceOptions): Promise<Output> {
  const container = await docker.createContainer({
    Image: opts.image,
    Cmd: opts.cmd,
    Env: Object.entries(opts.env ?? {}).map(([k, v]) => `${k}=${v}`),
    Labels: { [CLUSTER_LABEL]: opts.cluster, 'overlayctl.role': 'one-shot' },
    HostConfig: { NetworkMode: opts.network ?? 'bridge' },
  });
  try {
    await container.start();
    const timeoutMs = opts.timeoutMs ?? 30_000;
    let timer: NodeJS.Timeout | undefined;
    const result = await Promise.race([
      container.wait() as Promise<{ StatusCode: number }>,
      new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), timeoutMs))),
    ]);
    clearTimeout(timer);
    const logs = demux((await container.logs({ stdout: true, stderr: true, follow: false })) as unknown as Buffer);
    if (!result) return { code: 124, stdout: logs.stdout, stderr: `${logs.stderr}timed out after ${timeoutMs / 1000} s` };
    return { code: result.StatusCode, ...logs };
  } finally {
    await container.remove({ force: true }).catch(() => undefined);
  }
}

/** `docker exec`, optionally writing `stdin` (kept out of argv, environment and logs). */
export async function execIn(docker: Docker, container: string, cmd: string[], stdin?: string): Promise<Output> {
  const exec = await docker.getContainer(container).exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true, AttachStdin: stdin !== undefined });
  const stream = (await exec.start({ hijack: true, stdin: stdin !== undefined })) as unknown as Duplex;
  const done = collect(stream);
  if (stdin !== undefined) stream.end(stdin);
  const { stdout, stderr } = demux(await done);
  const info = await exec.inspect();
  return { code: info.ExitCode ?? -1, stdout, stderr };
}

/**
 * Runs `cmd` in the container until it exits 0, every 250 ms for at most `timeoutMs`
 * (a server that is up but not ready yet, e.g. no leader): undefined once it did, else
 * what its last try said.
 */
export async function execUntilOk(docker: Docker, container: string, cmd: string[], timeoutMs: number): Promise<string | undefined> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    const out = await execIn(docker, container, cmd).catch((e: Error) => ({ code: 1, stdout: '', stderr: e.message }));
    if (out.code === 0) return undefined;
    last = (out.stderr || out.stdout).trim();
    await new Promise((r) => setTimeout(r, 250));
  }
  return last;
}
