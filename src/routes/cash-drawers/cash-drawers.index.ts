import { createRouter } from "../../lib/http/create-router";

export const cashDrawersRouter = createRouter();
