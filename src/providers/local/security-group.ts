// The cluster's security group as real iptables rules inside each host's namespace.
// They filter what arrives on the host's "NIC" (eth0) before Docker's own NAT, as a
// cloud security group does, so a missing rule breaks the overlay here as it would there.
import type { FirewallRule } from '../../firewall.js';
import { rulesFor } from '../../firewall.js';
import { runInNetns } from './exec.js';

export const SG_CHAIN = 'OVERLAYCTL-SG';
const HOOK = ['PREROUTING', '-i', 'eth0', '-j', SG_CHAIN];

function match(rule: FirewallRule): string {
  switch (rule.protocol) {
    case 'tcp':
    case 'udp':
      return `-p ${rule.protocol} -m ${rule.protocol} --dport ${rule.port}`;
    case 'esp':
      return '-p esp';
    case 'icmp':
      return '-p icmp';
  }
}

/**
 * iptables-restore input (mangle table, --noflush) that makes the chain hold exactly
 * the rules that protect `host`: replies pass, members reach what the group allows,
 * everything else arriving on eth0 is dropped.
 */
export function securityGroupRestore(host: string, rules: FirewallRule[], memberAddresses: string[]): string {
  const bodies: string[] = [];
  for (const rule of rulesFor(host, rules)) {
    const comment = `-m comment --comment "${rule.description.replace(/"/g, '')}"`;
    const sources = rule.from === 'any' ? [''] : memberAddresses.map((a) => `-s ${a}/32 `);
    for (const src of sources) bodies.push(`${src}${match(rule)} ${comment}`);
  }
  return chainRestore(bodies);
}

/** iptables-restore input for a chain of ACCEPT-ish (`-j RETURN`) rule bodies: replies pass, then the rules, then drop. */
export function chainRestore(ruleBodies: string[]): string {
  return [
    '*mangle',
    `:${SG_CHAIN} - [0:0]`,
    `-F ${SG_CHAIN}`,
    `-A ${SG_CHAIN} -m conntrack --ctstate ESTABLISHED,RELATED -j RETURN`,
    ...ruleBodies.map((body) => `-A ${SG_CHAIN} ${body} -j RETURN`),
    `-A ${SG_CHAIN} -m comment --comment "default deny inbound" -j DROP`,
    'COMMIT',
    '',
  ].join('\n');
}

/** Replaces a host's rules atomically (iptables-restore input) and hooks the chain in once. */
export async function applyRestore(netns: string, restore: string): Promise<void> {
  await runInNetns(netns, 'iptables-restore', ['-w', '--noflush'], { input: restore });
  const present = await runInNetns(netns, 'iptables', ['-w', '-t', 'mangle', '-C', ...HOOK], { allow: [1] });
  if (present.code !== 0) await runInNetns(netns, 'iptables', ['-w', '-t', 'mangle', '-I', ...HOOK.slice(0, 1), '1', ...HOOK.slice(1)]);
}

export async function applySecurityGroup(netns: string, host: string, rules: FirewallRule[], members: string[]): Promise<void> {
  await applyRestore(netns, securityGroupRestore(host, rules, members));
}

/** For tests and diagnosis: the rules as iptables prints them. */
export async function listSecurityGroup(netns: string): Promise<string[]> {
  const out = await runInNetns(netns, 'iptables', ['-w', '-t', 'mangle', '-S', SG_CHAIN], { allow: [1] });
  return out.stdout.split('\n').filter((l) => l.startsWith('-A'));
}
