/**
 * Shared PDF plumbing: documents with Inter embedded (a Windows-1252 subset,
 * see scripts/build-fonts.ts), so every reader shows the same glyphs, plus
 * text and barcode drawing helpers.
 */

import { PDFDocument, type PDFFont, type PDFPage, rgb } from "pdf-lib";
import type { BarcodeModel } from "./barcode-model";
import interBoldMetrics from "./fonts/inter-bold.json";
import interBold from "./fonts/inter-bold.ttf";
import interRegularMetrics from "./fonts/inter-regular.json";
import interRegular from "./fonts/inter-regular.ttf";
import { embedSubsetFont, type SubsetMetrics } from "./subset-font";

export const A4: [number, number] = [595.28, 841.89];
export const INK = rgb(0.1, 0.1, 0.12);
export const MUTED = rgb(0.4, 0.4, 0.45);

export interface Doc {
  pdf: PDFDocument;
  regular: PDFFont;
  bold: PDFFont;
}

export async function newDocument(title: string): Promise<Doc> {
  const pdf = await PDFDocument.create();
  pdf.setTitle(title);
  pdf.setProducer("POS API (pdf-lib)");
  pdf.setCreationDate(new Date());
  const regular = embedSubsetFont(pdf, interRegular, interRegularMetrics as unknown as SubsetMetrics);
  const bold = embedSubsetFont(pdf, interBold, interBoldMetrics as unknown as SubsetMetrics);
  return { pdf, regular, bold };
}

/** Characters outside the embedded Latin subset become "?" rather than a missing glyph. */
export const printable = (text: string) =>
  text.replace(/[^\u0020-\u00ff\u2013\u2014\u2018-\u201d\u2022\u2026\u20ac]/g, "?");

/** Cuts text to fit `maxWidth` at `size`, with an ellipsis. */
export function fitText(font: PDFFont, text: string, size: number, maxWidth: number): string {
  let out = printable(text);
  if (font.widthOfTextAtSize(out, size) <= maxWidth) return out;
  while (out.length > 1 && font.widthOfTextAtSize(`${out}…`, size) > maxWidth) out = out.slice(0, -1);
  return `${out}…`;
}

export function textRight(page: PDFPage, font: PDFFont, text: string, right: number, y: number, size: number) {
  const value = printable(text);
  page.drawText(value, { x: right - font.widthOfTextAtSize(value, size), y, size, font, color: INK });
}

/**
 * Draws a barcode with its lower-left corner at (x, y), `width` points wide
 * and `height` points tall (text included).
 */
export function drawBarcode(
  page: PDFPage,
  font: PDFFont,
  model: BarcodeModel,
  at: { x: number; y: number; width: number; height: number },
) {
  const sx = at.width / model.width;
  const sy = at.height / model.height;
  const top = at.y + at.height;
  for (const bar of model.bars) {
    page.drawRectangle({
      x: at.x + bar.x * sx,
      y: top - bar.bottom * sy,
      width: bar.width * sx,
      height: (bar.bottom - bar.top) * sy,
      color: rgb(0, 0, 0),
    });
  }
  for (const text of model.text) {
    const size = text.size * Math.min(sx, sy) * 0.9;
    const width = font.widthOfTextAtSize(text.value, size);
    const x = at.x + text.x * sx - (text.align === "middle" ? width / 2 : 0);
    page.drawText(text.value, { x, y: top - text.y * sy, size, font, color: INK });
  }
}
