import type { DataConverter } from '@temporalio/common';
import type { Paths } from '../paths.js';
import { EncryptionCodec } from './encryption-codec.js';
import { loadCodecKey } from './key.js';

/** The data converter every client and worker of this machine uses. */
export function dataConverter(paths: Paths): DataConverter {
  const { key, id } = loadCodecKey(paths);
  return { payloadCodecs: [new EncryptionCodec(key, id)] };
}
