import { createServer, Server, Socket, connect } from 'node:net';

import { freePort } from './lensq-stack';

/**
 * A loopback TCP proxy in front of a real server, to take that server away from lensq
 * without stopping it for everyone: `refuse()` closes every connection and refuses new
 * ones (a stopped or restarting server), `blackhole()` keeps connections open but forwards
 * nothing (a lost host or network), `restore()` forwards again.
 */
export class TcpProxy {
  port = 0;
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private isBlackholed = false;

  constructor(
    private readonly targetPort: number,
    private readonly targetHost = '127.0.0.1',
  ) {}

  async start(): Promise<void> {
    if (this.port === 0) this.port = await freePort();
    this.isBlackholed = false;
    if (this.server?.listening) return;
    this.server = createServer((client) => this.forward(client));
    await new Promise<void>((resolve) => this.server!.listen(this.port, '127.0.0.1', resolve));
  }

  async refuse(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  blackhole(): void {
    this.isBlackholed = true;
  }

  async restore(): Promise<void> {
    await this.start();
  }

  async close(): Promise<void> {
    await this.refuse();
  }

  private forward(client: Socket): void {
    this.track(client);
    if (this.isBlackholed) return;
    const upstream = this.track(connect(this.targetPort, this.targetHost));
    client.on('data', (chunk) => this.isBlackholed || upstream.write(chunk));
    upstream.on('data', (chunk) => this.isBlackholed || client.write(chunk));
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  }

  private track(socket: Socket): Socket {
    this.sockets.add(socket);
    socket.on('error', () => socket.destroy());
    socket.on('close', () => this.sockets.delete(socket));
    return socket;
  }
}
