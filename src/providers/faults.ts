// Fault injection in front of a provider, for tests and the chaos matrix: calls fail
// the way a cloud API fails. Configured by the spec (provider.faults) or by
// OVERLAYCTL_FAULTS in the worker's environment, e.g.
//   transient:0.3                 30 % of all calls fail with a transient fault
//   permanent:ensureConsul        every call made by that activity fails permanently
//   permanent:ensureHost:Forbidden   ... with that fault type
//   crash:ensureConsul            the worker SIGKILLs itself right after that activity's
//   crash:*                       first provider call returns (once per provisioning run
//                                 and activity; teardown and verify runs never crash)
// Several rules are separated by ";". A transient fault strikes before or after the
// real call (after: the side effect happened but the caller saw an error, the
// crash window idempotency must survive). A crash is that window at its worst: the
// side effect happened and the process is gone before it could report anything.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { ProviderError } from './errors.js';
import type { Provider } from './provider.js';

export const TRANSIENT_FAULTS = ['ProviderTimeout', 'RateLimited', 'ServerError', 'ConnectionReset'] as const;
export const PERMANENT_FAULTS = ['Unauthorized', 'Forbidden', 'QuotaExceeded', 'InvalidArgument'] as const;

const MESSAGES: Record<string, string> = {
  ProviderTimeout: 'the provider did not answer in time (injected)',
  RateLimited: 'HTTP 429 Too Many Requests, Retry-After: 1 (injected)',
  ServerError: 'HTTP 503 Service Unavailable (injected)',
  ConnectionReset: 'connection reset by peer (injected)',
  Unauthorized: 'HTTP 401: the API key was rejected (injected)',
  Forbidden: 'HTTP 403: the API key may not do this (injected)',
  QuotaExceeded: 'quota exceeded for this resource (injected)',
  InvalidArgument: 'HTTP 400: invalid argument (injected)',
};

export interface FaultRule {
  kind: 'transient' | 'permanent' | 'crash';
  /** share of calls that fail, for transient rules */
  rate: number;
  /** activity whose calls fail, for permanent rules */
  activity?: string;
  type?: string;
}

export class FaultPlanError extends Error {}

export function parseFaultPlan(text: string | undefined): FaultRule[] {
  if (!text?.trim()) return [];
  return text
    .split(';')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((part) => {
      const [kind, arg, type] = part.split(':');
      if (kind === 'transient') {
        const rate = Number(arg);
        if (!(rate > 0 && rate < 1)) throw new FaultPlanError(`fault rule "${part}": the rate must be between 0 and 1 (e.g. transient:0.3)`);
        if (type && !(TRANSIENT_FAULTS as readonly string[]).includes(type)) throw new FaultPlanError(`fault rule "${part}": unknown transient fault ${type}`);
        return { kind, rate, type };
      }
      if (kind === 'permanent') {
        if (!arg) throw new FaultPlanError(`fault rule "${part}": name the activity (e.g. permanent:ensureConsul)`);
        if (type && !(PERMANENT_FAULTS as readonly string[]).includes(type)) throw new FaultPlanError(`fault rule "${part}": unknown permanent fault ${type}`);
        return { kind, rate: 1, activity: arg, type };
      }
      if (kind === 'crash') {
        if (!arg) throw new FaultPlanError(`fault rule "${part}": name the activity, or * for every one (e.g. crash:ensureHost)`);
        return { kind, rate: 1, activity: arg };
      }
      throw new FaultPlanError(`fault rule "${part}": expected transient:<rate>, permanent:<activity>[:<type>] or crash:<activity>`);
    });
}

function pick<T>(items: readonly T[], random: () => number): T {
  return items[Math.floor(random() * items.length)];
}

function fault(type: string, method: string, permanent: boolean): ProviderError {
  const err = new ProviderError(`${method}: ${MESSAGES[type]}`, type, !permanent);
  if (type === 'RateLimited') err.retryAfterMs = 1000;
  return err;
}

export interface FaultContext {
  /** the activity making the calls */
  activity?: string;
  /** a file that exists once this run's crash for this activity happened (crash rules fire once); none: never crash */
  crashMarker?: string;
}

function crashOnce(marker: string | undefined): void {
  if (!marker || existsSync(marker)) return;
  mkdirSync(dirname(marker), { recursive: true });
  writeFileSync(marker, String(process.pid));
  process.kill(process.pid, 'SIGKILL');
}

/** Wraps every method of `provider`; `ctx` names the step making the calls. */
export function withFaults(provider: Provider, rules: FaultRule[], ctx: FaultContext, random: () => number = Math.random): Provider {
  if (rules.length === 0) return provider;
  const activity = ctx.activity;
  const crash = rules.some((r) => r.kind === 'crash' && (r.activity === '*' || r.activity === activity));
  return new Proxy(provider, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function' || prop === 'constructor') return value;
      const method = String(prop);
      return async (...args: unknown[]) => {
        for (const rule of rules) {
          if (rule.kind === 'permanent' && rule.activity === activity) throw fault(rule.type ?? 'QuotaExceeded', method, true);
        }
        const transient = rules.find((r) => r.kind === 'transient' && random() < r.rate);
        if (transient && random() < 0.5) throw fault(transient.type ?? pick(TRANSIENT_FAULTS, random), method, false);
        const result = await value.apply(target, args);
        if (crash) crashOnce(ctx.crashMarker);
        if (transient) throw fault(transient.type ?? pick(TRANSIENT_FAULTS, random), method, false);
        return result;
      };
    },
  });
}
