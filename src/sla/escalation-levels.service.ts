import { recordAudit } from '../audit/audit.repo';
import type { AdminActor } from '../categories/categories.service';
import type { Db } from '../db/db';
import { withTransaction } from '../db/transaction';
import { NotFoundError, ValidationError } from '../errors';
import { fieldErrors } from '../setup/setup.schema';
import { bumpSlaRevision } from './clocks.repo';
import { levelSchema } from './escalation-levels.schema';
import type { EscalationLevel } from './escalation-plan';
import { createOnce } from './created-once';
import { activeStaff, staffOptions } from './escalations.repo';
import { deleteLevel, findLevelIdBySubmissionKey, insertLevel, levelsOfPolicy } from './escalation-levels.repo';
import { findPolicy } from './policies.repo';

/** A policy's levels and the staff a level may name, for the policy page. */
export async function escalationLevelsForAdmin(
  db: Db,
  policyId: number,
): Promise<{ levels: EscalationLevel[]; staff: Array<{ id: number; name: string }> }> {
  const [levels, staff] = await Promise.all([levelsOfPolicy(db, policyId), staffOptions(db)]);
  return { levels, staff };
}

/**
 * Adds an escalation level to a policy. It counts up the SLA revision, so the resync job
 * re-plans the open tickets' escalations (as after a policy edit); new tickets have it at once.
 * Once per form showing: a second send with the same one-time key answers with the first level.
 */
export async function addEscalationLevel(
  db: Db,
  actor: AdminActor,
  policyId: number,
  input: Record<string, unknown>,
  now: number,
): Promise<number> {
  const parsed = levelSchema.safeParse(input);
  if (!parsed.success) throw new ValidationError('The escalation level is not valid.', fieldErrors(parsed.error));
  const level = parsed.data;
  return createOnce(
    input,
    (key) => findLevelIdBySubmissionKey(db, key),
    (submissionKey) =>
      withTransaction(db, async (trx) => {
        if (!Number.isSafeInteger(policyId) || !(await findPolicy(trx, policyId))) throw new NotFoundError();
        if (level.staffId !== null && !(await activeStaff(trx, level.staffId)))
          throw new ValidationError('Unknown staff member.', { level_staff: 'form.invalid' });
        const id = await insertLevel(trx, { policyId, ...level }, now, submissionKey);
        await bumpSlaRevision(trx, now);
        await recordAudit(
          trx,
          {
            actor,
            action: 'sla.escalation_added',
            target: { type: 'sla_policy', id: policyId },
            details: { level: id, ...level },
            ip: actor.ip ?? undefined,
          },
          now,
        );
        return id;
      }),
  );
}

export async function removeEscalationLevel(
  db: Db,
  actor: AdminActor,
  policyId: number,
  levelId: number,
  now: number,
): Promise<void> {
  await withTransaction(db, async (trx) => {
    if (
      !Number.isSafeInteger(policyId) ||
      !Number.isSafeInteger(levelId) ||
      !(await deleteLevel(trx, policyId, levelId))
    )
      throw new NotFoundError();
    await bumpSlaRevision(trx, now);
    await recordAudit(
      trx,
      {
        actor,
        action: 'sla.escalation_removed',
        target: { type: 'sla_policy', id: policyId },
        details: { level: levelId },
        ip: actor.ip ?? undefined,
      },
      now,
    );
  });
}
