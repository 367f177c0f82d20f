import {EXIT_OK} from '../cli/exit-codes.js';
import {parseLongOptions} from '../cli/long-options.js';
import type {Subcommand} from '../cli/subcommands.js';
import {trustedUids} from '../security/ownership.js';
import {configPath, passContext, type KeepupContext} from './context.js';
import {loadCheckedConfig} from '../watchdog/load-config.js';
import {formatRow, statusRows, type StatusRow} from './service-report.js';

const SYNOPSIS = '[--config FILE] [--json]';

/** `keepup status`: what `keepup supervise` supervises and checks, read from files and the process table. */
export const statusCommand: Subcommand<KeepupContext> = {
  synopsis: SYNOPSIS,
  summary: 'one line (or JSON object) per supervised service and per daemon checked by name',
  async run(args, context) {
    const values = parseLongOptions('keepup', args, {config: 'value', json: 'flag', help: 'flag'}, `keepup status ${SYNOPSIS}`);
    const uids = trustedUids(context.uid);
    const {config} = loadCheckedConfig(configPath(values, context.cwd), {uid: context.uid, uids, env: context.env});
    const rows: StatusRow[] = await statusRows(config, passContext(context, uids));
    context.out(values.has('json') ? rows.map((row) => `${JSON.stringify(row)}\n`).join('') : rows.map(formatRow).join(''));
    return EXIT_OK;
  },
};
