/** A printable A4 sheet of shelf labels: 3 × 8 per page, each with name, price and barcode. */
import { barcodeModel, type Symbology } from "./barcode-model";
import { A4, drawBarcode, fitText, INK, MUTED, newDocument } from "./pdf-kit";

export interface LabelProduct {
  name: string;
  sku: string;
  price: number;
  symbology: Symbology;
  value: string;
}

const COLS = 3;
const ROWS = 8;
const MARGIN_X = 20;
const MARGIN_Y = 30;

export async function renderLabels(products: LabelProduct[], currency: string): Promise<Uint8Array> {
  const doc = await newDocument("Shelf labels");
  const money = new Intl.NumberFormat("en-US", { style: "currency", currency: currency || "USD" });
  const cellW = (A4[0] - 2 * MARGIN_X) / COLS;
  const cellH = (A4[1] - 2 * MARGIN_Y) / ROWS;
  let page = doc.pdf.addPage(A4);
  products.forEach((product, index) => {
    const slot = index % (COLS * ROWS);
    if (index > 0 && slot === 0) page = doc.pdf.addPage(A4);
    const x = MARGIN_X + (slot % COLS) * cellW;
    const top = A4[1] - MARGIN_Y - Math.floor(slot / COLS) * cellH;
    page.drawRectangle({
      x: x + 2,
      y: top - cellH + 2,
      width: cellW - 4,
      height: cellH - 4,
      borderColor: MUTED,
      borderWidth: 0.3,
    });
    page.drawText(fitText(doc.bold, product.name, 9, cellW - 16), {
      x: x + 8,
      y: top - 16,
      size: 9,
      font: doc.bold,
      color: INK,
    });
    page.drawText(money.format(product.price), { x: x + 8, y: top - 32, size: 13, font: doc.bold, color: INK });
    page.drawText(fitText(doc.regular, product.sku, 7, cellW - 16), {
      x: x + 8,
      y: top - 43,
      size: 7,
      font: doc.regular,
      color: MUTED,
    });
    const model = barcodeModel(product.symbology, product.value);
    const width = Math.min(cellW - 16, model.width * 1.2);
    drawBarcode(page, doc.regular, model, { x: x + 8, y: top - cellH + 8, width, height: 40 });
  });
  return doc.pdf.save();
}
