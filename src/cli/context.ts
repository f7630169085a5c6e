// What every command gets from the global options: where state lives, how to talk
// to Temporal (an explicit --address / TEMPORAL_ADDRESS, or the local dev server,
// started on demand by the commands that run workflows), and output conventions.
import type { Client } from '@temporalio/client';
import { devStart, devStatus } from '../dev/dev-server.js';
import { UserError } from '../errors.js';
import { defaultPaths, type Paths } from '../paths.js';
import { connectClient, DEFAULT_NAMESPACE } from '../temporal.js';
import { createOutput, type Output, type OutputOptions } from './output.js';

export interface GlobalOptions extends OutputOptions {
  stateDir?: string;
  address?: string;
  namespace?: string;
}

export interface CliContext {
  paths: Paths;
  out: Output;
  opts: GlobalOptions;
  /** A client; starts the local dev server and worker first when `autostart` and no address was given. */
  temporal(autostart: boolean): Promise<Client>;
}

export function createContext(opts: GlobalOptions): CliContext {
  const paths = defaultPaths(opts.stateDir ? { ...process.env, OVERLAYCTL_STATE_DIR: opts.stateDir } : process.env);
  if (opts.stateDir) process.env.OVERLAYCTL_STATE_DIR = opts.stateDir; // children (dev worker) inherit it
  const out = createOutput(opts);
  let client: Client | undefined;
  return {
    paths,
    out,
    opts,
    async temporal(autostart: boolean) {
      if (client) return client;
      const explicit = opts.address ?? process.env.TEMPORAL_ADDRESS;
      let address = explicit;
      if (!address) {
        const status = await devStatus(paths);
        if (!status.server.running || !status.worker.running) {
          if (!autostart) throw new UserError('the local Temporal dev server is not running', 1, 'start it with `overlayctl dev start`, or pass --address host:port');
          out.info('starting the local Temporal dev server and worker (overlayctl dev start)...');
          const started = await devStart(paths);
          out.info(`Temporal Web UI: ${started.server.uiUrl}`);
        }
        address = status.server.address;
      }
      client = await connectClient(address, paths, opts.namespace ?? DEFAULT_NAMESPACE);
      return client;
    },
  };
}
