/**
 * The Z-report as a PDF (pdf-lib): the same sections as the till's text
 * (z-report-text.ts), on A4, flowing onto further pages as needed.
 */
import type { PDFPage } from "pdf-lib";
import { A4, fitText, INK, MUTED, newDocument, printable, textRight } from "./pdf-kit";
import { type PrintedReport, wrap } from "./z-report-text";

const MARGIN = 56;
const RIGHT = A4[0] - MARGIN;
const WIDTH = RIGHT - MARGIN;
const BOTTOM = 60;
/** Characters of a note per line at 9 points (Inter averages about 5 points a character there). */
const NOTE_CHARACTERS = 90;

export async function renderShiftReportPdf(printed: PrintedReport, footerText: string): Promise<Uint8Array> {
  const doc = await newDocument(printed.title);
  const pages: PDFPage[] = [doc.pdf.addPage(A4)];
  let page = pages[0] as PDFPage;
  let y = A4[1] - MARGIN;
  const room = (needed: number) => {
    if (y - needed >= BOTTOM) return;
    page = doc.pdf.addPage(A4);
    pages.push(page);
    y = A4[1] - MARGIN;
  };
  const left = (text: string, size: number, bold = false, color = INK) =>
    page.drawText(fitText(bold ? doc.bold : doc.regular, text, size, WIDTH), {
      x: MARGIN,
      y,
      size,
      font: bold ? doc.bold : doc.regular,
      color,
    });

  left(printed.title, 18, true);
  y -= 24;
  for (const line of printed.header) {
    left(line, 10, false, MUTED);
    y -= 14;
  }
  y -= 8;
  for (const section of printed.sections) {
    room(40);
    left(section.title, 11, true);
    y -= 6;
    page.drawLine({ start: { x: MARGIN, y }, end: { x: RIGHT, y }, thickness: 0.5, color: MUTED });
    y -= 14;
    for (const row of section.rows) {
      room(14);
      const value = printable(row.value);
      const labelRoom = WIDTH - doc.regular.widthOfTextAtSize(value, 10) - 12;
      page.drawText(fitText(doc.regular, row.label, 10, labelRoom), { x: MARGIN, y, size: 10, font: doc.regular });
      textRight(page, doc.regular, value, RIGHT, y, 10);
      y -= 14;
    }
    for (const note of section.notes ?? []) {
      for (const line of wrap(note, NOTE_CHARACTERS)) {
        room(13);
        left(line, 9, false, MUTED);
        y -= 13;
      }
    }
    y -= 10;
  }
  pages.forEach((p, i) => {
    p.drawText(printable(`${footerText} — page ${i + 1} of ${pages.length}`), {
      x: MARGIN,
      y: 30,
      size: 8,
      font: doc.regular,
      color: MUTED,
    });
  });
  return doc.pdf.save();
}
