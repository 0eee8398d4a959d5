// The job's server-sent events: each one is applied once, in order, even across reconnects.

import { el, els } from './dom.js';
import { formatNumber, seconds } from './format.js';
import { apiFetch, readJson, tokensRequired } from './api.js';
import { appendWarnings, showError, showGeneralError, WAIT_CODES } from './errors.js';
import { announce, currentJob, finishJob, setProgress, setReconnecting } from './job.js';
import { cardFor, imageSource, showCardFailure, showCardImage, syncPlaceholders } from './cards.js';

const TERMINAL_EVENTS = ['completed', 'error', 'cancelled'];

const STREAM_HANDLERS = {
  started: onStarted,
  image: onImage,
  image_failed: onImageFailed,
  completed: onCompleted,
  error: onErrorEvent,
  cancelled: onCancelled,
};

export function openStream(job) {
  const source = new EventSource(job.eventsUrl);
  job.source = source;
  source.addEventListener('open', () => setReconnecting(job, false));
  for (const [name, handler] of Object.entries(STREAM_HANDLERS)) {
    source.addEventListener(name, (event) => onStreamEvent(job, name, event, handler));
  }
}

function onStreamEvent(job, name, event, handler) {
  // The gateway's own "error" event is a MessageEvent with data; a plain Event named "error"
  // is EventSource reporting a dropped or refused connection.
  if (name === 'error' && !(event instanceof MessageEvent)) return onConnectionError(job);
  if (job !== currentJob() || job.terminal || !isNewEvent(job, event)) return;
  const data = parseEventData(event.data);
  if (data) handler(job, data);
  // A terminal event ends the job even if its payload was unreadable.
  if (TERMINAL_EVENTS.includes(name)) finishJob(job, name);
}

function parseEventData(text) {
  try {
    const data = JSON.parse(text);
    return data && typeof data === 'object' ? data : null;
  } catch {
    return null;
  }
}

// Replays after a reconnect start after Last-Event-ID, but the ids are checked anyway so no
// event is ever applied twice.
function isNewEvent(job, event) {
  const id = Number(event.lastEventId);
  if (!Number.isInteger(id) || id <= 0) return true;
  if (id <= job.lastEventId) return false;
  job.lastEventId = id;
  return true;
}

function onConnectionError(job) {
  if (job !== currentJob() || job.terminal) return;
  if (job.source.readyState === EventSource.CONNECTING) {
    setReconnecting(job, true);
    return;
  }
  // With tokens, a reconnect after the signed access value expired is refused (401); a fresh
  // events_url from the snapshot reopens the stream, and isNewEvent() skips what was already shown.
  if (tokensRequired() && job.reopened < 3) {
    job.reopened += 1;
    reopenStream(job);
    return;
  }
  // CLOSED without a terminal event: the browser got a non-stream answer (e.g. 204 for an
  // expired job) and will not retry, so the page ends the job itself and says so.
  finishJob(job, 'error');
  showGeneralError('The connection to the event stream was lost.', [
    'Images shown so far are kept. The job may have finished or expired on the gateway.']);
  reportSnapshot(job.id);
}

async function reopenStream(job) {
  setReconnecting(job, true);
  try {
    const response = await apiFetch(`/api/generations/${encodeURIComponent(job.id)}`, { headers: { Accept: 'application/json' } });
    const json = response.ok ? await readJson(response) : null;
    if (job !== currentJob() || job.terminal) return;
    if (typeof json?.events_url === 'string' && json.events_url.startsWith('/api/')) {
      job.source.close();
      job.eventsUrl = json.events_url;
      openStream(job);
      return;
    }
  } catch {
    // handled below like any other lost stream
  }
  job.reopened = Infinity;
  onConnectionError(job);
}

async function reportSnapshot(id) {
  try {
    const response = await apiFetch(`/api/generations/${encodeURIComponent(id)}`, { headers: { Accept: 'application/json' } });
    const json = response.ok ? await readJson(response) : null;
    if (typeof json?.status === 'string' && currentJob()?.id === id) {
      els.generalError.append(el('p', null, `The gateway reports the job as: ${json.status}.`));
    }
  } catch {
    // The snapshot is only extra context; the error above already tells the user what happened.
  }
}

function onStarted(job, data) {
  if (Number.isInteger(data.requested_images) && data.requested_images > 0) job.requested = data.requested_images;
  appendWarnings(els.jobWarnings, data.warnings);
  syncPlaceholders(job);
  setProgress(`Generating ${job.requested === 1 ? 'one image' : `up to ${job.requested} images`}…`);
}

function onImage(job, data) {
  if (!Number.isInteger(data.index) || data.index < 0) return;
  const card = cardFor(job, data.index);
  if (card.dataset.state === 'done') return; // one image per index, even across replays
  const src = imageSource(data);
  if (!src) {
    showCardFailure(card, { code: 'unsafe_url', message: 'The image address was not http(s) and was not shown.' });
    return;
  }
  showCardImage(job, card, data, src);
  job.done += 1;
  announce(job, `Image ${data.index + 1} is ready (${seconds(data.elapsed_ms || 0)} s).`);
}

function onImageFailed(job, data) {
  if (!Number.isInteger(data.index) || data.index < 0) return;
  const card = cardFor(job, data.index);
  if (card.dataset.state !== 'pending') return;
  showCardFailure(card, data.error || {});
  job.failed += 1;
  announce(job, `Image ${data.index + 1} failed.`);
}

function onCompleted(job, data) {
  const usage = data.usage || {};
  const generated = Number.isInteger(data.generated_images) ? data.generated_images : job.done;
  const failed = Number.isInteger(data.failed_images) ? data.failed_images : job.failed;
  els.usage.textContent = `Generated ${generated} image${generated === 1 ? '' : 's'} · failed ${failed} · ` +
    `output tokens ${formatNumber(usage.output_tokens)} · total ${seconds(data.elapsed_ms || 0)} s`;
  els.usage.hidden = false;
  setProgress(`Completed: ${generated} generated, ${failed} failed.`);
}

function onErrorEvent(job, data) {
  const error = { ...data, code: data.code || 'error', violations: [] };
  const lines = [];
  if (!WAIT_CODES.has(error.code)) {
    lines.push(data.retryable ? 'This may be temporary; you can try again.' : 'Trying again with the same request will not help.');
  }
  if (data.upstream_status) lines.push(`Image service status: ${data.upstream_status}.`);
  showError(error, '', lines);
  setProgress(`Stopped by an error after ${job.done} image${job.done === 1 ? '' : 's'}.`);
}

function onCancelled(job, data) {
  setProgress(`Cancelled${data.reason ? ` (${data.reason})` : ''}; ${job.done} image${job.done === 1 ? '' : 's'} kept.`);
}
