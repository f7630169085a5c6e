// The payload encryption key: OVERLAYCTL_CODEC_KEY (base64, 32 bytes) in the
// environment, or a key file with mode 0600 in the state folder, made on first use.
// The CLI, the worker and the codec server of one machine share it.
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { UserError } from '../errors.js';
import type { Paths } from '../paths.js';

export interface CodecKey {
  key: Buffer;
  id: string;
}

export const keyFile = (paths: Paths) => join(paths.state, 'codec.key');

function fromBase64(text: string, source: string): CodecKey {
  const key = Buffer.from(text.trim(), 'base64');
  if (key.length !== 32) throw new UserError(`the payload encryption key in ${source} is not 32 bytes of base64`, 1, 'generate one with `openssl rand -base64 32`');
  return { key, id: createHash('sha256').update(key).digest('hex').slice(0, 12) };
}

export function loadCodecKey(paths: Paths, env: NodeJS.ProcessEnv = process.env): CodecKey {
  if (env.OVERLAYCTL_CODEC_KEY) return fromBase64(env.OVERLAYCTL_CODEC_KEY, 'OVERLAYCTL_CODEC_KEY');
  const file = keyFile(paths);
  try {
    if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
    return fromBase64(readFileSync(file, 'utf8'), file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  try {
    writeFileSync(file, randomBytes(32).toString('base64'), { flag: 'wx', mode: 0o600 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err; // another process made it first
  }
  return fromBase64(readFileSync(file, 'utf8'), file);
}
