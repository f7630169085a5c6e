// Request bodies the emulator accepts, transcribed from the contract
// (/tmp/exo-openapi.yaml = egoscale v3/generator/source.yaml): names, required fields,
// enums and ranges are the contract's. Fields the contract has but the emulator does
// not model (anti-affinity groups, deploy targets, TPM, ...) are accepted and ignored.
// Errors are RFC 9457 problem JSON, the only error shape the contract defines
// (components/schemas/error-response: type, title, status, detail).
import { z } from 'zod';

export const RULE_PROTOCOLS = ['tcp', 'esp', 'icmp', 'udp', 'gre', 'ah', 'ipip', 'icmpv6'] as const;

export const CreateSecurityGroupBody = z.object({
  name: z.string().min(1).max(255),
  description: z.string().max(255).optional(),
});

const icmpValue = z.int().min(-1).max(254).nullable().optional();
export const AddRuleBody = z.object({
  'flow-direction': z.enum(['ingress', 'egress']),
  protocol: z.enum(RULE_PROTOCOLS),
  description: z.string().max(255).optional(),
  network: z.string().optional(),
  'security-group': z
    .object({ id: z.guid().optional(), name: z.string().min(1).max(255).optional(), visibility: z.enum(['private', 'public']).optional() })
    .optional(),
  icmp: z.object({ code: icmpValue, type: icmpValue }).optional(),
  'start-port': z.int().min(1).max(65535).optional(),
  'end-port': z.int().min(1).max(65535).optional(),
});

export const RegisterSshKeyBody = z.object({
  name: z.string().regex(/^[a-zA-Z0-9]{1}[a-zA-Z0-9._-]{0,254}$/, 'must match ^[a-zA-Z0-9]{1}[a-zA-Z0-9._-]{0,254}$'),
  'public-key': z.string(),
});

const ref = z.object({ id: z.guid() });
const sshKeyRef = z.object({ name: z.string().min(1).max(255) });
export const CreateInstanceBody = z.object({
  'instance-type': ref,
  template: ref,
  'disk-size': z.int().min(10).max(51200),
  name: z.string().min(1).max(255).optional(),
  'ssh-key': sshKeyRef.optional(),
  'ssh-keys': z.array(sshKeyRef).optional(),
  'security-groups': z.array(ref).optional(),
  // The contract says "base64 encoded", minLength 1, maxLength 32768 (of the encoded text).
  'user-data': z.base64('must be base64').min(1).max(32768).optional(),
  labels: z.record(z.string(), z.string()).optional(),
  'public-ip-assignment': z.enum(['inet4', 'dual', 'none']).optional(),
  'ipv6-enabled': z.boolean().optional(),
  'auto-start': z.boolean().optional(),
});

export const StartInstanceBody = z.object({ 'rescue-profile': z.enum(['netboot-efi', 'netboot']).optional() });

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  errors?: { detail: string; location: string }[];
}

/** Thrown by handlers; the server turns it into the response. */
export class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly body: ProblemBody,
    readonly headers: Record<string, string> = {},
  ) {
    super(body.detail);
  }
}

// Problem type URIs: '#/http-problem-types/not-found' and '.../bad-request' appear in
// egoscale v3 errors_test.go; the other slugs follow the same pattern (not in sources).
export function problem(status: number, slug: string, title: string, detail: string, errors?: ProblemBody['errors']): HttpProblem {
  return new HttpProblem(status, { type: `#/http-problem-types/${slug}`, title, status, detail, ...(errors ? { errors } : {}) });
}

export const notFound = (detail: string) => problem(404, 'not-found', 'Not Found', detail);
export const conflict = (detail: string) => problem(409, 'conflict', 'Conflict', detail);
export const invalid = (errors: { detail: string; location: string }[]) =>
  problem(400, 'bad-request', 'Bad Request', errors.map((e) => `${e.location}: ${e.detail}`).join('; '), errors);

/** JSONPath-like location as in egoscale's test data: $['disk-size'], $['security-groups'][0]['id'] */
export function location(path: readonly PropertyKey[]): string {
  return '$' + path.map((p) => (typeof p === 'number' ? `[${p}]` : `['${String(p)}']`)).join('');
}

export function parseBody<T>(schema: z.ZodType<T>, value: unknown): T {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  throw invalid(r.error.issues.map((i) => ({ detail: i.message, location: location(i.path) })));
}
