// Images for engines that may not reach a registry: root file systems built offline by
// scripts/build-images.sh, imported into each engine that needs them (as `kind load`
// does). An image already imported from the same recipe is left alone.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type Docker from 'dockerode';
import { permanent } from '../providers/errors.js';

export const RECIPE_LABEL = 'overlayctl.image.recipe';

interface CachedImage {
  name: string;
  tag: string;
  recipe: string;
  changes: string[];
}

export function parseImageRef(ref: string): { name: string; tag: string } {
  const at = ref.lastIndexOf(':');
  return at > ref.lastIndexOf('/') && at !== -1 ? { name: ref.slice(0, at), tag: ref.slice(at + 1) } : { name: ref, tag: 'latest' };
}

async function readCached(imagesDir: string, name: string): Promise<CachedImage | undefined> {
  try {
    return JSON.parse(await readFile(join(imagesDir, `${name}.json`), 'utf8')) as CachedImage;
  } catch {
    return undefined;
  }
}

function followProgress(docker: Docker, stream: NodeJS.ReadableStream): Promise<void> {
  return new Promise((resolve, reject) => {
    docker.modem.followProgress(stream, (err: Error | null, output: { error?: string }[]) => {
      const failed = output?.find((o) => o.error);
      if (err) reject(err);
      else if (failed) reject(new Error(failed.error));
      else resolve();
    });
  });
}

/**
 * Makes `ref` available to the engine. `prefer: 'cache'` (hosts next to the controller)
 * loads the offline image, pulling only what the cache lacks; `prefer: 'registry'`
 * (cloud hosts) pulls, and uploads the offline image only when the pull fails, as
 * `kind load` does for clusters that cannot reach a registry.
 */
export async function ensureImage(docker: Docker, imagesDir: string, ref: string, host: string, prefer: 'cache' | 'registry' = 'cache'): Promise<'present' | 'loaded' | 'pulled'> {
  const { name, tag } = parseImageRef(ref);
  const cached = await readCached(imagesDir, name);
  const existing = await docker
    .getImage(`${name}:${tag}`)
    .inspect()
    .catch(() => undefined);
  let pullError: Error | undefined;
  if (prefer === 'registry') {
    if (existing) return 'present';
    try {
      await followProgress(docker, await docker.pull(`${name}:${tag}`));
      return 'pulled';
    } catch (err) {
      pullError = err as Error;
    }
  }
  if (cached && cached.tag === tag) {
    if (existing?.Config?.Labels?.[RECIPE_LABEL] === cached.recipe) return 'present';
    try {
      const stream = await docker.importImage(join(imagesDir, `${name}.tar`), {
        repo: name,
        tag,
        changes: [...cached.changes, `LABEL ${RECIPE_LABEL}=${cached.recipe}`],
      } as object);
      await followProgress(docker, stream);
    } catch (err) {
      // The engine rejecting the image (4xx) will reject it again: do not retry.
      const status = (err as { statusCode?: number }).statusCode;
      if (status !== undefined && status >= 400 && status < 500) {
        throw permanent('ImageRejected', `${host}'s engine rejected image ${name} from the offline cache: ${(err as Error).message}`, 'rebuild the images with `bash scripts/setup.sh`');
      }
      throw err;
    }
    return 'loaded';
  }
  if (existing) return 'present';
  try {
    if (pullError) throw pullError;
    await followProgress(docker, await docker.pull(`${name}:${tag}`));
    return 'pulled';
  } catch (err) {
    throw permanent(
      'ImageNotAvailable',
      `image "${ref}" for ${host} is not in the offline cache (${imagesDir}) and could not be pulled: ${(err as Error).message.split('\n')[0]}`,
      `use one of the offline images (mysql, nginx, busybox, consul, probe), or run where a registry is reachable`,
    );
  }
}
