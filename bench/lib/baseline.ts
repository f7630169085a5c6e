// The plain-script baseline (bench/baseline.sh), run like `up` and `down` are.
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { timed, type Timed } from './bench-env.js';

const SCRIPT = resolve(import.meta.dirname, '..', 'baseline.sh');

function run(cmd: 'up' | 'down', cluster: string, net: string): Promise<void> {
  return new Promise((done, fail) => {
    execFile('bash', [SCRIPT, cmd, cluster, net], { timeout: 600_000, maxBuffer: 16 << 20 }, (err, _out, stderr) =>
      err ? fail(new Error(`baseline.sh ${cmd} ${cluster} failed: ${err.message}\n${stderr.slice(-2000)}`)) : done(),
    );
  });
}

export const baselineUp = (cluster: string, net: string): Promise<Timed<void>> => timed(() => run('up', cluster, net));
export const baselineDown = (cluster: string, net: string): Promise<Timed<void>> => timed(() => run('down', cluster, net));
