import type { Command } from 'commander';
import { EncryptionCodec } from '../../codec/encryption-codec.js';
import { loadCodecKey } from '../../codec/key.js';
import { createCodecServer } from '../../codec/server.js';
import type { CliContext } from '../context.js';

export function registerCodecServer(program: Command, context: (cmd: Command) => CliContext): void {
  program
    .command('codec-server')
    .summary('serve payload decoding for the Temporal Web UI (started by `dev start`)')
    .description('Workflow payloads are encrypted with this machine\'s key. This server, on loopback only, lets the Web UI and `temporal --codec-endpoint` show them decoded.')
    .option('--port <port>', 'port on 127.0.0.1', '8888')
    .option('--ui-origin <origins...>', 'Web UI origins allowed to call it', ['http://127.0.0.1:8233', 'http://localhost:8233'])
    .addHelpText('after', '\nExamples:\n  $ overlayctl codec-server --port 8888\n  $ temporal workflow show -w overlayctl/tuto/provision --codec-endpoint http://127.0.0.1:8888')
    .action(async (opts: { port: string; uiOrigin: string[] }, cmd: Command) => {
      const ctx = context(cmd);
      const { key, id } = loadCodecKey(ctx.paths);
      const server = createCodecServer(new EncryptionCodec(key, id), opts.uiOrigin);
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(Number(opts.port), '127.0.0.1', () => {
          ctx.out.info(`codec server on http://127.0.0.1:${opts.port} (key ${id})`);
          resolve();
        });
      });
      await new Promise<void>((resolve) => {
        for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => server.close(() => resolve()));
      });
    });
}
