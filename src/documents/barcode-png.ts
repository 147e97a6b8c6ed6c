/**
 * PNG rendering of a barcode model: bars only (greyscale, 8-bit), for label
 * printers and apps that print their own text; the SVG and the PDFs carry the
 * human-readable digits. Compression is the platform's CompressionStream
 * (zlib "deflate"); this file only frames the PNG chunks.
 */
import type { BarcodeModel } from "./barcode-model";

const SCALE = 3; // pixels per module
const PAD = 12;

export async function barcodePng(model: BarcodeModel): Promise<Uint8Array> {
  const barsBottom = Math.max(...model.bars.map((b) => b.bottom));
  const width = Math.ceil(model.width * SCALE + 2 * PAD);
  const height = Math.ceil(barsBottom * SCALE + 2 * PAD);
  const pixels = new Uint8Array(width * height).fill(255);
  for (const bar of model.bars) {
    const x0 = Math.round(PAD + bar.x * SCALE);
    const x1 = Math.round(PAD + (bar.x + bar.width) * SCALE);
    for (let y = Math.round(PAD + bar.top * SCALE); y < Math.round(PAD + bar.bottom * SCALE); y++) {
      pixels.fill(0, y * width + Math.max(0, x0), y * width + Math.min(width, x1));
    }
  }
  return encodePng(pixels, width, height);
}

/** Greyscale 8-bit PNG: signature, IHDR, one IDAT (zlib), IEND. */
async function encodePng(pixels: Uint8Array, width: number, height: number): Promise<Uint8Array> {
  const raw = new Uint8Array((width + 1) * height);
  for (let y = 0; y < height; y++) raw.set(pixels.subarray(y * width, (y + 1) * width), y * (width + 1) + 1); // filter 0
  const idat = new Uint8Array(
    await new Response(new Blob([raw]).stream().pipeThrough(new CompressionStream("deflate"))).arrayBuffer(),
  );
  const ihdr = new Uint8Array(13);
  const view = new DataView(ihdr.buffer);
  view.setUint32(0, width);
  view.setUint32(4, height);
  ihdr.set([8, 0, 0, 0, 0], 8); // bit depth 8, greyscale, deflate, no filter, no interlace
  const parts = [
    new Uint8Array([137, 80, 78, 71, 13, 10, 26, 10]),
    chunk("IHDR", ihdr),
    chunk("IDAT", idat),
    chunk("IEND", new Uint8Array()),
  ];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  let crc = 0xffffffff;
  for (let i = 4; i < 8 + data.length; i++) crc = (CRC_TABLE[(crc ^ (out[i] ?? 0)) & 0xff] ?? 0) ^ (crc >>> 8);
  view.setUint32(8 + data.length, (crc ^ 0xffffffff) >>> 0);
  return out;
}
