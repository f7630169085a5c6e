// The cluster's security group, derived from the spec: least privilege, members of
// the group only, and nothing from outside until the exposure step opens a port.
// Ports the overlay really needs (the tutorial's TCP 4789 is wrong: VXLAN is UDP).
import type { ClusterSpec } from './spec.js';
import { clusterStoreOf, modeOf, swarmManager } from './spec.js';

export type Protocol = 'tcp' | 'udp' | 'esp' | 'icmp';

export interface FirewallRule {
  protocol: Protocol;
  /** destination port, for tcp and udp */
  port?: number;
  /** who may send: members of the cluster's group, or anyone */
  from: 'group' | 'any';
  /** hosts the rule protects; every host when absent */
  to?: string[];
  description: string;
}

export function clusterRules(spec: ClusterSpec, opts: { exposed: boolean }): FirewallRule[] {
  const nodes = spec.nodes.map((n) => n.name);
  const rules: FirewallRule[] = [
    // classic mode forms no swarm: nothing listens on 2377, so nothing is opened there
    ...(modeOf(spec) === 'classic' ? [] : [{ protocol: 'tcp' as const, port: 2377, from: 'group' as const, to: [swarmManager(spec)], description: 'swarm management' }]),
    { protocol: 'tcp', port: 7946, from: 'group', to: nodes, description: 'overlay gossip (tcp)' },
    { protocol: 'udp', port: 7946, from: 'group', to: nodes, description: 'overlay gossip (udp)' },
    { protocol: 'udp', port: 4789, from: 'group', to: nodes, description: 'overlay data (vxlan)' },
    { protocol: 'esp', from: 'group', to: nodes, description: 'encrypted overlay (esp)' },
    { protocol: 'tcp', port: 8500, from: 'group', to: [spec.manager.name], description: 'consul http api' },
    { protocol: 'icmp', from: 'group', description: 'ping between members' },
  ];
  if (clusterStoreOf(spec) === 'etcd') {
    rules.push({ protocol: 'tcp', port: 2379, from: 'group', to: [spec.manager.name], description: 'etcd client api (cluster store)' });
  }
  if (opts.exposed) {
    for (const w of spec.workloads) {
      if (w.expose !== undefined) {
        rules.push({ protocol: 'tcp', port: w.expose, from: 'any', to: [w.host], description: `${w.name} exposed to everyone` });
      }
    }
  }
  return rules;
}

export function rulesFor(host: string, rules: FirewallRule[]): FirewallRule[] {
  return rules.filter((r) => !r.to || r.to.includes(host));
}
