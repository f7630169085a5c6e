// End-to-end harness: the real CLI (bin/overlayctl.js) with its own state folder and
// dev server ports, the real docker and temporal CLIs, and a leak check that looks at
// the machine itself (namespaces, links, iptables, processes, mounts, files).
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { stringify } from 'yaml';
import { cacheRoot } from '../../src/paths.js';
import { loadSpecFile, type ClusterSpec } from '../../src/spec.js';
import { temporalBin } from '../../src/toolchain.js';

export const ROOT = resolve(import.meta.dirname, '..', '..');
export const BIN = join(ROOT, 'bin', 'overlayctl.js');

export interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

// Ports come from below the kernel's ephemeral range (32768+ here), so an outgoing
// connection of a test running in parallel cannot take a port between the check and
// the server's bind, and each vitest worker draws from its own slice of the range.
const taken = new Set<number>();
const SLICE = 1500;
function candidatePort(): number {
  const pool = Number(process.env.VITEST_POOL_ID ?? 0) % 8;
  return 20_000 + pool * SLICE + Math.floor(Math.random() * SLICE);
}
function bindable(port: number): Promise<boolean> {
  return new Promise((done) => {
    const srv = createServer();
    srv.once('error', () => done(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => done(true)));
  });
}
export async function freePort(): Promise<number> {
  for (;;) {
    const port = candidatePort();
    if (taken.has(port) || !(await bindable(port))) continue;
    taken.add(port);
    return port;
  }
}

export interface Sandbox {
  stateDir: string;
  env: NodeJS.ProcessEnv;
  address: string;
  /** runs the overlayctl CLI in this sandbox */
  cli(args: string[], opts?: { timeoutMs?: number }): Promise<Result>;
  /** runs a shell command with this sandbox's environment */
  sh(script: string, opts?: { timeoutMs?: number }): Promise<Result>;
  temporal(args: string[]): Result;
  writeSpec(spec: unknown, name: string): string;
  /** What the clusters left on the machine (empty when nothing), after which the sandbox's files are removed, whatever it found. */
  dispose(clusters: string[]): string[];
}

export async function createSandbox(): Promise<Sandbox> {
  const stateDir = mkdtempSync(join(tmpdir(), 'overlayctl-e2e-'));
  const port = await freePort();
  const uiPort = await freePort();
  const codecPort = await freePort();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    OVERLAYCTL_STATE_DIR: stateDir,
    OVERLAYCTL_DEV_PORT: String(port),
    OVERLAYCTL_DEV_UI_PORT: String(uiPort),
    OVERLAYCTL_DEV_CODEC_PORT: String(codecPort),
    NO_COLOR: '1',
    TEMPORAL_ADDRESS: '',
  };
  delete env.TEMPORAL_ADDRESS;
  delete env.DOCKER_HOST;
  const run = (cmd: string, args: string[], timeoutMs = 300_000) =>
    new Promise<Result>((done) => {
      execFile(cmd, args, { env, timeout: timeoutMs, maxBuffer: 32 * 1024 * 1024 }, (err, stdout, stderr) => {
        const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : 124) : 0;
        done({ code, stdout, stderr });
      });
    });
  return {
    stateDir,
    env,
    address: `127.0.0.1:${port}`,
    cli: (args, opts) => run(process.execPath, [BIN, ...args], opts?.timeoutMs),
    sh: (script, opts) => run('bash', ['-c', script], opts?.timeoutMs),
    temporal(args) {
      const out = spawnSync(temporalBin(cacheRoot()), [...args, '--address', `127.0.0.1:${port}`], { encoding: 'utf8', env });
      return { code: out.status ?? 1, stdout: out.stdout, stderr: out.stderr };
    },
    dispose(clusters) {
      const left = clusters.flatMap((c) => leftovers(c, stateDir));
      rmSync(stateDir, { recursive: true, force: true });
      return left;
    },
    writeSpec(spec, name) {
      const file = join(stateDir, `${name}.yaml`);
      writeFileSync(file, stringify(spec));
      return file;
    },
  };
}

/** The tutorial's spec under other names, so a test never touches a user's `tuto` cluster. */
export function tutorialSpec(cluster: string, subnet: string): ClusterSpec {
  const base = loadSpecFile();
  const rename = (n: string) => n.replace(/^tuto/, cluster);
  return {
    ...base,
    cluster,
    provider: { type: 'local', subnet },
    manager: { name: rename(base.manager.name) },
    nodes: base.nodes.map((n) => ({ name: rename(n.name) })),
    workloads: base.workloads.map((w) => ({ ...w, host: rename(w.host) })),
    verify: { from: rename(base.verify.from) },
  };
}

function sh(cmd: string, args: string[]): string {
  const out = spawnSync(cmd, args, { encoding: 'utf8' });
  return out.stdout ?? '';
}

// A path of this cluster, not of one whose name starts the same way (e2e vs e2ecompose).
const within = (path: string, dir: string) => path === dir || path.startsWith(`${dir}/`);

/** Everything of `cluster` still on the machine, described; empty when nothing is left. */
export function leftovers(cluster: string, stateDir: string): string[] {
  const found: string[] = [];
  for (const ns of sh('ip', ['netns', 'list']).split('\n')) if (ns.startsWith(`ovl_${cluster}_`)) found.push(`netns ${ns.split(' ')[0]}`);
  for (const line of sh('ip', ['-d', 'link', 'show']).split('\n')) if (new RegExp(`alias overlayctl:${cluster}(:|$)`).test(line.trim())) found.push(`link alias ${line.trim()}`);
  for (const table of ['filter', 'nat', 'mangle']) {
    for (const rule of sh('iptables', ['-w', '-t', table, '-S']).split('\n')) if (rule.includes(`overlayctl:${cluster}"`) || rule.includes(`overlayctl:${cluster} `)) found.push(`iptables ${table}: ${rule}`);
  }
  const runDir = `/run/overlayctl/${cluster}`;
  const clusterState = join(stateDir, 'clusters', cluster);
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
      if (args.includes(`${runDir}/`) || args.includes(`${clusterState}/`)) found.push(`process ${pid}: ${args.slice(0, 120)}`);
    } catch {
      // ended meanwhile
    }
  }
  for (const line of readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    const point = line.split(' ')[4] ?? '';
    if (within(point, runDir) || within(point, clusterState) || point.includes(`/ovl_${cluster}_`)) found.push(`mount ${point}`);
  }
  for (const root of ['/sys/fs/cgroup', ...readdirSync('/sys/fs/cgroup').map((d) => join('/sys/fs/cgroup', d))]) {
    try {
      for (const d of readdirSync(root)) if (d.startsWith(`overlayctl_${cluster}_`)) found.push(`cgroup ${join(root, d)}`);
    } catch {
      // not a directory
    }
  }
  if (existsSync(runDir)) found.push(`runtime dir ${runDir}`);
  if (existsSync(clusterState)) found.push(`state dir ${clusterState}`);
  return found;
}
