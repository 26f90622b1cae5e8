import type { DatabaseConfig } from '../config/config.schema';
import type { DatabaseInput } from './setup.schema';

/** The full database section of the config from what the wizard or the CLI asked for. */
export function toDatabaseConfig(input: DatabaseInput, base: DatabaseConfig): DatabaseConfig {
  if (input.client === 'sqlite') {
    return { ...base, client: 'sqlite', host: '127.0.0.1', port: null, database: 'tessera', user: '', password: '' };
  }
  return {
    ...base,
    client: input.client,
    host: input.host,
    port: input.port,
    database: input.database,
    user: input.user,
    password: input.password,
  };
}
