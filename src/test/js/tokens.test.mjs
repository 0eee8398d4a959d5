// The client against the gateway with client tokens (SEEDSTREAM_TOKENS) and 4 images per minute per
// client; each test uses a token of its own, so their limits do not meet. Requests go through a proxy
// that records them, so the tests can see which credential each request carried.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Seedstream, SeedstreamError, group, tokensGateway, token, upstream, streamRequests } from './harness.mjs';

async function allEvents(job, options) {
  const seen = [];
  for await (const event of job.events(options)) seen.push(event);
  return seen;
}

async function refusal(promise) {
  const error = await promise.then(() => assert.fail('no error'), (e) => e);
  assert.ok(error instanceof SeedstreamError, String(error));
  return error;
}

test('without a token: the catalogue is open and says tokens are required; a generation is refused 401', async () => {
  const ss = new Seedstream({ baseUrl: tokensGateway() });
  const catalogue = await ss.models();
  assert.equal(catalogue.tokens_required, true);
  assert.ok(Object.keys(catalogue.models).length > 0);
  const error = await refusal(ss.generate(group('a harbour at dawn', 1)));
  assert.deepEqual([error.code, error.status], ['unauthorized', 401]);
  const wrong = await refusal(new Seedstream({ baseUrl: tokensGateway(), token: 'not-a-token' }).estimate(group('a harbour', 1)));
  assert.deepEqual([wrong.code, wrong.status], ['unauthorized', 401]);
});

test('with a token: every call and the stream carry it as a bearer header; the signed access value stays out', async () => {
  const ss = new Seedstream({ baseUrl: tokensGateway(), token: () => token('alice') });
  const job = await ss.generate(group('a harbour at dawn', 1));
  assert.match(job.eventsUrl, /\/events\?access=/, 'the 202 hands out a signed events_url');
  const seen = await allEvents(job);
  assert.deepEqual(seen.map((e) => e.type), ['started', 'image', 'completed']);
  const heads = await streamRequests('tokens', job.id);
  assert.equal(heads.length, 1);
  assert.match(heads[0], new RegExp(`\\r\\nAuthorization: Bearer ${token('alice')}\\r\\n`, 'i'));
  assert.doesNotMatch(heads[0].split('\r\n')[0], /access=/);
  const snapshot = await job.snapshot();
  assert.equal(snapshot.status, 'completed');
});

test('without a token, a job\'s signed events_url opens its stream (the fallback for a client handed only that URL)', async () => {
  const owner = new Seedstream({ baseUrl: tokensGateway(), token: token('bob') });
  const job = await owner.generate(group('two herons', 2));
  const viewer = new Seedstream({ baseUrl: tokensGateway() });
  const seen = await allEvents(viewer.job(job.id, { eventsUrl: job.eventsUrl }));
  assert.deepEqual(seen.map((e) => e.type), ['started', 'image', 'image', 'completed']);
  const heads = await streamRequests('tokens', job.id);
  assert.equal(heads.length, 1);
  assert.match(heads[0].split('\r\n')[0], /\/events\?access=[^ ]+ HTTP/);
  assert.doesNotMatch(heads[0], /Authorization:/i);
  // The access value opens the stream and nothing else.
  const error = await refusal(viewer.job(job.id, { eventsUrl: job.eventsUrl }).snapshot());
  assert.equal(error.status, 401);
});

test('over the images-per-minute limit: 429 rate_limited with Retry-After in seconds, and no upstream call', async () => {
  const ss = new Seedstream({ baseUrl: tokensGateway(), token: token('carol') });
  const first = await ss.generate(group('four kites', 4));
  await allEvents(first);
  const before = await upstream('tokens', true);
  const error = await refusal(ss.generate(group('four more kites', 4)));
  assert.deepEqual([error.code, error.status], ['rate_limited', 429]);
  assert.ok(Number.isInteger(error.retryAfter) && error.retryAfter >= 1 && error.retryAfter <= 60, `retryAfter ${error.retryAfter}`);
  assert.match(error.message, /per minute/);
  assert.equal((await upstream('tokens')).requests, before.requests);
});

test('an idempotency key makes a retried generate return the same job, with one upstream call', async () => {
  const ss = new Seedstream({ baseUrl: tokensGateway(), token: token('alice') });
  const before = await upstream('tokens', true);
  const key = `retry-${Date.now()}`;
  const first = await ss.generate(group('one lantern', 1), { idempotencyKey: key });
  const again = await ss.generate(group('one lantern', 1), { idempotencyKey: key });
  assert.equal(again.id, first.id);
  await allEvents(again);
  assert.equal((await upstream('tokens', true)).requests - before.requests, 1);
  const reused = await refusal(ss.generate(group('another lantern', 1), { idempotencyKey: key }));
  assert.deepEqual([reused.code, reused.status], ['idempotency_key_reused', 422]);
});

test('images: a durable_url comes from the gateway; an image on another host never gets the token', async () => {
  const { createServer } = await import('node:http');
  const received = [];
  const elsewhere = createServer((req, res) => {
    received.push(req.headers);
    res.writeHead(200, { 'Content-Type': 'image/png' }).end(Buffer.from([0x89, 0x50, 0x4e, 0x47]));
  });
  await new Promise((resolve) => elsewhere.listen(0, '127.0.0.1', resolve));
  try {
    const ss = new Seedstream({ baseUrl: tokensGateway(), token: token('alice') });
    const foreign = await ss.image(`http://127.0.0.1:${elsewhere.address().port}/cat.png`);
    assert.equal(foreign.size, 4);
    assert.equal(received.length, 1);
    assert.equal(received[0].authorization, undefined, 'the token went to another host');

    const job = await ss.generate(group('one crane', 1));
    let durable = null;
    for await (const event of job.events()) if (event.type === 'image') durable = event.data.durable_url;
    const stored = await ss.image(durable);
    assert.match(stored.type, /^image\/(jpeg|png)$/);
    assert.ok(stored.size > 0);
  } finally {
    elsewhere.close();
  }
});
