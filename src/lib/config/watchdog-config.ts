import {homedir, hostname} from 'node:os';
import {dirname, isAbsolute, join, resolve} from 'node:path';
import {validate as validateCron} from 'node-cron';
import {isScalar, isSeq, LineCounter, parseDocument, type Node} from 'yaml';
import {decodeConfig} from './input.js';
import {DEFAULT_STOP_TIMEOUT_MS} from '../supervisor/state.js';
import {fail, list, mapping, number, oneOf, oneOrMany, scalarOrMap, scalarText, section, string, type Source, type Validator} from './schema.js';

/** How a daemon is looked for in the process table. */
export type MatchMode = 'exact' | 'substring' | 'regex';
export const MATCH_MODES: readonly MatchMode[] = ['exact', 'substring', 'regex'];

/** The kernel keeps this many characters of a process name (TASK_COMM_LEN - 1). */
export const COMM_LENGTH = 15;

export interface DaemonRule {
  /** Unique name, used in reports and as the default script and process name. */
  name: string;
  /** What to look for in the process table. */
  process: string;
  match: MatchMode;
  /** Compiled `process` when match is regex. */
  pattern?: RegExp;
  /** File name inside startDir (never a path). */
  script: string;
  args: string[];
  /** Absolute path of a pid file whose live pid counts as running. */
  pidfile?: string;
  /** Commands (argv, never a shell line) whose output goes into the report before a restart. */
  diagnostics: string[][];
  /** Present when the daemon has `run:`: `keepup supervise` supervises it instead of checking it by name. */
  service?: ServiceSpec;
}

/** `run:` as an argument list (quoted for sh) or as the admin's own shell command line. */
export type RunCommand = {kind: 'argv'; argv: string[]} | {kind: 'shell'; line: string};

/** Resource limits, named after softlimit's and prlimit's resources; a number or unlimited. */
export type LimitName = 'openFiles' | 'processes' | 'memory' | 'data' | 'stack' | 'core' | 'cpu' | 'fileSize';
export const LIMIT_NAMES: readonly LimitName[] = ['openFiles', 'processes', 'memory', 'data', 'stack', 'core', 'cpu', 'fileSize'];
export type LimitValue = number | 'unlimited';
export type Limits = Partial<Record<LimitName, LimitValue>>;

/** How `keepup supervise` runs a daemon with `run:`. */
export interface ServiceSpec {
  run: RunCommand;
  /** Account name the service runs as (its uid, gid; supplementary groups: its gid only, as setuidgid). */
  user?: string;
  /** Variables added to the service's environment. */
  env: Record<string, string>;
  /** Absolute path of a daemontools env dir, read at every start. */
  envdir?: string;
  limits: Limits;
  /** multilog script arguments for the service's logger. */
  log?: string[];
  /** After TERM (`svc -d`, shutdown, removal), KILL the process group this much later. */
  stopTimeoutMs: number;
}

export type MailTransport = {kind: 'smtp'; url: string} | {kind: 'sendmail'; path?: string};

export interface MailSettings {
  to: string[];
  from: string;
  transport: MailTransport;
}

export interface WatchdogConfig {
  /** Absolute path of the config file. */
  file: string;
  startDir: string;
  stateDir: string;
  schedule: string;
  /** How long a start script's (and a diagnostic's) output is collected. */
  scriptTimeoutMs: number;
  /** How long a run waits for an overlapping run to finish. */
  lockWaitMs: number;
  mail?: MailSettings;
  /** Where `keepup supervise` generates its service tree. */
  serviceDir: string;
  /** How often `keepup supervise` checks the daemons without `run:` by name. */
  checkIntervalMs: number;
  /** The daemons' stop timeout unless they set their own (and the one for admins' own service dirs). */
  stopTimeoutMs: number;
  daemons: DaemonRule[];
}

export interface LoadedConfig {
  config: WatchdogConfig;
  /** Things worth a warning that do not stop the run (names longer than the kernel keeps). */
  warnings: string[];
}

export const DEFAULT_SCHEDULE = '*/10 * * * *';
export const DEFAULT_SCRIPT_TIMEOUT_SECONDS = 10;
export const DEFAULT_LOCK_WAIT_SECONDS = 60;
export const DEFAULT_CHECK_INTERVAL_SECONDS = 5;
/** serviceDir when the config does not say: inside stateDir. */
export const DEFAULT_SERVICE_DIR = 'service';

/** Where history, lock and spool live when the config does not say: per user unless root. */
export function defaultStateDir(uid: number, env: NodeJS.ProcessEnv): string {
  if (uid === 0) return '/var/lib/keepup';
  const base = env.XDG_STATE_HOME && isAbsolute(env.XDG_STATE_HOME) ? env.XDG_STATE_HOME : join(homedir(), '.local', 'state');
  return join(base, 'keepup');
}

/** A name that may become a file name inside startDir: no slash, no dot-dot, nothing odd. */
const SAFE_NAME = /^[A-Za-z0-9_@+-][A-Za-z0-9._@+-]*$/;
function fileName(value: string): string | undefined {
  return SAFE_NAME.test(value) ? undefined : 'must be a plain file name (letters, digits, . _ @ + -; no slash, not starting with a dot)';
}

function noNul(value: string): string | undefined {
  return value.includes('\0') ? 'must not contain a NUL character' : undefined;
}

/**
 * node-cron 4 runs a job when day-of-month AND day-of-week match; Vixie cron runs it when
 * either does. Rather than run at surprising times, refuse a schedule that restricts both.
 */
function cronSchedule(value: string): string | undefined {
  if (!validateCron(value)) return 'is not a valid cron expression';
  const fields = value.trim().split(/\s+/);
  if (fields.length === 5 || fields.length === 6) {
    const offset = fields.length - 5;
    if (fields[offset + 2] !== '*' && fields[offset + 4] !== '*') {
      return 'restricts both day of month and day of week: cron would run on either day, node-cron only on days matching both; restrict one of them';
    }
  }
  return undefined;
}

function mailTransport(value: string): string | undefined {
  if (value === 'sendmail' || /^sendmail:\/./.test(value)) return undefined;
  try {
    const url = new URL(value);
    if ((url.protocol === 'smtp:' || url.protocol === 'smtps:') && url.hostname !== '') return undefined;
  } catch {
    // fall through
  }
  return 'must be smtp://HOST[:PORT], smtps://HOST[:PORT], sendmail or sendmail:/PATH';
}

const mailAddress = string((value) => (/^[^\s@<>]+@[^\s@<>]+$/.test(value) ? undefined : 'must be an address like user@host'));

/** A diagnostic command: a list of arguments, or one line split on blanks (never given to a shell). */
const command: Validator<string[]> = (node, source, where, parent) => {
  if (node !== null && isSeq(node)) return list(string(noNul))(node, source, where, parent);
  return string(noNul)(node, source, where, parent).trim().split(/\s+/);
};

/** An environment variable name: what envdir and execve accept (no `=`, no NUL, not empty). */
function envName(value: string): string | undefined {
  return value === '' || value.includes('=') || value.includes('\0') ? 'must be a variable name without = or NUL' : undefined;
}

/** `run:` as a list (argv) or a string (a shell command line). */
const runCommand: Validator<RunCommand> = (node, source, where, parent) => {
  if (node !== null && isSeq(node)) {
    const argv = list(string(noNul))(node, source, where, parent);
    if (argv.length === 0) fail(source, node, `${where} must not be an empty list`);
    return {kind: 'argv', argv};
  }
  const line = string(noNul)(node, source, where, parent);
  if (line.includes('\n')) fail(source, node, `${where} must be one line; use a list, or a script of your own`);
  return {kind: 'shell', line};
};

/** A limit: a whole number from 0, or `unlimited`. */
const limitValue: Validator<LimitValue> = (node, source, where, parent) => {
  const value = node !== null && isScalar(node) ? node.value : undefined;
  if (value === 'unlimited') return 'unlimited';
  const n = number({min: 0, max: Number.MAX_SAFE_INTEGER})(node, source, where, parent);
  if (!Number.isInteger(n)) fail(source, node, `${where} must be a whole number or unlimited`);
  return n;
};

const LIMIT_FIELDS = Object.fromEntries(LIMIT_NAMES.map((name) => [name, {validate: limitValue}])) as Record<LimitName, {validate: Validator<LimitValue>}>;

/** A multilog script: a list of arguments, or one line split on blanks. */
const logScript: Validator<string[]> = (node, source, where, parent) => {
  const script = command(node, source, where, parent);
  if (script.length === 0 || script.every((arg) => arg === '')) fail(source, node ?? parent, `${where} must not be empty`);
  return script;
};

/** Seconds from TERM to KILL; whole milliseconds, as the `timeout-kill` file holds them. */
const stopTimeout: Validator<number> = (node, source, where, parent) => Math.round(number({min: 0, max: 86400})(node, source, where, parent) * 1000);

const DAEMON_FIELDS = {
  name: {validate: string(fileName), required: true},
  process: {validate: string(noNul)},
  script: {validate: string(fileName)},
  args: {validate: list(string(noNul))},
  match: {validate: oneOf(MATCH_MODES)},
  pidfile: {validate: string(noNul)},
  diagnostics: {validate: list(command)},
  run: {validate: runCommand},
  user: {validate: string((value) => (/^[A-Za-z0-9_][A-Za-z0-9._-]*\$?$/.test(value) ? undefined : 'must be an account name'))},
  env: {validate: mapping(envName, scalarText(noNul))},
  envdir: {validate: string(noNul)},
  limits: {validate: section(LIMIT_FIELDS)},
  log: {validate: logScript},
  stopTimeout: {validate: stopTimeout},
};

const SERVICE_KEYS = ['user', 'env', 'envdir', 'limits', 'log', 'stopTimeout'] as const;

const MAIL_FIELDS = {
  to: {validate: oneOrMany(mailAddress), required: true},
  from: {validate: mailAddress},
  transport: {validate: string(mailTransport)},
};

const daemonShort: Validator<{name: string}> = (node, source, where, parent) => ({name: string(fileName)(node, source, where, parent)});
const daemon = scalarOrMap<Record<string, unknown>>(daemonShort, section(DAEMON_FIELDS));

const TOP_FIELDS = {
  startDir: {validate: string(noNul)},
  stateDir: {validate: string(noNul)},
  schedule: {validate: string(cronSchedule)},
  scriptTimeout: {validate: number({min: 0.1, max: 3600})},
  lockWait: {validate: number({min: 0, max: 3600})},
  mail: {validate: section(MAIL_FIELDS)},
  serviceDir: {validate: string(noNul)},
  checkInterval: {validate: number({min: 0.1, max: 86400})},
  stopTimeout: {validate: stopTimeout},
  daemons: {validate: list(daemon), required: true},
};

export interface LoadOptions {
  uid: number;
  env: NodeJS.ProcessEnv;
}

/** Parses and validates config text; `file` names it in errors and anchors relative paths. */
export function parseWatchdogConfig(text: string, file: string, options: LoadOptions): LoadedConfig {
  const lines = new LineCounter();
  const source: Source = {file, lines};
  const doc = parseDocument(text, {lineCounter: lines, prettyErrors: false, uniqueKeys: true});
  const error = doc.errors[0];
  if (error !== undefined) {
    const {line, col} = lines.linePos(error.pos[0]);
    fail(source, {range: [error.pos[0], error.pos[0], error.pos[0]]} as Node, error.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '') || `bad YAML (line ${line}, column ${col})`);
  }
  const root = (doc.contents as Node | null) ?? null;
  if (root === null) fail(source, null, 'the config is empty: it needs at least a daemons list');
  const raw = section(TOP_FIELDS)(root, source, 'config', null);
  const base = dirname(resolve(file));
  const warnings: string[] = [];
  const seen = new Map<string, number>();
  const rawDaemons = raw.daemons ?? [];
  const daemonNodes = (root as {get(key: string, keepScalar: true): unknown}).get('daemons', true) as {items: Node[]};
  const stopTimeoutMs = raw.stopTimeout ?? DEFAULT_STOP_TIMEOUT_MS;
  const daemons = rawDaemons.map((rawDaemon, index): DaemonRule => {
    const node = daemonNodes.items[index] ?? null;
    const name = rawDaemon.name as string;
    if (seen.has(name)) fail(source, node, `daemons[${index}]: the name ${JSON.stringify(name)} is used twice`);
    seen.set(name, index);
    const match = (rawDaemon.match as MatchMode | undefined) ?? 'exact';
    const processName = (rawDaemon.process as string | undefined) ?? name;
    let pattern: RegExp | undefined;
    if (match === 'regex') {
      try {
        pattern = new RegExp(processName);
      } catch (regexError) {
        fail(source, node, `daemons[${index}].process is not a valid regular expression: ${(regexError as Error).message}`);
      }
    }
    if (match === 'exact' && processName.includes('/')) {
      fail(source, node, `daemons[${index}]: process ${processName} has a slash, which a kernel process name never has; use match: substring or regex for a path`);
    }
    if (match === 'exact' && processName.length > COMM_LENGTH) {
      warnings.push(
        `daemon ${name}: process name ${processName} is longer than the ${COMM_LENGTH} characters the kernel keeps; it is compared as ${processName.slice(0, COMM_LENGTH)}`,
      );
    }
    const pidfile = rawDaemon.pidfile as string | undefined;
    const run = rawDaemon.run as RunCommand | undefined;
    if (run === undefined) {
      const stray = SERVICE_KEYS.find((key) => rawDaemon[key] !== undefined);
      if (stray !== undefined) fail(source, node, `daemons[${index}]: ${stray} needs run: (it applies to a supervised daemon)`);
    }
    const envdir = rawDaemon.envdir as string | undefined;
    const log = rawDaemon.log as string[] | undefined;
    const service: ServiceSpec | undefined = run && {
      run,
      ...(rawDaemon.user !== undefined ? {user: rawDaemon.user as string} : {}),
      env: (rawDaemon.env as Record<string, string> | undefined) ?? {},
      ...(envdir !== undefined ? {envdir: resolve(base, envdir)} : {}),
      limits: (rawDaemon.limits as Limits | undefined) ?? {},
      ...(log !== undefined ? {log} : {}),
      stopTimeoutMs: (rawDaemon.stopTimeout as number | undefined) ?? stopTimeoutMs,
    };
    return {
      name,
      process: processName,
      match,
      ...(pattern ? {pattern} : {}),
      script: (rawDaemon.script as string | undefined) ?? name,
      args: (rawDaemon.args as string[] | undefined) ?? [],
      ...(pidfile !== undefined ? {pidfile: resolve(base, pidfile)} : {}),
      diagnostics: (rawDaemon.diagnostics as string[][] | undefined) ?? [],
      ...(service ? {service} : {}),
    };
  });
  const mail = raw.mail;
  const transport = mail?.transport ?? 'sendmail';
  const stateDir = resolve(base, raw.stateDir ?? defaultStateDir(options.uid, options.env));
  const config: WatchdogConfig = {
    file: resolve(file),
    startDir: resolve(base, raw.startDir ?? 'start-scripts'),
    stateDir,
    schedule: raw.schedule ?? DEFAULT_SCHEDULE,
    scriptTimeoutMs: Math.round((raw.scriptTimeout ?? DEFAULT_SCRIPT_TIMEOUT_SECONDS) * 1000),
    lockWaitMs: Math.round((raw.lockWait ?? DEFAULT_LOCK_WAIT_SECONDS) * 1000),
    ...(mail
      ? {
          mail: {
            to: mail.to!,
            from: mail.from ?? `keepup@${hostname()}`,
            transport: transport.startsWith('sendmail')
              ? transport === 'sendmail'
                ? {kind: 'sendmail' as const}
                : {kind: 'sendmail' as const, path: transport.slice('sendmail:'.length)}
              : {kind: 'smtp' as const, url: transport},
          },
        }
      : {}),
    serviceDir: raw.serviceDir !== undefined ? resolve(base, raw.serviceDir) : join(stateDir, DEFAULT_SERVICE_DIR),
    checkIntervalMs: Math.round((raw.checkInterval ?? DEFAULT_CHECK_INTERVAL_SECONDS) * 1000),
    stopTimeoutMs,
    daemons,
  };
  return {config, warnings};
}

/** Decodes config bytes (strict UTF-8, see input.ts) and validates them. */
export function parseWatchdogConfigBytes(bytes: Uint8Array, file: string, options: LoadOptions): LoadedConfig {
  return parseWatchdogConfig(decodeConfig(bytes, file), file, options);
}
