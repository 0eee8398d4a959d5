// The client against the open gateway, whose simulated images each wait until the suite releases them.
// The tests in this file run one after another (node:test's default within a file).
import { test, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import {
  Seedstream, SeedstreamError, MODEL, group, gateway, proxy, corsOrigin, release, reset, cut, upstream, streamRequests,
} from './harness.mjs';

beforeEach(reset);

test('a group of 4 arrives image by image, in order, each event once, and the stream ends after completed', async () => {
  const ss = new Seedstream({ baseUrl: gateway() });
  const job = await ss.generate(group('four lighthouses, one per season', 4));
  assert.match(job.id, /^[A-Za-z0-9_-]+$/);
  assert.equal(job.status, 'running');
  const seen = [];
  for await (const event of job.events()) {
    seen.push(event);
    // The next image is let go only once this event arrived: each image is shown live, not at the end.
    if (event.type === 'started' || (event.type === 'image' && event.data.index < 3)) await release();
  }
  assert.deepEqual(seen.map((e) => e.type), ['started', 'image', 'image', 'image', 'image', 'completed']);
  assert.deepEqual(seen.map((e) => e.id), [1, 2, 3, 4, 5, 6]);
  assert.deepEqual(seen.filter((e) => e.type === 'image').map((e) => e.data.index), [0, 1, 2, 3]);
  assert.equal(seen[0].data.requested_images, 4);
  assert.equal(seen[0].data.model, MODEL);
  for (const image of seen.filter((e) => e.type === 'image')) {
    assert.match(image.data.url, /^http:\/\/127\.0\.0\.1:\d+\//);
    assert.equal(image.data.durable_url, `/api/images/${job.id}/${image.data.index}`);
    assert.equal(typeof image.data.elapsed_ms, 'number');
  }
  assert.deepEqual({ generated: seen[5].data.generated_images, failed: seen[5].data.failed_images }, { generated: 4, failed: 0 });
});

test('a connection cut mid-job is resumed with Last-Event-ID: no event twice, none lost, one upstream call', async () => {
  const before = await upstream('open');
  const ss = new Seedstream({ baseUrl: proxy() });
  const job = await ss.generate(group('four boats in a harbour', 4));
  const seen = [];
  const states = [];
  for await (const event of job.events({ onConnection: (state) => states.push(state) })) {
    seen.push(event);
    if (event.type === 'started') await release();
    if (event.type === 'image' && event.data.index === 0) {
      await cut();
      await release(); // image 1 is made while the client is away: it can only arrive as a replay
    }
    if (event.type === 'image' && event.data.index >= 1 && event.data.index < 3) await release();
  }
  assert.deepEqual(seen.map((e) => e.id), [1, 2, 3, 4, 5, 6]);
  assert.deepEqual(seen.filter((e) => e.type === 'image').map((e) => e.data.index), [0, 1, 2, 3]);
  assert.equal(seen.at(-1).type, 'completed');
  assert.deepEqual(states, ['open', 'reconnecting', 'open']);
  const after = await upstream('open', true);
  assert.equal(after.requests - before.requests, 1, 'generation requests the simulator saw');
  const heads = await streamRequests('open', job.id);
  assert.equal(heads.length, 2, 'the stream was opened twice');
  assert.doesNotMatch(heads[0], /Last-Event-ID/i);
  assert.match(heads[1], /\r\nLast-Event-ID: 2\r\n/i, 'the reconnect names the last event it had: image 0');
});

test('cancel: the cancelled event ends the stream, the shown image stays, the upstream call is aborted', async () => {
  const before = await upstream('open');
  const ss = new Seedstream({ baseUrl: gateway() });
  const job = await ss.generate(group('four kites', 4));
  const seen = [];
  for await (const event of job.events()) {
    seen.push(event);
    if (event.type === 'started') await release();
    if (event.type === 'image') {
      const snapshot = await job.cancel();
      assert.equal(snapshot.id, job.id);
    }
  }
  assert.deepEqual(seen.map((e) => e.type), ['started', 'image', 'cancelled']);
  assert.equal(seen[2].data.reason, 'cancelled_by_client');
  const after = await upstream('open', true);
  assert.equal(after.cancelled - before.cancelled, 1, 'upstream calls aborted');
  assert.equal(after.active, 0);
  assert.equal((await job.snapshot()).status, 'cancelled');
});

test('ss.job(id).events({lastEventId}) replays only what came after, and a finished job answers 204 at the end', async () => {
  const ss = new Seedstream({ baseUrl: gateway() });
  const job = await ss.generate(group('three owls', 3));
  for await (const event of job.events()) {
    if (event.type === 'started' || (event.type === 'image' && event.data.index < 2)) await release();
  }
  const later = [];
  for await (const event of ss.job(job.id).events({ lastEventId: 3 })) later.push(event);
  assert.deepEqual(later.map((e) => [e.id, e.type]), [[4, 'image'], [5, 'completed']]);
  const nothing = [];
  for await (const event of ss.job(job.id).events({ lastEventId: 5 })) nothing.push(event);
  assert.deepEqual(nothing, [], 'the gateway answers 204 once the client has everything');
});

test('a validation error names its fields, from the dry run and from generate, and nothing is sent upstream', async () => {
  const before = await upstream('open');
  const ss = new Seedstream({ baseUrl: gateway() });
  const bad = { model: MODEL, prompt: 'a tiny stamp', size: '100x100', ...{ sequential_image_generation: 'auto' },
    sequential_image_generation_options: { max_images: 16 } };
  for (const call of [() => ss.estimate(bad), () => ss.generate(bad)]) {
    const error = await call().then(() => assert.fail('no error'), (e) => e);
    assert.ok(error instanceof SeedstreamError, String(error));
    assert.equal(error.code, 'invalid_request');
    assert.equal(error.status, 400);
    assert.deepEqual(error.violations.map((v) => v.field).sort(), ['sequential_image_generation_options.max_images', 'size']);
    assert.ok(error.violations.every((v) => typeof v.message === 'string' && v.message.length > 0));
    assert.equal(error.retryAfter, null);
  }
  const plan = await ss.estimate(group('two owls', 2));
  assert.deepEqual(plan.estimate.max_images, 2);
  assert.equal(typeof plan.estimate.max_output_tokens, 'number');
  assert.equal((await upstream('open')).requests, before.requests, 'a dry run and a refused request cost nothing');
});

test('unknown job: a SeedstreamError not_found from the stream and the snapshot', async () => {
  const ss = new Seedstream({ baseUrl: gateway() });
  for (const call of [() => ss.job('no-such-job').snapshot(), async () => { for await (const e of ss.job('no-such-job').events()) void e; }]) {
    const error = await call().then(() => assert.fail('no error'), (e) => e);
    assert.equal(error.code, 'not_found');
    assert.equal(error.status, 404);
  }
});

test('an unreachable gateway is a network_error; an aborted signal ends events() quietly', async () => {
  const ss = new Seedstream({ baseUrl: 'http://127.0.0.1:1' });
  const error = await ss.models().then(() => assert.fail('no error'), (e) => e);
  assert.equal(error.code, 'network_error');
  assert.equal(error.status, 0);

  const live = new Seedstream({ baseUrl: gateway() });
  const job = await live.generate(group('one fox', 1));
  const controller = new AbortController();
  const seen = [];
  for await (const event of job.events({ signal: controller.signal })) {
    seen.push(event.type);
    controller.abort();
  }
  assert.deepEqual(seen, ['started']);
  await job.cancel();
});

test('the gateway serves the client at /client/seedstream.js, to an allowed origin too (CORS)', async () => {
  const source = await readFile(new URL('../../../web/client/seedstream.js', import.meta.url), 'utf8');
  const response = await fetch(`${gateway()}/client/seedstream.js`, { headers: { Origin: corsOrigin() } });
  assert.equal(response.status, 200);
  assert.match(response.headers.get('Content-Type'), /javascript/);
  assert.equal(response.headers.get('Access-Control-Allow-Origin'), corsOrigin());
  assert.equal(await response.text(), source);
  const types = await fetch(`${gateway()}/client/seedstream.d.ts`);
  assert.equal(types.status, 200);
  // A page on that origin reads the stream with fetch: the preflight allows the headers the client sends.
  const preflight = await fetch(`${gateway()}/api/generations/x/events`, {
    method: 'OPTIONS',
    headers: { Origin: corsOrigin(), 'Access-Control-Request-Method': 'GET', 'Access-Control-Request-Headers': 'authorization,last-event-id' },
  });
  assert.equal(preflight.status, 204);
  assert.match(preflight.headers.get('Access-Control-Allow-Headers'), /Authorization.*Last-Event-ID/);
  assert.match(preflight.headers.get('Access-Control-Expose-Headers') ?? '', /Retry-After/);
});
