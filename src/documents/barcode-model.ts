/**
 * Barcodes as geometry. bwip-js encodes (symbology rules, check digits,
 * quiet zones); a capturing drawing context records the bars and the
 * human-readable text it lays out, and the PDF and PNG renderers draw that.
 * SVG comes straight from bwip-js's own SVG drawing.
 *
 * Only the two encoders used are imported by name, so the bundle carries
 * them and not the hundred other symbologies bwip-js knows.
 */
import { code128, type DrawingContext, drawingSVG, ean13, type RenderOptions } from "bwip-js/generic";

export type Symbology = "ean13" | "code128";

export interface BarcodeModel {
  /** Drawing size in units (one unit = one module horizontally). */
  width: number;
  height: number;
  /** Bars as rectangles, y measured down from the top. */
  bars: { x: number; width: number; top: number; bottom: number }[];
  /** Human-readable text: baseline y from the top, size in units; x is the left edge or the centre. */
  text: { value: string; x: number; y: number; size: number; align: "start" | "middle" }[];
}

const ENCODERS = { ean13, code128 } as const;

function captureDrawing(): DrawingContext<BarcodeModel> {
  const model: BarcodeModel = { width: 0, height: 0, bars: [], text: [] };
  return {
    scale: (sx, sy) => [sx, sy],
    // Only used by bwip-js to place text; an approximation of OCR-B metrics is enough.
    measure: (str, _font, fwidth, fheight) => ({
      width: str.length * fwidth * 0.6,
      ascent: fheight * 0.7,
      descent: fheight * 0.2,
    }),
    init: (width, height) => {
      model.width = width;
      model.height = height;
    },
    line: (x0, y0, x1, y1, lw) => {
      // Linear symbols draw each bar as a vertical stroke of width lw.
      if (x0 === x1) model.bars.push({ x: x0 - lw / 2, width: lw, top: Math.min(y0, y1), bottom: Math.max(y0, y1) });
      else model.bars.push({ x: Math.min(x0, x1), width: Math.abs(x1 - x0), top: y0 - lw / 2, bottom: y0 + lw / 2 });
    },
    polygon: () => undefined,
    hexagon: () => undefined,
    ellipse: () => undefined,
    fill: () => undefined,
    text: (x, y, str, _rgb, font) => {
      model.text.push({ value: str, x, y, size: font.height, align: "start" });
    },
    end: () => model,
  };
}

const options = (value: string, extra: Partial<RenderOptions> = {}): RenderOptions =>
  ({ bcid: "", text: value, includetext: true, ...extra }) as RenderOptions;

export function barcodeModel(symbology: Symbology, value: string): BarcodeModel {
  const model = ENCODERS[symbology](options(value, { scaleX: 1, scaleY: 1, height: 12 }), captureDrawing());
  if (symbology === "code128") {
    // A Code 128 caption is centred by bwip-js using the approximate measure
    // above; keep its centre, and let each renderer centre with its real font.
    for (const text of model.text) {
      text.x += text.value.length * text.size * 0.3;
      text.align = "middle";
    }
  }
  return model;
}

export function barcodeSvg(symbology: Symbology, value: string): string {
  return ENCODERS[symbology](options(value, { scale: 2, height: 15, paddingwidth: 8, paddingheight: 4 }), drawingSVG());
}
