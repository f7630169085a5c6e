// Connecting to Temporal, and the task queues: workflows on one shared queue, host-bound
// activities on a queue bound to this machine (only its worker can reach its hosts).
import { hostname } from 'node:os';
import { Client, Connection } from '@temporalio/client';
import { dataConverter } from './codec/data-converter.js';
import type { Paths } from './paths.js';
import { UserError } from './errors.js';
import { TASK_QUEUE } from './names.js';

export const DEFAULT_NAMESPACE = 'default';
export { TASK_QUEUE };

export function hostTaskQueue(env: NodeJS.ProcessEnv = process.env): string {
  return env.OVERLAYCTL_HOST_QUEUE || `${TASK_QUEUE}-host-${hostname()}`;
}

/** A client whose payloads are encrypted with this machine's codec key. */
export async function connectClient(address: string, paths: Paths, namespace = DEFAULT_NAMESPACE): Promise<Client> {
  try {
    const connection = await Connection.connect({ address, connectTimeout: '5s' });
    return new Client({ connection, namespace, dataConverter: dataConverter(paths) });
  } catch (err) {
    throw new UserError(`cannot reach the Temporal server at ${address}: ${(err as Error).message}`, 1, 'start one with `overlayctl dev start`, or pass --address host:port');
  }
}
