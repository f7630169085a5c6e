// The controller's SSH identity for a cluster (a key pair, 0600, in the cluster's state
// folder) and the host keys it pinned on first contact with each instance.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { clusterStateDir, type Paths } from '../../paths.js';

const run = promisify(execFile);

export interface KeyPair {
  privateKeyPath: string;
  publicKey: string;
}

export const sshDir = (paths: Paths, cluster: string) => join(clusterStateDir(paths, cluster), 'ssh');

/** The cluster's key pair, made with ssh-keygen on first use. */
export async function ensureKeyPair(paths: Paths, cluster: string): Promise<KeyPair> {
  const dir = sshDir(paths, cluster);
  const file = join(dir, 'id_ed25519');
  if (!existsSync(file)) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const tmp = `${file}.${process.pid}`;
    await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', `overlayctl-${cluster}`, '-f', tmp]);
    // two attempts racing: the first rename wins, both then read the same pair
    if (!existsSync(file)) {
      renameSync(`${tmp}.pub`, `${file}.pub`);
      renameSync(tmp, file);
    }
  }
  return { privateKeyPath: file, publicKey: readFileSync(`${file}.pub`, 'utf8').trim() };
}

/** MD5 colon-hex fingerprint of an OpenSSH public key line (the form the API shows). */
export function md5Fingerprint(publicKeyLine: string): string {
  const blob = Buffer.from(publicKeyLine.trim().split(/\s+/)[1] ?? '', 'base64');
  return createHash('md5').update(blob).digest('hex').match(/../g)!.join(':');
}

const knownHostsFile = (paths: Paths, cluster: string) => join(sshDir(paths, cluster), 'known_hosts.json');

function readKnown(file: string): Record<string, string> {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>;
  } catch {
    return {};
  }
}

/**
 * Trust on first use: the first key an address shows is stored; later connections
 * must show the same one. A mismatch refuses the connection (a replaced instance must
 * be forgotten first: deleting the host does that).
 */
export function hostKeyVerifier(paths: Paths, cluster: string, address: string): (key: Buffer) => boolean {
  const file = knownHostsFile(paths, cluster);
  return (key: Buffer) => {
    const fingerprint = `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`;
    const known = readKnown(file);
    if (known[address]) return known[address] === fingerprint;
    mkdirSync(sshDir(paths, cluster), { recursive: true, mode: 0o700 });
    writeFileSync(`${file}.tmp`, JSON.stringify({ ...known, [address]: fingerprint }, null, 2), { mode: 0o600 });
    renameSync(`${file}.tmp`, file);
    return true;
  };
}

export function forgetHostKey(paths: Paths, cluster: string, address: string): void {
  const file = knownHostsFile(paths, cluster);
  const known = readKnown(file);
  if (!(address in known)) return;
  delete known[address];
  writeFileSync(file, JSON.stringify(known, null, 2), { mode: 0o600 });
}
