// seedstream.d.ts against the module and the gateway (no TypeScript compiler offline): every export is
// declared, and every field of the events a real job sends is declared in its event's interface.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import * as client from '../../../web/client/seedstream.js';
import { Seedstream, group, tokensGateway, token } from './harness.mjs';

const DTS = await readFile(new URL('../../../web/client/seedstream.d.ts', import.meta.url), 'utf8');

/** The member names of `export interface NAME { … }` (one level; nested objects count as their key). */
function declaredFields(name) {
  const start = DTS.indexOf(`export interface ${name} `);
  assert.ok(start >= 0, `interface ${name} in seedstream.d.ts`);
  const body = DTS.slice(DTS.indexOf('{', start) + 1, DTS.indexOf('\n}', start));
  return new Set([...body.matchAll(/^ {2}([a-z_]+)\??:/gm)].map((m) => m[1]));
}

test('every export of seedstream.js is declared in seedstream.d.ts', () => {
  for (const name of Object.keys(client)) {
    assert.match(DTS, new RegExp(`export (class|function|const) ${name}\\b`), `${name} declared`);
  }
});

test('the event map declares the six event types, each with its data interface', () => {
  const map = declaredFields('EventDataMap');
  assert.deepEqual([...map].sort(), ['cancelled', 'completed', 'error', 'image', 'image_failed', 'started']);
});

test('every field of the events of a real job is declared in its event\'s interface', async () => {
  const ss = new Seedstream({ baseUrl: tokensGateway(), token: token('bob') });
  const job = await ss.generate(group('one heron', 1));
  const interfaces = { started: 'StartedData', image: 'ImageData', completed: 'CompletedData' };
  const seen = [];
  for await (const event of job.events()) {
    seen.push(event.type);
    const declared = declaredFields(interfaces[event.type]);
    for (const field of Object.keys(event.data)) assert.ok(declared.has(field), `${event.type}.${field} declared`);
  }
  assert.deepEqual(seen, ['started', 'image', 'completed']);
  const snapshot = declaredFields('Snapshot');
  for (const field of Object.keys(await job.snapshot())) assert.ok(snapshot.has(field), `snapshot.${field} declared`);
});
