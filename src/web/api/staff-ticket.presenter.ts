import type { z } from 'zod';
import type { AttachmentView } from '../../attachments/attachments.repo';
import type { StaffMessageView } from '../../tickets/messages.repo';
import type { TicketListRow } from '../../tickets/ticket-list.repo';
import type { TicketView } from '../../tickets/tickets.repo';
import { formatTrackingId } from '../../tickets/tracking-id';
import type { message, ticketDetail, ticketSummary } from './staff-api.schema';

/** What the staff API sends: typed by the response schemas the OpenAPI document shows. */

const iso = (ms: number) => new Date(ms).toISOString();
const isoOrNull = (ms: number | null) => (ms === null ? null : iso(ms));

export function ticketSummaryJson(r: TicketListRow): z.infer<typeof ticketSummary> {
  return {
    id: r.id,
    trackingId: formatTrackingId(r.trackingId),
    subject: r.subject,
    customer: { name: r.customerName, email: r.customerEmail },
    category: { name: r.categoryName },
    tier: r.tier,
    status: r.statusKey,
    priority: r.priorityKey,
    owner: r.ownerName === null ? null : { name: r.ownerName },
    lastReplier: { type: r.lastReplierType === 'staff' ? 'staff' : 'customer', name: r.lastReplierName ?? null },
    dueAt: isoOrNull(r.dueAt),
    createdAt: iso(r.createdAt),
    updatedAt: iso(r.updatedAt),
  };
}

export function ticketJson(
  t: TicketView,
  owner: { id: number; name: string } | null,
  dueAt: number | null,
  fields: Array<{ fieldId: number; label: string; value: string; visibleToCustomer: boolean }>,
): z.infer<typeof ticketDetail> {
  return {
    id: t.id,
    trackingId: formatTrackingId(t.trackingId),
    subject: t.subject,
    customer: { id: t.customerId, name: t.customerName, email: t.customerEmail },
    category: { id: t.categoryId, name: t.categoryName },
    tier: t.tier,
    status: t.statusKey,
    statusIsOpen: t.statusIsOpen,
    priority: t.priorityKey,
    owner,
    language: t.language,
    mergedIntoId: t.mergedIntoId,
    dueAt: isoOrNull(dueAt),
    fields: fields.map((f) => ({
      id: f.fieldId,
      label: f.label,
      value: f.value,
      visibleToCustomer: f.visibleToCustomer,
    })),
    createdAt: iso(t.createdAt),
    updatedAt: iso(t.updatedAt),
    resolvedAt: isoOrNull(t.resolvedAt),
  };
}

export function messageJson(m: StaffMessageView, attachments: AttachmentView[]): z.infer<typeof message> {
  return {
    id: m.id,
    kind: m.kind,
    author: m.authorName,
    staffId: m.staffId,
    body: m.body,
    createdAt: iso(m.createdAt),
    attachments: attachments
      .filter((a) => a.messageId === m.id)
      .map((a) => ({ id: a.id, fileName: a.fileName, size: a.size, contentType: a.contentType })),
  };
}
