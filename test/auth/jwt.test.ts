/**
 * JWT bearer tokens: HS256 with a shared secret and RS256/ES256 from a JWKS endpoint (a real HTTP server started
 * here), and the tokens that must fail: expired, wrong issuer or audience, `alg: none`, algorithm confusion.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { SignJWT, base64url, exportJWK, exportSPKI, generateKeyPair, type CryptoKey, type JWK, type JWTPayload } from "jose";
import { startMockUpstream, type MockUpstream } from "../support/mockUpstream.js";
import type { TestGateway } from "../support/startGateway.js";
import type { ErrorBody } from "../support/apiTypes.js";
import { createJwtVerifier } from "../../src/auth/createJwtVerifier.js";
import { isAuthFailure } from "../../src/auth/authFailure.js";
import { authSchema } from "../../src/config/securitySchema.js";
import { call, startAuthGateway } from "./authGateway.js";

const SECRET = "an-hs256-shared-secret-of-at-least-32-characters";
const ISSUER = "https://idp.example.test/";
const AUDIENCE = "switchyard";

interface JwksServer {
  url: string;
  keys: JWK[];
  fetches: number;
  close(): Promise<void>;
}

async function startJwksServer(): Promise<JwksServer> {
  const jwks: JwksServer = { url: "", keys: [], fetches: 0, close: async () => undefined };
  const server: Server = createServer((req, res) => {
    jwks.fetches++;
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ keys: jwks.keys }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  jwks.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`;
  jwks.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return jwks;
}

async function keyPair(alg: "ES256" | "RS256", kid: string): Promise<{ privateKey: CryptoKey; publicKey: CryptoKey; jwk: JWK }> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return { privateKey, publicKey, jwk: { ...(await exportJWK(publicKey)), kid, alg, use: "sig" } };
}

interface TokenOptions {
  alg?: string;
  kid?: string;
  issuer?: string;
  audience?: string;
  /** Seconds from now; null: no exp claim. */
  expiresIn?: number | null;
  claims?: JWTPayload;
}

function sign(key: CryptoKey | Uint8Array, options: TokenOptions = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const jwt = new SignJWT({ sub: "jwt-user", ...options.claims })
    .setProtectedHeader({ alg: options.alg ?? "HS256", typ: "JWT", ...(options.kid ? { kid: options.kid } : {}) })
    .setIssuer(options.issuer ?? ISSUER)
    .setAudience(options.audience ?? AUDIENCE)
    .setIssuedAt(now);
  if (options.expiresIn !== null) jwt.setExpirationTime(now + (options.expiresIn ?? 300));
  return jwt.sign(key);
}

const secretBytes = new TextEncoder().encode(SECRET);

describe("JWT authentication", () => {
  let mock: MockUpstream;
  let jwks: JwksServer;
  let gateway: TestGateway;
  let jwksOnly: TestGateway;
  let ec: Awaited<ReturnType<typeof keyPair>>;
  let rsa: Awaited<ReturnType<typeof keyPair>>;

  before(async () => {
    mock = await startMockUpstream();
    jwks = await startJwksServer();
    ec = await keyPair("ES256", "ec-1");
    rsa = await keyPair("RS256", "rsa-1");
    jwks.keys = [ec.jwk, rsa.jwk];
    const jwt = { jwksUrl: jwks.url, issuer: ISSUER, audience: AUDIENCE, rolesClaim: "realm_access.roles", adminRole: "gateway-admin" };
    gateway = await startAuthGateway(mock, { auth: { mode: "keys+jwt", jwt: { ...jwt, secret: SECRET } } });
    jwksOnly = await startAuthGateway(mock, { auth: { mode: "jwt", jwt } });
  });
  after(async () => {
    await gateway.stop();
    await jwksOnly.stop();
    await jwks.close();
    await mock.close();
  });

  const status = async (target: TestGateway, token: string, path = "/api/v2/chat/sessions") => (await call(target, "GET", path, { token })).status;

  test("a valid HS256 token is accepted; its roles claim decides admin", async () => {
    assert.equal(await status(gateway, await sign(secretBytes)), 200);
    assert.equal(await status(gateway, await sign(secretBytes), "/api/v2/admin/keys"), 403, "no admin role");
    const admin = await sign(secretBytes, { claims: { realm_access: { roles: ["reader", "gateway-admin"] } } });
    assert.equal(await status(gateway, admin, "/api/v2/admin/keys"), 200);
    const single = await sign(secretBytes, { claims: { realm_access: { roles: "gateway-admin" } } });
    assert.equal(await status(gateway, single, "/api/v2/admin/keys"), 200, "a single role as a string");
  });

  test("valid ES256 and RS256 tokens are verified against the JWKS", async () => {
    assert.equal(await status(gateway, await sign(ec.privateKey, { alg: "ES256", kid: "ec-1" })), 200);
    assert.equal(await status(gateway, await sign(rsa.privateKey, { alg: "RS256", kid: "rsa-1" })), 200);
    assert.equal(await status(jwksOnly, await sign(ec.privateKey, { alg: "ES256", kid: "ec-1" })), 200);
  });

  test("the JWT's subject owns its sessions", async () => {
    const token = await sign(secretBytes, { claims: { sub: "jwt-owner" } });
    const stream = await call(gateway, "POST", "/api/v2/chat/stream", { token, body: { message: "Hi", engine: "vllm" } });
    assert.equal(stream.status, 200);
    await stream.text();
    const mine = (await (await call(gateway, "GET", "/api/v2/chat/sessions", { token })).json()) as { data: unknown[] };
    assert.equal(mine.data.length, 1);
    const other = await sign(ec.privateKey, { alg: "ES256", kid: "ec-1", claims: { sub: "someone-else" } });
    const theirs = (await (await call(gateway, "GET", "/api/v2/chat/sessions", { token: other })).json()) as { data: unknown[] };
    assert.equal(theirs.data.length, 0);
  });

  test("expired, wrong issuer, wrong audience, no exp and no subject are 401", async () => {
    const cases: Array<[string, Promise<string>, RegExp]> = [
      ["expired", sign(secretBytes, { expiresIn: -60 }), /expired/],
      ["expired (ES256)", sign(ec.privateKey, { alg: "ES256", kid: "ec-1", expiresIn: -60 }), /expired/],
      ["wrong issuer", sign(secretBytes, { issuer: "https://evil.example.test/" }), /"iss"/],
      ["wrong audience", sign(rsa.privateKey, { alg: "RS256", kid: "rsa-1", audience: "another-service" }), /"aud"/],
      ["no exp", sign(secretBytes, { expiresIn: null }), /"exp"/],
      ["no subject", sign(secretBytes, { claims: { sub: undefined } }), /"sub"/],
      ["wrong secret", sign(new TextEncoder().encode("another-secret-that-is-long-enough-1234")), /signature/],
      ["unknown key id", sign((await keyPair("ES256", "ec-x")).privateKey, { alg: "ES256", kid: "ec-x" }), /no known key/],
    ];
    for (const [label, token, message] of cases) {
      const response = await call(gateway, "GET", "/api/v2/chat/sessions", { token: await token });
      assert.equal(response.status, 401, label);
      assert.match(response.headers.get("www-authenticate") ?? "", /invalid_token/, label);
      assert.match(((await response.json()) as ErrorBody).error.message, message, label);
    }
  });

  test("alg none is refused", async () => {
    const header = base64url.encode(JSON.stringify({ alg: "none", typ: "JWT" }));
    const now = Math.floor(Date.now() / 1000);
    const payload = base64url.encode(JSON.stringify({ sub: "admin", iss: ISSUER, aud: AUDIENCE, exp: now + 300, realm_access: { roles: ["gateway-admin"] } }));
    for (const token of [`${header}.${payload}.`, `${header}.${payload}.AAAA`]) {
      assert.equal(await status(gateway, token), 401);
      assert.equal(await status(gateway, token, "/api/v2/admin/keys"), 401);
      assert.equal(await status(jwksOnly, token), 401);
    }
  });

  test("HS256 signed with the RSA or EC public key as the secret (algorithm confusion) is refused", async () => {
    const claims = { realm_access: { roles: ["gateway-admin"] } };
    const publicForms = [
      await exportSPKI(rsa.publicKey),
      JSON.stringify(rsa.jwk),
      await exportSPKI(ec.publicKey),
      JSON.stringify(ec.jwk),
    ];
    for (const form of publicForms) {
      for (const kid of ["rsa-1", "ec-1", undefined]) {
        const token = await sign(new TextEncoder().encode(form), { alg: "HS256", claims, ...(kid ? { kid } : {}) });
        assert.equal(await status(gateway, token, "/api/v2/admin/keys"), 401, `${form.slice(0, 30)} kid=${kid}`);
        assert.equal(await status(jwksOnly, token, "/api/v2/admin/keys"), 401, `jwks only: ${form.slice(0, 30)} kid=${kid}`);
      }
    }
    // And the other way: an asymmetric alg cannot make the verifier use the shared secret.
    const forged = await sign(secretBytes, { alg: "HS256" });
    const [, payload, signature] = forged.split(".");
    const rs256Header = base64url.encode(JSON.stringify({ alg: "RS256", typ: "JWT", kid: "rsa-1" }));
    assert.equal(await status(gateway, `${rs256Header}.${payload}.${signature}`), 401);
  });

  test("API keys are refused when auth.mode is jwt", async () => {
    assert.equal(await status(jwksOnly, "sy-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"), 401);
  });
});

test("a new signing key (key rotation) is fetched when a token names an unknown key id; known ones come from the cache", async () => {
  const jwks = await startJwksServer();
  try {
    const first = await keyPair("ES256", "k1");
    jwks.keys = [first.jwk];
    const auth = authSchema.parse({ mode: "jwt", jwt: { jwksUrl: jwks.url, issuer: ISSUER, audience: AUDIENCE } });
    assert.ok(auth.jwt);
    // No cooldown, so the refetch for an unknown key id happens right away rather than 30 s after the last fetch.
    const verify = createJwtVerifier(auth.jwt, { jwksCooldownMs: 0 });
    const ok = async (token: string) => {
      const result = await verify(token);
      assert.ok(!isAuthFailure(result), isAuthFailure(result) ? result.message : "");
      return result;
    };
    await ok(await sign(first.privateKey, { alg: "ES256", kid: "k1" }));
    await ok(await sign(first.privateKey, { alg: "ES256", kid: "k1" }));
    assert.equal(jwks.fetches, 1, "the key set is cached");

    const second = await keyPair("ES256", "k2");
    jwks.keys = [second.jwk];
    const principal = await ok(await sign(second.privateKey, { alg: "ES256", kid: "k2", claims: { sub: "rotated", roles: ["admin"] } }));
    assert.deepEqual(principal, { kind: "jwt", userId: "rotated", role: "admin" });
    assert.equal(jwks.fetches, 2, "refetched for the unknown kid");
  } finally {
    await jwks.close();
  }
});
