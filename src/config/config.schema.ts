import { z } from 'zod';

export const databaseClients = ['sqlite', 'mysql', 'postgres'] as const;
export type DatabaseClient = (typeof databaseClients)[number];

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
      })
      .strict(),
    database: databaseConfigSchema,
    paths: z.object({ data: z.string().min(1), attachments: z.string().min(1) }).strict(),
    secrets: z.object({ session: z.string(), signing: z.string() }).strict(),
    session: z
      .object({
        idleMinutes: z.number().int().min(5).max(60 * 24 * 30),
        absoluteHours: z.number().int().min(1).max(24 * 90),
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
      .refine((j) => j.mailAttemptLeaseMs > j.mailClaimLeaseMs, { message: 'mailAttemptLeaseMs must be longer than mailClaimLeaseMs', path: ['mailAttemptLeaseMs'] })
      .optional(),
    log: z
      .object({ level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']) })
      .strict(),
  })
  .strict()
  .superRefine((cfg, ctx) => {
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
