// Where hosts come from. One small interface (in the style of libmachine drivers and
// kind providers); a provider never decides order (the workflow does) and knows
// nothing of Temporal. Every call is idempotent: look up by name or label first.
import type { FirewallRule } from '../firewall.js';
import type { EngineFacts } from '../spec.js';

/** Options of a host's Docker engine beyond the defaults. */
export interface EngineOptions {
  /** classic mode: the key-value store the engines share networks through (consul://ADDR:8500) */
  clusterStore?: string;
  /** classic mode: what the engine advertises in the store (eth0:2376) */
  clusterAdvertise?: string;
}

export interface HostRequest {
  cluster: string;
  name: string;
  /** position of the host in the spec (manager first), for deterministic addressing */
  index: number;
  /** engine options; a host that runs with other options is refused (its mode cannot change in place) */
  engine?: EngineOptions;
  /** told each phase as it starts (the activity layer turns it into heartbeat details) */
  onPhase?: (phase: string) => void;
}

export interface HostInfo {
  name: string;
  cluster: string;
  /** address members of the group use to reach the host */
  address: string;
  state: 'running' | 'stopped' | 'missing';
}

/** How the controller reaches a host's Docker engine. */
export type EngineEndpoint =
  | { kind: 'unix'; socketPath: string }
  | {
      kind: 'ssh';
      host: string;
      port: number;
      username: string;
      privateKeyPath: string;
      /** host key pinning: true when the key the host shows is the one it showed first */
      verifyHostKey: (key: Buffer) => boolean;
    };

export interface FirewallRequest {
  cluster: string;
  rules: FirewallRule[];
  /** every host of the cluster by name, with its index (members of the group) */
  members: { name: string; index: number }[];
}

export interface Provider {
  readonly name: string;
  /** Ensure the cluster's security group holds exactly these rules (and applies them to existing hosts). */
  ensureFirewall(req: FirewallRequest): Promise<{ rules: number }>;
  deleteFirewall(cluster: string): Promise<void>;
  /** Ensure the key the controller uses to reach hosts is registered (skipped where hosts need none). */
  ensureSshKey(cluster: string): Promise<{ skipped: boolean; reason?: string; fingerprint?: string }>;
  deleteSshKey(cluster: string): Promise<void>;
  /**
   * The Docker engine hosts will run, when it is known before any host exists (local:
   * this machine's dockerd); undefined when only a running host can tell (cloud images).
   */
  plannedEngine(): Promise<EngineFacts | undefined>;
  /** Ensure the host exists, runs, and its Docker engine answers. */
  ensureHost(req: HostRequest): Promise<HostInfo>;
  deleteHost(cluster: string, name: string): Promise<void>;
  /** Every host carrying the cluster's label, found on the provider itself (not in our state). */
  listHosts(cluster: string): Promise<HostInfo[]>;
  engine(cluster: string, name: string): Promise<EngineEndpoint>;
  /** Make `image` available to the host's engine (local: load from the offline cache). */
  ensureImage(cluster: string, host: string, image: string): Promise<'present' | 'loaded' | 'pulled'>;
  /** Remove what the cluster left on the provider besides hosts and the group (bridges, keys, state). */
  deleteClusterResources(cluster: string): Promise<void>;
}
