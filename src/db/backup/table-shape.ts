import type { Knex } from 'knex';
import { clientOf } from '../dialect';
import { retiredTables, tesseraTables } from '../introspect';

/** The tables a backup or restore may meet: today's, and those an older schema version still has. */
export const knownTables = [...tesseraTables, ...retiredTables];

/**
 * How a column's values are written in a backup, whatever the database: booleans as true/false
 * (SQLite and MySQL store 0/1), times as ISO strings (SQLite stores numbers), binary as base64,
 * JSON as the JSON value itself.
 */
export type ColumnKind = 'bool' | 'int' | 'num' | 'date' | 'bin' | 'json' | 'text';
export type Column = { name: string; kind: ColumnKind };
export type TableShape = { table: string; columns: Column[]; key: string[] };

function sqliteKind(declared: string): ColumnKind {
  const t = declared.toLowerCase();
  if (t === 'boolean') return 'bool';
  if (/int/.test(t)) return 'int';
  if (/float|double|real|decimal|numeric/.test(t)) return 'num';
  if (/datetime|timestamp/.test(t)) return 'date';
  if (t === 'json') return 'json';
  if (/blob|binary/.test(t)) return 'bin';
  return 'text';
}

function mysqlKind(dataType: string, columnType: string): ColumnKind {
  const t = dataType.toLowerCase();
  if (t === 'tinyint' && /^tinyint\(1\)/i.test(columnType)) return 'bool';
  if (/int$/.test(t)) return 'int';
  if (/float|double|decimal/.test(t)) return 'num';
  if (t === 'datetime' || t === 'timestamp') return 'date';
  if (t === 'json') return 'json';
  if (/blob|binary/.test(t)) return 'bin';
  return 'text';
}

function postgresKind(dataType: string): ColumnKind {
  const t = dataType.toLowerCase();
  if (t === 'boolean') return 'bool';
  if (/^(smallint|integer|bigint)$/.test(t)) return 'int';
  if (/real|double|numeric/.test(t)) return 'num';
  if (t.startsWith('timestamp')) return 'date';
  if (t === 'json' || t === 'jsonb') return 'json';
  if (t === 'bytea') return 'bin';
  return 'text';
}

/** Generated columns (PostgreSQL's search vectors) are left out: the target computes its own. */
type Described = { table: string; column: string; kind: ColumnKind; keyPos: number };

async function describeColumns(db: Knex): Promise<Described[]> {
  const client = clientOf(db);
  if (client === 'sqlite') {
    const out: Described[] = [];
    for (const table of knownTables) {
      const rows = (await db.raw(`PRAGMA table_xinfo(\`${table}\`)`)) as Array<{
        name: string;
        type: string;
        pk: number;
        hidden: number;
      }>;
      for (const r of rows.filter((c) => c.hidden === 0))
        out.push({ table, column: r.name, kind: sqliteKind(r.type), keyPos: r.pk });
    }
    return out;
  }
  if (client === 'mysql') {
    const [rows] = (await db.raw(
      `select c.TABLE_NAME as t, c.COLUMN_NAME as c, c.DATA_TYPE as dt, c.COLUMN_TYPE as ct, k.ORDINAL_POSITION as pk
         from information_schema.COLUMNS c
         left join information_schema.KEY_COLUMN_USAGE k on k.TABLE_SCHEMA = c.TABLE_SCHEMA and k.TABLE_NAME = c.TABLE_NAME
              and k.COLUMN_NAME = c.COLUMN_NAME and k.CONSTRAINT_NAME = 'PRIMARY'
        where c.TABLE_SCHEMA = database() and c.EXTRA not like '%GENERATED%' order by c.TABLE_NAME, c.ORDINAL_POSITION`,
    )) as [Array<{ t: string; c: string; dt: string; ct: string; pk: number | null }>];
    return rows.map((r) => ({ table: r.t, column: r.c, kind: mysqlKind(r.dt, r.ct), keyPos: Number(r.pk ?? 0) }));
  }
  const res = (await db.raw(
    `select c.table_name as t, c.column_name as c, c.data_type as dt, k.ordinal_position as pk
       from information_schema.columns c
       left join information_schema.table_constraints tc on tc.table_schema = c.table_schema and tc.table_name = c.table_name
            and tc.constraint_type = 'PRIMARY KEY'
       left join information_schema.key_column_usage k on k.constraint_schema = tc.constraint_schema and k.constraint_name = tc.constraint_name
            and k.table_name = c.table_name and k.column_name = c.column_name
      where c.table_schema = current_schema() and c.is_generated = 'NEVER' order by c.table_name, c.ordinal_position`,
  )) as { rows: Array<{ t: string; c: string; dt: string; pk: number | null }> };
  return res.rows.map((r) => ({ table: r.t, column: r.c, kind: postgresKind(r.dt), keyPos: Number(r.pk ?? 0) }));
}

/**
 * Columns one database keeps for itself, computed from the others (PostgreSQL's folded KB search
 * text): never written to a backup; a restore computes them again (restore.ts).
 */
export const derivedColumns: Readonly<Record<string, readonly string[]>> = { kb_article_versions: ['search_text'] };

/** Every Tessera table's columns, their kinds and its primary key, as this database has them. */
export async function tableShapes(db: Knex): Promise<Map<string, TableShape>> {
  const described = await describeColumns(db);
  const shapes = new Map<string, TableShape>();
  for (const table of knownTables) {
    const cols = described.filter((d) => d.table === table && !derivedColumns[table]?.includes(d.column));
    if (cols.length === 0) continue;
    const key = cols
      .filter((c) => c.keyPos > 0)
      .sort((a, b) => a.keyPos - b.keyPos)
      .map((c) => c.column);
    shapes.set(table, { table, columns: cols.map((c) => ({ name: c.column, kind: c.kind })), key });
  }
  return shapes;
}

/** One foreign key column: `child.column` points at a row of `parent`. */
export type ForeignKey = { child: string; column: string; parent: string };

/** Every single-column foreign key between Tessera tables, from the database's own catalogue. */
export async function foreignKeys(db: Knex): Promise<ForeignKey[]> {
  const client = clientOf(db);
  if (client === 'sqlite') {
    const out: ForeignKey[] = [];
    for (const table of knownTables) {
      const rows = (await db.raw(`PRAGMA foreign_key_list(\`${table}\`)`)) as Array<{ table: string; from: string }>;
      for (const r of rows) out.push({ child: table, column: r.from, parent: r.table });
    }
    return out;
  }
  if (client === 'mysql') {
    const [rows] = (await db.raw(
      `select TABLE_NAME as child, COLUMN_NAME as \`column\`, REFERENCED_TABLE_NAME as parent from information_schema.KEY_COLUMN_USAGE
        where TABLE_SCHEMA = database() and REFERENCED_TABLE_NAME is not null`,
    )) as [ForeignKey[]];
    return rows;
  }
  const res = (await db.raw(
    `select cl.relname as child, a.attname as "column", pl.relname as parent from pg_constraint c
       join pg_class cl on cl.oid = c.conrelid join pg_class pl on pl.oid = c.confrelid
       join pg_attribute a on a.attrelid = c.conrelid and a.attnum = any(c.conkey)
      where c.contype = 'f' and c.connamespace = (select oid from pg_namespace where nspname = current_schema())`,
  )) as { rows: ForeignKey[] };
  return res.rows;
}

/**
 * Tessera tables with every table after the tables it points at, so a load in this order needs
 * no foreign key checks turned off (PostgreSQL lets only superusers do that). What no order can
 * satisfy — a table pointing at itself, or a cycle between tables — the restore handles by
 * filling those columns in after the rows are in (restore.ts, `laterColumns`).
 */
export async function tablesInForeignKeyOrder(db: Knex, present: string[]): Promise<string[]> {
  const edges = (await foreignKeys(db)).filter((e) => e.child !== e.parent);
  const done = new Set<string>();
  const order: string[] = [];
  const visit = (table: string, path: Set<string>) => {
    if (done.has(table) || path.has(table)) return; // a cycle: one of its keys is filled in later
    path.add(table);
    for (const e of edges) if (e.child === table && present.includes(e.parent)) visit(e.parent, path);
    path.delete(table);
    done.add(table);
    order.push(table);
  };
  for (const table of present) visit(table, new Set());
  return order;
}
