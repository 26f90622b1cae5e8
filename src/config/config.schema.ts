import net from 'node:net';
import { z } from 'zod';
import { parseLmtpAddress } from './lmtp-address';

/** `server.lmtp` and the pipe's `--lmtp`: the one LMTP address parser as a schema. */
export const lmtpAddressSchema = z.string().superRefine((value, ctx) => {
  const parsed = parseLmtpAddress(value);
  if (typeof parsed === 'string') ctx.addIssue({ code: 'custom', message: parsed });
});

export const databaseClients = ['sqlite', 'mysql', 'postgres'] as const;
export type DatabaseClient = (typeof databaseClients)[number];

/**
 * A node's host: a name or an IPv4 address, or an IPv6 address in brackets ([fe80::1]; kept as
 * written, so a saved config reads back; nodesOf drops the brackets for the driver). A colon
 * anywhere else is refused: "db1:3306" is a port written into the host, and a bare "::1:3306"
 * cannot be told from an address.
 */
const nodeHostSchema = z
  .string()
  .min(1)
  .refine((h) => {
    const v6 = /^\[(.+)\]$/.exec(h);
    return v6 ? net.isIPv6(v6[1]!) : !/[:[\]\s]/.test(h);
  }, 'a host name or address without a port (the port goes in "port"); an IPv6 address in brackets, as [fe80::1]');

/** One server of a cluster (a Galera node, a PostgreSQL primary or promoted replica). */
export const databaseNodeSchema = z
  .object({ host: nodeHostSchema, port: z.number().int().min(1).max(65535).nullable().default(null) })
  .strict();
export type DatabaseNode = z.infer<typeof databaseNodeSchema>;

export const databaseConfigSchema = z
  .object({
    client: z.enum(databaseClients),
    /** SQLite file; a relative name is taken inside the data directory. */
    filename: z.string().min(1),
    host: z.string().min(1),
    port: z.number().int().min(1).max(65535).nullable(),
    database: z.string().min(1).max(64),
    user: z.string(),
    password: z.string(),
    ssl: z.boolean(),
    poolMax: z.number().int().min(1).max(200),
    /**
     * Several servers of one cluster, tried in order: new connections go to the first that
     * answers and is ready, and move on to the next when it fails. Absent or empty: `host`/`port`.
     */
    hosts: z.array(databaseNodeSchema).max(16).optional(),
  })
  .strict();
export type DatabaseConfig = z.infer<typeof databaseConfigSchema>;

export const configSchema = z
  .object({
    installed: z.boolean(),
    server: z
      .object({
        host: z.string().min(1),
        port: z.number().int().min(0).max(65535),
        /** Express "trust proxy": false, true, a hop count or a list of addresses. */
        trustProxy: z.union([z.boolean(), z.number().int().min(0), z.string()]),
        shutdownTimeoutMs: z.number().int().min(0),
        /**
         * Where the help desk receives mail by LMTP from the machine's mail server: a Unix socket
         * path, or host:port on loopback only, where the mail server must sign in (AUTH PLAIN,
         * `npm run lmtp:secret`). Null: no LMTP receiver. One parser for all uses (lmtp-address.ts).
         */
        lmtp: lmtpAddressSchema.nullable().default(null),
        /**
         * The permissions of the LMTP socket file, octal as a string ("0660": the owner and the
         * group, e.g. a group the mail server's user belongs to). Set after listening, whatever the umask.
         */
        lmtpSocketMode: z
          .string()
          .regex(/^0?[0-7]{3}$/, 'octal permissions such as "0660"')
          // Other users writing to the socket would hand mail past the mail server's checks.
          .refine((mode) => (parseInt(mode, 8) & 0o007) === 0, 'no permissions for other users (such as "0660")')
          .default('0660'),
      })
      .strict(),
    database: databaseConfigSchema,
    paths: z.object({ data: z.string().min(1), attachments: z.string().min(1) }).strict(),
    secrets: z.object({ session: z.string(), signing: z.string() }).strict(),
    session: z
      .object({
        idleMinutes: z
          .number()
          .int()
          .min(5)
          .max(60 * 24 * 30),
        absoluteHours: z
          .number()
          .int()
          .min(1)
          .max(24 * 90),
        /** Live sessions per staff member; signing in once more ends the least recently used. */
        maxPerStaff: z.number().int().min(1).max(1000).default(20),
        /** Live sessions per client address (IPv6: per /64) that no staff member is signed in to. */
        maxPerClient: z.number().int().min(1).max(100_000).default(50),
      })
      .strict(),
    /**
     * Background work's timing: how often the web process runs the due jobs, and how long a
     * claimed mail and a started attempt stay one process's (see src/mail/delivery-policy.ts).
     * The defaults suit production; tests that kill a process mid-send shorten the leases.
     */
    jobs: z
      .object({
        intervalMs: z.number().int().min(100).max(3_600_000),
        mailClaimLeaseMs: z.number().int().min(1000).max(3_600_000),
        mailAttemptLeaseMs: z.number().int().min(1500).max(3_600_000),
      })
      .strict()
      .refine((j) => j.mailAttemptLeaseMs > j.mailClaimLeaseMs, {
        message: 'mailAttemptLeaseMs must be longer than mailClaimLeaseMs',
        path: ['mailAttemptLeaseMs'],
      })
      .optional(),
    log: z.object({ level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']) }).strict(),
  })
  .strict()
  .superRefine((cfg, ctx) => {
    if (cfg.database.client === 'sqlite' && cfg.database.hosts?.length) {
      ctx.addIssue({
        code: 'custom',
        path: ['database', 'hosts'],
        message: 'a list of database nodes needs client mysql or postgres (SQLite is one file, not a server)',
      });
    }
    if (!cfg.installed) return;
    for (const key of ['session', 'signing'] as const) {
      if (cfg.secrets[key].length < 32) {
        ctx.addIssue({
          code: 'custom',
          path: ['secrets', key],
          message: 'must be at least 32 characters once installed',
        });
      }
    }
  });

export type AppConfig = z.infer<typeof configSchema>;
