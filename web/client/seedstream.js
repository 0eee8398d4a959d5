// Seedstream JavaScript client: one ES module, no dependencies, no build step. It runs in browsers and in
// Node 18+ (fetch and web streams). It reads a job's event stream with fetch, so the token can travel as a
// header, parses the server-sent events itself, and resumes a dropped stream with Last-Event-ID without
// handing any event over twice. The types are in seedstream.d.ts beside this file.

const TERMINAL_EVENTS = new Set(['completed', 'cancelled', 'error']);
// The gateway announces "retry: 3000"; these apply until it does, and bound what it may ask for.
const DEFAULT_RETRY_MS = 3000;
const MAX_RETRY_MS = 60_000;
// Failed attempts in a row (no event got through) before events() gives up with "connection_lost".
const MAX_FAILED_ATTEMPTS = 8;

/** Every failure the client reports: an answer of the gateway, or the network. */
export class SeedstreamError extends Error {
  constructor({ code, status = 0, message, violations = [], retryAfter = null, details = {} }, options) {
    super(message || code, options);
    this.name = 'SeedstreamError';
    this.code = code;
    this.status = status;
    this.violations = violations;
    this.retryAfter = retryAfter;
    this.details = details;
  }
}

export class Seedstream {
  #baseUrl;
  #token;
  #fetch;

  /**
   * @param {{baseUrl?: string, token?: string | (() => string | null | undefined), fetch?: typeof fetch}} options
   *   baseUrl: the gateway (default: the page's own origin); token: a client token, or a function that returns
   *   the current one (asked again before every request).
   */
  constructor({ baseUrl = '', token = null, fetch: fetchImpl } = {}) {
    this.#baseUrl = String(baseUrl).replace(/\/+$/, '');
    this.#token = token;
    this.#fetch = fetchImpl || ((...args) => globalThis.fetch(...args));
  }

  /** GET /api/models: the model catalogue, plus `simulated` and `tokens_required`. */
  models({ signal } = {}) {
    return this.request('GET', '/api/models', { signal });
  }

  /** A dry run: validates the request and estimates it; nothing is spent upstream. */
  estimate(request, { signal } = {}) {
    return this.request('POST', '/api/generations?dry_run=true', { body: request, signal });
  }

  /** Starts a generation (202) and returns its job; an Idempotency-Key makes a retried call return the same job. */
  async generate(request, { signal, idempotencyKey } = {}) {
    const headers = idempotencyKey ? { 'Idempotency-Key': String(idempotencyKey) } : {};
    const accepted = await this.request('POST', '/api/generations', { body: request, signal, headers });
    return new Job(this, accepted.id, accepted);
  }

  /** A job known by its id (for example after a page reload); `eventsUrl` is a signed events_url, if any. */
  job(id, { eventsUrl } = {}) {
    return new Job(this, String(id), { events_url: eventsUrl });
  }

  /** GET /api/generations: past jobs, newest first; pass `before: page.next_before` for the next page. */
  history({ limit, before, signal } = {}) {
    const query = new URLSearchParams();
    if (limit != null) query.set('limit', String(limit));
    if (before) query.set('before', String(before));
    const search = String(query);
    return this.request('GET', `/api/generations${search ? `?${search}` : ''}`, { signal });
  }

  /** An image as a Blob: a `durable_url` of the gateway, or an upstream `url` (which never gets the token). */
  async image(url, { signal } = {}) {
    const response = await this.send(url, { headers: { Accept: 'image/*' }, signal, withToken: this.#onGateway(url) });
    if (!response.ok) throw await errorOf(response);
    return response.blob();
  }

  /** A path of the gateway's answers (relative, or absolute on SEEDSTREAM_PUBLIC_URL) as a URL to fetch. */
  url(path) {
    const text = String(path);
    return /^[a-z][a-z0-9+.-]*:/i.test(text) ? text : `${this.#baseUrl}${text.startsWith('/') ? '' : '/'}${text}`;
  }

  // A relative path, or an absolute URL on the gateway's origin (an image's `url` is on the upstream's host).
  #onGateway(url) {
    const text = String(url);
    if (!/^[a-z][a-z0-9+.-]*:/i.test(text)) return true;
    const base = this.#baseUrl || globalThis.location?.origin;
    return Boolean(base) && new URL(text).origin === new URL(base, globalThis.location?.href).origin;
  }

  /** The current token, or '' when there is none. */
  token() {
    const value = typeof this.#token === 'function' ? this.#token() : this.#token;
    return value ? String(value) : '';
  }

  /** fetch with the token; a failure to reach the gateway becomes a SeedstreamError "network_error". */
  async send(path, { method = 'GET', headers = {}, body, signal, withToken = true } = {}) {
    const all = { ...headers };
    const token = withToken ? this.token() : '';
    if (token) all.Authorization = `Bearer ${token}`;
    try {
      return await this.#fetch(this.url(path), { method, headers: all, body, signal });
    } catch (err) {
      if (isAbort(err, signal)) throw err;
      throw new SeedstreamError({ code: 'network_error', message: 'the gateway could not be reached' }, { cause: err });
    }
  }

  /** A JSON call: the parsed answer, null for 204, or a SeedstreamError. */
  async request(method, path, { body, signal, headers = {} } = {}) {
    const json = body === undefined ? {} : { 'Content-Type': 'application/json' };
    const response = await this.send(path, {
      method, signal, headers: { Accept: 'application/json', ...json, ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!response.ok) throw await errorOf(response);
    if (response.status === 204) return null;
    const text = await response.text();
    try {
      return text ? JSON.parse(text) : null;
    } catch (err) {
      throw new SeedstreamError({ code: 'invalid_response', status: response.status, message: 'the gateway answered with invalid JSON' }, { cause: err });
    }
  }
}

export class Job {
  #client;

  constructor(client, id, accepted = {}) {
    this.#client = client;
    this.id = id;
    this.status = accepted.status ?? null;
    this.eventsUrl = accepted.events_url || null;
    this.warnings = Array.isArray(accepted.warnings) ? accepted.warnings : [];
  }

  /** GET /api/generations/{id}: the job's snapshot (a fresh signed events_url when the gateway has tokens). */
  async snapshot({ signal } = {}) {
    const snapshot = await this.#client.request('GET', `/api/generations/${encodeURIComponent(this.id)}`, { signal });
    if (typeof snapshot?.events_url === 'string') this.eventsUrl = snapshot.events_url;
    return snapshot;
  }

  /** DELETE /api/generations/{id}: cancels a running job (the upstream call stops at once); its snapshot, or null. */
  cancel({ signal } = {}) {
    return this.#client.request('DELETE', `/api/generations/${encodeURIComponent(this.id)}`, { signal });
  }

  /**
   * The job's events, in order, each once, ending after the terminal one (completed, cancelled or error).
   * A dropped connection is resumed with Last-Event-ID after the gateway's retry interval (longer after each
   * failed attempt); a 204 (the gateway has nothing more) ends it too. An aborted `signal` ends it quietly.
   */
  async *events({ lastEventId = 0, signal, onConnection } = {}) {
    let last = Math.max(0, Number(lastEventId) || 0);
    let retryMs = DEFAULT_RETRY_MS;
    let failures = 0;
    for (let attempt = 0; ; attempt += 1) {
      if (attempt > 0) {
        failures += 1;
        if (failures > MAX_FAILED_ATTEMPTS) {
          throw new SeedstreamError({ code: 'connection_lost', message: `the event stream could not be resumed after ${MAX_FAILED_ATTEMPTS} attempts` });
        }
        onConnection?.('reconnecting');
        if (!(await pause(Math.min(retryMs * 2 ** (failures - 1), MAX_RETRY_MS), signal))) return;
      }
      if (signal?.aborted) return;
      const stream = new AbortController();
      const stop = () => stream.abort();
      signal?.addEventListener('abort', stop);
      try {
        const response = await this.#open(last, stream.signal);
        if (response === null) continue; // the network failed: try again
        if (response.status === 204) return; // the gateway has nothing more: the job ended before
        onConnection?.('open');
        const parser = new EventStreamParser();
        for await (const chunk of textChunks(response.body)) {
          for (const frame of parser.push(chunk)) {
            if (frame.retry !== undefined) retryMs = Math.min(frame.retry, MAX_RETRY_MS);
            if (frame.type === undefined) continue;
            const id = frame.id === undefined ? null : Number(frame.id);
            if (Number.isInteger(id) && id > 0) {
              if (id <= last) continue; // already handed over before the reconnect
              last = id;
            }
            failures = 0;
            yield { type: frame.type, id, data: parseData(frame.data) };
            if (TERMINAL_EVENTS.has(frame.type)) return;
          }
        }
        // The response ended without a terminal event: the connection was closed under us.
      } catch (err) {
        if (signal?.aborted) return;
        if (err instanceof SeedstreamError) throw err;
        // a connection that broke while reading: resume
      } finally {
        signal?.removeEventListener('abort', stop);
        stream.abort();
      }
    }
  }

  /** One GET of the stream: the response, null when the network failed, or a SeedstreamError for an HTTP error. */
  async #open(last, signal) {
    // Only headers a CORS preflight allows (the gateway lists Authorization and Last-Event-ID).
    const headers = { Accept: 'text/event-stream' };
    if (last > 0) headers['Last-Event-ID'] = String(last);
    let response;
    try {
      response = await this.#client.send(this.#streamUrl(), { headers, signal });
    } catch (err) {
      if (isAbort(err, signal)) throw err;
      return null;
    }
    if (response.status === 204) return response;
    if (!response.ok) throw await errorOf(response);
    if (!/^text\/event-stream\b/i.test(response.headers.get('Content-Type') || '') || !response.body) {
      response.body?.cancel().catch(() => {});
      throw new SeedstreamError({ code: 'invalid_response', status: response.status, message: 'the gateway did not answer with an event stream' });
    }
    return response;
  }

  // With a token the stream opens with the Authorization header, and the signed access value (which expires
  // after a minute) stays out of the URL. Without one the signed events_url is the only way in.
  #streamUrl() {
    const plain = `/api/generations/${encodeURIComponent(this.id)}/events`;
    if (!this.eventsUrl) return plain;
    return this.#client.token() ? withoutAccess(this.eventsUrl) : this.eventsUrl;
  }
}

/**
 * Server-sent events as the HTML standard parses them: lines end in CRLF, LF or CR (a CRLF may be split
 * across chunks), "field: value" loses one space, comments start with ":", an empty line ends an event, and
 * an event without data is not dispatched. `retry` is reported on its own frame.
 */
export class EventStreamParser {
  #buffer = '';
  #skipLf = false;
  #type = '';
  #data = [];
  #id;
  #hasId = false;

  /** Feeds decoded text; returns the frames it completed ({type, id, data} or {retry}). */
  push(text) {
    const frames = [];
    let start = 0;
    let input = text;
    if (this.#skipLf && input.startsWith('\n')) input = input.slice(1);
    this.#skipLf = false;
    input = this.#buffer + input;
    this.#buffer = '';
    for (let i = 0; i < input.length; i += 1) {
      const c = input[i];
      if (c !== '\n' && c !== '\r') continue;
      this.#line(input.slice(start, i), frames);
      if (c === '\r') {
        if (i + 1 === input.length) this.#skipLf = true;
        else if (input[i + 1] === '\n') i += 1;
      }
      start = i + 1;
    }
    this.#buffer = input.slice(start);
    return frames;
  }

  #line(line, frames) {
    if (line === '') {
      if (this.#data.length) frames.push({ type: this.#type || 'message', id: this.#hasId ? this.#id : undefined, data: this.#data.join('\n') });
      this.#type = '';
      this.#data = [];
      this.#hasId = false;
      return;
    }
    if (line.startsWith(':')) return;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') this.#type = value;
    else if (field === 'data') this.#data.push(value);
    else if (field === 'id' && !value.includes('\0')) {
      this.#id = value;
      this.#hasId = true;
    } else if (field === 'retry' && /^\d+$/.test(value)) frames.push({ retry: Number(value) });
  }
}

/** The gateway's JSON error as a SeedstreamError (`retryAfter` from Retry-After, in seconds). */
async function errorOf(response) {
  let error = {};
  try {
    error = (await response.json())?.error || {};
  } catch {
    // not JSON (a proxy's page, say): the status says enough
  }
  const retryAfter = retryAfterSeconds(response.headers.get('Retry-After')) ?? (Number.isFinite(error.retry_after) ? error.retry_after : null);
  return new SeedstreamError({
    code: typeof error.code === 'string' ? error.code : `http_${response.status}`,
    status: response.status,
    message: typeof error.message === 'string' ? error.message : response.statusText || `HTTP ${response.status}`,
    violations: Array.isArray(error.violations) ? error.violations : [],
    retryAfter,
    details: error,
  });
}

function retryAfterSeconds(header) {
  if (!header) return null;
  const text = header.trim();
  const seconds = /^\d+$/.test(text) ? Number(text) : Math.ceil((Date.parse(text) - Date.now()) / 1000);
  return Number.isFinite(seconds) ? Math.max(seconds, 0) : null;
}

function parseData(text) {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

function withoutAccess(url) {
  const absolute = /^[a-z][a-z0-9+.-]*:/i.test(url);
  const parsed = new URL(url, 'http://relative.invalid');
  parsed.searchParams.delete('access');
  return absolute ? parsed.href : `${parsed.pathname}${parsed.search}`;
}

async function* textChunks(body) {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      yield decoder.decode(value, { stream: true });
    }
  } finally {
    reader.cancel().catch(() => {});
  }
}

/** Waits `ms`; false when the signal was aborted meanwhile. */
function pause(ms, signal) {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve(false);
    const done = (result) => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', aborted);
      resolve(result);
    };
    const aborted = () => done(false);
    const timer = setTimeout(() => done(true), ms);
    signal?.addEventListener('abort', aborted);
  });
}

function isAbort(err, signal) {
  return signal?.aborted || err?.name === 'AbortError';
}
