import { createRouter } from "../../lib/http/create-router";
import * as handlers from "./products.handlers";
import * as routes from "./products.routes";
import * as documents from "./products-documents";

// Fixed paths first, so "/search" is never read as an id.
export const productsRouter = createRouter()
  .openapi(routes.create, handlers.create)
  .openapi(routes.list, handlers.list)
  .openapi(routes.search, handlers.search)
  .openapi(routes.lowStock, handlers.lowStock)
  .openapi(routes.byBarcode, handlers.byBarcode)
  .openapi(documents.labels, documents.labelsHandler)
  .openapi(documents.barcode, documents.barcodeHandler)
  .openapi(documents.assignBarcode, documents.assignBarcodeHandler)

  .openapi(routes.get, handlers.get)
  .openapi(routes.update, handlers.update)
  .openapi(routes.remove, handlers.remove);
