import { test } from "node:test";
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { verifyWebhook } from "../../src/webhooks/verifyWebhook.js";
import { signWebhook } from "../../src/webhooks/signWebhook.js";

const secret = "whsec_test_0123456789abcdef";
const body = JSON.stringify({ id: "d-1", event: "budget.threshold", data: { threshold: 0.8 } });
const nowSec = () => Math.floor(Date.now() / 1000);

test("accepts a valid delivery, signed as documented: hex HMAC-SHA256 of `t.body`", () => {
  const t = nowSec();
  const v1 = createHmac("sha256", secret).update(`${t}.${body}`).digest("hex");
  assert.equal(signWebhook(secret, body, t), `t=${t},v1=${v1}`);
  assert.equal(verifyWebhook(secret, `t=${t},v1=${v1}`, body), true);
  assert.equal(verifyWebhook(secret, ` t=${t} , v1=${v1} `, body), true, "whitespace around items");
});

test("rejects a tampered body and a wrong secret", () => {
  const header = signWebhook(secret, body);
  assert.equal(verifyWebhook(secret, header, body.replace("0.8", "0.9")), false);
  assert.equal(verifyWebhook(secret, header, `${body} `), false);
  assert.equal(verifyWebhook("whsec_someone_else_entirely", header, body), false);
});

test("rejects a timestamp older than the tolerance, and one too far in the future", () => {
  const old = nowSec() - 301;
  assert.equal(verifyWebhook(secret, signWebhook(secret, body, old), body), false);
  assert.equal(verifyWebhook(secret, signWebhook(secret, body, old), body, 600), true, "within a wider tolerance");
  assert.equal(verifyWebhook(secret, signWebhook(secret, body, nowSec() + 3600), body), false);
  // The timestamp is signed: moving it forward breaks the signature.
  const [, v1] = signWebhook(secret, body, old).split(",");
  assert.equal(verifyWebhook(secret, `t=${nowSec()},${v1}`, body), false);
});

test("rejects malformed headers without throwing", () => {
  const t = nowSec();
  const good = signWebhook(secret, body, t);
  const v1 = good.split("v1=")[1] as string;
  for (const header of [
    "",
    "garbage",
    `t=${t}`,
    `v1=${v1}`,
    `t=abc,v1=${v1}`,
    `t=${t},v1=${v1.slice(2)}`,
    `t=${t},v1=${v1.toUpperCase()}`,
    `t=${t},v1=zz${v1.slice(2)}`,
    `t=${t},t=${t},v1=${v1}`,
    `t=${t},=x,v1=${v1}`,
    `t=-${t},v1=${v1}`,
  ]) {
    assert.equal(verifyWebhook(secret, header, body), false, header);
  }
  assert.equal(verifyWebhook(secret, undefined, body), false);
  assert.equal(verifyWebhook("", good, body), false);
});

test("any one valid v1 among several passes (secret rotation); unknown schemes are ignored", () => {
  const t = nowSec();
  const mine = signWebhook(secret, body, t).split(",")[1] as string;
  const theirs = signWebhook("whsec_the_previous_secret", body, t).split(",")[1] as string;
  assert.equal(verifyWebhook(secret, `t=${t},${theirs},${mine},v2=whatever`, body), true);
});
