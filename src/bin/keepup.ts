import {hostname} from 'node:os';
import {runMain} from '../lib/cli/run-main.js';
import {stderrReporter} from '../lib/cli/messages.js';
import {dispatch, type Subcommand} from '../lib/cli/subcommands.js';
import {systemTime} from '../lib/time/time.js';
import type {KeepupContext} from '../lib/keepup/context.js';
import {HELP} from '../lib/keepup/help.js';

/** A subcommand whose code is loaded when it runs: a `keepup check` loads no HTTP server, metrics or supervisor. */
function lazy(help: Pick<Subcommand<KeepupContext>, 'synopsis' | 'summary' | 'options'>, load: () => Promise<Subcommand<KeepupContext>>): Subcommand<KeepupContext> {
  return {...help, run: async (args, context) => (await load()).run(args, context)};
}

/** keepup's subcommands: one line each. */
const SUBCOMMANDS: Record<string, Subcommand<KeepupContext>> = {
  check: lazy(HELP.check, async () => (await import('../lib/keepup/check-command.js')).checkCommand),
  cron: lazy(HELP.cron, async () => (await import('../lib/keepup/cron-command.js')).cronCommand),
  supervise: lazy(HELP.supervise, async () => (await import('../lib/keepup/supervise-command.js')).superviseCommand),
  status: lazy(HELP.status, async () => (await import('../lib/keepup/status-command.js')).statusCommand),
  reset: lazy(HELP.reset, async () => (await import('../lib/keepup/reset-command.js')).resetCommand),
  events: lazy(HELP.events, async () => (await import('../lib/keepup/events-command.js')).eventsCommand),
  'http-password': lazy(HELP.httpPassword, async () => (await import('../lib/keepup/http-password-command.js')).httpPasswordCommand),
};

const out = (text: string) => void process.stdout.write(text);

void runMain('keepup', (args) =>
  dispatch(
    'keepup',
    SUBCOMMANDS,
    args,
    {
      cwd: process.cwd(),
      uid: process.getuid?.() ?? 0,
      pid: process.pid,
      env: process.env,
      host: hostname(),
      time: systemTime,
      procRoot: process.env.KEEPUP_PROC_ROOT || '/proc',
      out,
      reporter: stderrReporter('keepup'),
      signals: process,
    },
    out,
  ),
);
