/**
 * Each keepup subcommand's arguments and one-line summary, apart from its code: `keepup --help`
 * and the subcommand table show them without loading any subcommand, and a run loads only its
 * own (issue 16: `keepup check` spent most of its time loading code a pass never runs).
 */
const CONFIG = ['--config FILE', 'the config (default: watchdog.config.yaml in the current directory)'] as const;

export const HELP = {
  check: {
    synopsis: '[--config FILE] [--dry-run]',
    summary: 'one pass: restart every configured daemon missing from the process table',
    options: [CONFIG, ['--dry-run', 'say for each daemon whether it runs or which script would run; start, lock, write and mail nothing']],
  },
  cron: {synopsis: '[--config FILE]', summary: 'stay resident and run the pass on the schedule from the config (default every ten minutes)', options: [CONFIG]},
  supervise: {synopsis: '[--config FILE]', summary: 'generate a service tree from the config and supervise it in this process; daemons without run: are checked by name', options: [CONFIG]},
  status: {
    synopsis: '[--config FILE] [--json]',
    summary: 'one line (or JSON object) per supervised service and per daemon checked by name; exit 3 when one that should be up is not',
    options: [CONFIG, ['--json', 'one JSON object per line instead of the text lines']],
  },
  reset: {synopsis: 'NAME [--config FILE]', summary: 'forget that the restart policy gave up on NAME (and its delay and count): it is tried again at once', options: [CONFIG]},
  events: {
    synopsis: '[NAME] [--config FILE] [--dir DIR] [--follow] [--json] [--limit N]',
    summary: 'show the event log (started, exited, restarting, gave-up, recovered, stopped, …), of one daemon or all',
    options: [
      CONFIG,
      ['--dir DIR', 'read the event log of the service directory DIR (a plain svscan or supervise) instead'],
      ['--follow', 'print new events as they come, until SIGINT or SIGTERM'],
      ['--json', 'the events as JSON lines'],
      ['--limit N', 'only the last N events'],
    ],
  },
  httpPassword: {synopsis: 'NAME < PASSWORD', summary: 'print a credentials line (NAME:scrypt$…) for http.credentials from the password on stdin', options: []},
} as const;
