import type { ColumnKind } from './table-shape';

/** SQLite keeps times as epoch milliseconds or as "YYYY-MM-DD HH:MM:SS" text in UTC. */
function isoTime(value: unknown): string {
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'number' || (typeof value === 'string' && /^\d+$/.test(value)))
    return new Date(Number(value)).toISOString();
  const s = String(value);
  const utc = /^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(s) ? `${s.replace(' ', 'T')}Z` : s;
  const d = new Date(utc);
  if (Number.isNaN(d.getTime())) throw new Error(`not a time: ${s.slice(0, 40)}`);
  return d.toISOString();
}

function integer(value: unknown): number | string {
  if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  const n = Number(value);
  return Number.isSafeInteger(n) ? n : String(value);
}

/** A value as read from the source database, in the backup's database-neutral form. */
export function toPortable(kind: ColumnKind, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  switch (kind) {
    case 'bool':
      return typeof value === 'boolean' ? value : Number(value) !== 0;
    case 'int':
      return integer(value);
    case 'num':
      return Number(value);
    case 'date':
      return isoTime(value);
    case 'bin':
      return Buffer.isBuffer(value) ? value.toString('base64') : Buffer.from(String(value)).toString('base64');
    case 'json':
      return typeof value === 'string' ? value : JSON.stringify(value);
    default:
      return Buffer.isBuffer(value)
        ? value.toString('utf8')
        : typeof value === 'string'
          ? value
          : typeof value === 'object'
            ? JSON.stringify(value)
            : String(value);
  }
}

/** A portable value made ready for a column of this kind in the target database. */
export function fromPortable(kind: ColumnKind, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  switch (kind) {
    case 'bool':
      return typeof value === 'boolean' ? value : Number(value) !== 0;
    case 'int':
      return integer(value);
    case 'num':
      return Number(value);
    case 'date':
      return new Date(typeof value === 'number' ? value : String(value));
    case 'bin':
      return Buffer.from(String(value), 'base64');
    default:
      return typeof value === 'string' ? value : JSON.stringify(value);
  }
}
