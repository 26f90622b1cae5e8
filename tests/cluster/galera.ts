import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import knex, { type Knex } from 'knex';
import { unusedPort } from '../helpers/smtp-sink';
import { tempDir } from '../helpers/test-db';
import { waitFor } from '../helpers/wait-for';

/**
 * A three-node MariaDB Galera cluster on loopback, from Debian's mariadb-server and galera-4:
 * three mariadbd with their own data directories, sockets and ports, the first bootstrapping
 * the cluster, the others joining by a full copy (rsync SST). Started as root (CI) the servers
 * run as the mysql user: rsync's daemon on a joiner, started as root, would write as "nobody".
 */
const runsAsRoot = process.getuid?.() === 0;
export const galeraProvider = '/usr/lib/galera/libgalera_smm.so';
const mariadbd = '/usr/sbin/mariadbd';

export type GaleraNode = {
  name: string;
  port: number;
  dir: string;
  process: ChildProcess | null;
  /** A connection to this node alone (a pool of one), for checks and forced conflicts. */
  connect(database?: string): Knex;
};

export type GaleraCluster = {
  nodes: GaleraNode[];
  user: { user: string; password: string };
  start(node: GaleraNode, opts?: { bootstrap?: boolean }): Promise<void>;
  /** SIGKILL: the node dies as in a power cut, without leaving the cluster cleanly. */
  kill(node: GaleraNode): Promise<void>;
  /** Waits until the node is a synced member of a three-node primary component. */
  waitSynced(node: GaleraNode, limitMs?: number): Promise<void>;
  stop(): Promise<void>;
};

export function galeraAvailable(): boolean {
  return fs.existsSync(galeraProvider) && fs.existsSync(mariadbd) && spawnSync('rsync', ['--version']).status === 0;
}

const quiet = { warn: () => undefined, error: () => undefined, debug: () => undefined, deprecate: () => undefined };

async function freePorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) ports.add(await unusedPort());
  return [...ports];
}

function configFile(
  node: GaleraNode,
  all: Array<{ gcomm: number }>,
  own: { gcomm: number; ist: number; sst: number },
  root: string,
): string {
  return [
    '[mariadbd]',
    ...(runsAsRoot ? ['user=mysql'] : []),
    `datadir=${node.dir}/data`,
    `socket=${node.dir}/mysqld.sock`,
    `pid-file=${node.dir}/mysqld.pid`,
    `log-error=${node.dir}/error.log`,
    'bind-address=127.0.0.1',
    `port=${node.port}`,
    'skip-name-resolve',
    'binlog_format=ROW',
    'default_storage_engine=InnoDB',
    'innodb_autoinc_lock_mode=2',
    'innodb_buffer_pool_size=64M',
    'innodb_log_file_size=32M',
    'innodb_flush_log_at_trx_commit=2',
    'performance_schema=OFF',
    'character-set-server=utf8mb4',
    'collation-server=utf8mb4_unicode_ci',
    'wsrep_on=ON',
    `wsrep_provider=${galeraProvider}`,
    `wsrep_cluster_address=gcomm://${all.map((n) => `127.0.0.1:${n.gcomm}`).join(',')}`,
    'wsrep_cluster_name=tessera_test',
    `wsrep_node_name=${node.name}`,
    `wsrep_node_address=127.0.0.1:${own.gcomm}`,
    `wsrep_provider_options="gmcast.listen_addr=tcp://127.0.0.1:${own.gcomm};ist.recv_addr=127.0.0.1:${own.ist};gcache.size=64M"`,
    'wsrep_sst_method=rsync',
    `wsrep_sst_receive_address=127.0.0.1:${own.sst}`,
    `tmpdir=${root}`,
    '',
  ].join('\n');
}

function run(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr || r.stdout}`);
}

function errorLogTail(node: GaleraNode): string {
  try {
    // The lines that say why (errors, state transfer), then how it ended.
    const lines = fs.readFileSync(path.join(node.dir, 'error.log'), 'utf8').split('\n');
    return [
      ...lines.filter((l) => /ERROR|WSREP_SST|\[Warning\] WSREP/.test(l)).slice(-20),
      '…',
      ...lines.slice(-10),
    ].join('\n');
  } catch {
    return '(no error log)';
  }
}

async function status(db: Knex, name: string): Promise<string | undefined> {
  const [rows] = (await db.raw('SHOW GLOBAL STATUS LIKE ?', [name])) as [Array<{ Value: string }>];
  return rows[0]?.Value;
}

export async function startGaleraCluster(): Promise<GaleraCluster> {
  const root = tempDir('tessera-galera-');
  const ports = await freePorts(12);
  const user = { user: 'tessera', password: 'tessera-galera' };
  const layout = [0, 1, 2].map((i) => ({
    sql: ports[i * 4]!,
    gcomm: ports[i * 4 + 1]!,
    ist: ports[i * 4 + 2]!,
    sst: ports[i * 4 + 3]!,
  }));
  const nodes: GaleraNode[] = layout.map((l, i) => {
    const dir = path.join(root, `node${i + 1}`);
    fs.mkdirSync(path.join(dir, 'data'), { recursive: true });
    const node: GaleraNode = {
      name: `node${i + 1}`,
      port: l.sql,
      dir,
      process: null,
      connect: (database) =>
        knex({
          client: 'mysql2',
          connection: { host: '127.0.0.1', port: l.sql, ...user, database, connectTimeout: 5000 },
          pool: { min: 0, max: 1 },
          acquireConnectionTimeout: 30_000,
          log: quiet,
        }),
    };
    fs.writeFileSync(path.join(dir, 'my.cnf'), configFile(node, layout, l, root));
    return node;
  });
  if (runsAsRoot) {
    fs.chmodSync(root, 0o755);
    run('chown', ['-R', 'mysql:mysql', root]);
  }
  // Only the first node needs system tables: the others receive everything by SST.
  run('mariadb-install-db', [
    `--defaults-file=${nodes[0]!.dir}/my.cnf`,
    '--auth-root-authentication-method=socket',
    '--skip-test-db',
    '--wsrep-on=OFF',
  ]);

  const ping = async (node: GaleraNode): Promise<boolean> => {
    const db = node.connect();
    try {
      return (await status(db, 'wsrep_ready')) === 'ON';
    } catch {
      return false;
    } finally {
      await db.destroy();
    }
  };

  const cluster: GaleraCluster = {
    nodes,
    user,
    async start(node, opts = {}) {
      const args = [`--defaults-file=${node.dir}/my.cnf`, ...(opts.bootstrap ? ['--wsrep-new-cluster'] : [])];
      const child = spawn(mariadbd, args, { stdio: 'ignore' });
      node.process = child;
      child.once('exit', () => {
        if (node.process === child) node.process = null;
      });
      if (opts.bootstrap) {
        await waitFor(
          () =>
            fs.existsSync(`${node.dir}/mysqld.sock`) &&
            spawnSync('mariadb', [`--socket=${node.dir}/mysqld.sock`, '-uroot', '-e', 'SELECT 1']).status === 0,
          `${node.name} to accept connections:\n${errorLogTail(node)}`,
          120_000,
        );
        run('mariadb', [
          `--socket=${node.dir}/mysqld.sock`,
          '-uroot',
          '-e',
          `CREATE USER '${user.user}'@'127.0.0.1' IDENTIFIED BY '${user.password}'; GRANT ALL PRIVILEGES ON *.* TO '${user.user}'@'127.0.0.1';`,
        ]);
      }
      await waitFor(() => node.process === null || ping(node), `${node.name} to be ready`, 180_000);
      if (!node.process) throw new Error(`${node.name} exited while starting:\n${errorLogTail(node)}`);
    },
    async kill(node) {
      const child = node.process;
      if (!child) return;
      const gone = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await gone;
    },
    async waitSynced(node, limitMs = 180_000) {
      await waitFor(
        async () => {
          if (!node.process) throw new Error(`${node.name} exited:\n${errorLogTail(node)}`);
          const db = node.connect();
          try {
            return (
              (await status(db, 'wsrep_local_state_comment')) === 'Synced' &&
              (await status(db, 'wsrep_cluster_size')) === '3'
            );
          } catch {
            return false;
          } finally {
            await db.destroy();
          }
        },
        `${node.name} to be synced in a cluster of three:\n${errorLogTail(node)}`,
        limitMs,
      );
    },
    async stop() {
      await Promise.all(nodes.map((n) => cluster.kill(n)));
      fs.rmSync(root, { recursive: true, force: true });
    },
  };
  return cluster;
}
