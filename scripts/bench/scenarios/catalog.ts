import { bulkProduct } from "../../fill-catalog";
import type { LoadSpec } from "../load";
import type { BenchContext } from "../run";

const TERMS = [
  "lap",
  "coffee",
  "mouse pro",
  "organic tea",
  "steel",
  "cable",
  "notebook",
  "premium lamp",
  "bread",
  "candle",
];

export function catalogScenarios(ctx: BenchContext): LoadSpec[] {
  const auth = { Authorization: `Bearer ${ctx.token}` };
  let i = 0;
  const next = () => {
    i = (i + 7919) % ctx.products;
    return i;
  };
  const search = () => ({
    path: `/api/v1/products/search?q=${encodeURIComponent(TERMS[next() % TERMS.length] ?? "lap")}`,
    headers: auth,
  });
  const barcode = () => ({ path: `/api/v1/products/barcode/${bulkProduct(next()).barcode}`, headers: auth });
  const list = () => ({ path: `/api/v1/products?skip=${next() % 1000}&limit=50`, headers: auth });
  const base = { url: ctx.url, seconds: ctx.seconds };
  return [
    { ...base, name: "product search (c=1)", connections: 1, request: search },
    { ...base, name: "product search", connections: 10, request: search },
    { ...base, name: "barcode lookup (c=1)", connections: 1, request: barcode },
    { ...base, name: "barcode lookup", connections: 10, request: barcode },
    { ...base, name: "product list page (c=1)", connections: 1, request: list },
    { ...base, name: "product list page", connections: 10, request: list },
  ];
}
