// IPv4 CIDR arithmetic for spec validation and address planning.
// Pure functions: no I/O, unit-tested in test/unit/cidr.test.ts.

export interface Cidr {
  /** network address as an unsigned 32-bit integer */
  network: number;
  prefix: number;
}

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

export function parseIpv4(text: string): number | undefined {
  const m = IPV4.exec(text);
  if (!m) return undefined;
  const parts = m.slice(1, 5).map(Number);
  if (parts.some((p, i) => p > 255 || (m[i + 1].length > 1 && m[i + 1].startsWith('0')))) return undefined;
  return ((parts[0] << 24) | (parts[1] << 16) | (parts[2] << 8) | parts[3]) >>> 0;
}

export function formatIpv4(value: number): string {
  return [24, 16, 8, 0].map((s) => (value >>> s) & 255).join('.');
}

function mask(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

/**
 * Why `text` is not a CIDR of a network address, or undefined when it is one. Subnets
 * for hosts need /8../30; a firewall source may be anything from /0 to a single /32.
 */
export function cidrProblem(text: string, limits: { min: number; max: number } = { min: 8, max: 30 }): string | undefined {
  const [addr, bits, extra] = text.split('/');
  if (extra !== undefined || bits === undefined || !/^\d{1,2}$/.test(bits)) {
    return `"${text}" is not in CIDR form (e.g. 10.0.9.0/24)`;
  }
  const ip = parseIpv4(addr);
  const prefix = Number(bits);
  if (ip === undefined) return `"${addr}" is not an IPv4 address`;
  if (prefix < limits.min || prefix > limits.max) return `prefix /${prefix} must be between /${limits.min} and /${limits.max}`;
  if ((ip & mask(prefix)) >>> 0 !== ip) {
    return `"${text}" has host bits set; the network address is ${formatIpv4((ip & mask(prefix)) >>> 0)}/${prefix}`;
  }
  return undefined;
}

export function parseCidr(text: string): Cidr {
  const problem = cidrProblem(text);
  if (problem) throw new Error(problem);
  const [addr, bits] = text.split('/');
  return { network: parseIpv4(addr)!, prefix: Number(bits) };
}

export function cidrSize(c: Cidr): number {
  return 2 ** (32 - c.prefix);
}

export function overlaps(a: Cidr, b: Cidr): boolean {
  const p = Math.min(a.prefix, b.prefix);
  return (a.network & mask(p)) >>> 0 === (b.network & mask(p)) >>> 0;
}

/** The n-th address of the network (n = 1 is the first usable address). */
export function nthAddress(c: Cidr, n: number): string {
  if (n <= 0 || n >= cidrSize(c) - 1) throw new Error(`address #${n} is outside ${formatIpv4(c.network)}/${c.prefix}`);
  return formatIpv4((c.network + n) >>> 0);
}

/** The network an interface address belongs to (e.g. 10.213.0.1/24 -> 10.213.0.0/24). */
export function networkOf(address: string, prefix: number): Cidr {
  const ip = parseIpv4(address);
  if (ip === undefined) throw new Error(`"${address}" is not an IPv4 address`);
  return { network: (ip & mask(prefix)) >>> 0, prefix };
}
