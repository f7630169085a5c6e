// The pinned toolchain in the cache folder, laid out by scripts/versions.sh.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from './errors.js';

export const TEMPORAL_VERSION = '1.5.1';
export const CONSUL_VERSION = '1.16.3';

export function temporalBin(cache: string): string {
  return process.env.TEMPORAL_BIN || join(cache, `temporal-${TEMPORAL_VERSION}`, 'bin', 'temporal');
}

export function requireTemporalBin(cache: string): string {
  const bin = temporalBin(cache);
  if (!existsSync(bin)) {
    throw new UserError(`the Temporal CLI is not installed at ${bin}`, 1, 'run `bash scripts/setup.sh` (as root) to build it, or set TEMPORAL_BIN');
  }
  return bin;
}

export const imagesDir = (cache: string) => join(cache, 'images');
