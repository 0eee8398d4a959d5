// The client's server-sent-events parser on its own: every line ending, a chunk boundary anywhere.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventStreamParser } from './harness.mjs';

const STREAM = 'retry: 3000\n\n: ping\n\nid: 1\nevent: started\ndata: {"id":"j1"}\n\n'
  + 'id: 2\r\nevent: image\r\ndata: {"index":0,\r\ndata: "url":"u"}\r\n\r\n'
  + ':comment\rid:3\revent:completed\rdata:{}\r\r';

const EXPECTED = [
  { retry: 3000 },
  { type: 'started', id: '1', data: '{"id":"j1"}' },
  { type: 'image', id: '2', data: '{"index":0,\n"url":"u"}' },
  { type: 'completed', id: '3', data: '{}' },
];

function parseInChunks(text, cuts) {
  const parser = new EventStreamParser();
  const frames = [];
  let start = 0;
  for (const cut of [...cuts, text.length]) {
    frames.push(...parser.push(text.slice(start, cut)));
    start = cut;
  }
  return frames;
}

test('LF, CRLF and CR line endings, comments, retry and multi-line data in one piece', () => {
  assert.deepEqual(parseInChunks(STREAM, []), EXPECTED);
});

test('the same frames whatever the chunk boundaries: every single cut, and one character at a time', () => {
  for (let cut = 1; cut < STREAM.length; cut += 1) {
    assert.deepEqual(parseInChunks(STREAM, [cut]), EXPECTED, `cut at ${cut}: ${JSON.stringify(STREAM.slice(cut - 2, cut + 2))}`);
  }
  assert.deepEqual(parseInChunks(STREAM, [...STREAM].map((_, i) => i).slice(1)), EXPECTED);
});

test('an event without data is not dispatched; an unfinished event waits for its blank line', () => {
  const parser = new EventStreamParser();
  assert.deepEqual(parser.push('event: image\nid: 7\n\nevent: image\ndata: {}\n'), []);
  assert.deepEqual(parser.push('\n'), [{ type: 'image', id: undefined, data: '{}' }]);
  assert.deepEqual(parser.push('data\n\n'), [{ type: 'message', id: undefined, data: '' }]);
  assert.deepEqual(parser.push('retry: soon\n\n'), [], 'a retry that is not a number is ignored');
});
