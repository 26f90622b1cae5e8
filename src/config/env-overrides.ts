/** Every environment variable Tessera reads, the config key it overrides, and how to parse it. */
type Parser = 'string' | 'int' | 'bool' | 'trustProxy' | 'nodes';

export const envOverrides: ReadonlyArray<{ env: string; key: string; parse: Parser }> = [
  { env: 'TESSERA_INSTALLED', key: 'installed', parse: 'bool' },
  { env: 'HOST', key: 'server.host', parse: 'string' },
  { env: 'PORT', key: 'server.port', parse: 'int' },
  { env: 'TESSERA_TRUST_PROXY', key: 'server.trustProxy', parse: 'trustProxy' },
  { env: 'TESSERA_LMTP', key: 'server.lmtp', parse: 'string' },
  { env: 'TESSERA_LMTP_SOCKET_MODE', key: 'server.lmtpSocketMode', parse: 'string' },
  { env: 'TESSERA_DB_CLIENT', key: 'database.client', parse: 'string' },
  { env: 'TESSERA_DB_FILENAME', key: 'database.filename', parse: 'string' },
  { env: 'TESSERA_DB_HOST', key: 'database.host', parse: 'string' },
  { env: 'TESSERA_DB_PORT', key: 'database.port', parse: 'int' },
  { env: 'TESSERA_DB_NAME', key: 'database.database', parse: 'string' },
  { env: 'TESSERA_DB_USER', key: 'database.user', parse: 'string' },
  { env: 'TESSERA_DB_PASSWORD', key: 'database.password', parse: 'string' },
  { env: 'TESSERA_DB_SSL', key: 'database.ssl', parse: 'bool' },
  { env: 'TESSERA_DB_HOSTS', key: 'database.hosts', parse: 'nodes' },
  { env: 'TESSERA_DB_POOL_MAX', key: 'database.poolMax', parse: 'int' },
  { env: 'TESSERA_DATA_DIR', key: 'paths.data', parse: 'string' },
  { env: 'TESSERA_ATTACHMENTS_DIR', key: 'paths.attachments', parse: 'string' },
  { env: 'TESSERA_SESSION_SECRET', key: 'secrets.session', parse: 'string' },
  { env: 'TESSERA_SIGNING_SECRET', key: 'secrets.signing', parse: 'string' },
  { env: 'TESSERA_JOBS_INTERVAL_MS', key: 'jobs.intervalMs', parse: 'int' },
  { env: 'TESSERA_MAIL_CLAIM_LEASE_MS', key: 'jobs.mailClaimLeaseMs', parse: 'int' },
  { env: 'TESSERA_MAIL_ATTEMPT_LEASE_MS', key: 'jobs.mailAttemptLeaseMs', parse: 'int' },
  { env: 'TESSERA_LOG_LEVEL', key: 'log.level', parse: 'string' },
];

/** Parses one variable; an unparsable value is returned as the raw string so zod names the key. */
export function parseEnvValue(raw: string, parse: Parser): unknown {
  const value = raw.trim();
  switch (parse) {
    case 'string':
      return raw;
    case 'int':
      return /^\d+$/.test(value) ? Number(value) : raw;
    case 'bool':
      if (/^(1|true|yes|on)$/i.test(value)) return true;
      if (/^(0|false|no|off)$/i.test(value)) return false;
      return raw;
    case 'trustProxy':
      if (/^(true|false)$/i.test(value)) return value.toLowerCase() === 'true';
      return /^\d+$/.test(value) ? Number(value) : value;
    case 'nodes':
      return parseNodeList(value) ?? raw;
  }
}

/**
 * `db1:3306,db2,[fd00::3]:3307` as cluster nodes (IPv6 addresses in brackets, kept for the schema
 * to check); null when an entry is not `host`, `host:port`, `[v6]` or `[v6]:port`.
 */
function parseNodeList(value: string): Array<{ host: string; port: number | null }> | null {
  if (value === '') return [];
  const nodes = value.split(',').map((entry) => /^\s*(\[[0-9A-Fa-f:.]+\]|[^\s:,[\]]+)(?::(\d{1,5}))?\s*$/.exec(entry));
  if (nodes.some((m) => !m)) return null;
  return nodes.map((m) => ({ host: m![1]!, port: m![2] ? Number(m![2]) : null }));
}
