import { createRouter } from "../../lib/http/create-router";
import * as handlers from "./products.handlers";
import * as routes from "./products.routes";

// Fixed paths first, so "/search" is never read as an id.
export const productsRouter = createRouter()
  .openapi(routes.create, handlers.create)
  .openapi(routes.list, handlers.list)
  .openapi(routes.search, handlers.search)
  .openapi(routes.lowStock, handlers.lowStock)
  .openapi(routes.byBarcode, handlers.byBarcode)
  .openapi(routes.labels, handlers.labels)
  .openapi(routes.barcode, handlers.barcode)
  .openapi(routes.assignBarcode, handlers.assignBarcode)
  .openapi(routes.setStorePrice, handlers.setStorePrice)
  .openapi(routes.clearStorePrice, handlers.clearStorePrice)

  .openapi(routes.get, handlers.get)
  .openapi(routes.update, handlers.update)
  .openapi(routes.remove, handlers.remove);
