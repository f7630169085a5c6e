// Reports of rebuild-and-verify runs, one JSON file each in the state folder
// (state/reports/<id>.json), newest first when listed.
import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Paths } from './paths.js';
import type { RebuildReport } from './types.js';

export const reportsDir = (paths: Paths) => join(paths.state, 'reports');

export async function saveReport(paths: Paths, report: RebuildReport): Promise<string> {
  const dir = reportsDir(paths);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const file = join(dir, `${report.id}.json`);
  await writeFile(`${file}.tmp`, JSON.stringify(report, null, 2));
  await rename(`${file}.tmp`, file);
  return file;
}

export async function listReports(paths: Paths): Promise<RebuildReport[]> {
  let names: string[];
  try {
    names = (await readdir(reportsDir(paths))).filter((n) => n.endsWith('.json'));
  } catch {
    return [];
  }
  const reports = await Promise.all(names.map(async (n) => JSON.parse(await readFile(join(reportsDir(paths), n), 'utf8')) as RebuildReport));
  return reports.sort((a, b) => b.startedAt.localeCompare(a.startedAt));
}
