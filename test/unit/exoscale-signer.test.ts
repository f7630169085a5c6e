import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { authorizationHeader, defaultExpiry, signatureMessage, signedQueryNames } from '../../src/providers/exoscale/api/signer.js';

// Published vectors: exoscale/egoscale v2/api/security_test.go (TestSecurityProviderExoscale_SignRequest),
// the same as exoscale/requests-exoscale-auth tests; see /work/shared/reference/exoscale-api.md.
const creds = { key: 'EXOxxxxxxxxxxxxxxxxxxxxxxxx', secret: 'XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX', expires: 3376684800 };

describe('EXO2-HMAC-SHA256 signer', () => {
  it('vector A: GET /v2/zone, no body, no query', () => {
    const req = { ...creds, method: 'GET', path: '/v2/zone' };
    expect(creds.secret).toHaveLength(43);
    expect(signatureMessage(req)).toBe('GET /v2/zone\n\n\n\n3376684800');
    expect(authorizationHeader(req)).toBe(
      'EXO2-HMAC-SHA256 credential=EXOxxxxxxxxxxxxxxxxxxxxxxxx,expires=3376684800,signature=Ntbq/p0HVmA3Zg1HHY+Lq1vjFGi7HeMrrgXDS5jRNlY=',
    );
  });

  it('vector B: GET /v2/zone?k1=v1&k2=v2', () => {
    const req = { ...creds, method: 'GET', path: '/v2/zone', query: new URLSearchParams('k1=v1&k2=v2') };
    expect(signatureMessage(req)).toBe('GET /v2/zone\n\nv1v2\n\n3376684800');
    expect(authorizationHeader(req)).toBe(
      'EXO2-HMAC-SHA256 credential=EXOxxxxxxxxxxxxxxxxxxxxxxxx,signed-query-args=k1;k2,expires=3376684800,signature=iqOBz13+44L5j0uJclE8hmUhQQcvtCSoPEOXYK6liqY=',
    );
  });

  it('derived vector: POST /v2/security-group with a body', () => {
    const req = { ...creds, method: 'POST', path: '/v2/security-group', body: '{"name":"test"}' };
    expect(signatureMessage(req)).toBe('POST /v2/security-group\n{"name":"test"}\n\n\n3376684800');
    expect(authorizationHeader(req)).toBe(
      'EXO2-HMAC-SHA256 credential=EXOxxxxxxxxxxxxxxxxxxxxxxxx,expires=3376684800,signature=Gw57L6l4XDA2ucY1ioe6LUM1wSmKDRkpdsDbbyUtyJ4=',
    );
  });

  it('signs query names in sorted order, whatever order they are sent in', () => {
    const sorted = { ...creds, method: 'GET', path: '/v2/zone', query: new URLSearchParams('k1=v1&k2=v2') };
    const reversed = { ...sorted, query: new URLSearchParams('k2=v2&k1=v1') };
    expect(authorizationHeader(reversed)).toBe(authorizationHeader(sorted));
    const names = ['zeta', 'alpha', 'Mid', 'beta-2', 'beta'];
    const query = new URLSearchParams(names.map((n): [string, string] => [n, `<${n}>`]));
    expect(signedQueryNames(query)).toEqual(['Mid', 'alpha', 'beta', 'beta-2', 'zeta']); // byte order, like Go's sort.Strings
    expect(signatureMessage({ ...creds, method: 'GET', path: '/v2/x', query })).toBe('GET /v2/x\n\n<Mid><alpha><beta><beta-2><zeta>\n\n3376684800');
  });

  it('does not sign multi-valued query params', () => {
    const base = { ...creds, method: 'GET', path: '/v2/instance' };
    for (const extra of ['a=1&a=2', 'a=1&a=2&a=3', 'a=&a=x']) {
      const query = new URLSearchParams(`k1=v1&${extra}`);
      expect(signedQueryNames(query)).toEqual(['k1']);
      expect(signatureMessage({ ...base, query })).toBe(signatureMessage({ ...base, query: new URLSearchParams('k1=v1') }));
      expect(authorizationHeader({ ...base, query })).toContain(',signed-query-args=k1,');
    }
    // only multi-valued params: nothing signed, and no signed-query-args part at all
    expect(authorizationHeader({ ...base, query: new URLSearchParams('a=1&a=2') })).not.toContain('signed-query-args');
  });

  it('signs decoded values and agrees with a plain HMAC over the message', () => {
    const query = new URLSearchParams('labels=overlayctl.cluster%3Ddemo&visibility=public');
    const req = { ...creds, method: 'GET', path: '/v2/instance', query, body: '' };
    const message = signatureMessage(req);
    expect(message).toBe('GET /v2/instance\n\noverlayctl.cluster=demopublic\n\n3376684800');
    const expected = createHmac('sha256', creds.secret).update(message).digest('base64');
    expect(authorizationHeader(req)).toBe(`EXO2-HMAC-SHA256 credential=${creds.key},signed-query-args=labels;visibility,expires=3376684800,signature=${expected}`);
  });

  it('changes the signature with the method, path, body and expiry', () => {
    const base = { ...creds, method: 'POST', path: '/v2/security-group', body: '{"name":"test"}' };
    const sig = (r: typeof base) => authorizationHeader(r).split('signature=')[1];
    const all = [base, { ...base, method: 'PUT' }, { ...base, path: '/v2/security-groups' }, { ...base, body: '{"name":"test2"}' }, { ...base, expires: base.expires + 1 }].map(sig);
    expect(new Set(all).size).toBe(all.length);
  });

  it('expires ten minutes from now by default, in whole seconds', () => {
    expect(defaultExpiry(Date.UTC(2077, 0, 1) - 600_000)).toBe(3376684800);
    expect(defaultExpiry(1_000_999)).toBe(1000 + 600);
    expect(() => authorizationHeader({ ...creds, method: 'GET', path: '/v2/zone', expires: 1.5 })).toThrow(/whole unix seconds/);
  });
});
