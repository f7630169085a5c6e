// Zod schemas for the parts of the Exoscale API v2 overlayctl uses. Field names, enums,
// ranges and required request fields come from the OpenAPI contract (egoscale
// v3/generator/source.yaml, components/schemas/*; request bodies inline under paths/*).
//
// Responses: plain (non-strict) objects, so fields Exoscale adds later are dropped, not
// fatal. The contract marks no response field required; we require only the identifiers
// our logic cannot work without (operation id + state, resource ids except a rule's, SSH
// key name, zone name, quota resource); JSON null is read as absent (client.ts). Enums that grow with Exoscale's catalogue (zones, instance families/sizes,
// states, protocols) are "open" in responses: known values are typed, unknown ones pass.
// Requests: strict objects with the contract's required fields, ranges and patterns, so a
// bad request fails here, naming the field, before anything is sent.
import { z } from 'zod';

export type OpenEnum<T extends readonly string[]> = T[number] | (string & {});
/** A response enum: any string is accepted, the known values stay visible to the type checker. */
const openEnum = <const T extends readonly string[]>(_values: T) => z.string() as unknown as z.ZodType<OpenEnum<T>>;

const port = z.int().min(1).max(65535);
const icmpValue = z.int().min(-1).max(254);
export const LabelsSchema = z.record(z.string(), z.string());
export type Labels = z.infer<typeof LabelsSchema>;

// --- zones (components/schemas/zone, zone-name; GET /zone) ---
export const ZONE_NAMES = ['ch-dk-2', 'de-muc-1', 'ch-gva-2', 'at-vie-1', 'de-fra-1', 'bg-sof-1', 'at-vie-2', 'hr-zag-1'] as const;
export const ZoneSchema = z.object({
  name: openEnum(ZONE_NAMES),
  'api-endpoint': z.string().optional(),
  'sos-endpoint': z.string().optional(),
});
export type Zone = z.infer<typeof ZoneSchema>;
export const ZoneListSchema = z.object({ zones: z.array(ZoneSchema).default([]) });

// --- operations (components/schemas/operation; GET /operation/{id}) ---
export const OPERATION_STATES = ['pending', 'success', 'failure', 'timeout'] as const;
export const OPERATION_REASONS = ['incorrect', 'unknown', 'unavailable', 'forbidden', 'busy', 'fault', 'partial', 'not-found', 'interrupted', 'unsupported', 'conflict'] as const;
export const OperationSchema = z.object({
  id: z.string(),
  // closed: waitForOperation's decisions depend on it
  state: z.enum(OPERATION_STATES),
  reason: openEnum(OPERATION_REASONS).optional(),
  message: z.string().optional(),
  reference: z.object({ id: z.string().optional(), link: z.string().optional(), command: z.string().optional() }).optional(),
});
export type Operation = z.infer<typeof OperationSchema>;

// --- security groups (components/schemas/security-group, security-group-rule, security-group-resource) ---
export const FLOW_DIRECTIONS = ['ingress', 'egress'] as const;
export const RULE_PROTOCOLS = ['tcp', 'esp', 'icmp', 'udp', 'gre', 'ah', 'ipip', 'icmpv6'] as const;
export const VISIBILITIES = ['private', 'public'] as const;
export type Visibility = (typeof VISIBILITIES)[number];

/** A rule's peer group instead of a CIDR: by id or name; visibility 'public' for Exoscale's public groups. */
export const SecurityGroupResourceSchema = z.object({
  id: z.string().optional(),
  name: z.string().min(1).max(255).optional(),
  visibility: openEnum(VISIBILITIES).optional(),
});
export const SecurityGroupRuleSchema = z.object({
  /** needed to delete the rule; optional like everything in the contract's responses */
  id: z.string().optional(),
  'flow-direction': openEnum(FLOW_DIRECTIONS),
  protocol: openEnum(RULE_PROTOCOLS).optional(),
  'start-port': z.number().optional(),
  'end-port': z.number().optional(),
  network: z.string().optional(),
  'security-group': SecurityGroupResourceSchema.optional(),
  icmp: z.object({ type: z.number().optional(), code: z.number().optional() }).optional(),
  description: z.string().optional(),
});
export type SecurityGroupRule = z.infer<typeof SecurityGroupRuleSchema>;

/** Body of POST /security-group/{id}/rules: flow-direction and protocol required. */
export const SecurityGroupRuleRequestSchema = z.strictObject({
  'flow-direction': z.enum(FLOW_DIRECTIONS),
  protocol: z.enum(RULE_PROTOCOLS),
  'start-port': port.optional(),
  'end-port': port.optional(),
  /** a CIDR, e.g. 0.0.0.0/0; or use security-group */
  network: z.string().optional(),
  'security-group': z
    .strictObject({ id: z.string().optional(), name: z.string().min(1).max(255).optional(), visibility: z.enum(VISIBILITIES).optional() })
    .optional(),
  // the contract allows null for both (meaning ANY, the default -1)
  icmp: z.strictObject({ type: icmpValue.nullable().optional(), code: icmpValue.nullable().optional() }).optional(),
  description: z.string().max(255).optional(),
});
export type SecurityGroupRuleRequest = z.infer<typeof SecurityGroupRuleRequestSchema>;

export const SecurityGroupSchema = z.object({
  id: z.string(),
  name: z.string().optional(),
  description: z.string().optional(),
  'external-sources': z.array(z.string()).optional(),
  rules: z.array(SecurityGroupRuleSchema).optional(),
});
export type SecurityGroup = z.infer<typeof SecurityGroupSchema>;
export const SecurityGroupListSchema = z.object({ 'security-groups': z.array(SecurityGroupSchema).default([]) });

/** Body of POST /security-group. */
export const CreateSecurityGroupRequestSchema = z.strictObject({
  name: z.string().min(1).max(255),
  description: z.string().max(255).optional(),
});
export type CreateSecurityGroupRequest = z.infer<typeof CreateSecurityGroupRequestSchema>;

// --- SSH keys (components/schemas/ssh-key; identified by name) ---
export const SshKeySchema = z.object({ name: z.string(), fingerprint: z.string().optional() });
export type SshKey = z.infer<typeof SshKeySchema>;
export const SshKeyListSchema = z.object({ 'ssh-keys': z.array(SshKeySchema).default([]) });

/** Body of POST /ssh-key (the name pattern is the contract's). */
export const RegisterSshKeyRequestSchema = z.strictObject({
  name: z.string().regex(/^[a-zA-Z0-9]{1}[a-zA-Z0-9._-]{0,254}$/),
  'public-key': z.string().min(1),
});
export type RegisterSshKeyRequest = z.infer<typeof RegisterSshKeyRequestSchema>;

// --- templates (components/schemas/template; GET /template) ---
export const TemplateSchema = z.object({
  id: z.string(),
  name: z.string().optional(),
  family: z.string().optional(),
  description: z.string().optional(),
  'default-user': z.string().optional(),
  'boot-mode': openEnum(['legacy', 'uefi'] as const).optional(),
  'ssh-key-enabled': z.boolean().optional(),
  'password-enabled': z.boolean().optional(),
  size: z.number().optional(),
  visibility: openEnum(VISIBILITIES).optional(),
  version: z.string().optional(),
  build: z.string().optional(),
  maintainer: z.string().optional(),
  zones: z.array(z.string()).optional(),
  'created-at': z.string().optional(),
});
export type Template = z.infer<typeof TemplateSchema>;
export const TemplateListSchema = z.object({ templates: z.array(TemplateSchema).default([]) });

// --- instance types (components/schemas/instance-type; GET /instance-type) ---
export const INSTANCE_TYPE_FAMILIES = ['gpu3', 'gpua30', 'gpu3080ti', 'gpu2', 'gpu', 'memory', 'gpua5000', 'gpub300', 'gpurtx6000pro', 'storage', 'standard', 'colossus', 'cpu'] as const;
export const INSTANCE_TYPE_SIZES = ['large', 'huge', 'jumbo', 'medium', 'mega', 'small', 'extra-large', 'titan48c', 'titan', 'micro', 'colossus', 'tiny'] as const;
export const InstanceTypeSchema = z.object({
  id: z.string(),
  family: openEnum(INSTANCE_TYPE_FAMILIES).optional(),
  size: openEnum(INSTANCE_TYPE_SIZES).optional(),
  cpus: z.number().optional(),
  gpus: z.number().optional(),
  /** unit not stated by the contract */
  memory: z.number().optional(),
  /** false: needs Exoscale to authorize the organization first */
  authorized: z.boolean().optional(),
  zones: z.array(z.string()).optional(),
});
export type InstanceType = z.infer<typeof InstanceTypeSchema>;
export const InstanceTypeListSchema = z.object({ 'instance-types': z.array(InstanceTypeSchema).default([]) });

// --- instances (components/schemas/instance; GET /instance items are a subset) ---
export const INSTANCE_STATES = ['expunging', 'starting', 'destroying', 'running', 'stopping', 'stopped', 'migrating', 'error', 'destroyed'] as const;
export const PUBLIC_IP_ASSIGNMENTS = ['inet4', 'dual', 'none'] as const;
export const InstanceSchema = z.object({
  id: z.string(),
  name: z.string().optional(),
  state: openEnum(INSTANCE_STATES).optional(),
  // full objects in the contract; GET /instance/{id} may carry only the id
  'instance-type': InstanceTypeSchema.optional(),
  template: TemplateSchema.optional(),
  'public-ip': z.string().optional(),
  'public-ip-assignment': openEnum(PUBLIC_IP_ASSIGNMENTS).optional(),
  'ipv6-address': z.string().optional(),
  labels: LabelsSchema.optional(),
  // security-group-ref ({id}) in GET /instance/{id}, full groups in GET /instance
  'security-groups': z.array(z.object({ id: z.string(), name: z.string().optional() })).optional(),
  'ssh-key': SshKeySchema.optional(),
  'ssh-keys': z.array(SshKeySchema).optional(),
  'private-networks': z.array(z.object({ id: z.string().optional(), 'mac-address': z.string().optional() })).optional(),
  'anti-affinity-groups': z.array(z.object({ id: z.string() })).optional(),
  manager: z.object({ id: z.string().optional(), type: z.string().optional() }).optional(),
  'disk-size': z.number().optional(),
  'mac-address': z.string().optional(),
  'user-data': z.string().optional(),
  'created-at': z.string().optional(),
});
export type Instance = z.infer<typeof InstanceSchema>;
export const InstanceListSchema = z.object({ instances: z.array(InstanceSchema).default([]) });

const idRef = z.strictObject({ id: z.string().min(1) });
const sshKeyRef = z.strictObject({ name: z.string().min(1).max(255) });
/** Body of POST /instance: instance-type, template and disk-size are required. */
export const CreateInstanceRequestSchema = z.strictObject({
  'instance-type': idRef,
  template: idRef,
  /** GiB */
  'disk-size': z.int().min(10).max(51200),
  name: z.string().min(1).max(255).optional(),
  'ssh-key': sshKeyRef.optional(),
  'ssh-keys': z.array(sshKeyRef).optional(),
  'security-groups': z.array(idRef).optional(),
  'anti-affinity-groups': z.array(idRef).optional(),
  'deploy-target': idRef.optional(),
  /** base64 of the cloud-init document */
  'user-data': z.string().min(1).max(32768).optional(),
  labels: LabelsSchema.optional(),
  'public-ip-assignment': z.enum(PUBLIC_IP_ASSIGNMENTS).optional(),
  /** deprecated by the contract in favour of public-ip-assignment */
  'ipv6-enabled': z.boolean().optional(),
  /** default true */
  'auto-start': z.boolean().optional(),
  'secureboot-enabled': z.boolean().optional(),
  'tpm-enabled': z.boolean().optional(),
  'application-consistent-snapshot-enabled': z.boolean().optional(),
});
export type CreateInstanceRequest = z.infer<typeof CreateInstanceRequestSchema>;

// --- quotas (components/schemas/quota; GET /quota) ---
export const QuotaSchema = z.object({
  resource: z.string(),
  usage: z.number().optional(),
  /** -1 = unlimited */
  limit: z.number().optional(),
});
export type Quota = z.infer<typeof QuotaSchema>;
export const QuotaListSchema = z.object({ quotas: z.array(QuotaSchema).default([]) });

// --- error bodies (egoscale v3/errors.go handleHTTPErrorResp; components/schemas/error-response, rate-limited) ---
/** Older endpoints: {"message": "..."}. */
export const LegacyErrorBodySchema = z.object({ message: z.string() });
/** {"error": "..."}; the rate-limited schema adds retry_after (seconds). */
export const ErrorFieldBodySchema = z.object({ error: z.string(), retry_after: z.number().optional() });
/** One entry of a problem's `errors`: a string, or {detail, location} with location a JSONPath like $['field']. */
export const ProblemErrorEntrySchema = z.union([z.string(), z.object({ detail: z.string().optional(), location: z.string().optional() })]);
/** RFC 9457 problem JSON. The contract requires type/title/status/detail, but egoscale's tests show 422s without detail. */
export const ProblemBodySchema = z.object({
  type: z.string().optional(),
  title: z.string().optional(),
  status: z.number().optional(),
  detail: z.string().optional(),
  errors: z.array(ProblemErrorEntrySchema).optional(),
});
/** Whatever of the three shapes an error body carries (all fields optional, unknown ones dropped). */
export const ErrorBodySchema = z.object({
  message: z.string().optional(),
  error: z.string().optional(),
  retry_after: z.number().optional(),
  ...ProblemBodySchema.shape,
});
export type ErrorBody = z.infer<typeof ErrorBodySchema>;
