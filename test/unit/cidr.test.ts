import { describe, expect, it } from 'vitest';
import { cidrProblem, cidrSize, networkOf, nthAddress, overlaps, parseCidr, parseIpv4 } from '../../src/net/cidr.js';

describe('cidr', () => {
  it('accepts network addresses', () => {
    expect(cidrProblem('10.0.9.0/24')).toBeUndefined();
    expect(parseCidr('10.213.0.0/16')).toEqual({ network: parseIpv4('10.213.0.0'), prefix: 16 });
  });

  it.each([
    ['10.0.9.1/24', 'host bits set; the network address is 10.0.9.0/24'],
    ['10.0.9.0', 'not in CIDR form'],
    ['10.0.9.0/33', 'between /8 and /30'],
    ['10.0.256.0/24', 'not an IPv4 address'],
    ['10.0.09.0/24', 'not an IPv4 address'],
    ['10.0.9.0/24/1', 'not in CIDR form'],
    ['fd00::/64', 'not an IPv4 address'],
  ])('rejects %s', (text, message) => {
    expect(cidrProblem(text)).toContain(message);
  });

  it('computes sizes, addresses and overlaps', () => {
    const net = parseCidr('10.213.0.0/24');
    expect(cidrSize(net)).toBe(256);
    expect(nthAddress(net, 1)).toBe('10.213.0.1');
    expect(nthAddress(net, 10)).toBe('10.213.0.10');
    expect(() => nthAddress(net, 255)).toThrow(/outside/);
    expect(overlaps(net, parseCidr('10.213.0.128/25'))).toBe(true);
    expect(overlaps(net, parseCidr('10.0.9.0/24'))).toBe(false);
    expect(overlaps(parseCidr('10.0.0.0/8'), parseCidr('10.0.9.0/24'))).toBe(true);
    expect(networkOf('10.213.0.1', 24)).toEqual(parseCidr('10.213.0.0/24'));
    expect(overlaps(networkOf('192.168.7.20', 16), parseCidr('192.168.200.0/24'))).toBe(true);
  });
});
