/**
 * Each keepup subcommand's arguments and one-line summary, apart from its code: `keepup --help`
 * and the subcommand table show them without loading any subcommand, and a run loads only its
 * own (issue 16: `keepup check` spent most of its time loading code a pass never runs).
 */
export const HELP = {
  check: {synopsis: '[--config FILE] [--dry-run]', summary: 'one pass: restart every configured daemon missing from the process table'},
  cron: {synopsis: '[--config FILE]', summary: 'stay resident and run the pass on the schedule from the config (default every ten minutes)'},
  supervise: {synopsis: '[--config FILE]', summary: 'generate a service tree from the config and supervise it in this process; daemons without run: are checked by name'},
  status: {synopsis: '[--config FILE] [--json]', summary: 'one line (or JSON object) per supervised service and per daemon checked by name; exit 3 when one that should be up is not'},
  reset: {synopsis: 'NAME [--config FILE]', summary: 'forget that the restart policy gave up on NAME (and its delay and count): it is tried again at once'},
  events: {
    synopsis: '[NAME] [--config FILE] [--dir DIR] [--follow] [--json] [--limit N]',
    summary: 'show the event log (started, exited, restarting, gave-up, recovered, stopped, …), of one daemon or all',
  },
  httpPassword: {synopsis: 'NAME < PASSWORD', summary: 'print a credentials line (NAME:scrypt$…) for http.credentials from the password on stdin'},
} as const;
