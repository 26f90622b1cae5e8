import type { Knex } from 'knex';
import { insertReturningId } from '../db/insert';
import type { EscalationAction, EscalationLevel } from './escalation-plan';
import type { TargetKind } from './policy-match';

type LevelRaw = {
  id: number;
  policy_id: number;
  kind: TargetKind;
  at_percent: number;
  action: EscalationAction;
  staff_id: number | null;
};
const levelColumns = ['id', 'policy_id', 'kind', 'at_percent', 'action', 'staff_id'];
const levelOf = (r: LevelRaw): EscalationLevel => ({
  id: Number(r.id),
  policyId: Number(r.policy_id),
  kind: r.kind,
  atPercent: Number(r.at_percent),
  action: r.action,
  staffId: r.staff_id === null ? null : Number(r.staff_id),
});

/** A policy's levels (a handful), in the order they fire. */
export async function levelsOfPolicy(db: Knex, policyId: number): Promise<EscalationLevel[]> {
  const rows = await db('sla_escalation_levels')
    .where({ policy_id: policyId })
    .orderBy([{ column: 'kind' }, { column: 'at_percent' }, { column: 'id' }])
    .select<LevelRaw[]>(levelColumns);
  return rows.map(levelOf);
}

export async function insertLevel(
  trx: Knex,
  level: Omit<EscalationLevel, 'id'>,
  now: number,
  submissionKey: string | null = null,
): Promise<number> {
  return insertReturningId(trx, 'sla_escalation_levels', {
    policy_id: level.policyId,
    kind: level.kind,
    at_percent: level.atPercent,
    action: level.action,
    staff_id: level.staffId,
    submission_key: submissionKey,
    created_at: now,
  });
}

/** The level an add form's one-time key made, if any. */
export async function findLevelIdBySubmissionKey(db: Knex, key: string): Promise<number | undefined> {
  const row = await db('sla_escalation_levels').where({ submission_key: key }).first<{ id: number } | undefined>('id');
  return row ? Number(row.id) : undefined;
}

/** Removes a level of this policy; false when the policy has no such level. */
export async function deleteLevel(trx: Knex, policyId: number, levelId: number): Promise<boolean> {
  return (await trx('sla_escalation_levels').where({ id: levelId, policy_id: policyId }).del()) === 1;
}
