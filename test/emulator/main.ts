// Manual tries: npx tsx test/emulator/main.ts --port 4010 --key EXO... --secret ...
// [--zone ch-gva-2] [--polls 1] [--create-delay-ms 0]. Prints the URL; Ctrl-C stops it.
import { parseArgs } from 'node:util';
import { MemoryBackend } from './backend.js';
import { startEmulator } from './server.js';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    key: { type: 'string' },
    secret: { type: 'string' },
    zone: { type: 'string', default: 'ch-gva-2' },
    polls: { type: 'string', default: '1' },
    'create-delay-ms': { type: 'string', default: '0' },
  },
});
if (!values.key || !values.secret) {
  console.error('usage: main.ts --key EXO... --secret ... [--port 4010] [--zone ch-gva-2] [--polls 1] [--create-delay-ms 0]');
  process.exit(2);
}

const emulator = await startEmulator({
  port: Number(values.port),
  zone: values.zone,
  credentials: [{ key: values.key, secret: values.secret }],
  operationPolls: Number(values.polls),
  backend: new MemoryBackend({ createDelayMs: Number(values['create-delay-ms']) }),
});
console.log(emulator.url);

for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    void emulator.stop().then(() => process.exit(0));
  });
}
