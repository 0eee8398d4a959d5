// The job on screen: its status, the progress lines, the Generate and Cancel buttons, and its end.
// Only the newest job may paint; stream.js feeds it events.

import { els, setText } from './dom.js';
import { isAnswer, noteUnauthorized } from './api.js';
import { appendWarnings, errorOf, showError, showGeneralError } from './errors.js';
import { syncPlaceholders, tick } from './cards.js';

const TICK_MS = 250;

let current = null;

export function currentJob() {
  return current;
}

// The results panel says how the job goes (and is the live region); the same words also appear
// under the Generate button, where the user just clicked, for when the results are out of view.
export function setProgress(text, nearButton = text) {
  setText(els.progress, text);
  setText(els.formProgress, nearButton);
}

export function setStatus(status) {
  els.jobStatus.textContent = status;
  els.jobStatus.dataset.status = status;
}

// A focused button that becomes disabled drops keyboard focus to <body>; hand it to the
// button that is now the useful one. The hand-over must not scroll: the page may just have brought
// the results into view (revealFirstCard), and a job that ends would otherwise pull it back down.
export function setBusy(busy) {
  const focused = document.activeElement;
  const lost = focused === document.body || focused === els.generate || focused === els.cancel;
  els.generate.disabled = busy;
  els.cancel.disabled = !busy;
  if (lost) (busy ? els.cancel : els.generate).focus({ preventScroll: true });
}

function expectedImages(body) {
  const max = body.sequential_image_generation_options?.max_images;
  return body.sequential_image_generation === 'auto' && Number.isInteger(max) && max > 0 ? max : 1;
}

/** `accepted` is the client's Job for the generation the gateway just accepted. */
export function startJob(accepted, body) {
  stopJob(current);
  const job = {
    id: accepted.id,
    handle: accepted,
    stream: new AbortController(),
    prompt: body.prompt,
    requested: expectedImages(body),
    startedAt: performance.now(),
    cards: new Map(),
    done: 0,
    failed: 0,
    terminal: false,
    ticker: 0,
  };
  current = job;
  resetResults(job);
  appendWarnings(els.jobWarnings, accepted.warnings);
  setStatus('running');
  setBusy(true);
  setProgress(`Generating ${job.requested === 1 ? 'one image' : `up to ${job.requested} images`}…`);
  syncPlaceholders(job);
  job.ticker = setInterval(() => tick(job), TICK_MS);
  return job;
}

// The Generate button sits at the end of a long form: on a phone the results are below it, on a
// laptop (1280×800) they are above it, scrolled out of view. Either way the first card comes into
// view with the progress line above it. Only the scroll position moves; focus stays where it was.
// (One layout read per job, not per event.)
export function revealFirstCard(job) {
  const card = job.cards.get(0);
  if (!card) return;
  const box = card.getBoundingClientRect();
  if (box.top >= 0 && box.top < window.innerHeight * 0.6) return;
  const smooth = !window.matchMedia('(prefers-reduced-motion: reduce)').matches;
  els.results.closest('section').scrollIntoView({ behavior: smooth ? 'smooth' : 'auto', block: 'start' });
}

function resetResults(job) {
  els.results.replaceChildren();
  els.jobWarnings.replaceChildren();
  els.usage.hidden = true;
  els.usage.textContent = '';
  els.jobPrompt.textContent = job.prompt;
  els.jobPrompt.hidden = !job.prompt;
}

function stopJob(job) {
  if (!job) return;
  job.terminal = true;
  job.stream.abort();
  clearInterval(job.ticker);
}

export function setReconnecting(job, on) {
  if (job === current) els.connection.hidden = !on;
}

// Every end of the job stops its event stream (the client would otherwise resume it).
export function finishJob(job, status) {
  stopJob(job);
  setReconnecting(job, false);
  for (const [index, card] of job.cards) {
    if (card.dataset.state === 'pending') {
      card.remove();
      job.cards.delete(index);
    }
  }
  setStatus(status);
  setBusy(false);
  document.dispatchEvent(new CustomEvent('seedstream:job-finished', { detail: { id: job.id } }));
}

export function announce(job, text) {
  const finished = job.done + job.failed;
  setProgress(`${text} ${finished} of ${job.requested === 1 ? 1 : `up to ${job.requested}`} finished.`);
}

export async function onCancel() {
  const job = current;
  if (!job || job.terminal) return;
  els.cancel.disabled = true;
  setProgress('Cancelling…');
  try {
    await job.handle.cancel();
  } catch (err) {
    if (job.terminal) return;
    if (isAnswer(err)) {
      noteUnauthorized(err);
      showError(errorOf(err), 'Cancel failed: ');
    } else {
      showGeneralError('Cancel failed: the gateway could not be reached.');
    }
    els.cancel.disabled = false;
  }
}
