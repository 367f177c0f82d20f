import {join} from 'node:path';
import {errorText} from '../cli/errno-text.js';
import {FatalError, SysError, UsageError} from '../cli/errors.js';
import {EXIT_OK, EXIT_USAGE} from '../cli/exit-codes.js';
import {parseOptionsAndOperands} from '../cli/long-options.js';
import type {Subcommand} from '../cli/subcommands.js';
import {probeSupervisor, sendControl} from '../control/client.js';
import {EventBus} from '../events/event.js';
import {logListener} from '../events/log.js';
import {readCheckRecords, resetRecord, writeCheckRecords} from '../policy/check.js';
import {trustedUids} from '../security/ownership.js';
import {readStatus} from '../status/file.js';
import {loadCheckedConfig} from '../watchdog/load-config.js';
import {lockStateDir, prepareStateDir} from '../watchdog/state-dir.js';
import {configPath, type KeepupContext} from './context.js';
import {HELP} from './help.js';

const SYNOPSIS = HELP.reset.synopsis;

/**
 * `keepup reset NAME`: the restart policy starts afresh for the daemon NAME of the config, at
 * once. A supervised service wanted up gets `svc -u` (a given-up one starts now; the delay and
 * the start count are forgotten); one wanted down is left down. For check mode the record in
 * `stateDir/given-up` is replaced: the daemon is no longer given up, and only restarts from now
 * on count (taken under the state dir's lock, so a pass running meanwhile does not undo it).
 */
export const resetCommand: Subcommand<KeepupContext> = {
  synopsis: SYNOPSIS,
  summary: HELP.reset.summary,
  options: HELP.reset.options,
  async run(args, context) {
    const usage = `keepup reset ${SYNOPSIS}`;
    const {values, operands} = parseOptionsAndOperands('keepup', args, {config: 'value', help: 'flag'}, usage, 1);
    const name = operands[0];
    if (name === undefined) throw new UsageError(usage, {preface: ['keepup: reset needs the name of a daemon\n']});
    const uids = trustedUids(context.uid);
    const {config} = loadCheckedConfig(configPath(values, context.cwd), {uid: context.uid, uids, env: context.env});
    const daemon = config.daemons.find((each) => each.name === name);
    if (!daemon) throw new FatalError(`no daemon ${name} in ${config.file}`, EXIT_USAGE);
    const said: string[] = [];
    if (daemon.service) said.push(resetService(join(config.serviceDir, name)));
    const state = prepareStateDir(config.stateDir, uids);
    if (!state.ok) throw new FatalError(`unable to use stateDir ${config.stateDir}: ${state.cause ? errorText(state.cause) : state.problem}`);
    const locked = await lockStateDir(config.stateDir, {waitMs: config.lockWaitMs, time: context.time});
    if (locked.kind === 'busy') throw new FatalError(`unable to lock ${config.stateDir}/lock: another keepup run held it for ${Math.round(config.lockWaitMs / 1000)} s; reset nothing`);
    try {
      const records = readCheckRecords(config.stateDir);
      const was = records.get(name);
      resetRecord(records, name, context.time.now());
      writeCheckRecords(config.stateDir, records);
      if (!daemon.service || was?.givenUp) said.push(was?.givenUp ? 'check mode: no longer given up; restarts count from now' : 'check mode: restarts count from now');
    } catch (error) {
      throw new SysError(`write ${config.stateDir}/given-up`, (error as {cause?: unknown}).cause ?? error);
    } finally {
      if (locked.kind === 'locked') locked.lock.release();
    }
    const bus = new EventBus(() => context.time.now(), context.reporter);
    bus.subscribe(logListener(config.stateDir, context.reporter));
    bus.emit({service: name, kind: 'control', source: daemon.service ? 'supervise' : 'check', action: 'reset', by: 'keepup reset'});
    context.out(`${name}: ${said.join('; ')}\n`);
    return EXIT_OK;
  },
};

/** `svc -u` to a supervised service that is wanted up; what was done, in words. */
function resetService(dir: string): string {
  if (probeSupervisor(dir) !== 'running') return 'not supervised now (keepup supervise is not running it)';
  let record;
  try {
    record = readStatus(dir);
  } catch (error) {
    throw new SysError(`read ${dir}/supervise/status`, error);
  }
  if (record !== 'bad-format' && record.want === 'down') return 'wanted down: left down (svc -u starts it)';
  if (sendControl(dir, 'u') !== 'sent') return 'not supervised now';
  return record !== 'bad-format' && record.pid !== 0 ? 'running; its restart policy starts afresh' : 'started (svc -u); its restart policy starts afresh';
}
