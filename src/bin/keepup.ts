import {hostname} from 'node:os';
import {runMain} from '../lib/cli/run-main.js';
import {stderrReporter} from '../lib/cli/messages.js';
import {dispatch, type Subcommand} from '../lib/cli/subcommands.js';
import {systemTime} from '../lib/time/time.js';
import {checkCommand} from '../lib/keepup/check-command.js';
import type {KeepupContext} from '../lib/keepup/context.js';
import {cronCommand} from '../lib/keepup/cron-command.js';
import {superviseCommand} from '../lib/keepup/supervise-command.js';
import {statusCommand} from '../lib/keepup/status-command.js';
import {resetCommand} from '../lib/keepup/reset-command.js';
import {eventsCommand} from '../lib/keepup/events-command.js';
import {httpPasswordCommand} from '../lib/keepup/http-password-command.js';

/** keepup's subcommands: one line each. */
const SUBCOMMANDS: Record<string, Subcommand<KeepupContext>> = {
  check: checkCommand,
  cron: cronCommand,
  supervise: superviseCommand,
  status: statusCommand,
  reset: resetCommand,
  events: eventsCommand,
  'http-password': httpPasswordCommand,
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
