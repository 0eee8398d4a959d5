// The job's server-sent events, read by the client (client/seedstream.js): it hands over each event once,
// in order, and resumes a dropped connection with Last-Event-ID by itself; this module paints them.

import { el, els } from './dom.js';
import { formatNumber, seconds } from './format.js';
import { isAnswer, noteUnauthorized } from './api.js';
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

export async function openStream(job) {
  const onConnection = (state) => setReconnecting(job, state === 'reconnecting');
  let failure = null;
  try {
    for await (const event of job.handle.events({ signal: job.stream.signal, onConnection })) {
      if (job !== currentJob() || job.terminal) return;
      const data = event.data && typeof event.data === 'object' ? event.data : null;
      if (data) STREAM_HANDLERS[event.type]?.(job, data);
      // A terminal event ends the job even if its payload was unreadable.
      if (TERMINAL_EVENTS.includes(event.type)) {
        finishJob(job, event.type);
        return;
      }
    }
  } catch (err) {
    failure = err;
  }
  if (job === currentJob() && !job.terminal) onStreamLost(job, failure);
}

// The stream ended without a terminal event: the gateway answered 204 (the job expired, say), refused the
// stream, or the client gave up resuming it. The page ends the job itself and says so.
function onStreamLost(job, failure) {
  if (isAnswer(failure)) noteUnauthorized(failure);
  finishJob(job, 'error');
  showGeneralError('The connection to the event stream was lost.', [
    'Images shown so far are kept. The job may have finished or expired on the gateway.']);
  reportSnapshot(job);
}

async function reportSnapshot(job) {
  try {
    const snapshot = await job.handle.snapshot();
    if (typeof snapshot?.status === 'string' && currentJob() === job) {
      els.generalError.append(el('p', null, `The gateway reports the job as: ${snapshot.status}.`));
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
