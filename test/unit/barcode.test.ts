import { describe, it } from "vitest";
import { barcodeKind, barcodeProblem, gs1CheckDigit, hasValidCheckDigit } from "../../src/domain/barcode";

describe("barcodes", () => {
  it("computes GS1 check digits for known EAN-13 and UPC-A codes", ({ expect }) => {
    expect(gs1CheckDigit("400638133393")).toBe(1); // 4006381333931
    expect(gs1CheckDigit("03600029145")).toBe(2); // UPC-A 036000291452
    expect(gs1CheckDigit("590123412345")).toBe(7); // 5901234123457
    expect(hasValidCheckDigit("4006381333931")).toBe(true);
    expect(hasValidCheckDigit("4006381333932")).toBe(false);
  });

  it("accepts valid EAN-13 / UPC-A and other printable codes", ({ expect }) => {
    for (const code of ["4006381333931", "036000291452", "1234567890", "PROD-001", "X"]) {
      expect(barcodeProblem(code), code).toBeNull();
    }
    expect(barcodeKind("4006381333931")).toBe("ean13");
    expect(barcodeKind("036000291452")).toBe("upca");
    expect(barcodeKind("1234567890")).toBe("other");
  });

  it("refuses wrong check digits, spaces, control characters and long codes", ({ expect }) => {
    expect(barcodeProblem("4006381333932")).toMatch(/EAN-13.*expected 1/);
    expect(barcodeProblem("036000291453")).toMatch(/UPC-A.*expected 2/);
    expect(barcodeProblem("has space")).not.toBeNull();
    expect(barcodeProblem("tab\there")).not.toBeNull();
    expect(barcodeProblem("x".repeat(65))).not.toBeNull();
    expect(barcodeProblem("")).not.toBeNull();
  });
});
