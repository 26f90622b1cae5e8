import { isConnectionError } from '../../src/db/dialect';

const err = (message: string, props: Record<string, unknown> = {}) => Object.assign(new Error(message), props);

test('every way a database is out of reach counts as unavailable (503), on each driver', () => {
  const unreachable = [
    err('timeout expired'), // pg: connection attempt timed out (a frozen server)
    err('Connection terminated unexpectedly'),
    err('Client has encountered a connection error and is not queryable'),
    err("Can't add new command when connection is in closed state"),
    err('connect ETIMEDOUT', { code: 'ETIMEDOUT' }),
    err('write EPIPE', { code: 'EPIPE' }),
    err('Connection lost: The server closed the connection.', { code: 'PROTOCOL_CONNECTION_LOST' }),
    err('Too many connections', { code: 'ER_CON_COUNT_ERROR' }),
    err('Server shutdown in progress', { code: 'ER_SERVER_SHUTDOWN' }),
    err('terminating connection due to administrator command', { code: '57P01' }),
    err('the database system is starting up', { code: '57P03' }),
    err('sorry, too many clients already', { code: '53300' }),
    err('unable to open database file', { code: 'SQLITE_CANTOPEN' }),
    Object.assign(err('Knex: Timeout acquiring a connection. The pool is probably full.'), {
      name: 'KnexTimeoutError',
    }),
  ];
  for (const e of unreachable) expect([e.message, isConnectionError(e)]).toEqual([e.message, true]);
});

test('a bad query or a broken rule is not an outage', () => {
  for (const e of [
    err('syntax error', { code: 'ER_PARSE_ERROR' }),
    err('duplicate key', { code: '23505' }),
    err('query timeout expired after a while'),
    new TypeError('x is undefined'),
    null,
    undefined,
    'text',
  ]) {
    expect(isConnectionError(e)).toBe(false);
  }
});
