// Per-cluster secrets (database passwords), generated on first use and kept in the
// cluster's state folder with mode 0600. They never pass through workflow input or
// history: activities and the CLI read them here.
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { clusterStateDir, type Paths } from './paths.js';

export const secretsDir = (paths: Paths, cluster: string) => join(clusterStateDir(paths, cluster), 'secrets');

/** Reads the secret, creating it atomically (O_EXCL) if it does not exist yet. */
export async function ensureSecret(paths: Paths, cluster: string, name: string): Promise<string> {
  const dir = secretsDir(paths, cluster);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const file = join(dir, name);
  const fresh = randomBytes(18).toString('base64url');
  try {
    await writeFile(file, fresh, { flag: 'wx', mode: 0o600 });
    return fresh;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    return (await readFile(file, 'utf8')).trim();
  }
}

export async function readSecret(paths: Paths, cluster: string, name: string): Promise<string | undefined> {
  try {
    return (await readFile(join(secretsDir(paths, cluster), name), 'utf8')).trim();
  } catch {
    return undefined;
  }
}
