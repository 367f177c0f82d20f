import {errorText} from '../lib/cli/errno-text.js';
import {getopt, type ParsedOptions} from '../lib/cli/getopt.js';
import {stderrReporter} from '../lib/cli/messages.js';
import {runMain, usageAfter} from '../lib/cli/run-main.js';
import {CONTROL_COMMANDS} from '../lib/control/commands.js';
import {controlService, uniqueCommands} from '../lib/control/service-control.js';

// svc [-udopchaitkx] DIR...: writes the option letters (each once, in order) to every DIR's
// supervise/control. Per-directory failures are warnings; the exit code is still 0.
const OPTIONS = 'svc options: u up, d down, o once, x exit, p pause, c continue, h hup, a alarm, i interrupt, t term, k kill';

void runMain('svc', (args) => {
  let parsed: ParsedOptions;
  try {
    parsed = getopt('svc', args, CONTROL_COMMANDS);
  } catch (error) {
    usageAfter(error, OPTIONS, {bare: true});
  }
  const commands = uniqueCommands(parsed.options.map(({option}) => option));
  const reporter = stderrReporter('svc');
  for (const dir of parsed.operands) {
    const outcome = controlService(dir, commands);
    if (outcome.kind === 'not-running') reporter.warn(`unable to control ${dir}: supervise not running`);
    if (outcome.kind === 'no-directory') reporter.warn(`unable to chdir to ${dir}: ${errorText(outcome.error)}`);
    if (outcome.kind === 'unable-to-open') reporter.warn(`unable to control ${dir}: ${errorText(outcome.error)}`);
    if (outcome.kind === 'unable-to-write') reporter.warn(`error writing commands to ${dir}: ${errorText(outcome.error)}`);
  }
  return 0;
});
