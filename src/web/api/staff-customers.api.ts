import { Router } from 'express';
import { findCustomerRecord, findCustomerRecordByEmail, type CustomerRecord } from '../../customers/customers.repo';
import { NotFoundError } from '../../errors';
import { visibleCategoryIds } from '../../staff/category-access.repo';
import type { Staff } from '../../staff/staff.repo';
import { countTickets, listAndCountTickets } from '../../tickets/ticket-list.repo';
import type { Services } from '../app-services';
import { parseInput } from './api-input';
import { requireTokenWith } from './bearer-auth';
import * as c from './customer-api.schema';
import { ticketSummaryJson } from './staff-ticket.presenter';

const pageSize = 50;
const countCap = 1000;

const customerJson = (r: CustomerRecord) => ({
  id: r.id,
  name: r.name,
  email: r.email,
  language: r.language,
  createdAt: new Date(r.createdAt).toISOString(),
});

/**
 * Customers for staff tokens: found by exact address or id, with their tickets. A staff member
 * limited to some categories sees only customers with a ticket there, and only those tickets;
 * anyone else is "not found" (the same answer as an unknown customer).
 */
export function staffCustomersApi(services: Services): Router {
  const router = Router();
  const view = requireTokenWith('tickets.view');

  async function inReach(staff: Staff, found: CustomerRecord | undefined): Promise<CustomerRecord | undefined> {
    if (!found) return undefined;
    const categories = await visibleCategoryIds(services.db, staff);
    if (categories === 'all') return found;
    return (await countTickets(services.db, { categories, customerIds: [found.id] }, 1)) > 0 ? found : undefined;
  }
  async function load(staff: Staff, params: unknown): Promise<CustomerRecord> {
    const found = await inReach(
      staff,
      await findCustomerRecord(services.db, Number(parseInput(c.customerParams, params).customer)),
    );
    if (!found) throw new NotFoundError('Customer not found');
    return found;
  }

  router.get('/customers', view, async (req, res) => {
    const { email } = parseInput(c.customerQuery, req.query);
    const found = await inReach(req.user!, await findCustomerRecordByEmail(services.db, email));
    res.json({ items: found ? [customerJson(found)] : [] });
  });

  router.get('/customers/:customer', view, async (req, res) => {
    res.json({ customer: customerJson(await load(req.user!, req.params)) });
  });

  router.get('/customers/:customer/tickets', view, async (req, res) => {
    const customer = await load(req.user!, req.params);
    const { page } = parseInput(c.customerTicketsQuery, req.query);
    const categories = await visibleCategoryIds(services.db, req.user!);
    const number = Number(page ?? '1');
    const { rows, total } = await listAndCountTickets(
      services.db,
      { categories, customerIds: [customer.id] },
      { sort: 'created', dir: 'desc', offset: (number - 1) * pageSize, limit: pageSize },
      countCap,
    );
    res.json({
      items: rows.map(ticketSummaryJson),
      page: number,
      size: pageSize,
      total: Math.min(total, countCap),
      totalCapped: total > countCap,
      hasMore: total > number * pageSize,
    });
  });
  return router;
}
