// Read-only catalogue: zones, templates, instance types. Field names and enums from the
// contract (components/schemas/zone, template, instance-type); values are plausible,
// not copied from a live account.
import { createHash } from 'node:crypto';

/** zone-name enum of the contract */
export const ZONES = ['ch-gva-2', 'ch-dk-2', 'de-fra-1', 'de-muc-1', 'at-vie-1', 'at-vie-2', 'bg-sof-1', 'hr-zag-1'] as const;

export interface Template {
  id?: string;
  name: string;
  family?: string;
  defaultUser?: string;
  visibility?: 'public' | 'private';
  bootMode?: 'legacy' | 'uefi';
  /** bytes */
  size?: number;
  sshKeyEnabled?: boolean;
  passwordEnabled?: boolean;
  description?: string;
}

export interface InstanceType {
  id?: string;
  family: string;
  size: string;
  cpus: number;
  /** bytes (the contract does not state the unit; bytes is what we assume) */
  memory: number;
  gpus?: number;
  authorized?: boolean;
  zones?: string[];
}

/** Stable ids per zone and name, so ids differ between zones like the reference says. */
export function stableId(...parts: string[]): string {
  const h = createHash('sha1').update(parts.join('\0')).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((parseInt(h[16], 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export const DEFAULT_TEMPLATES: Template[] = [
  // exo CLI default template name (reference section 4/6); default user from the distro.
  { name: 'Linux Ubuntu 22.04 LTS 64-bit', family: 'ubuntu', defaultUser: 'ubuntu', bootMode: 'legacy', size: 10 * 2 ** 30 },
  { name: 'Linux Ubuntu 24.04 LTS 64-bit', family: 'ubuntu', defaultUser: 'ubuntu', bootMode: 'uefi', size: 10 * 2 ** 30 },
  { name: 'Linux Debian 12 (Bookworm) 64-bit', family: 'debian', defaultUser: 'debian', bootMode: 'legacy', size: 10 * 2 ** 30 },
];

const GiB = 2 ** 30;
// Exoscale's published standard sizes (vCPU / RAM).
export const DEFAULT_INSTANCE_TYPES: InstanceType[] = [
  { family: 'standard', size: 'micro', cpus: 1, memory: GiB / 2 },
  { family: 'standard', size: 'tiny', cpus: 1, memory: GiB },
  { family: 'standard', size: 'small', cpus: 2, memory: 2 * GiB },
  { family: 'standard', size: 'medium', cpus: 2, memory: 4 * GiB },
  { family: 'standard', size: 'large', cpus: 4, memory: 8 * GiB },
  { family: 'standard', size: 'extra-large', cpus: 4, memory: 16 * GiB },
  { family: 'standard', size: 'huge', cpus: 8, memory: 32 * GiB },
];

/** Fills in ids and defaults; the result is what the API shows. */
export function templateCatalog(zone: string, templates: Template[], createdAt: string) {
  return templates.map((t) => ({
    id: t.id ?? stableId('template', zone, t.name),
    name: t.name,
    description: t.description ?? '',
    family: t.family ?? 'other',
    'default-user': t.defaultUser,
    visibility: t.visibility ?? 'public',
    'boot-mode': t.bootMode ?? 'legacy',
    size: t.size ?? 10 * GiB,
    'ssh-key-enabled': t.sshKeyEnabled ?? true,
    'password-enabled': t.passwordEnabled ?? false,
    zones: [zone],
    'created-at': createdAt,
    maintainer: 'Exoscale',
  }));
}

export function instanceTypeCatalog(zone: string, types: InstanceType[]) {
  return types.map((t) => ({
    id: t.id ?? stableId('instance-type', zone, t.family, t.size),
    family: t.family,
    size: t.size,
    cpus: t.cpus,
    memory: t.memory,
    ...(t.gpus ? { gpus: t.gpus } : {}),
    authorized: t.authorized ?? true,
    zones: t.zones ?? [zone],
  }));
}

export type TemplateView = ReturnType<typeof templateCatalog>[number];
export type InstanceTypeView = ReturnType<typeof instanceTypeCatalog>[number];
