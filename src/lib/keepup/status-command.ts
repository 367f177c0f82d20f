import {existsSync, readFileSync} from 'node:fs';
import {dirname, resolve} from 'node:path';
import {parse as parseYaml} from 'yaml';
import {FatalError} from '../cli/errors.js';
import {EXIT_OK} from '../cli/exit-codes.js';
import {parseLongOptions} from '../cli/long-options.js';
import type {Subcommand} from '../cli/subcommands.js';
import {ConfigError} from '../config/schema.js';
import {DEFAULT_SERVICE_DIR, defaultStateDir} from '../config/watchdog-config.js';
import {trustedUids} from '../security/ownership.js';
import {configPath, passContext, type KeepupContext} from './context.js';
import {loadCheckedConfig} from '../watchdog/load-config.js';
import {formatRow, serviceRows, statusRows, type StatusRow} from './service-report.js';
import {HELP} from './help.js';

const SYNOPSIS = HELP.status.synopsis;

/** `keepup status` exits 3 when a service that should be up is not (as `systemctl is-active`). */
export const EXIT_NOT_UP = 3;

/** Whether a row is a service that should be up and is not: a supervised one wanted up (or normally up) that is down or unsupervised, a checked daemon not running. */
export function shouldBeUpButIsNot(row: StatusRow): boolean {
  if (row.kind === 'checked') return row.state !== 'running';
  const wanted = row.want === 'up' || (row.want === null && row.normallyUp);
  return wanted && row.state !== 'up' && row.state !== 'paused';
}

/**
 * `keepup status`: what `keepup supervise` supervises and checks, read from files and the
 * process table. Exit 0 when everything that should be up is up, 3 when something is not.
 * A config that does not validate (being edited) is a warning: the service tree is still shown.
 */
export const statusCommand: Subcommand<KeepupContext> = {
  synopsis: SYNOPSIS,
  summary: HELP.status.summary,
  options: HELP.status.options,
  async run(args, context) {
    const values = parseLongOptions('keepup', args, {config: 'value', json: 'flag', help: 'flag'}, `keepup status ${SYNOPSIS}`);
    const uids = trustedUids(context.uid);
    const file = configPath(values, context.cwd);
    let rows: StatusRow[];
    try {
      const {config} = loadCheckedConfig(file, {uid: context.uid, uids, env: context.env});
      rows = await statusRows(config, passContext(context, uids));
    } catch (error) {
      if (!(error instanceof FatalError && error.cause instanceof ConfigError)) throw error;
      const serviceDir = lenientServiceDir(file, context);
      context.reporter.warn(`${error.message}; showing the service tree in ${serviceDir} only`);
      rows = existsSync(serviceDir) ? serviceRows(serviceDir, context.time.now()) : [];
    }
    context.out(values.has('json') ? rows.map((row) => `${JSON.stringify(row)}\n`).join('') : rows.map(formatRow).join(''));
    return rows.some(shouldBeUpButIsNot) ? EXIT_NOT_UP : EXIT_OK;
  },
};

/** serviceDir from a config that does not validate: its `serviceDir`/`stateDir` when they are strings, else the defaults. */
function lenientServiceDir(file: string, context: KeepupContext): string {
  let text = '';
  let raw: unknown;
  try {
    text = readFileSync(file, 'utf8');
    raw = parseYaml(text, {uniqueKeys: false});
  } catch {
    // A YAML syntax error: the top-level `key: value` lines still say where the tree is.
    raw = Object.fromEntries([...text.matchAll(/^(serviceDir|stateDir):[ \t]*(["']?)([^"'#\n]*?)\2[ \t]*(?:#.*)?$/gm)].map((match) => [match[1], match[3]]));
  }
  const top = raw !== null && typeof raw === 'object' ? (raw as Record<string, unknown>) : {};
  const base = dirname(file);
  if (typeof top.serviceDir === 'string') return resolve(base, top.serviceDir);
  const stateDir = typeof top.stateDir === 'string' ? resolve(base, top.stateDir) : defaultStateDir(context.uid, context.env, file);
  return resolve(stateDir, DEFAULT_SERVICE_DIR);
}
