// The Worker's TypeScript setup has no Node types; workerd provides
// AsyncLocalStorage under nodejs_compat (used by d1-guard.ts). Scripts get
// the real declaration from @types/node.
declare module "node:async_hooks" {
  export class AsyncLocalStorage<T> {
    getStore(): T | undefined;
    run<R>(store: T, callback: () => R): R;
  }
}
