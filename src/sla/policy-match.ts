/**
 * Which SLA policy sets a ticket's clocks: policies are tried in their order (position, then
 * age); the first active one whose every condition fits the ticket and which has a target for
 * the ticket's priority wins. No condition means "any". Pure, so the page's explanation and
 * the clocks can never disagree.
 */

export const targetKinds = ['first', 'next', 'resolution'] as const;
export type TargetKind = (typeof targetKinds)[number];
/** Business minutes per kind; a kind left out has no clock. */
export type Targets = Partial<Record<TargetKind, number>>;

export type Policy = {
  id: number;
  name: string;
  position: number;
  isActive: boolean;
  calendarId: number | null;
  categoryId: number | null;
  customerDomain: string | null;
  fieldId: number | null;
  fieldValue: string | null;
  /** Keyed by priority id. */
  targets: Record<string, Targets>;
};

export type TicketFacts = {
  priorityId: number;
  categoryId: number | null;
  customerEmail: string | null;
  fieldValues: ReadonlyMap<number, string>;
};

const domainOf = (email: string | null) =>
  email?.includes('@')
    ? email
        .slice(email.lastIndexOf('@') + 1)
        .trim()
        .toLowerCase()
    : '';

export function policyFits(p: Policy, t: TicketFacts): boolean {
  if (!p.isActive) return false;
  if (p.categoryId !== null && p.categoryId !== t.categoryId) return false;
  if (p.customerDomain) {
    const domain = domainOf(t.customerEmail);
    if (domain !== p.customerDomain && !domain.endsWith(`.${p.customerDomain}`)) return false;
  }
  if (
    p.fieldId !== null &&
    (t.fieldValues.get(p.fieldId) ?? '').trim().toLowerCase() !== (p.fieldValue ?? '').trim().toLowerCase()
  )
    return false;
  const targets = p.targets[String(t.priorityId)];
  return targets !== undefined && targetKinds.some((k) => targets[k] !== undefined);
}

export const inMatchingOrder = (policies: readonly Policy[]): Policy[] =>
  [...policies].sort((a, b) => a.position - b.position || a.id - b.id);

/** The policy that applies to a ticket and its targets for the ticket's priority, or null. */
export function matchPolicy(policies: readonly Policy[], t: TicketFacts): { policy: Policy; targets: Targets } | null {
  const policy = inMatchingOrder(policies).find((p) => policyFits(p, t));
  return policy ? { policy, targets: policy.targets[String(t.priorityId)]! } : null;
}
