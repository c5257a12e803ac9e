import { test } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import type { NewExperiment, Variant } from "../../src/store/experiments.js";
import { eachDialect } from "./eachDialect.js";
import { gatewayError } from "./gatewayError.js";

const twoWay: Variant[] = [
  { name: "a", weight: 50, engine: "vllm", model: "m1" },
  { name: "b", weight: 50, engine: "vllm", model: "m2", system: "Be brief.", params: { temperature: 0.2, topP: 0.9, maxTokens: 64 } },
];

const unique = (prefix: string) => `${prefix}-${randomUUID()}`;

eachDialect("experiment store", (context) => {
  const create = (input: Partial<NewExperiment> = {}) =>
    context.store.experiments.create({ name: unique("exp"), variants: twoWay, ...input });

  test("create applies defaults and get/list read it back", async () => {
    const created = await create({ appliesTo: unique("target") });
    assert.equal(created.status, "running");
    assert.equal(created.assignBy, "user");
    assert.deepEqual(created.variants, twoWay);
    assert.equal(created.createdAt, created.updatedAt);
    assert.deepEqual(await context.store.experiments.get(created.id), created);
    assert.equal(await context.store.experiments.get(randomUUID()), undefined);

    const defaults = await create();
    assert.equal(defaults.appliesTo, "auto");
    const later = await create({ status: "paused", assignBy: "session" });
    assert.equal(later.status, "paused");
    assert.equal(later.assignBy, "session");
    const ids = (await context.store.experiments.list()).map((e) => e.id);
    assert.deepEqual(
      ids.filter((id) => [created.id, defaults.id, later.id].includes(id)),
      [later.id, defaults.id, created.id],
      "newest first",
    );
  });

  test("variants are stored with only their known fields", async () => {
    const noisy = [{ name: "x", weight: 1, extra: "dropped", params: { temperature: 1, seed: 7 } }] as unknown as Variant[];
    const created = await create({ variants: noisy });
    assert.deepEqual(created.variants, [{ name: "x", weight: 1, params: { temperature: 1 } }]);
    assert.deepEqual((await context.store.experiments.get(created.id))?.variants, created.variants);
  });

  test("a taken name is invalid_request on name", async () => {
    const first = await create();
    await assert.rejects(create({ name: first.name }), gatewayError("invalid_request", "name"));
    assert.equal((await context.store.experiments.list()).filter((e) => e.name === first.name).length, 1);
  });

  test("variants that break the rules are invalid_request on variants", async () => {
    const bad: Variant[][] = [
      [],
      Array.from({ length: 11 }, (_, i) => ({ name: `v${i}`, weight: 1 })),
      [{ name: "a", weight: 1 }, { name: "a", weight: 2 }],
      [{ name: "a", weight: 0 }, { name: "b", weight: 0 }],
      [{ name: "a", weight: -1 }, { name: "b", weight: 2 }],
      [{ name: "a", weight: Number.NaN }],
      [{ name: "a", weight: Number.POSITIVE_INFINITY }],
      [{ name: "", weight: 1 }],
    ];
    for (const variants of bad) {
      await assert.rejects(create({ variants }), gatewayError("invalid_request", "variants"), JSON.stringify(variants));
    }
    const existing = await create();
    await assert.rejects(context.store.experiments.update(existing.id, { variants: [] }), gatewayError("invalid_request", "variants"));
  });

  test("update changes status and variants; paused resumes; stopped is final", async () => {
    const experiment = await create();
    const paused = await context.store.experiments.update(experiment.id, { status: "paused" });
    assert.equal(paused?.status, "paused");
    assert.ok((paused?.updatedAt ?? 0) > experiment.updatedAt);
    assert.deepEqual(paused?.variants, twoWay);

    const reweighted = [{ name: "a", weight: 90 }, { name: "b", weight: 10 }];
    const resumed = await context.store.experiments.update(experiment.id, { status: "running", variants: reweighted });
    assert.equal(resumed?.status, "running");
    assert.deepEqual(resumed?.variants, reweighted);
    assert.deepEqual(await context.store.experiments.get(experiment.id), resumed);
    assert.deepEqual(await context.store.experiments.update(experiment.id, {}), resumed, "an empty patch changes nothing");

    const stopped = await context.store.experiments.update(experiment.id, { status: "stopped" });
    assert.equal(stopped?.status, "stopped");
    await assert.rejects(context.store.experiments.update(experiment.id, { status: "running" }), gatewayError("invalid_request", "status"));
    await assert.rejects(context.store.experiments.update(experiment.id, { variants: twoWay }), gatewayError("invalid_request", "variants"));
    assert.deepEqual(await context.store.experiments.update(experiment.id, { status: "stopped" }), stopped);
    assert.deepEqual(await context.store.experiments.get(experiment.id), stopped);

    assert.equal(await context.store.experiments.update(randomUUID(), { status: "paused" }), undefined);
  });

  test("running() is the newest running experiment for its target", async () => {
    const target = unique("engine");
    assert.equal(await context.store.experiments.running(target), undefined);
    const older = await create({ appliesTo: target });
    await create({ appliesTo: unique("other") });
    assert.equal((await context.store.experiments.running(target))?.id, older.id);
    const newer = await create({ appliesTo: target });
    await create({ appliesTo: target, status: "paused" });
    assert.equal((await context.store.experiments.running(target))?.id, newer.id);
    await context.store.experiments.update(newer.id, { status: "stopped" });
    assert.equal((await context.store.experiments.running(target))?.id, older.id);
    await context.store.experiments.update(older.id, { status: "paused" });
    assert.equal(await context.store.experiments.running(target), undefined);
  });

  test("results of an unknown experiment are not_found", async () => {
    await assert.rejects(context.store.experiments.results(randomUUID()), gatewayError("not_found"));
  });
});
