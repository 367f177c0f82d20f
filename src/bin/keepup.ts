import {join} from 'node:path';
import type {Subcommand} from '../lib/cli/subcommands.js';
import type {KeepupContext} from '../lib/keepup/context.js';
import {isSubcommandName, keepupMain, keepupTable, type SubcommandName} from '../lib/keepup/main.js';

/**
 * Set by the build: true in the installed bundle, where each subcommand is a bundle of its own
 * (dist/keepup/NAME.js, scripts/build.mjs), so `keepup check` loads and compiles only what a
 * pass needs, not the supervisor, HTTP server and metrics; false in the test build.
 */
declare const KEEPUP_BUNDLES: boolean;

/** The subcommand's module, imported when it runs (the test build's way). */
async function importSubcommand(name: SubcommandName): Promise<Subcommand<KeepupContext>> {
  switch (name) {
    case 'check':
      return (await import('../lib/keepup/check-command.js')).checkCommand;
    case 'cron':
      return (await import('../lib/keepup/cron-command.js')).cronCommand;
    case 'supervise':
      return (await import('../lib/keepup/supervise-command.js')).superviseCommand;
    case 'status':
      return (await import('../lib/keepup/status-command.js')).statusCommand;
    case 'reset':
      return (await import('../lib/keepup/reset-command.js')).resetCommand;
    case 'events':
      return (await import('../lib/keepup/events-command.js')).eventsCommand;
    case 'http-password':
      return (await import('../lib/keepup/http-password-command.js')).httpPasswordCommand;
  }
}

const name = process.argv[2];
if (KEEPUP_BUNDLES && isSubcommandName(name)) {
  // The subcommand's bundle is a whole `keepup` of its own: it reads the same arguments. A
  // CommonJS require by a path made here (the bundle is CommonJS; an import() would be bundled).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require(join(__dirname, '..', 'keepup', `${name}.js`));
} else if (KEEPUP_BUNDLES) {
  // --help, --version, a usage error: nothing but the help table is needed.
  keepupMain(
    keepupTable(async (which) => {
      throw new Error(`keepup ${which} is run from its own bundle`);
    }),
  );
} else {
  keepupMain(keepupTable(importSubcommand));
}
