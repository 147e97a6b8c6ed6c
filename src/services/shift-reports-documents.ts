/**
 * A closed shift's Z-report as documents: 42-column text for the till
 * printer, and a PDF rendered once into R2 and handed out as a signed link
 * (as invoices are). A closed shift never changes, but a late tender can
 * still arrive for it and be flagged on its Z; the PDF's key is therefore the
 * shift's plus a hash of what it prints, stable for as long as that holds,
 * and a new document only when a late item was added.
 */
import { renderShiftReportPdf } from "../documents/z-report-pdf";
import { printedReport, renderShiftReportText } from "../documents/z-report-text";
import type { AuthUser } from "../lib/auth/current-user";
import { sha256Hex } from "../lib/auth/tokens";
import { signedLink } from "../lib/signed-links";
import type { ServiceContext } from "./context";
import { shiftReport } from "./shift-reports";

type Ctx = Pick<ServiceContext, "store" | "hq" | "now" | "env" | "config">;

const clock = (timeZone: string) =>
  new Intl.DateTimeFormat("en-GB", { timeZone, dateStyle: "short", timeStyle: "short" });

/** The Z-report of a closed shift, as printed (409 when the shift is not closed). */
async function printedZ(ctx: Ctx, actor: AuthUser, shiftId: number) {
  const report = await shiftReport(ctx, actor, shiftId, "Z");
  return { report, printed: printedReport(report, clock(ctx.store.timeZone)) };
}

export async function zReportText(ctx: Ctx, actor: AuthUser, shiftId: number): Promise<string> {
  return renderShiftReportText((await printedZ(ctx, actor, shiftId)).printed);
}

/** A signed link to the Z-report's PDF, rendered on first request. */
export async function zReportPdfLink(ctx: Ctx, actor: AuthUser, shiftId: number, link: { origin: string }) {
  const { report, printed } = await printedZ(ctx, actor, shiftId);
  const state = (await sha256Hex(JSON.stringify(printed))).slice(0, 16);
  const key = `z-reports/${ctx.store.code}/${shiftId}-${state}.pdf`;
  if (!(await ctx.env.FILES.head(key))) {
    const footer = `${ctx.store.name} — shift ${shiftId}, Z ${report.shift.z_number}`;
    await ctx.env.FILES.put(key, await renderShiftReportPdf(printed, footer), {
      httpMetadata: {
        contentType: "application/pdf",
        contentDisposition: `inline; filename="Z-${ctx.store.code}-${report.shift.z_number}.pdf"`,
      },
      customMetadata: { shift_id: String(shiftId) },
    });
  }
  const documents = ctx.config.documents;
  return signedLink(link.origin, documents.signingSecret, key, documents.linkTtlSeconds, ctx.now().getTime());
}
