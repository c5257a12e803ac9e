import { test } from "node:test";
import assert from "node:assert/strict";
import { createAddressMatcher } from "../../src/auth/createAddressMatcher.js";

test("IPv4 blocks and single addresses", () => {
  const inside = createAddressMatcher(["10.0.0.0/8", "192.168.1.7"]);
  assert.equal(inside("10.200.3.4"), true);
  assert.equal(inside("11.0.0.1"), false);
  assert.equal(inside("192.168.1.7"), true);
  assert.equal(inside("192.168.1.8"), false);
});

test("IPv4-mapped IPv6 client addresses count as their IPv4 address", () => {
  const inside = createAddressMatcher(["10.0.0.0/8"]);
  assert.equal(inside("::ffff:10.1.2.3"), true);
  assert.equal(inside("::FFFF:10.1.2.3"), true);
  assert.equal(inside("::ffff:a01:203"), true, "hex form");
  assert.equal(inside("0:0:0:0:0:ffff:10.1.2.3"), true, "written out");
  assert.equal(inside("::ffff:11.1.2.3"), false);
  assert.equal(inside("::10.1.2.3"), false, "IPv4-compatible (deprecated) is not mapped");
});

test("IPv6 blocks, and mapped blocks in the list", () => {
  const inside = createAddressMatcher(["2001:db8::/32", "::1", "::ffff:172.16.0.0/108"]);
  assert.equal(inside("2001:db8:1::5"), true);
  assert.equal(inside("2001:db9::1"), false);
  assert.equal(inside("::1"), true);
  assert.equal(inside("127.0.0.1"), false);
  assert.equal(inside("172.16.5.5"), true, "a mapped block matches plain IPv4 clients");
  assert.equal(inside("::ffff:172.32.0.1"), false);
});

test("garbage never matches; bad entries are refused", () => {
  const inside = createAddressMatcher(["0.0.0.0/0"]);
  assert.equal(inside("1.2.3.4"), true);
  assert.equal(inside("not-an-ip"), false);
  assert.equal(inside(""), false);
  assert.equal(createAddressMatcher([])("10.0.0.1"), false, "an empty list admits nobody");
  for (const bad of ["10.0.0.0/33", "2001:db8::/129", "10.0.0/8", "10.0.0.0/x", "::ffff:10.0.0.0/64"]) {
    assert.throws(() => createAddressMatcher([bad]), /not an IP address or CIDR block/, bad);
  }
});
