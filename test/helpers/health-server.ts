import {createServer, type Server} from 'node:http';
import type {AddressInfo, Socket} from 'node:net';

/** How the switchable server answers: 200, 500, never (hang), or by closing the connection; `body`: 200 with other text. */
export type HealthMode = 'ok' | '500' | 'hang' | 'close' | 'body';

export interface HealthServer {
  readonly port: number;
  readonly url: string;
  setMode(mode: HealthMode): void;
  /** Requests answered or held so far. */
  requests(): number;
}

/** A real loopback HTTP server for health checks whose handler can be switched; closed at test end. */
export async function healthServer(t: {teardown(fn: () => Promise<void>): void}): Promise<HealthServer> {
  let mode: HealthMode = 'ok';
  let count = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((request, response) => {
    count++;
    if (mode === 'ok') response.end('all good\n');
    else if (mode === 'body') response.end('starting up\n');
    else if (mode === '500') {
      response.statusCode = 500;
      response.end('broken\n');
    } else if (mode === 'close') request.socket.destroy();
    // hang: never answers
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(
    () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  );
  const port = (server.address() as AddressInfo).port;
  return {port, url: `http://127.0.0.1:${port}/healthz`, setMode: (next) => (mode = next), requests: () => count};
}
