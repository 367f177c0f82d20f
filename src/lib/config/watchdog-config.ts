import {homedir, hostname} from 'node:os';
import {dirname, isAbsolute, join, resolve} from 'node:path';
import {validate as validateCron} from 'node-cron';
import {isScalar, isSeq, LineCounter, parseDocument, type Node} from 'yaml';
import {decodeConfig} from './input.js';
import {DEFAULT_STOP_TIMEOUT_MS} from '../supervisor/state.js';
import {mergeSettings, type RestartSettings} from '../policy/policy.js';
import {fail, failAt, list, located, mapping, number, oneOf, oneOrMany, required, scalarOrMap, scalarText, section, string, type Section, type Source, type Validator} from './schema.js';

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
  /** `restart:`, the daemon's keys over the top-level ones; undefined: the mode's defaults. */
  restart?: RestartSettings;
  /** `notify:`, the daemon's keys over the top-level ones (over the defaults); undefined: DEFAULT_NOTIFY. */
  notify?: NotifySettings;
}

/** What `notify.events` may name: event kinds, and `restarted` (a check-mode restart or a supervised `restarting`). */
export const NOTIFY_EVENTS = ['started', 'exited', 'restarted', 'restart-failed', 'gave-up', 'recovered', 'stopped', 'unhealthy', 'healthy', 'ready'] as const;
export type NotifyEvent = (typeof NOTIFY_EVENTS)[number];
export const DEFAULT_NOTIFY_EVENTS: readonly NotifyEvent[] = ['restarted', 'gave-up', 'recovered'];
export const DEFAULT_THROTTLE_SECONDS = 600;

export interface WebhookSettings {
  url: string;
  /** Absolute path of the HMAC secret (trusted like the config). */
  secretFile?: string;
}

/** How a daemon's events become messages (notify/). */
export interface NotifySettings {
  events: readonly NotifyEvent[];
  /** At most one message per daemon this often; what happens meanwhile is summarised in the next. */
  throttleMs: number;
  /** Through the config's `mail:` (when there is one). */
  mail: boolean;
  webhook?: WebhookSettings;
  /** A program (argv) run with the message as environment variables and JSON on stdin. */
  exec?: string[];
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
  /** The top-level `restart:` (each daemon's `restart` already has it merged in). */
  restart?: RestartSettings;
  /** The top-level `notify:` over the defaults; undefined: DEFAULT_NOTIFY. */
  notify?: NotifySettings;
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

/** `true` or `false`. */
const boolean: Validator<boolean> = (node, source, where, parent) => {
  const value = node !== null && isScalar(node) ? node.value : undefined;
  if (typeof value !== 'boolean') fail(source, node ?? parent, `${where} must be true or false`);
  return value;
};

const wholeNumber =
  (min: number, max: number): Validator<number> =>
  (node, source, where, parent) => {
    const n = number({min, max})(node, source, where, parent);
    if (!Number.isInteger(n)) fail(source, node, `${where} must be a whole number`);
    return n;
  };

const MAX_POLICY_SECONDS = 31 * 24 * 3600;
const GIVE_UP_FIELDS = {starts: required(wholeNumber(1, 1_000_000)), within: required(number({min: 0.001, max: MAX_POLICY_SECONDS}))};

/** `giveUp: {starts: N, within: SECONDS}`, or `giveUp: false` (never). */
const giveUp: Validator<RestartSettings['giveUp']> = (node, source, where, parent) => {
  if (node !== null && isScalar(node) && node.value === false) return false;
  if (node !== null && isScalar(node)) fail(source, node, `${where} must be {starts: N, within: SECONDS} or false`);
  return section(GIVE_UP_FIELDS)(node, source, where, parent);
};

const RESTART_FIELDS = {
  delay: {validate: number({min: 0.1, max: 86400})},
  maxDelay: {validate: number({min: 0.1, max: MAX_POLICY_SECONDS})},
  resetAfter: {validate: number({min: 0, max: MAX_POLICY_SECONDS})},
  giveUp: {validate: giveUp},
  retryAfter: {validate: number({min: 0, max: MAX_POLICY_SECONDS})},
};

function webhookUrl(value: string): string | undefined {
  try {
    const url = new URL(value);
    if ((url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '') return undefined;
  } catch {
    // fall through
  }
  return 'must be an http:// or https:// URL';
}

const WEBHOOK_FIELDS = {url: required(string(webhookUrl)), secretFile: {validate: string(noNul)}};

const NOTIFY_FIELDS = {
  events: {validate: list(oneOf(NOTIFY_EVENTS))},
  throttle: {validate: number({min: 0, max: 86400})},
  mail: {validate: boolean},
  webhook: {validate: section(WEBHOOK_FIELDS)},
  exec: {validate: (node: Node | null, source: Source, where: string, parent: Node | null) => logScript(node, source, where, parent)},
};

type RestartSection = Section<typeof RESTART_FIELDS>;
type NotifySection = Section<typeof NOTIFY_FIELDS>;

const DAEMON_FIELDS = {
  name: required(string(fileName)),
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
  restart: {validate: section(RESTART_FIELDS)},
  notify: {validate: section(NOTIFY_FIELDS)},
};

const SERVICE_KEYS = ['user', 'env', 'envdir', 'limits', 'log', 'stopTimeout'] as const;

const MAIL_FIELDS = {
  to: required(oneOrMany(mailAddress)),
  from: {validate: mailAddress},
  transport: {validate: string(mailTransport)},
};

/** A daemon as validated, before defaults: `- nginx` is `{name: nginx}`. */
type DaemonSection = Section<typeof DAEMON_FIELDS>;
type MailSection = Section<typeof MAIL_FIELDS>;

const daemonShort: Validator<DaemonSection> = (node, source, where, parent) => ({name: string(fileName)(node, source, where, parent)});
const daemon = scalarOrMap(daemonShort, section(DAEMON_FIELDS));

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
  restart: {validate: section(RESTART_FIELDS)},
  notify: {validate: section(NOTIFY_FIELDS)},
  daemons: required(list(located(daemon))),
};

export interface LoadOptions {
  uid: number;
  env: NodeJS.ProcessEnv;
}

/** Parses and validates config text; `file` names it in errors and anchors relative paths. */
export function parseWatchdogConfig(text: string, file: string, options: LoadOptions): LoadedConfig {
  const lines = new LineCounter();
  const source: Source = {file, lines};
  const raw = section(TOP_FIELDS)(parseYaml(text, source), source, 'config', null);
  const base = dirname(resolve(file));
  const stopTimeoutMs = raw.stopTimeout ?? DEFAULT_STOP_TIMEOUT_MS;
  const restart = raw.restart && restartSettings(raw.restart);
  const notify = raw.notify && notifySettings(raw.notify, DEFAULT_NOTIFY, base);
  const context: DaemonContext = {source, base, stopTimeoutMs, restart, notify, warnings: []};
  const seen = new Set<string>();
  const daemons = raw.daemons.map(({value, node}, index): DaemonRule => {
    if (seen.has(value.name)) fail(source, node, `daemons[${index}]: the name ${JSON.stringify(value.name)} is used twice`);
    seen.add(value.name);
    return daemonRule(value, {node, index}, context);
  });
  const stateDir = resolve(base, raw.stateDir ?? defaultStateDir(options.uid, options.env));
  const mail = raw.mail && mailSettings(raw.mail);
  const config: WatchdogConfig = {
    file: resolve(file),
    startDir: resolve(base, raw.startDir ?? 'start-scripts'),
    stateDir,
    schedule: raw.schedule ?? DEFAULT_SCHEDULE,
    scriptTimeoutMs: Math.round((raw.scriptTimeout ?? DEFAULT_SCRIPT_TIMEOUT_SECONDS) * 1000),
    lockWaitMs: Math.round((raw.lockWait ?? DEFAULT_LOCK_WAIT_SECONDS) * 1000),
    ...(mail ? {mail} : {}),
    serviceDir: raw.serviceDir !== undefined ? resolve(base, raw.serviceDir) : join(stateDir, DEFAULT_SERVICE_DIR),
    checkIntervalMs: Math.round((raw.checkInterval ?? DEFAULT_CHECK_INTERVAL_SECONDS) * 1000),
    stopTimeoutMs,
    ...(restart ? {restart} : {}),
    ...(notify ? {notify} : {}),
    daemons,
  };
  return {config, warnings: context.warnings};
}

/** The document's root node; a YAML syntax error or an empty document fails. */
function parseYaml(text: string, source: Source): Node {
  const doc = parseDocument(text, {lineCounter: source.lines, prettyErrors: false, uniqueKeys: true});
  const error = doc.errors[0];
  if (error !== undefined) {
    const {line, col} = source.lines.linePos(error.pos[0]);
    failAt(source, error.pos[0], error.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '') || `bad YAML (line ${line}, column ${col})`);
  }
  const root = doc.contents;
  if (root === null) fail(source, null, 'the config is empty: it needs at least a daemons list');
  return root;
}

/** What a daemon's defaults come from, and where its warnings go. */
interface DaemonContext {
  readonly source: Source;
  /** The config file's directory: relative paths are resolved from it. */
  readonly base: string;
  /** The config's stopTimeout, for daemons without their own. */
  readonly stopTimeoutMs: number;
  /** The top-level restart: and notify:, under each daemon's own. */
  readonly restart: RestartSettings | undefined;
  readonly notify: NotifySettings | undefined;
  readonly warnings: string[];
}

/** Where a daemon sits in the config, for its messages. */
interface DaemonPlace {
  readonly node: Node | null;
  readonly index: number;
}

function daemonRule(raw: DaemonSection, place: DaemonPlace, context: DaemonContext): DaemonRule {
  const {name} = raw;
  const {match, process, pattern} = processMatch(raw, place, context);
  const service = serviceSpec(raw, place, context);
  const restart = mergeSettings(context.restart, raw.restart && restartSettings(raw.restart));
  const notify = raw.notify ? notifySettings(raw.notify, context.notify ?? DEFAULT_NOTIFY, context.base) : context.notify;
  return {
    name,
    process,
    match,
    ...(pattern ? {pattern} : {}),
    script: raw.script ?? name,
    args: raw.args ?? [],
    ...(raw.pidfile !== undefined ? {pidfile: resolve(context.base, raw.pidfile)} : {}),
    diagnostics: raw.diagnostics ?? [],
    ...(service ? {service} : {}),
    ...(restart ? {restart} : {}),
    ...(notify ? {notify} : {}),
  };
}

export const DEFAULT_NOTIFY: NotifySettings = {events: DEFAULT_NOTIFY_EVENTS, throttleMs: DEFAULT_THROTTLE_SECONDS * 1000, mail: true};

function restartSettings(raw: RestartSection): RestartSettings {
  return Object.fromEntries(Object.entries(raw).filter(([, value]) => value !== undefined));
}

/** `notify:` keys over `base`; relative paths from the config's directory. */
function notifySettings(raw: NotifySection, base: NotifySettings, dir: string): NotifySettings {
  const webhook = raw.webhook && {url: raw.webhook.url, ...(raw.webhook.secretFile !== undefined ? {secretFile: resolve(dir, raw.webhook.secretFile)} : {})};
  const exec = raw.exec && [resolve(dir, raw.exec[0]!), ...raw.exec.slice(1)];
  return {
    events: raw.events ?? base.events,
    throttleMs: raw.throttle !== undefined ? Math.round(raw.throttle * 1000) : base.throttleMs,
    mail: raw.mail ?? base.mail,
    ...((webhook ?? base.webhook) ? {webhook: webhook ?? base.webhook} : {}),
    ...((exec ?? base.exec) ? {exec: exec ?? base.exec} : {}),
  };
}

/** How the daemon is looked for: `process` (default its name) under `match` (default exact). */
function processMatch(raw: DaemonSection, {node, index}: DaemonPlace, {source, warnings}: DaemonContext): {match: MatchMode; process: string; pattern?: RegExp} {
  const match = raw.match ?? 'exact';
  const processName = raw.process ?? raw.name;
  if (match === 'regex') {
    try {
      return {match, process: processName, pattern: new RegExp(processName)};
    } catch (regexError) {
      fail(source, node, `daemons[${index}].process is not a valid regular expression: ${regexError instanceof Error ? regexError.message : String(regexError)}`);
    }
  }
  if (match === 'exact' && processName.includes('/')) {
    fail(source, node, `daemons[${index}]: process ${processName} has a slash, which a kernel process name never has; use match: substring or regex for a path`);
  }
  if (match === 'exact' && processName.length > COMM_LENGTH) {
    warnings.push(`daemon ${raw.name}: process name ${processName} is longer than the ${COMM_LENGTH} characters the kernel keeps; it is compared as ${processName.slice(0, COMM_LENGTH)}`);
  }
  return {match, process: processName};
}

/** The daemon's `run:` and what goes with it; the service keys without `run:` fail. */
function serviceSpec(raw: DaemonSection, {node, index}: DaemonPlace, {source, base, stopTimeoutMs}: DaemonContext): ServiceSpec | undefined {
  const {run} = raw;
  if (run === undefined) {
    const stray = SERVICE_KEYS.find((key) => raw[key] !== undefined);
    if (stray !== undefined) fail(source, node, `daemons[${index}]: ${stray} needs run: (it applies to a supervised daemon)`);
    return undefined;
  }
  return {
    run,
    ...(raw.user !== undefined ? {user: raw.user} : {}),
    env: raw.env ?? {},
    ...(raw.envdir !== undefined ? {envdir: resolve(base, raw.envdir)} : {}),
    limits: raw.limits ?? {},
    ...(raw.log !== undefined ? {log: raw.log} : {}),
    stopTimeoutMs: raw.stopTimeout ?? stopTimeoutMs,
  };
}

function mailSettings(raw: MailSection): MailSettings {
  return {to: raw.to, from: raw.from ?? `keepup@${hostname()}`, transport: mailTransportOf(raw.transport ?? 'sendmail')};
}

/** A validated `transport:` (see mailTransport) as what the mailer takes. */
function mailTransportOf(text: string): MailTransport {
  if (text === 'sendmail') return {kind: 'sendmail'};
  if (text.startsWith('sendmail')) return {kind: 'sendmail', path: text.slice('sendmail:'.length)};
  return {kind: 'smtp', url: text};
}

/** Decodes config bytes (strict UTF-8, see input.ts) and validates them. */
export function parseWatchdogConfigBytes(bytes: Uint8Array, file: string, options: LoadOptions): LoadedConfig {
  return parseWatchdogConfig(decodeConfig(bytes, file), file, options);
}
