import {homedir, hostname} from 'node:os';
import {dirname, isAbsolute, join, resolve} from 'node:path';
import {validate as validateCron} from 'node-cron';
import {isScalar, isSeq, LineCounter, parseDocument, type Node} from 'yaml';
import {decodeConfig} from './input.js';
import {DEFAULT_STOP_TIMEOUT_MS} from '../supervisor/state.js';
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
const HTTP_FIELDS = {url: required(string(httpUrl)), status: {validate: number({min: 100, max: 599})}, body: {validate: string(noNul)}};
const httpCheck = scalarOrMap<Section<typeof HTTP_FIELDS>>((node, source, where, parent) => ({url: string(httpUrl)(node, source, where, parent)}), section(HTTP_FIELDS));

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
  const stateDir = resolve(base, raw.stateDir ?? defaultStateDir(options.uid, options.env));
  const serviceDir = raw.serviceDir !== undefined ? resolve(base, raw.serviceDir) : join(stateDir, DEFAULT_SERVICE_DIR);
  const context: DaemonContext = {source, base, stopTimeoutMs, serviceDir, warnings: []};
  const seen = new Set<string>();
  const daemons = raw.daemons.map(({value, node}, index): DaemonRule => {
    if (seen.has(value.name)) fail(source, node, `daemons[${index}]: the name ${JSON.stringify(value.name)} is used twice`);
    seen.add(value.name);
    return daemonRule(value, {node, index}, context);
  });
  checkOrder(raw.daemons, source);
  const mail = raw.mail && mailSettings(raw.mail);
  const config: WatchdogConfig = {
    file: resolve(file),
    startDir: resolve(base, raw.startDir ?? 'start-scripts'),
    stateDir,
    schedule: raw.schedule ?? DEFAULT_SCHEDULE,
    scriptTimeoutMs: Math.round((raw.scriptTimeout ?? DEFAULT_SCRIPT_TIMEOUT_SECONDS) * 1000),
    lockWaitMs: Math.round((raw.lockWait ?? DEFAULT_LOCK_WAIT_SECONDS) * 1000),
    ...(mail ? {mail} : {}),
    serviceDir,
    checkIntervalMs: Math.round((raw.checkInterval ?? DEFAULT_CHECK_INTERVAL_SECONDS) * 1000),
    stopTimeoutMs,
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
