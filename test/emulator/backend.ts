// What stands behind an emulated instance. The emulator owns the API state; a backend
// makes instances exist somewhere (nothing, for MemoryBackend; containers or network
// namespaces for a real one) and turns security-group rules into firewall rules.
import { setTimeout as sleep } from 'node:timers/promises';

/** instance-state enum of the contract (components/schemas/instance-state) */
export type InstanceState = 'starting' | 'running' | 'stopping' | 'stopped' | 'migrating' | 'error' | 'destroying' | 'destroyed' | 'expunging';
/** protocol enum of the contract (add-rule-to-security-group body) */
export type RuleProtocol = 'tcp' | 'udp' | 'icmp' | 'icmpv6' | 'esp' | 'gre' | 'ah' | 'ipip';

export interface EmulatedInstance {
  id: string;
  name: string;
  labels: Record<string, string>;
  /** set once the backend has created the instance (and unless public-ip-assignment is none) */
  publicIp?: string;
  securityGroupIds: string[];
  sshKeyNames: string[];
  /** base64, as the API received it */
  userData?: string;
  templateId: string;
  instanceTypeId: string;
  state: InstanceState;
  diskSize: number;
  publicIpAssignment: 'inet4' | 'dual' | 'none';
  createdAt: string;
}

export interface EmulatedRule {
  id: string;
  flowDirection: 'ingress' | 'egress';
  protocol: RuleProtocol;
  startPort?: number;
  endPort?: number;
  /** CIDR; exactly one of network / securityGroupId is set */
  network?: string;
  securityGroupId?: string;
  icmp?: { type: number; code: number };
  description?: string;
}

export interface EmulatedSecurityGroup {
  id: string;
  name: string;
  description?: string;
  rules: EmulatedRule[];
}

/** Read access to the emulator's state; every call returns fresh copies. */
export interface BackendContext {
  readonly zone: string;
  instances(): EmulatedInstance[];
  securityGroups(): EmulatedSecurityGroup[];
  /** registered keys: name -> OpenSSH public key line */
  sshPublicKeys(): Map<string, string>;
}

export interface InstanceBackend {
  create(instance: EmulatedInstance, ctx: BackendContext): Promise<{ publicIp: string }>;
  delete(instance: EmulatedInstance): Promise<void>;
  /** optional: PUT /instance/{id}:start and :stop (and auto-start=false) */
  start?(instance: EmulatedInstance): Promise<void>;
  stop?(instance: EmulatedInstance): Promise<void>;
  /** after any rule change and after an instance was created (has its IP) or deleted */
  securityGroupsChanged?(ctx: BackendContext): Promise<void>;
}

export interface ResolvedRule {
  groupId: string;
  ruleId: string;
  flowDirection: 'ingress' | 'egress';
  protocol: RuleProtocol;
  startPort?: number;
  endPort?: number;
  icmp?: { type: number; code: number };
  /** CIDRs: the rule's network, or each member of the referenced group as a /32 */
  peers: string[];
}

/**
 * The rules that apply to one instance: the union of its groups' rules, with group
 * references resolved to the public IPs the members have right now (what Exoscale's
 * "security-group" source means; members without an address yet are left out).
 */
export function firewallRulesFor(instanceId: string, ctx: BackendContext): ResolvedRule[] {
  const instances = ctx.instances();
  const self = instances.find((i) => i.id === instanceId);
  if (!self) return [];
  const out: ResolvedRule[] = [];
  for (const group of ctx.securityGroups()) {
    if (!self.securityGroupIds.includes(group.id)) continue;
    for (const r of group.rules) {
      const peers = r.network
        ? [r.network]
        : instances.filter((i) => i.publicIp && i.securityGroupIds.includes(r.securityGroupId ?? '')).map((i) => `${i.publicIp}/32`);
      out.push({ groupId: group.id, ruleId: r.id, flowDirection: r.flowDirection, protocol: r.protocol, startPort: r.startPort, endPort: r.endPort, icmp: r.icmp, peers });
    }
  }
  return out;
}

export interface MemoryBackendOptions {
  /** time create() takes, i.e. how long an instance stays 'starting' */
  createDelayMs?: number;
  deleteDelayMs?: number;
  /** time :start and :stop take ('starting' / 'stopping' stay visible that long) */
  powerDelayMs?: number;
}

/**
 * No hosts at all: addresses come from 198.51.100.0/24 (TEST-NET-2, RFC 5737, never
 * routed) in order .1, .2, ...; an address is not handed out again while the counter
 * can still advance, so a recreated instance gets a new IP like on a real cloud.
 */
export class MemoryBackend implements InstanceBackend {
  readonly calls: { op: 'create' | 'delete' | 'start' | 'stop' | 'securityGroupsChanged'; instanceId?: string }[] = [];
  private nextHost = 1;
  private readonly inUse = new Map<string, string>(); // instance id -> ip

  constructor(private readonly opts: MemoryBackendOptions = {}) {}

  async create(instance: EmulatedInstance): Promise<{ publicIp: string }> {
    this.calls.push({ op: 'create', instanceId: instance.id });
    if (this.opts.createDelayMs) await sleep(this.opts.createDelayMs, undefined, { ref: false });
    const ip = this.allocate();
    this.inUse.set(instance.id, ip);
    return { publicIp: ip };
  }

  async delete(instance: EmulatedInstance): Promise<void> {
    this.calls.push({ op: 'delete', instanceId: instance.id });
    if (this.opts.deleteDelayMs) await sleep(this.opts.deleteDelayMs, undefined, { ref: false });
    this.inUse.delete(instance.id);
  }

  async start(instance: EmulatedInstance): Promise<void> {
    this.calls.push({ op: 'start', instanceId: instance.id });
    if (this.opts.powerDelayMs) await sleep(this.opts.powerDelayMs, undefined, { ref: false });
  }

  async stop(instance: EmulatedInstance): Promise<void> {
    this.calls.push({ op: 'stop', instanceId: instance.id });
    if (this.opts.powerDelayMs) await sleep(this.opts.powerDelayMs, undefined, { ref: false });
  }

  async securityGroupsChanged(_ctx: BackendContext): Promise<void> {
    this.calls.push({ op: 'securityGroupsChanged' });
  }

  private allocate(): string {
    if (this.nextHost <= 254) return `198.51.100.${this.nextHost++}`;
    const taken = new Set(this.inUse.values());
    for (let h = 1; h <= 254; h++) if (!taken.has(`198.51.100.${h}`)) return `198.51.100.${h}`;
    throw new Error('MemoryBackend: 198.51.100.0/24 is exhausted');
  }
}
