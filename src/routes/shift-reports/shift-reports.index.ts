import { createRouter } from "../../lib/http/create-router";

export const shiftReportsRouter = createRouter();
