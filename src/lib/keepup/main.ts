import {hostname} from 'node:os';
import {runMain} from '../cli/run-main.js';
import {stderrReporter} from '../cli/messages.js';
import {dispatch, type Subcommand} from '../cli/subcommands.js';
import {systemTime} from '../time/time.js';
import type {KeepupContext} from './context.js';
import {HELP} from './help.js';

/** keepup's subcommands, by the name typed after `keepup`. */
export const SUBCOMMAND_NAMES = ['check', 'cron', 'supervise', 'status', 'reset', 'events', 'http-password'] as const;

export type SubcommandName = (typeof SUBCOMMAND_NAMES)[number];

export type SubcommandLoader = (name: SubcommandName) => Promise<Subcommand<KeepupContext>>;

export function isSubcommandName(value: string | undefined): value is SubcommandName {
  return value !== undefined && (SUBCOMMAND_NAMES as readonly string[]).includes(value);
}

/** The table `keepup` dispatches on: every subcommand's help, and its code from `load` only when it runs. */
export function keepupTable(load: SubcommandLoader): Record<SubcommandName, Subcommand<KeepupContext>> {
  const entry = (name: SubcommandName, help: Pick<Subcommand<KeepupContext>, 'synopsis' | 'summary' | 'options'>): Subcommand<KeepupContext> => ({
    ...help,
    run: async (args, context) => (await load(name)).run(args, context),
  });
  return {
    check: entry('check', HELP.check),
    cron: entry('cron', HELP.cron),
    supervise: entry('supervise', HELP.supervise),
    status: entry('status', HELP.status),
    reset: entry('reset', HELP.reset),
    events: entry('events', HELP.events),
    'http-password': entry('http-password', HELP.httpPassword),
  };
}

const out = (text: string) => void process.stdout.write(text);

/** `keepup ARGS` on this process's arguments: help, version and usage errors, or the subcommand. */
export function keepupMain(table: Record<SubcommandName, Subcommand<KeepupContext>>): void {
  void runMain('keepup', (args) =>
    dispatch(
      'keepup',
      table,
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
}
