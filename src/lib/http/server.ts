import {randomBytes} from 'node:crypto';
import {createServer, type IncomingMessage, type Server, type ServerResponse} from 'node:http';
import type {AddressInfo} from 'node:net';
import {isLoopbackHost, type HttpSettings} from '../config/watchdog-config.js';
import type {EventSink, KeepupEvent} from '../events/event.js';
import type {StatusRow} from '../keepup/service-report.js';
import {authenticate, sameSecret, type CredentialsOutcome} from './credentials.js';
import {statusPage} from './page.js';

/**
 * The listener of `keepup supervise` and `keepup cron` (`http:` in the config):
 *
 * - `GET /metrics`: Prometheus text format (metrics.ts);
 * - `GET /status.json`: exactly what `keepup status --json` prints (one JSON object per line);
 * - `GET /`: the status page (page.ts), which reads `GET /page.json` every 2 s;
 * - `POST /control/NAME/ACTION` (up, down, restart, reset): authenticated (credentials.ts),
 *   with the page's CSRF token in `X-Keepup-CSRF` and, when the browser sends one, an `Origin`
 *   naming this listener. Each action is a `control` event with `by: web:NAME`.
 *
 * Everything else is read-only and needs no credentials. On a loopback listener the `Host`
 * header must name a loopback address, so a web page elsewhere cannot read it through DNS
 * rebinding.
 */
export type ControlAction = 'up' | 'down' | 'restart' | 'reset';

/** The control letters each action writes to `supervise/control`. */
export const CONTROL_LETTERS: Record<ControlAction, string> = {up: 'u', down: 'd', restart: 'tu', reset: 'u'};

export type ControlResult = {ok: true} | {ok: false; status: number; message: string};

export interface HttpSources {
  /** The status rows now (the same function as `keepup status`). */
  rows(): Promise<StatusRow[]>;
  metrics(): Promise<{contentType: string; text: string}>;
  /** The newest `limit` events. */
  events(limit: number): KeepupEvent[];
  /** The tail of a supervised service's log, when it has one. */
  logTail(service: string): string | undefined;
  /** Sends the action to the service; the server has checked the caller already. */
  control(service: string, action: ControlAction): ControlResult;
  /** The credentials file now (read at every control request), or undefined: none configured. */
  credentials(): CredentialsOutcome | undefined;
  eventSink: EventSink;
  /** What emits the control events (`supervise`, `check`). */
  source: KeepupEvent['source'];
  host: string;
  /** The clock (unix ms). */
  now(): number;
  warn(message: string): void;
}

const PAGE_EVENTS = 100;
const ACTIONS: readonly ControlAction[] = ['up', 'down', 'restart', 'reset'];

export class StatusServer {
  private readonly server: Server;
  private readonly sources: HttpSources;
  private readonly settings: HttpSettings;
  private readonly csrf = randomBytes(32).toString('base64url');

  constructor(settings: HttpSettings, sources: HttpSources) {
    this.settings = settings;
    this.sources = sources;
    this.server = createServer((request, response) => {
      this.handle(request, response).catch((error: unknown) => {
        this.sources.warn(`http: ${request.method} ${request.url}: ${error instanceof Error ? error.message : String(error)}`);
        if (!response.headersSent) send(response, 500, 'text/plain; charset=utf-8', 'internal error\n');
        else response.end();
      });
    });
    this.server.keepAliveTimeout = 5000;
    this.server.headersTimeout = 10_000;
    this.server.requestTimeout = 30_000;
  }

  /** Binds the listener; rejects with the system error (EADDRINUSE, EACCES…). */
  listen(): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen({host: this.settings.host, port: this.settings.port}, () => {
        this.server.off('error', reject);
        this.server.on('error', (error) => this.sources.warn(`http: ${error.message}`));
        resolve(this.server.address() as AddressInfo);
      });
    });
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    response.setHeader('X-Content-Type-Options', 'nosniff');
    response.setHeader('Cache-Control', 'no-store');
    if (isLoopbackHost(this.settings.host) && !loopbackHostHeader(request.headers.host)) {
      return send(response, 421, 'text/plain; charset=utf-8', 'this listener answers to loopback host names only\n');
    }
    const url = new URL(request.url ?? '/', 'http://keepup');
    const method = request.method ?? 'GET';
    if (method === 'POST') {
      const control = /^\/control\/([^/]+)\/([a-z]+)$/.exec(url.pathname);
      if (control) return this.control(request, response, decodeURIComponent(control[1]!), control[2]!);
      return send(response, 404, 'text/plain; charset=utf-8', 'not found\n');
    }
    if (method !== 'GET' && method !== 'HEAD') return send(response, 405, 'text/plain; charset=utf-8', 'method not allowed\n', {Allow: 'GET, HEAD, POST'});
    switch (url.pathname) {
      case '/metrics': {
        const {contentType, text} = await this.sources.metrics();
        return send(response, 200, contentType, text);
      }
      case '/status.json': {
        const rows = await this.sources.rows();
        return send(response, 200, 'application/x-ndjson; charset=utf-8', rows.map((row) => `${JSON.stringify(row)}\n`).join(''));
      }
      case '/page.json':
        return send(response, 200, 'application/json; charset=utf-8', JSON.stringify(await this.pageData()));
      case '/':
        response.setHeader('Content-Security-Policy', "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; img-src data:; frame-ancestors 'none'");
        response.setHeader('X-Frame-Options', 'DENY');
        return send(response, 200, 'text/html; charset=utf-8', statusPage(this.sources.host, this.csrf));
      default:
        return send(response, 404, 'text/plain; charset=utf-8', 'not found\n');
    }
  }

  private async pageData(): Promise<unknown> {
    const rows = await this.sources.rows();
    const logs: Record<string, string> = {};
    for (const row of rows) {
      if (row.kind !== 'supervised') continue;
      const tail = this.sources.logTail(row.name);
      if (tail !== undefined) logs[row.name] = tail;
    }
    return {
      host: this.sources.host,
      time: new Date(this.sources.now()).toISOString(),
      controls: this.sources.credentials() !== undefined,
      rows,
      events: this.sources.events(PAGE_EVENTS),
      logs,
    };
  }

  private async control(request: IncomingMessage, response: ServerResponse, service: string, action: string): Promise<void> {
    await drain(request);
    const origin = request.headers.origin;
    if (!sameSecret(header(request, 'x-keepup-csrf'), this.csrf) || (origin !== undefined && origin !== `http://${request.headers.host}`)) {
      return send(response, 403, 'text/plain; charset=utf-8', 'refused: missing or wrong CSRF token (reload the page)\n');
    }
    const credentials = this.sources.credentials();
    if (credentials === undefined) return send(response, 403, 'text/plain; charset=utf-8', 'refused: no http.credentials configured; control actions are off\n');
    if (!credentials.ok) {
      this.sources.warn(`http: ${credentials.problem}`);
      return send(response, 503, 'text/plain; charset=utf-8', "refused: the credentials file is unusable (see keepup's log)\n");
    }
    const who = authenticate(request.headers.authorization, credentials.credentials);
    if (who === undefined) return send(response, 401, 'text/plain; charset=utf-8', 'refused: wrong or missing credentials\n');
    if (!(ACTIONS as readonly string[]).includes(action)) return send(response, 404, 'text/plain; charset=utf-8', `unknown action ${action}\n`);
    const rows = await this.sources.rows();
    const row = rows.find((candidate) => candidate.name === service);
    if (row === undefined) return send(response, 404, 'text/plain; charset=utf-8', 'no such service\n');
    if (row.kind !== 'supervised') return send(response, 409, 'text/plain; charset=utf-8', `${service} is checked by name: it has no control\n`);
    this.sources.eventSink.emit({service, kind: 'control', source: this.sources.source, action, by: `web:${who}`});
    const result = this.sources.control(service, action as ControlAction);
    if (!result.ok) return send(response, result.status, 'text/plain; charset=utf-8', `${result.message}\n`);
    return send(response, 200, 'application/json; charset=utf-8', JSON.stringify({service, action, by: `web:${who}`}));
  }
}

function header(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** `localhost`, `127.x.y.z` or `[::1]`, with or without a port. */
function loopbackHostHeader(host: string | undefined): boolean {
  if (host === undefined) return false;
  const match = /^(?:\[([^\]]+)\]|([^:]+))(?::\d+)?$/.exec(host);
  return match !== null && isLoopbackHost(match[1] ?? match[2]!);
}

/** Reads and drops a request body (at most 64 KiB; control actions have none). */
function drain(request: IncomingMessage): Promise<void> {
  return new Promise((resolve, reject) => {
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > 65536) request.destroy(new Error('request body too large'));
    });
    request.on('end', () => resolve());
    request.on('error', reject);
  });
}

function send(response: ServerResponse, status: number, contentType: string, body: string, headers: Record<string, string> = {}): void {
  response.writeHead(status, {'Content-Type': contentType, 'Content-Length': Buffer.byteLength(body), ...headers});
  response.end(response.req.method === 'HEAD' ? undefined : body);
}
