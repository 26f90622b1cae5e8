import type { DatabaseConfig } from '../config/config.schema';
import type { Db } from '../db/db';
import {
  checkPrivileges,
  existingState,
  privilegeOrder,
  serverVersion,
  type ExistingState,
  type Privilege,
} from '../db/introspect';
import { createKnex } from '../db/knex-factory';

export type ProbeResult =
  | { ok: false; errorKey: string; detail: string }
  | {
      ok: true;
      serverVersion: string;
      privileges: Record<Privilege, boolean>;
      missing: Privilege[];
      existing: ExistingState;
      /** With existing = conflict: the first table in the way. */
      clash: string | null;
      pendingMigrations: number;
    };

/** Maps a driver's connection error to a locale key the wizard explains. */
export function connectionErrorKey(err: unknown): string {
  const e = err as { code?: unknown; errno?: unknown; message?: unknown };
  const code = String(e?.code ?? '');
  if (
    [
      'ER_ACCESS_DENIED_ERROR',
      'ER_ACCESS_DENIED_NO_PASSWORD_ERROR',
      '28P01',
      '28000',
      'ER_DBACCESS_DENIED_ERROR',
    ].includes(code)
  )
    return 'install.database.errors.accessDenied';
  if (['ER_BAD_DB_ERROR', '3D000'].includes(code)) return 'install.database.errors.noDatabase';
  if (['ENOTFOUND', 'EAI_AGAIN'].includes(code)) return 'install.database.errors.unknownHost';
  if (['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH'].includes(code)) return 'install.database.errors.refused';
  if (code === 'ETIMEDOUT' || /timeout/i.test(String(e?.message ?? ''))) return 'install.database.errors.timeout';
  if (/SQLITE_CANTOPEN|unable to open/i.test(`${code} ${String(e?.message ?? '')}`))
    return 'install.database.errors.sqliteFile';
  if (/Cannot find module|better-sqlite3|bindings/i.test(String(e?.message ?? '')))
    return 'install.database.errors.driverMissing';
  return 'install.database.errors.other';
}

/**
 * The form field a connection error is about, so the wizard shows it there: a refused password
 * beside the password, an unknown host beside the host. What no field explains stays on the choice of database.
 */
const fieldOfError: Record<string, string> = {
  'install.database.errors.accessDenied': 'password',
  'install.database.errors.noDatabase': 'database',
  'install.database.errors.unknownHost': 'host',
  'install.database.errors.refused': 'host',
  'install.database.errors.timeout': 'host',
};
export const connectionErrorField = (errorKey: string): string => fieldOfError[errorKey] ?? 'client';

/** The wizard's "test connection": reachability, server version, privileges, existing tables. */
export async function probeDatabase(dbConfig: DatabaseConfig, dataDir: string): Promise<ProbeResult> {
  let db: Db | undefined;
  try {
    db = createKnex(dbConfig, dataDir, { poolMax: 1 });
    const version = await serverVersion(db);
    const existing = await existingState(db);
    const privileges = await checkPrivileges(db);
    const missing = privilegeOrder.filter((p) => !privileges[p]);
    return {
      ok: true,
      serverVersion: version,
      privileges,
      missing,
      existing: existing.state,
      clash: existing.clash ?? null,
      pendingMigrations: existing.pending,
    };
  } catch (err) {
    return {
      ok: false,
      errorKey: connectionErrorKey(err),
      detail: String((err as Error)?.message ?? err).slice(0, 300),
    };
  } finally {
    await db?.destroy().catch(() => undefined);
  }
}
