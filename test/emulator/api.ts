// Shared machinery of the handlers: operations, the backend's view, quotas, ordering.
import { randomUUID } from 'node:crypto';
import type { BackendContext, InstanceBackend } from './backend.js';
import type { InstanceTypeView, TemplateView } from './catalog.js';
import { problem } from './schemas.js';
import { Store, renderOperation, type OperationRecord } from './state.js';

export interface Quota {
  instances?: number;
  securityGroups?: number;
  sshKeys?: number;
}

export interface ApiConfig {
  zone: string;
  /** base URL incl. /v2, for operation links */
  url: string;
  operationPolls: number;
  operationDelayMs?: number;
  quota: Quota;
  backend: InstanceBackend;
  templates: TemplateView[];
  instanceTypes: InstanceTypeView[];
  now: () => number;
}

export class Api {
  readonly store = new Store();
  /** set by stop(): late backend completions no longer touch the state */
  stopped = false;
  private sgChain: Promise<void> = Promise.resolve();
  private readonly instanceChains = new Map<string, Promise<void>>();

  constructor(readonly cfg: ApiConfig) {}

  isoNow(): string {
    return new Date(this.cfg.now()).toISOString();
  }

  ctx(): BackendContext {
    const s = this.store;
    return {
      zone: this.cfg.zone,
      instances: () => [...s.instances.values()].map((i) => structuredClone(i)),
      securityGroups: () => [...s.securityGroups.values()].map((g) => structuredClone(g)),
      sshPublicKeys: () => new Map([...s.sshKeys.values()].map((k) => [k.name, k.publicKey])),
    };
  }

  /**
   * Records a pending operation and runs `work` behind it; a rejected work ends the
   * operation in 'failure' (reason 'fault'), which is how the API reports async
   * failures (reference section 5: not an HTTP error).
   */
  operation(command: string, ref: { id?: string; path: string }, work?: () => Promise<void>) {
    const op: OperationRecord = {
      id: randomUUID(),
      state: 'pending',
      reference: { ...(ref.id ? { id: ref.id } : {}), link: `${this.cfg.url}${ref.path}`, command },
      createdAtMs: this.cfg.now(),
      polls: 0,
      done: !work,
    };
    this.store.operations.set(op.id, op);
    if (work) {
      work().then(
        () => (op.done = true),
        (err: unknown) => {
          op.done = true;
          op.error = err instanceof Error ? err.message : String(err);
          this.store.backendErrors.push(`${command}: ${op.error}`);
        },
      );
    }
    return renderOperation(op);
  }

  /** Lifecycle steps of one instance run one after another (delete waits for create). */
  chainInstance(id: string, step: () => Promise<void>): Promise<void> {
    const next = (this.instanceChains.get(id) ?? Promise.resolve()).catch(() => undefined).then(step);
    this.instanceChains.set(id, next);
    return next;
  }

  /** Calls are serialized so a real backend never reconfigures firewalls concurrently. */
  securityGroupsChanged(): Promise<void> {
    const hook = this.cfg.backend.securityGroupsChanged?.bind(this.cfg.backend);
    if (!hook) return Promise.resolve();
    const next = this.sgChain.catch(() => undefined).then(() => (this.stopped ? undefined : hook(this.ctx())));
    this.sgChain = next;
    return next;
  }

  /**
   * Quota exhaustion. The real status code is not in the sources (reference section 5);
   * 403 Forbidden with a problem body naming the limit is our choice: a client must not
   * retry it, and egoscale maps it to ErrForbidden.
   */
  checkQuota(resource: string, limit: number | undefined, usage: number): void {
    if (limit !== undefined && limit >= 0 && usage >= limit) {
      throw problem(403, 'forbidden', 'Forbidden', `quota exceeded for ${resource}: limit is ${limit}, ${usage} in use`);
    }
  }
}

/** What a route handler gets; it returns the JSON body of a 200 or throws HttpProblem. */
export interface RouteRequest {
  /** decoded path parameters, in order */
  params: string[];
  query: URLSearchParams;
  /** parsed JSON body (undefined when there was none) */
  body: unknown;
}
export type Handler = (api: Api, req: RouteRequest) => unknown;
