// What every activity needs, injected once by the worker (tests pass their own):
// where state lives and how to get a provider. Activities keep no module-level state.
import { ApplicationFailure } from '@temporalio/common';
import type Docker from 'dockerode';
import { connectEngine } from '../docker/engine.js';
import type { Paths } from '../paths.js';
import { ProviderError } from '../providers/errors.js';
import type { Provider } from '../providers/provider.js';
import type { ClusterSpec, ProviderConfig } from '../types.js';

export interface ActivityDeps {
  paths: Paths;
  provider(config: ProviderConfig): Provider;
}

export async function engineOf(provider: Provider, cluster: string, host: string): Promise<Docker> {
  return connectEngine(await provider.engine(cluster, host));
}

/** Hosts in spec order (manager first) with the index that fixes their address. */
export function hostList(spec: ClusterSpec): { name: string; index: number }[] {
  return [spec.manager.name, ...spec.nodes.map((n) => n.name)].map((name, index) => ({ name, index }));
}

/**
 * Failures a retry cannot fix become non-retryable, typed application failures;
 * everything else is left to the retry policy.
 */
export function activity<I extends unknown[], O>(fn: (...input: I) => Promise<O>): (...input: I) => Promise<O> {
  return async (...input: I) => {
    try {
      return await fn(...input);
    } catch (err) {
      if (err instanceof ProviderError) {
        throw ApplicationFailure.create({ message: err.message, type: err.type, nonRetryable: !err.retryable });
      }
      throw err;
    }
  };
}

/** The host's engine if the host still runs; undefined when teardown finds it gone. */
export async function liveEngine(provider: Provider, cluster: string, host: string): Promise<Docker | undefined> {
  const hosts = await provider.listHosts(cluster);
  if (!hosts.some((h) => h.name === host && h.state === 'running')) return undefined;
  return engineOf(provider, cluster, host);
}
