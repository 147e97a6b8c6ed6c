// Vite's ?raw imports (a file's text), e.g. wrangler.toml in the cron test.
declare module "*?raw" {
  const text: string;
  export default text;
}
