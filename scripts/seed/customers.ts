/** Demo customers, a few with loyalty points earned through the ledger. */
import type { D1Database, D1PreparedStatement } from "@cloudflare/workers-types";

const PEOPLE: [string, string, string, string][] = [
  ["Jane", "Smith", "Springfield", "US"],
  ["John", "Doe", "Shelbyville", "US"],
  ["Amara", "Okafor", "Lagos", "NG"],
  ["Lukas", "Müller", "Berlin", "DE"],
  ["Sofia", "García", "Madrid", "ES"],
  ["Yuki", "Tanaka", "Osaka", "JP"],
  ["Priya", "Sharma", "Pune", "IN"],
  ["Liam", "O'Brien", "Dublin", "IE"],
  ["Chloé", "Martin", "Lyon", "FR"],
  ["Mateo", "Rossi", "Milan", "IT"],
  ["Noah", "Wilson", "Toronto", "CA"],
  ["Olivia", "Brown", "Leeds", "GB"],
  ["Ethan", "Nguyen", "Hanoi", "VN"],
  ["Ava", "Kowalski", "Kraków", "PL"],
  ["Mia", "Jensen", "Aarhus", "DK"],
];

export async function seedCustomers(db: D1Database, now: string, adminId: number) {
  const statements: D1PreparedStatement[] = [];
  PEOPLE.forEach(([first, last, city, country], index) => {
    const email = `${`${first}.${last}`.toLowerCase().replace(/[^a-z.]/g, "")}@example.com`;
    const phone = `+1 555 01${String(index).padStart(2, "0")}`;
    statements.push(
      db
        .prepare(
          `INSERT INTO customers (first_name, last_name, email, phone, city, country, loyalty_points, total_spent,
             is_active, version, created_at, updated_at)
           VALUES (?1, ?2, ?3, ?4, ?5, ?6, 0, 0, 1, 1, ?7, ?7)`,
        )
        .bind(first, last, email, phone, city, country, now),
    );
    const points = index % 3 === 0 ? 50 + index * 10 : 0;
    if (points > 0) {
      statements.push(
        db.prepare("UPDATE customers SET loyalty_points = loyalty_points + ?2 WHERE email = ?1").bind(email, points),
        db
          .prepare(
            `INSERT INTO loyalty_ledger (customer_id, delta, balance_after, reason, user_id, created_at)
             SELECT id, ?2, loyalty_points, 'welcome bonus', ?3, ?4 FROM customers WHERE email = ?1`,
          )
          .bind(email, points, adminId, now),
      );
    }
  });
  await db.batch(statements);
  return PEOPLE.length;
}
