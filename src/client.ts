// overlayctl: the CLI. Exit codes: 0 ok, 1 a run or check failed, 2 usage or spec
// error, 130 interrupted. Data goes to stdout, progress and errors to stderr.
import { Command, CommanderError } from 'commander';
import { registerCancel } from './cli/commands/cancel.js';
import { registerCodecServer } from './cli/commands/codec-server.js';
import { registerDev } from './cli/commands/dev.js';
import { registerDown } from './cli/commands/down.js';
import { registerEnv } from './cli/commands/env.js';
import { registerKv } from './cli/commands/kv.js';
import { registerSecret } from './cli/commands/secret.js';
import { registerStatus } from './cli/commands/status.js';
import { registerUp } from './cli/commands/up.js';
import { registerVerify } from './cli/commands/verify.js';
import { registerWatch } from './cli/commands/watch.js';
import { registerWorker } from './cli/commands/worker.js';
import { registerLogs } from './cli/commands/logs.js';
import { registerLs } from './cli/commands/ls.js';
import { registerReports } from './cli/commands/reports.js';
import { registerSchedule } from './cli/commands/schedule.js';
import { createContext, type GlobalOptions } from './cli/context.js';
import { reportError } from './cli/output.js';
import { EXIT } from './errors.js';

const EXIT_HELP = `
Exit codes:
  0    success
  1    a run or a check failed
  2    usage or spec error (nothing was started)
  130  interrupted

Environment:
  TEMPORAL_ADDRESS      Temporal server (default: the local dev server, started on demand)
  OVERLAYCTL_STATE_DIR  state folder (default: \${XDG_STATE_HOME:-~/.local/state}/overlayctl)
  NO_COLOR              no colours`;

export function buildProgram(): Command {
  const program = new Command('overlayctl')
    .description('Provision, verify and tear down a multi-host Docker cluster with a private overlay network, as a durable Temporal workflow.')
    .option('--state-dir <dir>', 'state folder')
    .option('--address <host:port>', 'Temporal server address (env TEMPORAL_ADDRESS)')
    .option('--namespace <name>', 'Temporal namespace', 'default')
    .option('-q, --quiet', 'no progress or messages on stderr')
    .option('-v, --verbose', 'more detail, stack traces on errors')
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText('after', `\nExamples:\n  $ overlayctl up                 # the tutorial's cluster, provisioned and verified\n  $ overlayctl status\n  $ eval "$(overlayctl env tuto-node3)"\n  $ overlayctl down\n${EXIT_HELP}`);
  program.exitOverride();
  const context = (cmd: Command) => createContext(cmd.optsWithGlobals() as GlobalOptions);
  registerUp(program, context);
  registerDown(program, context);
  registerCancel(program, context);
  registerStatus(program, context);
  registerLs(program, context);
  registerWatch(program, context);
  registerLogs(program, context);
  registerVerify(program, context);
  registerEnv(program, context);
  registerSecret(program, context);
  registerKv(program, context);
  registerDev(program, context);
  registerSchedule(program, context);
  registerReports(program, context);
  registerWorker(program, context);
  registerCodecServer(program, context);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT.ok;
  } catch (err) {
    if (err instanceof CommanderError) {
      // help and version are not errors; everything else commander rejects is usage
      return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    return reportError(err, program.opts());
  }
}

// EPIPE (e.g. `overlayctl status | head`) is not an error.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(EXIT.ok);
});

const code = await main(process.argv);
process.exit(code);
