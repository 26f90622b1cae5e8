import type { Knex } from 'knex';

/** The database handle services and routes pass along; only repositories and src/db query it. */
export type Db = Knex;
export type Trx = Knex.Transaction;
