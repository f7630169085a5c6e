// What every activity needs, injected once by the worker (tests pass their own):
// where state lives and how to get a provider. Activities keep no module-level state.
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { Client } from '@temporalio/client';
import type Docker from 'dockerode';
import { connectEngine } from '../docker/engine.js';
import type { Paths } from '../paths.js';
import { ProviderError } from '../providers/errors.js';
import type { Provider } from '../providers/provider.js';
import type { ClusterSpec, ProviderConfig } from '../types.js';

export interface ActivityDeps {
  paths: Paths;
  provider(config: ProviderConfig): Provider;
  /** a client of the worker's server, for activities that read other runs (reports) */
  client?: () => Promise<Client>;
}

export async function engineOf(provider: Provider, cluster: string, host: string): Promise<Docker> {
  return connectEngine(await provider.engine(cluster, host));
}

/** Hosts in spec order (manager first) with the index that fixes their address. */
export function hostList(spec: ClusterSpec): { name: string; index: number }[] {
  return [spec.manager.name, ...spec.nodes.map((n) => n.name)].map((name, index) => ({ name, index }));
}

export const HEARTBEAT_EVERY_MS = 2_000;

function currentContext(): Context | undefined {
  try {
    return Context.current();
  } catch {
    return undefined; // called outside an activity (unit tests)
  }
}

/**
 * Records how far the running activity got: sent with every heartbeat, so a retry
 * after a crash (activityInfo().heartbeatDetails) knows where the last attempt stopped.
 */
const PHASE = Symbol('overlayctl.phase');
type PhasedContext = Context & { [PHASE]?: string };

export function reportPhase(phase: string): void {
  const ctx = currentContext() as PhasedContext | undefined;
  if (!ctx) return;
  ctx[PHASE] = phase; // repeated by the periodic heartbeat: the last phase stays the details
  ctx.heartbeat({ phase });
}

/** The phase the previous attempt reported last, if this is a retry. */
export function previousPhase(): string | undefined {
  const details = currentContext()?.info.heartbeatDetails as { phase?: string } | undefined;
  return details?.phase;
}

/**
 * Every activity: heartbeats while it runs (so a killed worker is noticed within the
 * heartbeat timeout, not the start-to-close timeout), and failures a retry cannot fix
 * become non-retryable, typed application failures; the rest is left to the retry policy.
 */
export function activity<I extends unknown[], O>(fn: (...input: I) => Promise<O>): (...input: I) => Promise<O> {
  return async (...input: I) => {
    const ctx = currentContext() as PhasedContext | undefined;
    const beat = ctx && setInterval(() => ctx.heartbeat({ phase: ctx[PHASE] }), HEARTBEAT_EVERY_MS);
    const started = Date.now();
    // Names and phases only: inputs may hold nothing secret today, but logs never see them.
    ctx?.log.info('step started', { previousPhase: ctx.info.heartbeatDetails?.phase });
    try {
      const result = await fn(...input);
      ctx?.log.info('step completed', { ms: Date.now() - started });
      return result;
    } catch (err) {
      ctx?.log.warn('step failed', { ms: Date.now() - started, error: (err as Error).message });
      if (err instanceof ProviderError) {
        throw ApplicationFailure.create({ message: err.message, type: err.type, nonRetryable: !err.retryable, nextRetryDelay: err.retryAfterMs });
      }
      throw err;
    } finally {
      if (beat) clearInterval(beat);
    }
  };
}

/** The host's engine if the host still runs; undefined when teardown finds it gone. */
export async function liveEngine(provider: Provider, cluster: string, host: string): Promise<Docker | undefined> {
  const hosts = await provider.listHosts(cluster);
  if (!hosts.some((h) => h.name === host && h.state === 'running')) return undefined;
  return engineOf(provider, cluster, host);
}
