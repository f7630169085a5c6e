import { describe, expect, it } from 'vitest';
import { clusterRules, rulesFor } from '../../src/firewall.js';
import { securityGroupRestore } from '../../src/providers/local/security-group.js';
import { loadSpecFile } from '../../src/spec.js';

const spec = loadSpecFile();

describe('firewall rules', () => {
  it('opens exactly the ports the overlay needs, to group members only', () => {
    const rules = clusterRules(spec, { exposed: false });
    const summary = rules.map((r) => `${r.protocol}${r.port ? `/${r.port}` : ''} from ${r.from} to ${r.to?.join('+') ?? 'all'}`);
    expect(summary).toEqual([
      'tcp/2377 from group to tuto-node1',
      'tcp/7946 from group to tuto-node1+tuto-node2+tuto-node3',
      'udp/7946 from group to tuto-node1+tuto-node2+tuto-node3',
      'udp/4789 from group to tuto-node1+tuto-node2+tuto-node3',
      'esp from group to tuto-node1+tuto-node2+tuto-node3',
      'tcp/8500 from group to tuto-manager',
      'icmp from group to all',
    ]);
    // the tutorial's TCP 4789 is wrong (VXLAN is UDP), and nothing is open to everyone
    expect(rules.some((r) => r.protocol === 'tcp' && r.port === 4789)).toBe(false);
    expect(rules.some((r) => r.from === 'any')).toBe(false);
  });

  it('opens the exposed port to everyone, on its host only, at the exposure step', () => {
    const rules = clusterRules(spec, { exposed: true });
    expect(rules.filter((r) => r.from === 'any')).toEqual([{ protocol: 'tcp', port: 80, from: 'any', to: ['tuto-node2'], description: 'web exposed to everyone' }]);
    expect(rulesFor('tuto-node3', rules).some((r) => r.port === 80)).toBe(false);
  });

  it('turns the group into iptables rules for one host: replies, members, then drop', () => {
    const members = ['10.213.0.10', '10.213.0.11'];
    const text = securityGroupRestore('tuto-manager', clusterRules(spec, { exposed: false }), members);
    expect(text.split('\n')).toEqual([
      '*mangle',
      ':OVERLAYCTL-SG - [0:0]',
      '-F OVERLAYCTL-SG',
      '-A OVERLAYCTL-SG -m conntrack --ctstate ESTABLISHED,RELATED -j RETURN',
      '-A OVERLAYCTL-SG -s 10.213.0.10/32 -p tcp -m tcp --dport 8500 -m comment --comment "consul http api" -j RETURN',
      '-A OVERLAYCTL-SG -s 10.213.0.11/32 -p tcp -m tcp --dport 8500 -m comment --comment "consul http api" -j RETURN',
      '-A OVERLAYCTL-SG -s 10.213.0.10/32 -p icmp -m comment --comment "ping between members" -j RETURN',
      '-A OVERLAYCTL-SG -s 10.213.0.11/32 -p icmp -m comment --comment "ping between members" -j RETURN',
      '-A OVERLAYCTL-SG -m comment --comment "default deny inbound" -j DROP',
      'COMMIT',
      '',
    ]);
  });

  it('gives the web host its exposed port from anywhere', () => {
    const text = securityGroupRestore('tuto-node2', clusterRules(spec, { exposed: true }), ['10.213.0.12']);
    expect(text).toContain('-A OVERLAYCTL-SG -p tcp -m tcp --dport 80 -m comment --comment "web exposed to everyone" -j RETURN');
    expect(text).toContain('-A OVERLAYCTL-SG -s 10.213.0.12/32 -p udp -m udp --dport 4789 -m comment --comment "overlay data (vxlan)" -j RETURN');
    expect(text).toContain('-A OVERLAYCTL-SG -s 10.213.0.12/32 -p esp -m comment --comment "encrypted overlay (esp)" -j RETURN');
  });
});
