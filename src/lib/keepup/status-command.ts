import {FatalError} from '../cli/errors.js';
import {EXIT_OK} from '../cli/exit-codes.js';
import {parseLongOptions} from '../cli/long-options.js';
import type {Subcommand} from '../cli/subcommands.js';
import {trustedUids} from '../security/ownership.js';
import {configPath, passContext, type KeepupContext} from './context.js';
import {loadCheckedConfig} from '../watchdog/load-config.js';
import {historyOrEmpty, verdicts} from '../watchdog/pass.js';
import {lastHealth} from '../health/check-mode.js';
import {checkedDaemons, checkedRows, formatRow, serviceRows, type StatusRow} from './service-report.js';

const SYNOPSIS = '[--config FILE] [--json]';

/** `keepup status`: what `keepup supervise` supervises and checks, read from files and the process table. */
export const statusCommand: Subcommand<KeepupContext> = {
  synopsis: SYNOPSIS,
  summary: 'one line (or JSON object) per supervised service and per daemon checked by name',
  async run(args, context) {
    const values = parseLongOptions('keepup', args, {config: 'value', json: 'flag', help: 'flag'}, `keepup status ${SYNOPSIS}`);
    const uids = trustedUids(context.uid);
    const {config} = loadCheckedConfig(configPath(values, context.cwd), {uid: context.uid, uids, env: context.env});
    const rows: StatusRow[] = serviceRows(config.serviceDir, context.time.now());
    const checked = checkedDaemons(config);
    if (checked.daemons.length > 0) {
      const found = await verdicts(checked, passContext(context, uids), historyOrEmpty(config.stateDir));
      if (!Array.isArray(found)) throw new FatalError(`unable to inspect the system: ${found.reason}`);
      rows.push(...checkedRows(found, lastHealth(config.stateDir)));
    }
    context.out(values.has('json') ? rows.map((row) => `${JSON.stringify(row)}\n`).join('') : rows.map(formatRow).join(''));
    return EXIT_OK;
  },
};
