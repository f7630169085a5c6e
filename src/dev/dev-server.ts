// The local Temporal dev server and a worker, as background processes with pid files
// and logs under the state folder (`overlayctl dev start|stop|status`). The server
// keeps its history in a SQLite file there, so a restart loses nothing.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Connection } from '@temporalio/client';
import proto from '@temporalio/proto';
import { UserError } from '../errors.js';
import { devStateDir, type Paths } from '../paths.js';
import { cmdline, isAlive, signal, waitForExit } from '../providers/local/processes.js';
import { SEARCH_ATTRIBUTES, devServerFlag } from '../search-attributes.js';
import { DEFAULT_NAMESPACE, hostTaskQueue, TASK_QUEUE } from '../temporal.js';
import { requireTemporalBin } from '../toolchain.js';

const BIN = resolve(fileURLToPath(new URL('../../bin/overlayctl.js', import.meta.url)));

export interface DevStatus {
  server: { running: boolean; pid?: number; address: string; uiUrl: string; log: string; db: string };
  codec: { running: boolean; pid?: number; url: string; log: string };
  worker: { running: boolean; pid?: number; log: string; taskQueues: string[] };
}

export function devPorts(env: NodeJS.ProcessEnv = process.env): { port: number; uiPort: number; codecPort: number } {
  const port = Number(env.OVERLAYCTL_DEV_PORT || 7233);
  return { port, uiPort: Number(env.OVERLAYCTL_DEV_UI_PORT || port + 1000), codecPort: Number(env.OVERLAYCTL_DEV_CODEC_PORT || 8888) };
}

function files(paths: Paths) {
  const dir = devStateDir(paths);
  return {
    dir,
    db: join(dir, 'temporal.db'),
    serverPid: join(dir, 'temporal.pid'),
    serverLog: join(dir, 'temporal.log'),
    workerPid: join(dir, 'worker.pid'),
    workerLog: join(dir, 'worker.log'),
    codecPid: join(dir, 'codec.pid'),
    codecLog: join(dir, 'codec.log'),
  };
}

/** The PID in `file` if that process still runs and its command line holds every marker. */
async function livePid(file: string, ...markers: string[]): Promise<number | undefined> {
  let pid: number;
  try {
    pid = Number((await readFile(file, 'utf8')).trim());
  } catch {
    return undefined;
  }
  if (!pid || !isAlive(pid)) return undefined;
  const args = await cmdline(pid);
  return args && markers.every((m) => args.some((a) => a.includes(m))) ? pid : undefined;
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((done) => {
    const s = connect({ host: '127.0.0.1', port });
    s.once('connect', () => (s.destroy(), done(true)));
    s.once('error', () => done(false));
  });
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs: number, log: string, alive: () => boolean): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    if (!alive()) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  let tail = '';
  try {
    tail = (await readFile(log, 'utf8')).trim().split('\n').slice(-5).join('\n');
  } catch {
    // no log yet
  }
  throw new UserError(`${what} did not become ready in ${timeoutMs / 1000} s${tail ? `; its log ends with:\n${tail}` : ''}`, 1, `see ${log}`);
}

function spawnDetached(cmd: string, args: string[], log: string, env: NodeJS.ProcessEnv = process.env) {
  const fd = openSync(log, 'a');
  const child = spawn(cmd, args, { detached: true, stdio: ['ignore', fd, fd], env });
  closeSync(fd);
  let exited = false;
  child.once('exit', () => (exited = true));
  child.unref();
  return { pid: child.pid!, alive: () => !exited };
}

export async function devStatus(paths: Paths): Promise<DevStatus> {
  const f = files(paths);
  const { port, uiPort, codecPort } = devPorts();
  const serverPid = await livePid(f.serverPid, f.db);
  const workerPid = await livePid(f.workerPid, BIN, 'worker');
  const codecPid = await livePid(f.codecPid, BIN, 'codec-server');
  return {
    server: { running: serverPid !== undefined, pid: serverPid, address: `127.0.0.1:${port}`, uiUrl: `http://127.0.0.1:${uiPort}`, log: f.serverLog, db: f.db },
    codec: { running: codecPid !== undefined, pid: codecPid, url: `http://127.0.0.1:${codecPort}`, log: f.codecLog },
    worker: { running: workerPid !== undefined, pid: workerPid, log: f.workerLog, taskQueues: [TASK_QUEUE, hostTaskQueue()] },
  };
}

async function workerPolling(address: string): Promise<boolean> {
  const connection = await Connection.connect({ address });
  try {
    const queues = [
      { name: TASK_QUEUE, type: proto.temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW },
      { name: hostTaskQueue(), type: proto.temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY },
    ];
    for (const q of queues) {
      const res = await connection.workflowService.describeTaskQueue({ namespace: DEFAULT_NAMESPACE, taskQueue: { name: q.name }, taskQueueType: q.type });
      if ((res.pollers ?? []).length === 0) return false;
    }
    return true;
  } finally {
    await connection.close();
  }
}

/** Starts what is not running (codec server, server, worker) and waits until each answers. Idempotent. */
export async function devStart(paths: Paths): Promise<DevStatus> {
  const f = files(paths);
  await mkdir(f.dir, { recursive: true, mode: 0o700 });
  let status = await devStatus(paths);
  const { port, uiPort, codecPort } = devPorts();
  const env = { ...process.env, OVERLAYCTL_STATE_DIR: paths.state };
  if (!status.codec.running) {
    if (await portOpen(codecPort)) {
      throw new UserError(`port ${codecPort} (codec server) is taken by another process`, 1, 'stop it, or set OVERLAYCTL_DEV_CODEC_PORT');
    }
    const codec = spawnDetached(process.execPath, [BIN, 'codec-server', '--port', String(codecPort), '--ui-origin', `http://127.0.0.1:${uiPort}`, `http://localhost:${uiPort}`], f.codecLog, env);
    await writeFile(f.codecPid, String(codec.pid));
    await waitFor('the codec server', () => portOpen(codecPort), 30_000, f.codecLog, codec.alive);
  }
  if (!status.server.running) {
    if (await portOpen(port)) {
      throw new UserError(`port ${port} is taken by another process`, 1, 'stop it, use --address to point at that server, or set OVERLAYCTL_DEV_PORT');
    }
    const bin = requireTemporalBin(paths.cache);
    const server = spawnDetached(
      bin,
      [
        'server', 'start-dev', '--db-filename', f.db, '--ip', '127.0.0.1', '--port', String(port), '--ui-port', String(uiPort),
        '--namespace', DEFAULT_NAMESPACE, '--log-level', 'warn', '--ui-codec-endpoint', `http://127.0.0.1:${codecPort}`,
        ...SEARCH_ATTRIBUTES.flatMap((key) => ['--search-attribute', devServerFlag(key)]),
      ],
      f.serverLog,
    );
    await writeFile(f.serverPid, String(server.pid));
    await waitFor('the Temporal dev server', () => serverAnswers(status.server.address), 60_000, f.serverLog, server.alive);
  }
  if (!status.worker.running) {
    const worker = spawnDetached(process.execPath, [BIN, 'worker', '--address', status.server.address], f.workerLog, env);
    await writeFile(f.workerPid, String(worker.pid));
    await waitFor('the overlayctl worker', () => workerPolling(status.server.address).catch(() => false), 90_000, f.workerLog, worker.alive);
  }
  status = await devStatus(paths);
  return status;
}

async function serverAnswers(address: string): Promise<boolean> {
  try {
    const connection = await Connection.connect({ address, connectTimeout: '1s' });
    try {
      await connection.workflowService.getSystemInfo({});
      return true;
    } finally {
      await connection.close();
    }
  } catch {
    return false;
  }
}

/** Stops the worker, then the server, then the codec server (SIGTERM, then SIGKILL after 15 s), by their PIDs. */
export async function devStop(paths: Paths): Promise<DevStatus> {
  const f = files(paths);
  const before = await devStatus(paths);
  for (const [pid, file] of [
    [before.worker.pid, f.workerPid],
    [before.server.pid, f.serverPid],
    [before.codec.pid, f.codecPid],
  ] as const) {
    if (pid !== undefined) {
      signal([pid], 'SIGTERM');
      const left = await waitForExit([pid], 15_000);
      signal(left, 'SIGKILL');
      await waitForExit(left, 5_000);
    }
    if (existsSync(file)) await rm(file, { force: true });
  }
  return devStatus(paths);
}
