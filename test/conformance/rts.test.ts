// daemontools 0.76's own regression transcript (src/rts.tests, whose expected output is
// src/rts.exp), case for case, run as one /bin/sh script twice: with keepup's commands first on
// PATH (dist/commands) and with Debian's daemontools (/usr/bin). The two transcripts must be
// identical, with no exception. Only what rts.tests itself normalises varies (pids, seconds,
// TAI64N hex digits), and the script normalises it the same way.
// One change to a section: in "svstat works for up services" the run script waits (at most 10 s)
// until supervise's status names its own pid before it runs svstat. rts.tests sleeps a second
// there instead, for the same reason: supervise writes the status after the fork, and a C svstat
// in the child can read it first (Debian's did in a loaded CI run, printing "down").
// Not run: rts.tests' "match" sections, which drive daemontools' internal `matchtest` program;
// neither Debian nor keepup installs one (keepup's matcher is tested in test/lib/log-writer/).
import test from 'ava';
import {writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {ROOT} from '../helpers/paths.js';
import {run} from '../helpers/processes.js';
import {tmpDir} from '../helpers/tmp.js';

/** One section: its title line and the commands, in rts.tests' order. */
const SECTIONS: Array<[string, string]> = [
  [
    'svstat handles new and nonexistent directories',
    `
printf '#!/bin/sh\\necho hi\\n' > test.sv/run; chmod 755 test.sv/run; touch test.sv/down
svstat test.sv nonexistent; echo $?`,
  ],
  ['svc handles new and nonexistent directories', 'svc test.sv nonexistent; echo $?'],
  ['svok handles new and nonexistent directories', 'svok test.sv; echo $?\nsvok nonexistent; echo $?'],
  ['supervise handles nonexistent directories', 'supervise nonexistent; echo $?'],
  [
    'supervise starts, svok works, svstat works, svc -x works',
    `
supervise test.sv &
until svok test.sv; do sleep 1; done
svstat test.sv | sed 's/[0-9]* seconds/x seconds/'; echo $?
svc -x test.sv; echo $?
wait
svstat test.sv; echo $?`,
  ],
  [
    'svc -ox works',
    `
supervise test.sv &
until svok test.sv; do sleep 1; done
svc -ox test.sv
wait`,
  ],
  [
    'svstat works for up services',
    `
printf '#!/bin/sh\\ni=0; until [ $i = 100 ] || svstat . | grep -q "(pid $$)"; do i=$((i+1)); sleep 0.1; done\\nsvstat .\\n' > test.sv/run; chmod 755 test.sv/run
supervise test.sv | sed 's/[0-9]* seconds/x seconds/' | sed 's/pid [0-9]*/pid x/' &
until svok test.sv; do sleep 1; done
svc -ox test.sv
wait`,
  ],
  [
    'svc -u works',
    `
printf '#!/bin/sh\\necho first\\nmv run2 run\\n' > test.sv/run; chmod 755 test.sv/run
printf '#!/bin/sh\\necho second\\nsvc -x .\\n' > test.sv/run2; chmod 755 test.sv/run2
supervise test.sv &
until svok test.sv; do sleep 1; done
svc -u test.sv
wait`,
  ],
  ['tai64n has the right format', "( echo ONE; echo TWO ) | tai64n | sed 's/[0-9a-f]/x/g'"],
  ['tai64nlocal handles non-@ lines correctly', '( echo one; echo two ) | tai64nlocal; echo $?'],
  ['softlimit insists on an argument', 'softlimit; echo $?'],
  ['softlimit complains if it cannot run program', 'softlimit ./nonexistent; echo $?'],
  ['softlimit -p0 still allows exec', 'softlimit -p0 echo ./nonexistent; echo $?'],
  ['fghack insists on an argument', 'fghack; echo $?'],
  ['fghack complains if it cannot run program', 'fghack ./nonexistent; echo $?'],
  ['fghack runs a program', "fghack sh -c 'echo hi &'; echo $?"],
  ['pgrphack insists on an argument', 'pgrphack; echo $?'],
  ['pgrphack complains if it cannot run program', 'pgrphack ./nonexistent; echo $?'],
  ['pgrphack runs a program', 'pgrphack echo ok; echo $?'],
  ['readproctitle insists on an argument', 'readproctitle < /dev/null; echo $?'],
  ['readproctitle insists on last argument being at least five bytes', 'readproctitle .......... four < /dev/null; echo $?'],
  ['multilog prints nothing with no actions', '( echo one; echo two ) | multilog; echo $?'],
  ['multilog e prints to stderr', '( echo one; echo two ) | multilog e 2>&1; echo $?'],
  ['multilog inserts newline after partial final line', "( echo one; echo two | tr -d '\\012' ) | multilog e 2>&1; echo $?"],
  ['multilog handles multiple actions', '( echo one; echo two ) | multilog e e 2>&1; echo $?'],
  ['multilog handles wildcard -', "( echo one; echo two ) | multilog '-*' e 2>&1; echo $?"],
  ['multilog handles literal +', "( echo one; echo two ) | multilog '-*' '+one' e 2>&1; echo $?"],
  ['multilog handles long lines for stderr', [198, 200, 201].map((length) => `echo ${'0123456789'.repeat(21).slice(0, length)} | multilog e 2>&1; echo $?`).join('\n')],
  [
    'multilog handles status files',
    `
rm -f test.status
( echo one; echo two ) | multilog =test.status; echo $?
uniq -c < test.status | sed 's/[ \t]*[ \t]/_/g'`,
  ],
  ['multilog t has the right format', "( echo ONE; echo TWO ) | multilog t e 2>&1 | sed 's/[0-9a-f]/x/g'"],
  ['envuidgid insists on two arguments', 'envuidgid; echo $?\nenvuidgid root; echo $?'],
  ['envuidgid sets UID=0 for root', 'envuidgid root printenv UID; echo $?'],
  ['envuidgid complains if it cannot run program', 'envuidgid root ./nonexistent; echo $?'],
  ['envdir requires arguments', 'envdir whatever; echo $?'],
  ['envdir complains if it cannot read directory', 'ln -s env1 env1\nenvdir env1 echo yes; echo $?'],
  ['envdir complains if it cannot read file', 'rm env1; mkdir env1; ln -s Message env1/Message\nenvdir env1 echo yes; echo $?'],
  ['envdir adds variables', "rm env1/Message; echo This is a test. This is only a test. > env1/Message\nenvdir env1 sh -c 'echo $Message'; echo $?"],
  ['envdir removes variables', "mkdir env2; touch env2/Message\nenvdir env1 envdir env2 sh -c 'echo $Message'; echo $?"],
  ['setlock requires arguments', 'setlock whatever; echo $?'],
  ['setlock complains if it cannot create lock file', 'setlock nonexistent/lock echo wrong; echo $?'],
  ['setlock -x exits quietly if it cannot create lock file', 'setlock -x nonexistent/lock echo wrong; echo $?'],
  ['setlock creates lock file', 'setlock lock echo ok; echo $?'],
  ['setlock does not truncate lock file', 'echo ok > lock\nsetlock lock cat lock; echo $?\nrm -f lock'],
  ['setlock -n complains if file is already locked', "setlock lock sh -c 'setlock -n lock echo one && echo two'; echo $?"],
  ['setlock -nx exits quietly if file is already locked', "setlock lock sh -c 'setlock -nx lock echo one && echo two'; echo $?"],
];

const SCRIPT = ['umask 022', 'mkdir test.sv', ...SECTIONS.map(([title, commands]) => `echo '--- ${title}'\n${commands.trim()}`), 'exit 0', ''].join('\n');

/** The transcript with `dir` first on PATH, in a scrubbed environment (`env -`, as daemontools' Makefile runs rts). */
async function transcript(t: Parameters<typeof tmpDir>[0], dir: string): Promise<string> {
  const cwd = tmpDir(t, 'keepup-rts-');
  writeFileSync(join(cwd, 'rts.sh'), SCRIPT);
  const result = await run('/usr/bin/env', ['-', `PATH=${dir}:/usr/bin:/bin`, '/bin/sh', '-c', '/bin/sh rts.sh 2>&1 | cat -v'], {cwd, timeoutMs: 120_000});
  t.is(result.code, 0, result.stderr);
  return result.stdout;
}

test("daemontools 0.76 rts.tests: keepup's commands give the transcript Debian's daemontools gives, line for line", async (t) => {
  const ours = await transcript(t, join(ROOT, 'dist', 'commands'));
  const theirs = await transcript(t, '/usr/bin');
  t.regex(theirs, /^--- envdir requires arguments\nenvdir: usage: envdir dir child\n111\n/m, 'the oracle is daemontools');
  t.is(ours, theirs);
});
