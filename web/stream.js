// The job's server-sent events, read by the client (client/seedstream.js): it hands over each event once,
// in order, and resumes a dropped connection with Last-Event-ID by itself; this module paints them. The
// same painters show a job brought back from its snapshot (resume.js).

import { el, els } from './dom.js';
import { formatNumber, seconds } from './format.js';
import { isAnswer, noteUnauthorized } from './api.js';
import { appendWarnings, showError, showGeneralError, WAIT_CODES } from './errors.js';
import { announce, currentJob, finishJob, generatingText, setProgress, setReconnecting } from './job.js';
import { cardFor, imageSource, showCardFailure, showCardImage, syncPlaceholders, useDurableSources } from './cards.js';
import { t, tn } from './i18n.js';

const TERMINAL_EVENTS = ['completed', 'error', 'cancelled'];
// The store writes an image just after its event; a finished job is asked a few times for the stored copies.
const DURABLE_CHECKS = 5;
const DURABLE_CHECK_MS = 1000;

const STREAM_HANDLERS = {
  started: onStarted,
  image: onImage,
  image_failed: onImageFailed,
  completed: onCompleted,
  error: onErrorEvent,
  cancelled: onCancelled,
};

/** Reads the job's events after `lastEventId` (0: all of them, replayed from the start). */
export async function openStream(job, lastEventId = 0) {
  const onConnection = (state) => setReconnecting(job, state === 'reconnecting');
  let failure = null;
  try {
    for await (const event of job.handle.events({ lastEventId, signal: job.stream.signal, onConnection })) {
      if (job !== currentJob() || job.terminal) return;
      const data = event.data && typeof event.data === 'object' ? event.data : null;
      if (data) STREAM_HANDLERS[event.type]?.(job, data);
      // A terminal event ends the job even if its payload was unreadable.
      if (TERMINAL_EVENTS.includes(event.type)) {
        finishJob(job, event.type);
        fetchDurableSources(job, DURABLE_CHECKS);
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
  showGeneralError(t('stream.lost'), [t('stream.lost.kept')]);
  reportSnapshot(job);
}

async function reportSnapshot(job) {
  try {
    const snapshot = await job.handle.snapshot();
    if (typeof snapshot?.status === 'string' && currentJob() === job) {
      els.generalError.append(el('p', null, t('stream.lost.status', { status: snapshot.status })));
      useDurableSources(job, snapshot.images);
    }
  } catch {
    // The snapshot is only extra context; the error above already tells the user what happened.
  }
}

// Stored copies replace the upstream's links once the snapshot lists them; an image still being stored
// is asked for again, a bounded number of times.
export async function fetchDurableSources(job, checksLeft) {
  if (checksLeft <= 0 || currentJob() !== job) return;
  let snapshot;
  try {
    snapshot = await job.handle.snapshot();
  } catch {
    return; // no history on this gateway, or it is gone: the upstream's links stay
  }
  if (currentJob() !== job) return;
  const images = Array.isArray(snapshot?.images) ? snapshot.images : [];
  useDurableSources(job, images);
  const storing = (image) => typeof image.durable_url === 'string' && (!image.storage || image.storage.status === 'pending');
  if (images.some(storing)) {
    setTimeout(() => fetchDurableSources(job, checksLeft - 1), DURABLE_CHECK_MS);
  }
}

// A card whose upstream link stopped loading (a page left open past the link's 24 hours) asks for the
// stored copy; each <img> reports this once.
export function wireBrokenImages() {
  els.results.addEventListener('seedstream:image-broken', () => {
    const job = currentJob();
    if (job) fetchDurableSources(job, 1);
  });
}

export function onStarted(job, data) {
  if (Number.isInteger(data.requested_images) && data.requested_images > 0) job.requested = data.requested_images;
  appendWarnings(els.jobWarnings, data.warnings);
  syncPlaceholders(job);
  setProgress(generatingText(job.requested));
}

export function onImage(job, data) {
  if (!Number.isInteger(data.index) || data.index < 0) return;
  const card = cardFor(job, data.index);
  if (card.dataset.state === 'done') return; // one image per index, even across replays
  const src = imageSource(data);
  if (!src && data.storage?.status === 'not_persisted') {
    // A past job's image the gateway could not keep, and whose upstream link is gone.
    showCardFailure(card, { code: 'not_persisted', message: t('history.not-kept', { reason: data.storage.reason || '' }) });
    return;
  }
  if (!src) {
    showCardFailure(card, { code: 'unsafe_url', message: t('card.unsafe') });
    return;
  }
  showCardImage(job, card, data, src);
  job.done += 1;
  announce(job, t('progress.image-ready', { n: data.index + 1, seconds: seconds(data.elapsed_ms || 0) }));
}

export function onImageFailed(job, data) {
  if (!Number.isInteger(data.index) || data.index < 0) return;
  const card = cardFor(job, data.index);
  if (card.dataset.state !== 'pending') return;
  showCardFailure(card, data.error || {});
  job.failed += 1;
  announce(job, t('progress.image-failed', { n: data.index + 1 }));
}

export function onCompleted(job, data) {
  const usage = data.usage || {};
  const generated = Number.isInteger(data.generated_images) ? data.generated_images : job.done;
  const failed = Number.isInteger(data.failed_images) ? data.failed_images : job.failed;
  els.usage.textContent = tn('usage.line', generated, {
    failed, tokens: formatNumber(usage.output_tokens), seconds: seconds(data.elapsed_ms || 0),
  });
  els.usage.hidden = false;
  setProgress(t('progress.completed', { generated, failed }));
}

export function onErrorEvent(job, data) {
  const error = { ...data, code: data.code || 'error', violations: [] };
  const lines = [];
  if (!WAIT_CODES.has(error.code)) lines.push(t(data.retryable ? 'error.retryable' : 'error.final'));
  if (data.upstream_status) lines.push(t('error.upstream-status', { status: data.upstream_status }));
  showError(error, '', lines);
  setProgress(tn('progress.stopped', job.done));
}

export function onCancelled(job, data) {
  setProgress(data.reason ? tn('progress.cancelled.reason', job.done, { reason: data.reason })
    : tn('progress.cancelled', job.done));
}
