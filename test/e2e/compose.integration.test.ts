// docker-compose.temporal.yml for real: PostgreSQL, the Temporal server and the Web UI,
// built offline, on a host dockerd; two workers on this machine's queues and one
// "elsewhere" share the work; one is SIGKILLed mid-run and the other finishes it; the
// worker elsewhere never runs a host-bound activity. Then everything goes away.
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientFor, countCluster, expectedCount, waitForMoment, waitForResult } from '../chaos/driver.js';
import { startHostEngine, type HostEngine } from './host-engine.js';
import { BIN, createSandbox, freePort, leftovers, ROOT, type Sandbox, type Result } from './harness.js';
import { cacheRoot } from '../../src/paths.js';
import { temporalBin } from '../../src/toolchain.js';
import type { ClusterSpec } from '../../src/types.js';

const PROJECT = `ovlt${process.pid}`;
let box: Sandbox;
let engine: HostEngine | undefined;
let work: string;
let ports: { temporal: number; ui: number };
let address: string;
const workers: { name: string; child: ChildProcess }[] = [];

const spec: ClusterSpec = {
  cluster: 'e2ecompose',
  provider: { type: 'local', subnet: '10.232.0.0/24' },
  manager: { name: 'e2ecompose-m' },
  nodes: [{ name: 'e2ecompose-n1' }, { name: 'e2ecompose-n2' }],
  network: { name: 'private-net', subnet: '10.0.9.0/24', encrypted: false },
  workloads: [{ name: 'web', kind: 'nginx', host: 'e2ecompose-n2', expose: 80 }],
  verify: { from: 'e2ecompose-n1' },
};

function compose(args: string[], timeoutMs = 900_000): Promise<Result> {
  return new Promise((done) => {
    execFile(
      'docker-compose',
      ['-f', join(ROOT, 'docker-compose.temporal.yml'), '-p', PROJECT, ...args],
      {
        cwd: ROOT,
        timeout: timeoutMs,
        maxBuffer: 64 * 1024 * 1024,
        env: { ...process.env, DOCKER_HOST: `unix://${engine!.socket}`, TEMPORAL_PORT: String(ports.temporal), TEMPORAL_UI_PORT: String(ports.ui) },
      },
      (err, stdout, stderr) => done({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

function startWorker(name: string, env: NodeJS.ProcessEnv = {}): ChildProcess {
  const child = spawn(process.execPath, [BIN, '--address', address, 'worker'], { env: { ...box.env, ...env }, stdio: 'ignore' });
  workers.push({ name, child });
  return child;
}

beforeAll(async () => {
  box = await createSandbox();
  work = mkdtempSync(join(tmpdir(), 'overlayctl-compose-'));
  ports = { temporal: await freePort(), ui: await freePort() };
  address = `127.0.0.1:${ports.temporal}`;
  const images = await box.sh(`bash ${join(ROOT, 'scripts', 'build-compose-images.sh')}`, { timeoutMs: 1_800_000 });
  expect(images.code, images.stderr).toBe(0);
  engine = await startHostEngine(join(work, 'docker'), `/run/overlayctl-compose-${process.pid}`, `overlayctl_compose_${process.pid}`);
}, 1_900_000);

afterAll(async () => {
  // down needs a worker: before the workers go
  if (workers.some((w) => w.child.exitCode === null)) await box.cli(['--address', address, 'down', spec.cluster], { timeoutMs: 120_000 });
  for (const w of workers) if (w.child.exitCode === null) w.child.kill('SIGKILL');
  if (engine) {
    await compose(['down', '-v', '--rmi', 'local'], 300_000);
    await engine.stop();
  }
  rmSync(work, { recursive: true, force: true });
  expect(box.dispose([spec.cluster])).toEqual([]);
}, 600_000);

describe('docker-compose.temporal.yml', () => {
  it('builds offline and brings up PostgreSQL, the server and the UI, healthy, on loopback only', async () => {
    const up = await compose(['up', '-d', '--build']);
    expect(up.code, up.stderr.slice(-2000)).toBe(0);
    // `up -d` returns once the services it waits on are healthy; the UI is the last one
    let ps = await compose(['ps']);
    for (let i = 0; i < 90 && ps.stdout.match(/\(healthy\)/g)?.length !== 3; i++) {
      await new Promise((r) => setTimeout(r, 2_000));
      ps = await compose(['ps']);
    }
    expect(ps.stdout.match(/\(healthy\)/g)?.length, ps.stdout).toBe(3);
    expect(ps.stdout).toContain(`127.0.0.1:${ports.temporal}->7233/tcp`);
    expect(ps.stdout).toContain(`127.0.0.1:${ports.ui}->8080/tcp`);
    const ui = await fetch(`http://127.0.0.1:${ports.ui}/`);
    expect(ui.status).toBe(200);
    const ns = spawnSync(temporalBin(cacheRoot()), ['operator', 'namespace', 'describe', '--namespace', 'default', '--address', address, '-o', 'json'], { encoding: 'utf8' });
    expect(JSON.parse(ns.stdout).namespaceInfo.name).toBe('default');
    const volumes = await new Promise<string>((done) =>
      execFile('docker', ['volume', 'ls', '--format', '{{.Name}}'], { env: { ...process.env, DOCKER_HOST: `unix://${engine!.socket}` } }, (_e, out) => done(out)),
    );
    expect(volumes.split('\n')).toContain(`${PROJECT}_postgresql-data`);
  }, 1_200_000);

  it('two workers share a run; one is SIGKILLed mid-run and the other finishes it; a worker elsewhere runs no host activity', async () => {
    const a = startWorker('a');
    startWorker('b');
    const elsewhere = startWorker('elsewhere', { OVERLAYCTL_HOST_QUEUE: 'overlayctl-host-elsewhere' });
    await new Promise((r) => setTimeout(r, 8_000)); // workers bundle the workflows, then poll
    const up = await box.cli(['--address', address, 'up', '-f', box.writeSpec(spec, 'compose'), '--detach']);
    expect(up.code, up.stderr).toBe(0);
    const client = await clientFor({ ...box, address });
    const id = `overlayctl/${spec.cluster}/provision`;
    expect(await waitForMoment(client, id, { name: 'hosts', at: (p) => p.steps.find((s) => s.name === 'ensureHost')?.state === 'running' })).toBe(true);
    a.kill('SIGKILL');
    expect(await waitForResult(client, id)).toEqual({ ok: true });
    expect(await countCluster(box, spec)).toEqual(expectedCount(spec));
    // the shared JSON log says who ran what: every host-bound step ran in a or b, none elsewhere
    const entries = readFileSync(join(box.stateDir, 'logs', 'worker.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { pid: number; msg: string; step?: string; cluster?: string });
    const stepsBy = (pid: number | undefined) => entries.filter((e) => e.pid === pid && e.msg === 'step started' && e.cluster === spec.cluster);
    expect(stepsBy(elsewhere.pid)).toEqual([]);
    expect(stepsBy(a.pid).length + stepsBy(workers[1].child.pid).length).toBeGreaterThan(10);
    expect((await box.cli(['--address', address, 'down', spec.cluster])).code).toBe(0);
    expect(leftovers(spec.cluster, box.stateDir)).toEqual([]);
  }, 600_000);
});
