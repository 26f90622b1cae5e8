import net from 'node:net';

/**
 * How the proxy treats connections: `pass` forwards both ways; `refuse` closes every connection
 * at once (new and open ones: the database server went away); `freeze` accepts connections and
 * keeps them open but forwards nothing either way until the next `pass`, which delivers what was
 * held (a hung server, or a network path that stalls and recovers).
 */
export type ProxyMode = 'pass' | 'refuse' | 'freeze';

export type DbProxy = {
  host: string;
  port: number;
  mode(): ProxyMode;
  /** Switches the mode; `refuse` also cuts the connections already open. */
  setMode(mode: ProxyMode): void;
  /** Chunks sent by the app and held while frozen (something is waiting on the database). */
  held(): number;
  /** Client connections open now. */
  connections(): number;
  close(): Promise<void>;
};

type Pair = { client: net.Socket; upstream: net.Socket | null; toServer: Buffer[]; toClient: Buffer[] };

/**
 * A TCP proxy between the app and a real database server, controlled by the test: the faults
 * seen in production (a database killed, restarted or frozen) made on loopback, on demand.
 */
export async function startDbProxy(target: { host: string; port: number }): Promise<DbProxy> {
  let mode: ProxyMode = 'pass';
  const pairs = new Set<Pair>();

  const drop = (pair: Pair) => {
    pairs.delete(pair);
    pair.client.destroy();
    pair.upstream?.destroy();
  };
  const flush = (pair: Pair) => {
    if (!pair.upstream) connectUpstream(pair);
    for (const chunk of pair.toServer.splice(0)) pair.upstream!.write(chunk);
    for (const chunk of pair.toClient.splice(0)) pair.client.write(chunk);
  };
  const connectUpstream = (pair: Pair) => {
    const upstream = net.connect(target.port, target.host);
    pair.upstream = upstream;
    upstream.on('error', () => drop(pair));
    upstream.on('close', () => drop(pair));
    upstream.on('data', (chunk: Buffer) => {
      if (mode === 'pass') pair.client.write(chunk);
      else pair.toClient.push(chunk);
    });
  };

  const server = net.createServer((client) => {
    if (mode === 'refuse') {
      client.destroy();
      return;
    }
    const pair: Pair = { client, upstream: null, toServer: [], toClient: [] };
    pairs.add(pair);
    client.on('error', () => drop(pair));
    client.on('close', () => drop(pair));
    client.on('data', (chunk: Buffer) => {
      if (mode === 'pass' && pair.upstream) pair.upstream.write(chunk);
      else pair.toServer.push(chunk);
    });
    // A connection accepted while frozen reaches the server only once the proxy passes again.
    if (mode === 'pass') flush(pair);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;

  return {
    host: '127.0.0.1',
    port,
    mode: () => mode,
    setMode(next) {
      mode = next;
      if (next === 'refuse') for (const pair of [...pairs]) drop(pair);
      if (next === 'pass') for (const pair of [...pairs]) flush(pair);
    },
    held: () => [...pairs].reduce((sum, pair) => sum + pair.toServer.length, 0),
    connections: () => pairs.size,
    close: async () => {
      for (const pair of [...pairs]) drop(pair);
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
