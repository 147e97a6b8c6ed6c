/** A product's barcode image (cached in R2) and printable label sheets. */
import type { Symbology } from "../documents/barcode-model";
import { renderLabels } from "../documents/labels";
import { invalidField } from "../lib/errors";
import type { ServiceContext } from "./context";
import { type BarcodeFormat, barcodeImage, chooseSymbology } from "./documents";
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

/** An A4 PDF of shelf labels for the products, each once, in the order first asked. */
export async function labelSheet(ctx: ServiceContext, ids: number[]): Promise<Uint8Array> {
  const unique = [...new Set(ids)];
  if (unique.length > MAX_LABELS) throw invalidField(["query", "ids"], `At most ${MAX_LABELS} products per sheet`);
  const products = (await getProductViews(ctx, unique)).map((product) => ({
    name: product.name,
    sku: product.sku,
    price: product.price,
    ...chooseSymbology(product),
  }));
  return renderLabels(products, ctx.config.documents.currency);
}
