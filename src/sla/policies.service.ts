import { recordAudit } from '../audit/audit.repo';
import type { AdminActor } from '../categories/categories.service';
import type { Db } from '../db/db';
import { withTransaction } from '../db/transaction';
import { NotFoundError, ValidationError } from '../errors';
import { fieldErrors } from '../setup/setup.schema';
import { bumpSlaRevision } from './clocks.repo';
import { createOnce } from './created-once';
import { listPriorities } from '../tickets/statuses.repo';
import {
  deletePolicy,
  existingIds,
  findPolicy,
  findPolicyIdBySubmissionKey,
  insertPolicy,
  listPolicies,
  updatePolicy,
} from './policies.repo';
import { formatDuration, parseTargets, policySchema, targetField } from './policies.schema';
import { targetKinds, type Policy } from './policy-match';

export async function policyForAdmin(db: Db, id: number): Promise<Policy> {
  const policy = Number.isSafeInteger(id) ? await findPolicy(db, id) : undefined;
  if (!policy) throw new NotFoundError();
  return policy;
}

/** The form's values: a policy's, or a new one's placed after the last. */
export async function policyFormValues(db: Db, policy: Policy | null): Promise<Record<string, string>> {
  const last = policy ? null : (await listPolicies(db)).at(-1);
  const values: Record<string, string> = {
    name: policy?.name ?? '',
    position: String(policy?.position ?? (last ? last.position + 10 : 10)),
    calendar: policy?.calendarId == null ? '' : String(policy.calendarId),
    category: policy?.categoryId == null ? '' : String(policy.categoryId),
    customer_domain: policy?.customerDomain ?? '',
    field: policy?.fieldId == null ? '' : String(policy.fieldId),
    field_value: policy?.fieldValue ?? '',
    is_active: !policy || policy.isActive ? 'yes' : '',
  };
  for (const [pid, targets] of Object.entries(policy?.targets ?? {})) {
    for (const kind of targetKinds) values[targetField(kind, Number(pid))] = formatDuration(targets[kind]);
  }
  return values;
}

/** Creates or changes a policy; every id it names must exist (others' or made-up ids are refused). */
export async function savePolicy(
  db: Db,
  actor: AdminActor,
  id: number | null,
  input: Record<string, unknown>,
  now: number,
): Promise<number> {
  const priorityIds = (await listPriorities(db)).map((p) => Number(p.id));
  const parsed = policySchema.safeParse(input);
  const { targets, errors } = parseTargets(input, priorityIds);
  const allErrors = { ...(parsed.success ? {} : fieldErrors(parsed.error)), ...errors };
  if (!parsed.success || Object.keys(allErrors).length)
    throw new ValidationError('The SLA policy is not valid.', allErrors);
  const p = parsed.data;
  const write = (submissionKey: string | null) =>
    withTransaction(db, async (trx) => {
      const refs: Array<
        ['calendar' | 'category' | 'field', 'sla_calendars' | 'categories' | 'custom_fields', number | null]
      > = [
        ['calendar', 'sla_calendars', p.calendar],
        ['category', 'categories', p.category],
        ['field', 'custom_fields', p.field],
      ];
      for (const [field, table, ref] of refs) {
        if (ref !== null && !(await existingIds(trx, table, [ref])).has(ref))
          throw new ValidationError('Unknown reference.', { [field]: 'form.invalid' });
      }
      const row = {
        name: p.name,
        position: p.position,
        isActive: p.is_active === 'yes',
        calendarId: p.calendar,
        categoryId: p.category,
        customerDomain: p.customer_domain || null,
        fieldId: p.field,
        fieldValue: p.field === null ? null : p.field_value,
        targets,
      };
      let policyId: number;
      if (id === null) policyId = await insertPolicy(trx, row, now, submissionKey);
      else {
        if (!Number.isSafeInteger(id) || !(await findPolicy(trx, id))) throw new NotFoundError();
        policyId = id;
        await updatePolicy(trx, id, row, now);
      }
      await bumpSlaRevision(trx, now);
      await recordAudit(
        trx,
        {
          actor,
          action: 'sla.policy_saved',
          target: { type: 'sla_policy', id: policyId },
          details: { ...row },
          ip: actor.ip ?? undefined,
        },
        now,
      );
      return policyId;
    });
  return id === null ? createOnce(input, (key) => findPolicyIdBySubmissionKey(db, key), write) : write(null);
}

export async function removePolicy(db: Db, actor: AdminActor, id: number, now: number): Promise<void> {
  await withTransaction(db, async (trx) => {
    const policy = Number.isSafeInteger(id) ? await findPolicy(trx, id) : undefined;
    if (!policy) throw new NotFoundError();
    await deletePolicy(trx, id);
    await bumpSlaRevision(trx, now);
    await recordAudit(
      trx,
      {
        actor,
        action: 'sla.policy_removed',
        target: { type: 'sla_policy', id },
        details: { name: policy.name },
        ip: actor.ip ?? undefined,
      },
      now,
    );
  });
}
