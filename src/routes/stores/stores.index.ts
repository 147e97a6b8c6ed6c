import { createRouter } from "../../lib/http/create-router";
import * as cashSettings from "./cash-settings.handlers";
import * as cashSettingsRoutes from "./cash-settings.routes";
import * as handlers from "./stores.handlers";
import * as routes from "./stores.routes";

export const storesRouter = createRouter()
  .openapi(routes.create, handlers.create)
  .openapi(routes.list, handlers.list)
  .openapi(routes.get, handlers.get)
  .openapi(routes.update, handlers.update)
  .openapi(cashSettingsRoutes.getCashSettings, cashSettings.getCashSettings)
  .openapi(cashSettingsRoutes.updateCashSettings, cashSettings.updateCashSettings);
