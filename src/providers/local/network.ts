// The local "cloud network": one bridge per cluster, one network namespace per host,
// joined by a veth pair. Every link carries the cluster's tag as its alias, and the
// bridge's forwarding rule carries it as a comment, so teardown finds and removes
// exactly what is ours.
import { readdir } from 'node:fs/promises';
import { networkOf, overlaps, parseCidr } from '../../net/cidr.js';
import { permanent } from '../errors.js';
import { run } from './exec.js';
import { bridgeAddress, bridgeName, clusterTag, hostAddress, NETNS_PREFIX, prefixLength, vethName } from './layout.js';

async function linkExists(name: string, netns?: string): Promise<boolean> {
  const args = netns ? ['-n', netns, 'link', 'show', 'dev', name] : ['link', 'show', 'dev', name];
  return (await run('ip', args, { allow: [1] })).code === 0;
}

async function addressesOf(name: string, netns?: string): Promise<string[]> {
  const args = netns ? ['-n', netns, '-j', 'addr', 'show', 'dev', name] : ['-j', 'addr', 'show', 'dev', name];
  const out = await run('ip', args, { allow: [1] });
  if (out.code !== 0) return [];
  const parsed = JSON.parse(out.stdout || '[]') as { addr_info?: { family: string; local: string; prefixlen: number }[] }[];
  return parsed.flatMap((l) => (l.addr_info ?? []).filter((a) => a.family === 'inet').map((a) => `${a.local}/${a.prefixlen}`));
}

/** "File exists" from a concurrent or earlier attempt means the state is already there. */
async function tolerateExists(p: Promise<unknown>): Promise<void> {
  try {
    await p;
  } catch (err) {
    if (!/File exists|already exists|already assigned/.test((err as Error).message)) throw err;
  }
}

const forwardRule = (cluster: string) => {
  const br = bridgeName(cluster);
  return ['FORWARD', '-i', br, '-o', br, '-m', 'comment', '--comment', clusterTag(cluster), '-j', 'ACCEPT'];
};

/** `lockFile` serialises the check-then-insert of the forwarding rule across parallel host creations. */
export async function ensureBridge(cluster: string, subnet: string, lockFile: string): Promise<void> {
  const br = bridgeName(cluster);
  await refuseOverlap(br, subnet);
  if (!(await linkExists(br))) await tolerateExists(run('ip', ['link', 'add', br, 'type', 'bridge']));
  await run('ip', ['link', 'set', 'dev', br, 'alias', clusterTag(cluster)]);
  const want = `${bridgeAddress(subnet)}/${prefixLength(subnet)}`;
  if (!(await addressesOf(br)).includes(want)) await tolerateExists(run('ip', ['addr', 'add', want, 'dev', br]));
  await run('ip', ['link', 'set', 'dev', br, 'up']);
  // A host-level dockerd sets FORWARD's policy to DROP, and bridged traffic passes
  // FORWARD when br_netfilter is loaded: allow our own bridge explicitly, first.
  // Names are validated ([a-z0-9-]), so the rule's words need no quoting here.
  const rule = forwardRule(cluster).slice(1).join(' ');
  await run('flock', [lockFile, 'sh', '-c', `iptables -w -C FORWARD ${rule} 2>/dev/null || iptables -w -I FORWARD 1 ${rule}`]);
}

/**
 * Two networks with overlapping ranges on one machine break each other's routes: refuse
 * a subnet that another interface (another cluster's bridge, the machine's own LAN) holds.
 */
async function refuseOverlap(ownBridge: string, subnet: string): Promise<void> {
  const out = await run('ip', ['-j', 'addr', 'show']);
  const links = JSON.parse(out.stdout || '[]') as { ifname: string; addr_info?: { family: string; local: string; prefixlen: number }[] }[];
  const want = parseCidr(subnet);
  for (const link of links) {
    if (link.ifname === ownBridge) continue;
    for (const a of link.addr_info ?? []) {
      if (a.family !== 'inet' || a.local.startsWith('127.')) continue;
      if (overlaps(want, networkOf(a.local, a.prefixlen))) {
        const alias = (await run('ip', ['-j', '-d', 'link', 'show', 'dev', link.ifname])).stdout;
        const owner = /"ifalias":"overlayctl:([a-z0-9-]+)/.exec(alias)?.[1];
        throw permanent(
          'SubnetInUse',
          `subnet ${subnet} overlaps ${a.local}/${a.prefixlen} on ${link.ifname}${owner ? ` (cluster ${owner})` : ''}`,
          'give this cluster another provider.subnet in its spec',
        );
      }
    }
  }
}

export async function bridgeExists(cluster: string): Promise<boolean> {
  return linkExists(bridgeName(cluster));
}

export async function deleteBridge(cluster: string): Promise<void> {
  const rule = forwardRule(cluster);
  while ((await run('iptables', ['-w', '-C', ...rule], { allow: [1] })).code === 0) {
    await run('iptables', ['-w', '-D', ...rule]);
  }
  const br = bridgeName(cluster);
  if (await linkExists(br)) await run('ip', ['link', 'del', 'dev', br], { allow: [1] });
}

export async function listNetns(): Promise<string[]> {
  try {
    return (await readdir('/var/run/netns')).filter((n) => n.startsWith(NETNS_PREFIX));
  } catch {
    return [];
  }
}

export async function ensureNetns(netns: string): Promise<void> {
  if (!(await listNetns()).includes(netns)) await tolerateExists(run('ip', ['netns', 'add', netns]));
}

/** The host's NIC: eth0 in its namespace, its peer on the cluster's bridge. */
export async function ensureHostLink(cluster: string, host: string, netns: string, subnet: string, index: number): Promise<string> {
  const veth = vethName(cluster, host);
  const [outside, inside] = await Promise.all([linkExists(veth), linkExists('eth0', netns)]);
  if (outside && !inside) await run('ip', ['link', 'del', 'dev', veth], { allow: [1] }); // half-made pair from a crash
  if (!outside || !inside) {
    if (inside) await run('ip', ['-n', netns, 'link', 'del', 'dev', 'eth0'], { allow: [1] });
    await run('ip', ['link', 'add', veth, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', netns]);
  }
  await run('ip', ['link', 'set', 'dev', veth, 'alias', `${clusterTag(cluster)}:${host}`]);
  await run('ip', ['link', 'set', 'dev', veth, 'master', bridgeName(cluster), 'up']);
  const address = hostAddress(subnet, index);
  const want = `${address}/${prefixLength(subnet)}`;
  if (!(await addressesOf('eth0', netns)).includes(want)) await tolerateExists(run('ip', ['-n', netns, 'addr', 'add', want, 'dev', 'eth0']));
  await run('ip', ['-n', netns, 'link', 'set', 'dev', 'eth0', 'up']);
  await run('ip', ['-n', netns, 'link', 'set', 'dev', 'lo', 'up']);
  return address;
}

export async function hostAddressOf(netns: string): Promise<string | undefined> {
  const addrs = await addressesOf('eth0', netns);
  return addrs[0]?.split('/')[0];
}

/** Deletes the namespace (its eth0 and so the veth pair go with it) and waits until the link is gone. */
export async function deleteNetns(cluster: string, host: string, netns: string): Promise<void> {
  if ((await listNetns()).includes(netns)) await run('ip', ['netns', 'del', netns], { allow: [1] });
  const veth = vethName(cluster, host);
  const deadline = Date.now() + 5_000;
  while ((await linkExists(veth)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  if (await linkExists(veth)) await run('ip', ['link', 'del', 'dev', veth], { allow: [1] });
}
