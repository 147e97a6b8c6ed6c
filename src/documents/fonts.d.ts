// Font files are bundled as binary Data modules (see [[rules]] in wrangler.toml).
declare module "*.ttf" {
  const data: ArrayBuffer;
  export default data;
}
