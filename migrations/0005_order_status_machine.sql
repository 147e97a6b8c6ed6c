-- The order state machine, enforced by the database so that racing requests
-- cannot both make the same transition (two cancels, two completing
-- payments): any UPDATE that sets `status` must be one of
--   pending → completed (payments cover the total)
--   pending → cancelled (cancel)
--   completed → refunded (all money taken refunded)
-- Anything else, including "cancelled → cancelled", aborts the whole batch.
CREATE TRIGGER `orders_status_transition` BEFORE UPDATE OF status ON `orders`
WHEN NOT (
  (OLD.status = 'pending' AND NEW.status IN ('completed', 'cancelled'))
  OR (OLD.status = 'completed' AND NEW.status = 'refunded')
)
BEGIN
  SELECT RAISE(ABORT, 'invalid order status transition');
END;
