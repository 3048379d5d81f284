import { connect, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy on one link of the drill topology (a node's link to the database, or the balancer's link to
 * a node). `cut()` blackholes the link like Toxiproxy's timeout toxic with timeout 0: connections stay
 * open and no byte passes either way, which is how a partition looks from both ends (no reset, just
 * silence). `heal()` drops the connections held during the cut so both ends reconnect cleanly.
 */
export class FaultProxy {
  private server?: Server;
  private readonly pairs = new Set<[Socket, Socket | null]>();
  private cutSince: number | null = null;
  port = 0;

  constructor(private readonly target: { host: string; port: number }) {}

  async start(): Promise<number> {
    this.server = createServer((client) => this.accept(client));
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(0, '127.0.0.1', () => resolve());
    });
    this.port = (this.server.address() as { port: number }).port;
    return this.port;
  }

  get isCut(): boolean {
    return this.cutSince !== null;
  }

  cut(): void {
    this.cutSince ??= Date.now();
    for (const [client, upstream] of this.pairs) {
      client.pause();
      upstream?.pause();
    }
  }

  heal(): void {
    if (this.cutSince === null) return;
    this.cutSince = null;
    for (const [client, upstream] of this.pairs) {
      client.destroy();
      upstream?.destroy();
    }
    this.pairs.clear();
  }

  private accept(client: Socket): void {
    client.setNoDelay(true);
    client.on('error', () => undefined);
    if (this.isCut) {
      const held: [Socket, Socket | null] = [client, null];
      this.pairs.add(held);
      client.pause();
      client.on('close', () => this.pairs.delete(held));
      return;
    }
    const upstream = connect(this.target.port, this.target.host);
    upstream.setNoDelay(true);
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
    for (const [client, upstream] of this.pairs) {
      client.destroy();
      upstream?.destroy();
    }
    this.pairs.clear();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
