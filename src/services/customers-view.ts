/** The public shapes of a customer and of a loyalty ledger row. */
import type { CustomerRecord, LedgerRecord } from "../db/customers";
import { mapPage, type Page } from "../db/paging";
import { toDecimal } from "../domain/money";

export const toCustomerView = (row: CustomerRecord) => ({
  id: row.id,
  first_name: row.firstName,
  last_name: row.lastName,
  email: row.email,
  phone: row.phone,
  address: row.address,
  city: row.city,
  state: row.state,
  zip_code: row.zipCode,
  country: row.country,
  notes: row.notes,
  loyalty_points: row.loyaltyPoints,
  total_spent: toDecimal(row.totalSpent),
  is_active: row.isActive,
  version: row.version,
  created_at: row.createdAt,
  updated_at: row.updatedAt,
});

export const toCustomerPage = (page: Page<CustomerRecord>) => mapPage(page, toCustomerView);

export const toLedgerView = (row: LedgerRecord) => ({
  id: row.id,
  customer_id: row.customerId,
  delta: row.delta,
  balance_after: row.balanceAfter,
  reason: row.reason,
  user_id: row.userId,
  order_id: row.orderId,
  created_at: row.createdAt,
});

export const toLedgerPage = (page: Page<LedgerRecord>) => mapPage(page, toLedgerView);
