/**
 * A product's barcode image (rendered once per symbology and value, kept in
 * R2) and printable label sheets. (An order's invoice and receipt:
 * services/order-documents.ts.)
 */
import { barcodeModel, barcodeSvg, type Symbology } from "../documents/barcode-model";
import { barcodePng } from "../documents/barcode-png";
import { renderLabels } from "../documents/labels";
import { barcodeKind } from "../domain/barcode";
import { invalidField } from "../lib/errors";
import type { ServiceContext } from "./context";
import { getProductView, getProductViews } from "./products";

/** Most products one label sheet may name. */
export const MAX_LABELS = 200;

/** The product's barcode image: the symbology asked for, or its EAN-13 when it has one, else Code 128. */
export async function productBarcode(
  ctx: ServiceContext,
  id: number,
  asked: { format: BarcodeFormat; symbology?: Symbology | undefined },
) {
  const product = await getProductView(ctx, id);
  const choice = chooseSymbology(product, asked.symbology);
  return barcodeImage(ctx.env.FILES, choice.symbology, choice.value, asked.format);
}

/** An A4 PDF of shelf labels for the products, each once, in the order first asked, at the acting store's prices and currency. */
export async function labelSheet(ctx: ServiceContext, ids: number[]): Promise<Uint8Array> {
  const unique = [...new Set(ids)];
  if (unique.length > MAX_LABELS) throw invalidField(["query", "ids"], `At most ${MAX_LABELS} products per sheet`);
  const products = (await getProductViews(ctx, unique)).map((product) => ({
    name: product.name,
    sku: product.sku,
    price: product.price,
    ...chooseSymbology(product),
  }));
  return renderLabels(products, ctx.store.currency);
}

export type BarcodeFormat = "svg" | "png";

/** The symbology and value to print for a product: its EAN-13 when it has a valid one, Code 128 otherwise. */
export function chooseSymbology(
  product: { barcode: string | null; sku: string },
  asked?: Symbology,
): { symbology: Symbology; value: string } {
  const value = product.barcode ?? product.sku;
  if (asked === "ean13" || (asked === undefined && product.barcode && barcodeKind(product.barcode) === "ean13")) {
    if (!product.barcode || barcodeKind(product.barcode) !== "ean13") {
      throw invalidField(
        ["query", "symbology"],
        "This product has no EAN-13 barcode; use symbology=code128 or assign one",
      );
    }
    return { symbology: "ean13", value: product.barcode };
  }
  return { symbology: "code128", value };
}

/** Renders (or reuses from R2) a barcode image. */
export async function barcodeImage(files: R2Bucket, symbology: Symbology, value: string, format: BarcodeFormat) {
  const key = `barcodes/${symbology}/${encodeURIComponent(value)}.${format}`;
  const cached = await files.get(key);
  if (cached)
    return {
      body: await cached.arrayBuffer(),
      etag: cached.httpEtag,
      contentType: cached.httpMetadata?.contentType ?? "",
    };
  const body: Uint8Array | string =
    format === "svg" ? barcodeSvg(symbology, value) : await barcodePng(barcodeModel(symbology, value));
  const contentType = format === "svg" ? "image/svg+xml" : "image/png";
  const stored = await files.put(key, body, { httpMetadata: { contentType } });
  const bytes = typeof body === "string" ? new TextEncoder().encode(body) : body;
  return { body: bytes, etag: stored?.httpEtag ?? "", contentType };
}
