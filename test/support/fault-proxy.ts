import { createServer, connect, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy on 127.0.0.1 that can cut its link, like Toxiproxy's timeout toxic: while cut, it holds
 * every connection open and passes no bytes (a blackhole), which is how a real partition looks to a
 * client. `heal()` drops the held connections so clients reconnect cleanly.
 */
export class FaultProxy {
  private server?: Server;
  private readonly pairs = new Set<[Socket, Socket | null]>();
  private cutSince: number | null = null;
  port = 0;

  constructor(private readonly target: { host: string; port: number }) {}

  async start(): Promise<number> {
    this.server = createServer((client) => this.accept(client));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', () => resolve()));
    this.port = (this.server.address() as { port: number }).port;
    return this.port;
  }

  get isCut(): boolean {
    return this.cutSince !== null;
  }

  /** Stops all traffic, both ways, on open and new connections. */
  cut(): void {
    this.cutSince ??= Date.now();
    for (const [client, upstream] of this.pairs) {
      client.pause();
      upstream?.pause();
    }
  }

  /** Restores the link; connections held during the cut are closed so clients start afresh. */
  heal(): void {
    this.cutSince = null;
    for (const [client, upstream] of this.pairs) {
      client.destroy();
      upstream?.destroy();
    }
    this.pairs.clear();
  }

  private accept(client: Socket): void {
    client.on('error', () => undefined);
    if (this.isCut) {
      const held: [Socket, Socket | null] = [client, null];
      this.pairs.add(held);
      client.pause();
      client.on('close', () => this.pairs.delete(held));
      return;
    }
    const upstream = connect(this.target.port, this.target.host);
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
    const pair: [Socket, Socket] = [client, upstream];
    this.pairs.add(pair);
    const drop = () => {
      this.pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('close', drop);
    upstream.on('close', drop);
    client.on('data', (d) => {
      if (!this.isCut) upstream.write(d);
    });
    upstream.on('data', (d) => {
      if (!this.isCut) client.write(d);
    });
  }

  async stop(): Promise<void> {
    this.heal();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
