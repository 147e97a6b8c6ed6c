/**
 * Standard Webhooks signing (src/webhooks/signing.ts) against the spec's
 * published vector (standard-webhooks/standard-webhooks,
 * libraries/javascript/src/webhook.test.ts "sign function works"; checked
 * independently with Node's crypto.createHmac), and a rotated secret: both
 * signatures in one header, each verifying with its own secret.
 */
import { describe, expect, it } from "vitest";
import { newSecret, secretKey, sign, signedHeaders, verifySignature } from "../../src/webhooks/signing";

const VECTOR = {
  secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
  id: "msg_p5jXN8AQM9LWM0D4loKWxJek",
  timestamp: 1614265330,
  body: '{"test": 2432232314}',
  signature: "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
};

describe("Standard Webhooks signatures", () => {
  it("match the spec's test vector, with or without the whsec_ prefix", async () => {
    expect(await sign(VECTOR.secret, VECTOR.id, VECTOR.timestamp, VECTOR.body)).toBe(VECTOR.signature);
    expect(await sign(VECTOR.secret.slice(6), VECTOR.id, VECTOR.timestamp, VECTOR.body)).toBe(VECTOR.signature);
  });

  it("change with any of id, timestamp and body", async () => {
    const other = [
      await sign(VECTOR.secret, "msg_other", VECTOR.timestamp, VECTOR.body),
      await sign(VECTOR.secret, VECTOR.id, VECTOR.timestamp + 1, VECTOR.body),
      await sign(VECTOR.secret, VECTOR.id, VECTOR.timestamp, '{"test": 2432232315}'),
    ];
    for (const signature of other) expect(signature).not.toBe(VECTOR.signature);
  });

  it("carry one signature per secret during a rotation, each verifying with its own secret", async () => {
    const previous = VECTOR.secret;
    const current = newSecret();
    const headers = await signedHeaders([current, previous], VECTOR.id, new Date(VECTOR.timestamp * 1000), VECTOR.body);
    expect(headers["webhook-id"]).toBe(VECTOR.id);
    expect(headers["webhook-timestamp"]).toBe(String(VECTOR.timestamp));
    const [first, second] = headers["webhook-signature"].split(" ");
    expect(second).toBe(VECTOR.signature);
    expect(first).toBe(await sign(current, VECTOR.id, VECTOR.timestamp, VECTOR.body));
    expect(await verifySignature(current, headers, VECTOR.body)).toBe(true);
    expect(await verifySignature(previous, headers, VECTOR.body)).toBe(true);
    expect(await verifySignature(newSecret(), headers, VECTOR.body)).toBe(false);
    expect(await verifySignature(current, headers, `${VECTOR.body} `)).toBe(false);
  });

  it("makes secrets of 32 random bytes behind whsec_", () => {
    const a = newSecret();
    expect(a).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(secretKey(a)).toHaveLength(32);
    expect(newSecret()).not.toBe(a);
  });
});
