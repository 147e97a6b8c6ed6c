-- An order whose total is 0 (discounts or redeemed points cover it) completes
-- in the batch that makes it 0, and takes no payment, so it has nothing to
-- refund: without this, goods sold at 0 could never be returned. The state
-- machine gains one transition: completed → cancelled, only while the order
-- totals 0 and holds no money. Everything else stays as migration 0005 has it:
--   pending → completed | cancelled;  completed → refunded.
DROP TRIGGER `orders_status_transition`;--> statement-breakpoint
CREATE TRIGGER `orders_status_transition` BEFORE UPDATE OF status ON `orders`
WHEN NOT (
  (OLD.status = 'pending' AND NEW.status IN ('completed', 'cancelled'))
  OR (OLD.status = 'completed' AND NEW.status = 'refunded')
  OR (OLD.status = 'completed' AND NEW.status = 'cancelled' AND OLD.total = 0 AND OLD.paid_amount = 0 AND OLD.refunded_amount = 0)
)
BEGIN
  SELECT RAISE(ABORT, 'invalid order status transition');
END;
