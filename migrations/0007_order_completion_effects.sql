-- When an order completes (its payments cover the total) the customer's
-- total_spent grows by the order's total and the points it earns are added,
-- with a ledger row. A trigger, so it happens in the very batch whose payment
-- completed the order, exactly once (the status trigger forbids completing
-- twice), whichever of two racing payments gets there.
CREATE TRIGGER `orders_completed_effects` AFTER UPDATE OF status ON `orders`
WHEN NEW.status = 'completed' AND OLD.status = 'pending' AND NEW.customer_id IS NOT NULL
BEGIN
  UPDATE customers
     SET total_spent = total_spent + NEW.total,
         loyalty_points = loyalty_points + NEW.points_earned,
         updated_at = NEW.updated_at
   WHERE id = NEW.customer_id;
  INSERT INTO loyalty_ledger (customer_id, delta, balance_after, reason, user_id, order_id, created_at)
  SELECT id, NEW.points_earned, loyalty_points, 'Earned on ' || NEW.order_number, NEW.user_id, NEW.id, NEW.updated_at
    FROM customers
   WHERE id = NEW.customer_id AND NEW.points_earned > 0;
END;
