/**
 * A shift report as printed: the lines of an X- or Z-report, in sections of
 * label / amount rows. The till's 42-column text renders them here; the PDF
 * (z-report-pdf.ts) draws the same sections, so both say the same thing.
 */
import type { ShiftReport } from "../services/shift-reports";

export const TILL_WIDTH = 42;

export interface ReportRow {
  label: string;
  /** Right-aligned: an amount, a count, or a short value. */
  value: string;
}

export interface ReportSection {
  title: string;
  rows: ReportRow[];
  /** Sentences printed under the rows (late items), wrapped to the width. */
  notes?: string[];
}

export interface PrintedReport {
  title: string;
  header: string[];
  sections: ReportSection[];
}

/** Two places, thousands unseparated (a till's column is narrow); a sign only when negative. */
const m = (amount: number) => amount.toFixed(2);
const signed = (amount: number) => (amount > 0 ? `+${m(amount)}` : m(amount));
/** Money out of the drawer or off a sale, printed with a minus (none on zero). */
const minus = (amount: number) => (amount ? `-${m(amount)}` : m(0));
const label = (method: string) => method.replaceAll("_", " ");

/** What an X- or Z-report prints, from its JSON. */
export function printedReport(r: ShiftReport, when: Intl.DateTimeFormat): PrintedReport {
  const s = r.shift;
  const at = (iso: string | null) => (iso ? when.format(new Date(iso)) : "-");
  const cashier = s.cashier ? (s.cashier.full_name ?? s.cashier.username) : "-";
  const c = r.cash;
  const title = r.report === "Z" ? `Z-REPORT ${s.z_number ?? ""}`.trim() : "X-REPORT (not closed)";
  const shift: ReportRow[] = [
    { label: "Shift", value: String(s.id) },
    { label: "Drawer", value: s.drawer_name },
    { label: "Cashier", value: cashier },
    { label: "Opened", value: at(s.opened_at) },
  ];
  if (s.ended_at) shift.push({ label: "Ended", value: at(s.ended_at) });
  if (s.closed_at) shift.push({ label: "Closed", value: at(s.closed_at) });
  if (s.closed_by) shift.push({ label: "Closed by", value: s.closed_by.full_name ?? s.closed_by.username });
  if (s.z_number !== null) shift.push({ label: "Z number", value: String(s.z_number) });
  const tenders = (t: ShiftReport["sales"]) => [
    ...t.by_tender.map((l) => ({ label: `${label(l.payment_method)} (${l.count})`, value: m(l.amount) })),
    { label: `Total (${t.count})`, value: m(t.amount) },
  ];
  const movements: ReportRow[] = [
    { label: `Paid in (${c.paid_in.count})`, value: m(c.paid_in.amount) },
    { label: `Paid out (${c.paid_out.count})`, value: minus(c.paid_out.amount) },
    { label: `Drops (${c.drops.count})`, value: minus(c.drops.amount) },
    { label: "No-sale openings", value: String(c.no_sales.count) },
  ];
  const pendingNotes = c.pending.map(
    (p) => `Pending approval: ${label(p.kind)} ${m(p.amount)}${p.reason ? ` (${p.reason})` : ""}`,
  );
  const drawer: ReportRow[] = [
    { label: "Opening float", value: m(c.opening_float) },
    { label: "Cash sales", value: m(c.cash_sales) },
    { label: "  Tendered", value: m(c.tendered) },
    { label: "  Change given", value: minus(c.change_given) },
    { label: "Cash refunds", value: minus(c.cash_refunds) },
    { label: "Paid in", value: m(c.paid_in.amount) },
    { label: "Paid out", value: minus(c.paid_out.amount) },
    { label: "Drops", value: minus(c.drops.amount) },
  ];
  if (c.expected_cash !== null) drawer.push({ label: "Expected cash", value: m(c.expected_cash) });
  if (c.counted_cash !== null) drawer.push({ label: "Counted cash", value: m(c.counted_cash) });
  if (c.variance !== null) drawer.push({ label: "Variance", value: signed(c.variance) });
  if (c.kept_in_drawer !== null) drawer.push({ label: "Kept in drawer", value: m(c.kept_in_drawer) });
  if (c.expected_opening !== null) drawer.push({ label: "Expected opening", value: m(c.expected_opening) });
  if (c.opening_variance !== null) drawer.push({ label: "Opening variance", value: signed(c.opening_variance) });
  const drawerNotes = c.variance_reason ? [`Variance reason: ${c.variance_reason}`] : [];
  const late = [
    ...r.late.counted_elsewhere.map(
      (e) => `${label(e.payment_method ?? e.kind)} ${label(e.kind)} ${m(e.amount)}: ${e.note}`,
    ),
    ...r.late.adjustments.map((e) => `${label(e.payment_method ?? e.kind)} ${label(e.kind)} ${m(e.amount)}: ${e.note}`),
  ];
  const sections: ReportSection[] = [
    { title: "SHIFT", rows: shift },
    { title: "SALES BY TENDER", rows: tenders(r.sales) },
    { title: "REFUNDS BY TENDER", rows: tenders(r.refunds) },
    {
      title: `ORDERS (${r.orders.count})`,
      rows: [
        { label: "Subtotal", value: m(r.orders.subtotal) },
        { label: "Discounts", value: minus(r.orders.discounts) },
        { label: "Points discounts", value: minus(r.orders.points_discounts) },
        { label: "Tax", value: m(r.orders.tax) },
        { label: "Total", value: m(r.orders.total) },
      ],
    },
    { title: "CASH MOVEMENTS", rows: movements, notes: pendingNotes },
    { title: "DRAWER", rows: drawer, notes: drawerNotes },
  ];
  if (late.length) sections.push({ title: "LATE ITEMS", rows: [], notes: late });
  return {
    title,
    header: [r.store.name, `Store ${r.store.code}`, `Amounts in ${r.store.currency}`],
    sections,
  };
}

/** A printed line holds no control characters (a name or reason with a line break stays on its line). */
const flat = (text: string) => text.replace(/\p{Cc}/gu, " ");

const center = (text: string) => {
  const t = flat(text).slice(0, TILL_WIDTH);
  return " ".repeat(Math.floor((TILL_WIDTH - t.length) / 2)) + t;
};

/** Label left, value right; a label too long for the room left is cut with an ellipsis. */
export const row = (text: string, right: string) => {
  const left = flat(text);
  const value = flat(right).slice(0, TILL_WIDTH - 2);
  const room = TILL_WIDTH - value.length - 1;
  const l = left.length > room ? `${left.slice(0, room - 1)}…` : left;
  return `${l}${" ".repeat(TILL_WIDTH - l.length - value.length)}${value}`;
};

/** Words wrapped to the width (a word longer than a line is cut into pieces). */
export function wrap(text: string, width = TILL_WIDTH): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(/\s+/).filter(Boolean)) {
    for (let piece = word; piece.length > 0; piece = piece.slice(width)) {
      const part = piece.slice(0, width);
      if (!line) line = part;
      else if (line.length + 1 + part.length <= width) line = `${line} ${part}`;
      else {
        lines.push(line);
        line = part;
      }
    }
  }
  if (line) lines.push(line);
  return lines;
}

const rule = "-".repeat(TILL_WIDTH);

/** The report as 42-column text for the till printer; every line fits. */
export function renderShiftReportText(printed: PrintedReport): string {
  const lines = [...printed.header.map(center), center(printed.title), rule];
  for (const section of printed.sections) {
    lines.push(flat(section.title).slice(0, TILL_WIDTH));
    for (const r of section.rows) lines.push(row(r.label, r.value));
    for (const note of section.notes ?? []) lines.push(...wrap(note));
    lines.push(rule);
  }
  lines.push("");
  return lines.join("\n");
}
