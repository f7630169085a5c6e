// In-memory state and the asynchronous operations (contract: components/schemas/operation).
import type { EmulatedInstance, EmulatedSecurityGroup } from './backend.js';
import type { FaultKind } from './faults.js';

export interface SshKeyRecord {
  name: string;
  publicKey: string;
  fingerprint: string;
}

export type OperationReason = 'incorrect' | 'unknown' | 'unavailable' | 'forbidden' | 'busy' | 'fault' | 'partial' | 'not-found' | 'interrupted' | 'unsupported' | 'conflict';

export interface OperationRecord {
  id: string;
  state: 'pending' | 'success' | 'failure' | 'timeout';
  /** id is absent for ssh-key operations: ssh keys have a name, no UUID */
  reference: { id?: string; link: string; command: string };
  reason?: OperationReason;
  message?: string;
  createdAtMs: number;
  /** GET /operation/{id} calls so far */
  polls: number;
  /** the work behind it has finished (successfully or not) */
  done: boolean;
  error?: string;
}

export interface RequestLogEntry {
  at: number;
  method: string;
  /** path as received, incl. /v2, without the query */
  path: string;
  query: string;
  /** 0 when no HTTP response was sent (fault 'reset' or 'timeout') */
  status: number;
  fault?: FaultKind;
  /** answered 429 by the emulator's rate limit (not an injected fault) */
  throttled?: true;
  /** API key that signed it, when the signature was valid */
  key?: string;
}

/** Read-only view for tests. The objects are live: read, do not modify. */
export interface EmulatorState {
  readonly securityGroups: ReadonlyMap<string, Readonly<EmulatedSecurityGroup>>;
  readonly sshKeys: ReadonlyMap<string, Readonly<SshKeyRecord>>;
  readonly instances: ReadonlyMap<string, Readonly<EmulatedInstance>>;
  readonly operations: ReadonlyMap<string, Readonly<OperationRecord>>;
  readonly requests: readonly RequestLogEntry[];
  /** errors thrown by the backend (also reported through the operations) */
  readonly backendErrors: readonly string[];
}

export class Store implements EmulatorState {
  readonly securityGroups = new Map<string, EmulatedSecurityGroup>();
  readonly sshKeys = new Map<string, SshKeyRecord>();
  readonly instances = new Map<string, EmulatedInstance>();
  readonly operations = new Map<string, OperationRecord>();
  readonly requests: RequestLogEntry[] = [];
  readonly backendErrors: string[] = [];
}

export interface OperationTiming {
  /** GETs that still answer 'pending' (after the work is done) */
  polls: number;
  /** minimum age before 'success', if set */
  delayMs?: number;
  now: () => number;
}

/**
 * The operation's state as a GET sees it. It leaves 'pending' only when the work is
 * done AND the client has polled `polls` times before AND `delayMs` has passed; the
 * first answer to the mutating call itself is always 'pending'.
 */
export function observeOperation(op: OperationRecord, t: OperationTiming): OperationRecord {
  if (op.state === 'pending') {
    const polledEnough = op.polls >= t.polls;
    const oldEnough = t.delayMs === undefined || t.now() - op.createdAtMs >= t.delayMs;
    if (op.done && polledEnough && oldEnough) {
      if (op.error === undefined) op.state = 'success';
      else {
        op.state = 'failure';
        op.reason = 'fault';
        op.message = op.error;
      }
    }
    op.polls++;
  }
  return op;
}

export function renderOperation(op: OperationRecord) {
  return {
    id: op.id,
    state: op.state,
    reference: op.reference,
    ...(op.reason ? { reason: op.reason } : {}),
    ...(op.message ? { message: op.message } : {}),
  };
}
