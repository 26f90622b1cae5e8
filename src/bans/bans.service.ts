import { recordAudit } from '../audit/audit.repo';
import type { Db } from '../db/db';
import { withTransaction } from '../db/transaction';
import { NotFoundError, ValidationError } from '../errors';
import { fieldErrors } from '../setup/setup.schema';
import { banExists, deleteBan, findBan, insertBan } from './bans.repo';
import { newBanSchema, type NewBan } from './bans.schema';

export type BanActor = { id: number; name: string; ip: string };

/** Adds a ban of an e-mail address, a domain or an IP range; the same ban twice is refused. */
export async function addBan(db: Db, actor: BanActor, input: unknown, now: number): Promise<NewBan> {
  const parsed = newBanSchema.safeParse(input);
  if (!parsed.success) throw new ValidationError('The ban is not valid.', fieldErrors(parsed.error));
  const ban = parsed.data;
  await withTransaction(db, async (trx) => {
    if (await banExists(trx, ban))
      throw new ValidationError('This ban exists already.', { value: 'bans.errors.duplicate' });
    await insertBan(trx, { ...ban, reason: ban.reason || null, staffId: actor.id }, now);
    await recordAudit(
      trx,
      {
        actor,
        action: 'ban.added',
        target: { type: 'ban', id: `${ban.kind}:${ban.value}` },
        details: { reason: ban.reason },
        ip: actor.ip,
      },
      now,
    );
  });
  return ban;
}

export async function removeBan(db: Db, actor: BanActor, id: number, now: number): Promise<void> {
  await withTransaction(db, async (trx) => {
    const ban = Number.isSafeInteger(id) ? await findBan(trx, id) : undefined;
    if (!ban) throw new NotFoundError();
    await deleteBan(trx, ban.id, now);
    await recordAudit(
      trx,
      { actor, action: 'ban.removed', target: { type: 'ban', id: `${ban.kind}:${ban.value}` }, ip: actor.ip },
      now,
    );
  });
}
