import {pathexec} from '../lib/chainload/pathexec.js';
import {chainloadCalls} from '../lib/chainload/node-startup.js';
import {SOFTLIMIT_SPEC, limitChanges, limitTriples} from '../lib/chainload/softlimit.js';
import {FatalError, SysError, UsageError} from '../lib/cli/errors.js';
import {errnoText} from '../lib/cli/errno-text.js';
import {getopt} from '../lib/cli/getopt.js';
import {runMain, usageAfter} from '../lib/cli/run-main.js';

const USAGE =
  'softlimit [-a allbytes] [-c corebytes] [-d databytes] [-f filebytes] [-l lockbytes] [-m membytes] [-o openfiles] [-p processes] [-r residentbytes] [-s stackbytes] [-t cpusecs] child';

// softlimit [-acdflmoprst N|=]... CHILD...: run CHILD with lower soft resource limits (a value
// above the hard limit is the hard limit; `=` raises the soft limit to the hard one).
void runMain('softlimit', (args) => {
  let parsed;
  try {
    parsed = getopt('softlimit', args, SOFTLIMIT_SPEC);
  } catch (error) {
    usageAfter(error, USAGE);
  }
  const changes = limitChanges(parsed.options);
  if (changes === undefined || parsed.operands.length === 0) throw new UsageError(USAGE);
  const calls = chainloadCalls();
  const failure = pathexec(calls, parsed.operands, calls.environ(), limitTriples(calls, changes));
  if (failure.step === 'setrlimit') throw new FatalError(`setrlimit failed: ${errnoText(failure.code)}`);
  throw new SysError(`run ${parsed.operands[0]}`, failure);
});
