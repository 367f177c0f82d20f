import {homedir, hostname} from 'node:os';
import {createHash} from 'node:crypto';
import {basename, dirname, isAbsolute, join, resolve} from 'node:path';
import {createRequire} from 'node:module';
import {isMap, isScalar, isSeq, LineCounter, parseDocument, type Node} from 'yaml';
import {decodeConfig} from './input.js';
import {DEFAULT_STOP_TIMEOUT_MS} from '../supervisor/state.js';
import {mergeSettings, type RestartSettings} from '../policy/policy.js';
import type {HealthProbe} from '../health/probe.js';
import {HEALTH_DEFAULTS, type HealthSpec} from '../health/verdict.js';
import {
  boolean,
  fail,
  failAt,
  list,
  located,
  mapping,
  number,
  oneOf,
  oneOrMany,
  required,
  scalarOrMap,
  scalarText,
  section,
  string,
  type Located,
  type Section,
  type Source,
  type Validator,
} from './schema.js';

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
  /** `health:`: checks run in both modes. */
  health?: HealthSpec;
  /** `ready:`: how the daemon says it is ready (a notification fd, or its first healthy check). */
  ready?: ReadySpec;
  /** `after:`: daemons this one starts after (`restart`: and restarts with). */
  after?: AfterEdge[];
}

export type ReadySpec = {kind: 'fd'; fd: number} | {kind: 'health'};

export interface AfterEdge {
  name: string;
  /** When the dependency restarts, this daemon restarts too. */
  restart: boolean;
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

export type MailTransport = {kind: 'smtp'; url: string; tls: SmtpTls} | {kind: 'sendmail'; path?: string};

/** `mail.tls`: verify the server's certificate, accept any, or send without TLS. */
export type SmtpTls = 'verify' | 'any' | 'plain';
export const SMTP_TLS: readonly SmtpTls[] = ['verify', 'any', 'plain'];

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
  /** A start script still running this long after its launch gets TERM, then KILL (its process group), unless its daemon runs. */
  scriptLimitMs: number;
  /** `keepup check`/`cron` start `keepup supervise` when the daemons with `run:` have no supervisor. */
  startSupervise: boolean;
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
  /** The status page and metrics listener of `keepup supervise` and `keepup cron`; absent: none. */
  http?: HttpSettings;
  /** Where `keepup check` writes its metrics for node_exporter's textfile collector; absent: nowhere. */
  metricsFile?: string;
}

/** `http:`: where the listener binds and who may use its control actions. */
export interface HttpSettings {
  readonly host: string;
  readonly port: number;
  /** Absolute path of the root-only credentials file; absent: read-only, and loopback only. */
  readonly credentials?: string;
}

export const DEFAULT_HTTP_HOST = '127.0.0.1';
export const DEFAULT_HTTP_PORT = 9113;

/** Is HOST a loopback address (127.0.0.0/8, ::1, localhost)? */
export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/** `HOST:PORT` or `[V6]:PORT` (port 0: any free one), or undefined when it is neither. */
export function parseListen(value: string): {host: string; port: number} | undefined {
  const match = /^(?:\[([0-9A-Fa-f:.]+)\]|([A-Za-z0-9.-]+)):(\d{1,5})$/.exec(value);
  if (!match) return undefined;
  const port = Number(match[3]);
  if (port > 65535) return undefined;
  return {host: match[1] ?? match[2]!, port};
}

export interface LoadedConfig {
  config: WatchdogConfig;
  /** Things worth a warning that do not stop the run (names longer than the kernel keeps). */
  warnings: string[];
}

export const DEFAULT_SCHEDULE = '*/10 * * * *';
export const DEFAULT_SCRIPT_TIMEOUT_SECONDS = 10;
export const DEFAULT_LOCK_WAIT_SECONDS = 60;
export const DEFAULT_SCRIPT_LIMIT_SECONDS = 300;
export const DEFAULT_CHECK_INTERVAL_SECONDS = 5;
/** serviceDir when the config does not say: inside stateDir. */
export const DEFAULT_SERVICE_DIR = 'service';

/**
 * Where history, lock and spool live when the config does not say: per user unless root, and
 * per config: `/var/lib/keepup/NAME-HASH` (NAME the config file's name without .yaml, HASH
 * the first 8 hex digits of the SHA-256 of its absolute path), so two configs never share a
 * history, a lock or a spool.
 */
export function defaultStateDir(uid: number, env: NodeJS.ProcessEnv, configFile?: string): string {
  const base = uid === 0 ? '/var/lib/keepup' : join(env.XDG_STATE_HOME && isAbsolute(env.XDG_STATE_HOME) ? env.XDG_STATE_HOME : join(homedir(), '.local', 'state'), 'keepup');
  if (configFile === undefined) return base;
  const file = resolve(configFile);
  const name = basename(file)
    .replace(/\.ya?ml$/, '')
    .replace(/[^A-Za-z0-9._-]/g, '_')
    .replace(/^\./, '_');
  return join(base, `${name}-${createHash('sha256').update(file).digest('hex').slice(0, 8)}`);
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
 * node-cron's validate, loaded on the first schedule to check: a config without `schedule:`
 * (every `keepup check`) spares loading node-cron (issue 16).
 */
function validateCron(expression: string): boolean {
  const nodeCron = createRequire(import.meta.url)('node-cron') as typeof import('node-cron');
  return nodeCron.validate(expression);
}

/**
 * node-cron 4 runs a job when day-of-month AND day-of-week match; Vixie cron runs it when
 * either does. Rather than run at surprising times, refuse a schedule that restricts both.
 */
function cronSchedule(value: string): string | undefined {
  if (!validateCron(value)) return 'is not a valid cron expression';
  const fields = value.trim().split(/\s+/);
  const range = cronRangeProblem(fields);
  if (range !== undefined) return range;
  if (fields.length === 5 || fields.length === 6) {
    const offset = fields.length - 5;
    if (fields[offset + 2] !== '*' && fields[offset + 4] !== '*') {
      return 'restricts both day of month and day of week: cron would run on either day, node-cron only on days matching both; restrict one of them';
    }
  }
  return undefined;
}

/** Each field's numbers and steps within the field's range (node-cron accepts a minute step of 61, which cron refuses). */
const CRON_FIELDS: ReadonlyArray<{name: string; max: number; min: number}> = [
  {name: 'minute', min: 0, max: 59},
  {name: 'hour', min: 0, max: 23},
  {name: 'day of month', min: 1, max: 31},
  {name: 'month', min: 1, max: 12},
  {name: 'day of week', min: 0, max: 7},
];
function cronRangeProblem(fields: readonly string[]): string | undefined {
  const specs = fields.length === 6 ? [{name: 'second', min: 0, max: 59}, ...CRON_FIELDS] : CRON_FIELDS;
  for (const [index, field] of fields.entries()) {
    const spec = specs[index];
    if (spec === undefined) continue;
    for (const part of field.split(',')) {
      const [base, step] = part.split('/');
      if (step !== undefined && (!/^\d+$/.test(step) || Number(step) < 1 || Number(step) > spec.max - spec.min + 1)) {
        return `has step /${step} in the ${spec.name} field, beyond its range ${spec.min}-${spec.max}`;
      }
      for (const number of (base ?? '').split('-')) {
        if (/^\d+$/.test(number) && (Number(number) < spec.min || Number(number) > spec.max)) return `has ${number} in the ${spec.name} field, beyond its range ${spec.min}-${spec.max}`;
      }
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

/**
 * A recipient or sender as cron's MAILTO takes it: `user@host`, a local name (`root`), or
 * `Display Name <user@host>`.
 */
const ADDRESS = /^[^\s@<>",;:]+(@[^\s@<>",;:]+)?$/;
export function mailAddressProblem(value: string): string | undefined {
  const angle = /^\s*("[^"\r\n]*"|[^"<>\r\n,;]*?)\s*<([^<>]*)>\s*$/.exec(value);
  const bare = angle ? angle[2]! : value;
  return ADDRESS.test(bare) ? undefined : 'must be an address: user@host, a local name like root, or "Name <user@host>"';
}
const mailAddress = string(mailAddressProblem);

/** A diagnostic command: a list of arguments, or one line split on blanks (never given to a shell). */
const command: Validator<string[]> = (node, source, where, parent) => {
  if (node !== null && isSeq(node)) return list(string(noNul))(node, source, where, parent);
  return string(noNul)(node, source, where, parent).trim().split(/\s+/);
};

/** An environment variable name: what envdir and execve accept (no `=`, no NUL, not empty). */
function envName(value: string): string | undefined {
  return value === '' || /[=\0\s]/.test(value) ? 'must be a variable name without =, blanks or NUL' : undefined;
}

/** `run:` as a list (argv) or a string (a shell command line). */
const runCommand: Validator<RunCommand> = (node, source, where, parent) => {
  if (node !== null && isSeq(node)) {
    // Numbers and booleans are their text, as in env: `[sleep, 100]` is sleep 100.
    const argv = list(scalarText(noNul))(node, source, where, parent);
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

/** `http:` as a URL, or `{url, status, body}`; only http and https. */
function httpUrl(value: string): string | undefined {
  try {
    const url = new URL(value);
    if ((url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '') return undefined;
  } catch {
    // fall through
  }
  return 'must be an http:// or https:// URL';
}

/** A webhook's URL: the same rule. */
const webhookUrl = httpUrl;

const HEALTH_HTTP_FIELDS = {url: required(string(httpUrl)), status: {validate: number({min: 100, max: 599})}, body: {validate: string(noNul)}};
const httpCheck = scalarOrMap<Section<typeof HEALTH_HTTP_FIELDS>>((node, source, where, parent) => ({url: string(httpUrl)(node, source, where, parent)}), section(HEALTH_HTTP_FIELDS));

/** `HOST:PORT` or `[V6]:PORT`. */
const tcpAddress: Validator<{host: string; port: number}> = (node, source, where, parent) => {
  const text = string(noNul)(node, source, where, parent);
  const found = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(text);
  const port = Number(found?.[3]);
  if (!found || port < 1 || port > 65535) fail(source, node ?? parent, `${where} must be HOST:PORT (a port from 1 to 65535)`);
  return {host: found[1] ?? found[2] ?? '', port};
};

const HEALTH_FIELDS = {
  http: {validate: httpCheck},
  tcp: {validate: tcpAddress},
  command: {validate: command},
  logSilence: {validate: number({min: 1, max: 86400 * 30})},
  interval: {validate: number({min: 0.1, max: 86400})},
  timeout: {validate: number({min: 0.1, max: 3600})},
  failures: {validate: number({min: 1, max: 1000})},
  startPeriod: {validate: number({min: 0, max: 86400})},
  action: {validate: oneOf(['restart', 'alert'] as const)},
};

const READY_FIELDS = {fd: required(number({min: 3, max: 255}))};
/** `ready: health` or `ready: {fd: N}`. */
const readySpec: Validator<ReadySpec> = (node, source, where, parent) => {
  if (node !== null && isScalar(node)) {
    if (node.value !== 'health') fail(source, node, `${where} must be health or {fd: N}`);
    return {kind: 'health'};
  }
  const {fd} = section(READY_FIELDS)(node, source, where, parent);
  if (!Number.isInteger(fd)) fail(source, node ?? parent, `${where}.fd must be a whole number`);
  return {kind: 'fd', fd};
};

const AFTER_FIELDS = {name: required(string(fileName)), restart: {validate: boolean}};
/** An `after:` item: a name, or `{name, restart: true}`. */
const afterEdge = located(scalarOrMap<Section<typeof AFTER_FIELDS>>((node, source, where, parent) => ({name: string(fileName)(node, source, where, parent)}), section(AFTER_FIELDS)));

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
  health: {validate: located(section(HEALTH_FIELDS))},
  ready: {validate: readySpec},
  after: {validate: list(afterEdge)},
  restart: {validate: section(RESTART_FIELDS)},
  notify: {validate: section(NOTIFY_FIELDS)},
};

const HTTP_FIELDS = {
  listen: {validate: located(string((value) => (parseListen(value) ? undefined : 'must be HOST:PORT or [IPV6]:PORT, such as 127.0.0.1:9113')))},
  credentials: {validate: string(noNul)},
};

const SERVICE_KEYS = ['user', 'env', 'envdir', 'limits', 'log', 'stopTimeout'] as const;

const MAIL_FIELDS = {
  to: required(oneOrMany(mailAddress)),
  from: {validate: mailAddress},
  transport: {validate: string(mailTransport)},
  tls: {validate: oneOf(SMTP_TLS)},
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
  scriptLimit: {validate: number({min: 0.1, max: 86400})},
  startSupervise: {validate: boolean},
  mail: {validate: section(MAIL_FIELDS)},
  serviceDir: {validate: string(noNul)},
  checkInterval: {validate: number({min: 0.1, max: 86400})},
  stopTimeout: {validate: stopTimeout},
  restart: {validate: section(RESTART_FIELDS)},
  notify: {validate: section(NOTIFY_FIELDS)},
  daemons: required(list(located(daemon))),
  http: {validate: section(HTTP_FIELDS)},
  metricsFile: {validate: string(noNul)},
};

export interface LoadOptions {
  uid: number;
  env: NodeJS.ProcessEnv;
  /**
   * Checks what the config names on this system when it is loaded (every subcommand loads it
   * so): the accounts in `user:` exist, the `envdir:` directories exist. Absent in pure parses.
   */
  system?: {accountExists(name: string): boolean; directoryExists(path: string): boolean};
}

/** Parses and validates config text; `file` names it in errors and anchors relative paths. */
export function parseWatchdogConfig(text: string, file: string, options: LoadOptions): LoadedConfig {
  const lines = new LineCounter();
  const source: Source = {file, lines};
  const root = parseYaml(text, source);
  const raw = section(TOP_FIELDS)(root, source, 'config', null);
  const base = dirname(resolve(file));
  const stopTimeoutMs = raw.stopTimeout ?? DEFAULT_STOP_TIMEOUT_MS;
  const restart = raw.restart && restartSettings(raw.restart);
  const notify = raw.notify && notifySettings(raw.notify, DEFAULT_NOTIFY, base);
  const stateDir = resolve(base, raw.stateDir ?? defaultStateDir(options.uid, options.env, file));
  const serviceDir = raw.serviceDir !== undefined ? resolve(base, raw.serviceDir) : join(stateDir, DEFAULT_SERVICE_DIR);
  const context: DaemonContext = {source, base, stopTimeoutMs, restart, notify, serviceDir, warnings: []};
  const seen = new Set<string>();
  const daemons = raw.daemons.map(({value, node}, index): DaemonRule => {
    if (seen.has(value.name)) fail(source, node, `daemons[${index}]: the name ${JSON.stringify(value.name)} is used twice`);
    seen.add(value.name);
    const rule = daemonRule(value, {node, index}, context);
    if (options.system && rule.service) checkSystemReferences(rule.service, {node, index}, source, options.system);
    return rule;
  });
  checkOrder(raw.daemons, source);
  const mail = raw.mail && mailSettings(raw.mail, keyNode(root, 'mail'), source);
  const http = raw.http && httpSettings(raw.http, source, base);
  const config: WatchdogConfig = {
    file: resolve(file),
    startDir: resolve(base, raw.startDir ?? 'start-scripts'),
    stateDir,
    schedule: raw.schedule ?? DEFAULT_SCHEDULE,
    scriptTimeoutMs: Math.round((raw.scriptTimeout ?? DEFAULT_SCRIPT_TIMEOUT_SECONDS) * 1000),
    lockWaitMs: Math.round((raw.lockWait ?? DEFAULT_LOCK_WAIT_SECONDS) * 1000),
    scriptLimitMs: scriptLimitMs(raw, root, source),
    startSupervise: raw.startSupervise ?? false,
    ...(mail ? {mail} : {}),
    serviceDir,
    checkIntervalMs: Math.round((raw.checkInterval ?? DEFAULT_CHECK_INTERVAL_SECONDS) * 1000),
    stopTimeoutMs,
    ...(restart ? {restart} : {}),
    ...(notify ? {notify} : {}),
    daemons,
    ...(http ? {http} : {}),
    ...(raw.metricsFile !== undefined ? {metricsFile: resolve(base, raw.metricsFile)} : {}),
  };
  return {config, warnings: context.warnings};
}

/** `scriptLimit` (default 300 s), never shorter than `scriptTimeout`: a script is collected before it may be killed. */
function scriptLimitMs(raw: {scriptLimit?: number; scriptTimeout?: number}, root: Node, source: Source): number {
  const limit = raw.scriptLimit ?? DEFAULT_SCRIPT_LIMIT_SECONDS;
  const timeout = raw.scriptTimeout ?? DEFAULT_SCRIPT_TIMEOUT_SECONDS;
  if (limit < timeout) fail(source, keyNode(root, 'scriptLimit') ?? keyNode(root, 'scriptTimeout') ?? root, `scriptLimit (${limit} s) must not be shorter than scriptTimeout (${timeout} s)`);
  return Math.round(limit * 1000);
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
  /** Where `keepup supervise` puts the services (a logSilence check watches their logs there). */
  readonly serviceDir: string;
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
  const health = raw.health && healthSpec(raw.health, raw, place, context);
  if (raw.ready?.kind === 'fd' && !service) fail(context.source, place.node, `daemons[${place.index}]: ready: {fd: N} needs run: (it applies to a supervised daemon)`);
  if (raw.ready?.kind === 'health' && !health) fail(context.source, place.node, `daemons[${place.index}]: ready: health needs health:`);
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
    ...(health ? {health} : {}),
    ...(raw.ready ? {ready: raw.ready} : {}),
    ...(raw.after?.length ? {after: raw.after.map(({value}) => ({name: value.name, restart: value.restart ?? false}))} : {}),
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

/** `health:` with its defaults; it needs at least one check, and logSilence needs a log. */
function healthSpec(located: Located<Section<typeof HEALTH_FIELDS>>, raw: DaemonSection, {index}: DaemonPlace, {source, serviceDir}: DaemonContext): HealthSpec {
  const {value, node} = located;
  const probes: HealthProbe[] = [];
  if (value.http)
    probes.push({
      kind: 'http',
      url: value.http.url,
      ...(value.http.status !== undefined ? {status: value.http.status} : {}),
      ...(value.http.body !== undefined ? {body: value.http.body} : {}),
    });
  if (value.tcp) probes.push({kind: 'tcp', ...value.tcp});
  if (value.command) {
    if (value.command.length === 0 || value.command[0] === '') fail(source, node, `daemons[${index}].health.command must not be empty`);
    probes.push({kind: 'command', argv: value.command});
  }
  if (value.logSilence !== undefined) {
    if (raw.run === undefined || raw.log === undefined) fail(source, node, `daemons[${index}].health.logSilence needs run: and log: (it watches the service's log)`);
    const logDir = join(serviceDir, raw.name, 'log');
    const dirs = raw.log.filter((arg) => arg.startsWith('.') || arg.startsWith('/')).map((dir) => resolve(logDir, dir));
    probes.push({kind: 'logSilence', seconds: value.logSilence, dirs});
  }
  if (probes.length === 0) fail(source, node, `daemons[${index}].health needs a check: http, tcp, command or logSilence`);
  return {
    probes,
    intervalMs: Math.round((value.interval ?? HEALTH_DEFAULTS.intervalSeconds) * 1000),
    timeoutMs: Math.round((value.timeout ?? HEALTH_DEFAULTS.timeoutSeconds) * 1000),
    failures: Math.round(value.failures ?? HEALTH_DEFAULTS.failures),
    startPeriodMs: Math.round((value.startPeriod ?? HEALTH_DEFAULTS.startPeriodSeconds) * 1000),
    action: value.action ?? HEALTH_DEFAULTS.action,
  };
}

/** Every `after:` name is a daemon of the config, and the edges have no cycle (FILE:LINE:COL). */
function checkOrder(daemons: readonly Located<DaemonSection>[], source: Source): void {
  const names = new Set(daemons.map(({value}) => value.name));
  const edges = new Map(daemons.map(({value}) => [value.name, value.after ?? []]));
  for (const {value} of daemons) {
    for (const edge of value.after ?? []) {
      if (!names.has(edge.value.name)) fail(source, edge.node, `daemon ${value.name}: after: ${JSON.stringify(edge.value.name)} is not a daemon of this config`);
      if (edge.value.name === value.name) fail(source, edge.node, `daemon ${value.name}: after: names itself`);
    }
  }
  const done = new Set<string>();
  const visit = (name: string, path: string[]): void => {
    if (done.has(name)) return;
    for (const edge of edges.get(name) ?? []) {
      const at = path.indexOf(edge.value.name);
      if (at >= 0) fail(source, edge.node, `after: makes a cycle: ${[...path.slice(at), edge.value.name].join(' → ')}`);
      visit(edge.value.name, [...path, edge.value.name]);
    }
    done.add(name);
  };
  for (const {value} of daemons) visit(value.name, [value.name]);
}

/** How the daemon is looked for: `process` (default its name) under `match` (default exact). */
function processMatch(raw: DaemonSection, {node, index}: DaemonPlace, {source}: DaemonContext): {match: MatchMode; process: string; pattern?: RegExp} {
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
  return {match, process: processName};
}

/** A `user:` without an account or an `envdir:` that is not a directory fails at load, not at every start. */
function checkSystemReferences(service: ServiceSpec, {node, index}: DaemonPlace, source: Source, system: NonNullable<LoadOptions['system']>): void {
  if (service.user !== undefined && !system.accountExists(service.user)) fail(source, keyNode(node, 'user') ?? node, `daemons[${index}].user: no account ${service.user} on this system`);
  if (service.envdir !== undefined && !system.directoryExists(service.envdir))
    fail(source, keyNode(node, 'envdir') ?? node, `daemons[${index}].envdir: ${service.envdir} is not a directory`);
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

/** `http:` with its defaults; a listener off loopback needs credentials. */
function httpSettings(raw: Section<typeof HTTP_FIELDS>, source: Source, base: string): HttpSettings {
  const {host, port} = raw.listen !== undefined ? parseListen(raw.listen.value)! : {host: DEFAULT_HTTP_HOST, port: DEFAULT_HTTP_PORT};
  if (!isLoopbackHost(host) && raw.credentials === undefined) {
    fail(source, raw.listen?.node ?? null, `http.listen ${raw.listen?.value} is not a loopback address: control over the network needs http.credentials (a root-only file)`);
  }
  return {host, port, ...(raw.credentials !== undefined ? {credentials: resolve(base, raw.credentials)} : {})};
}

function mailSettings(raw: MailSection, node: Node | null, source: Source): MailSettings {
  return {to: raw.to, from: raw.from ?? `keepup@${hostname()}`, transport: mailTransportOf(raw, node, source)};
}

/** A validated `transport:` (see mailTransport) and `tls:` as what the mailer takes. */
function mailTransportOf(raw: MailSection, node: Node | null, source: Source): MailTransport {
  const text = raw.transport ?? 'sendmail';
  const smtp = !text.startsWith('sendmail');
  if (raw.tls !== undefined && !smtp) fail(source, keyNode(node, 'tls') ?? node, 'mail.tls applies to smtp:// and smtps:// transports only');
  if (raw.tls === 'plain' && text.startsWith('smtps:')) fail(source, keyNode(node, 'tls') ?? node, 'mail.tls: plain contradicts smtps:// (TLS from the first byte); use smtp://');
  if (text === 'sendmail') return {kind: 'sendmail'};
  if (!smtp) return {kind: 'sendmail', path: text.slice('sendmail:'.length)};
  return {kind: 'smtp', url: text, tls: raw.tls ?? defaultSmtpTls(text)};
}

/** A loopback MTA (a stock exim4 offers STARTTLS with a self-signed snakeoil certificate): any certificate; any other host: verified. */
export function defaultSmtpTls(url: string): SmtpTls {
  try {
    const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
    return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host) ? 'any' : 'verify';
  } catch {
    return 'verify';
  }
}

/** The value node of `key` in a mapping node, for messages that point at one key. */
export function keyNode(node: Node | null, key: string): Node | null {
  if (node === null || !isMap(node)) return null;
  const value = node.get(key, true) as Node | undefined;
  return value ?? null;
}

/** Decodes config bytes (strict UTF-8, see input.ts) and validates them. */
export function parseWatchdogConfigBytes(bytes: Uint8Array, file: string, options: LoadOptions): LoadedConfig {
  return parseWatchdogConfig(decodeConfig(bytes, file), file, options);
}
