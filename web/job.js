// The job on screen: its status, the progress lines, the Generate and Cancel buttons, and its end.
// Only the newest job may paint; stream.js feeds it events. The job's id stays in the URL (#job=…), so a
// reload, or the same address in another tab, brings it back (resume.js).

import { els, setText } from './dom.js';
import { isAnswer, noteUnauthorized } from './api.js';
import { appendWarnings, errorOf, showError, showGeneralError } from './errors.js';
import { syncPlaceholders, tick } from './cards.js';
import { t, tn } from './i18n.js';

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

// The status keeps its wire name in data-status; the words are the page's language.
export function setStatus(status) {
  const words = t(`status.${status}`);
  els.jobStatus.textContent = words === `status.${status}` ? status : words;
  els.jobStatus.dataset.status = status;
}

export function generatingText(requested) {
  return tn('progress.generating', requested);
}

/** The #job=… of the address, or null. */
export function jobInUrl() {
  const match = /^#job=([A-Za-z0-9_-]{1,128})$/.exec(window.location.hash);
  return match ? match[1] : null;
}

// replaceState: the address names the job on screen without a history entry per generation, and
// without a hashchange event (which would reattach to the job we are already showing).
function rememberJob(id) {
  if (jobInUrl() !== id) window.history.replaceState(null, '', `#job=${id}`);
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
  return showJob(accepted, { prompt: body.prompt, requested: expectedImages(body), warnings: accepted.warnings });
}

/** Puts a job on screen: one just accepted, or one brought back from the URL (`elapsedMs` it ran before). */
export function showJob(handle, { prompt = '', requested = 1, warnings = [], elapsedMs = 0 }) {
  stopJob(current);
  const job = {
    id: handle.id,
    handle,
    stream: new AbortController(),
    prompt,
    requested,
    startedAt: performance.now() - elapsedMs,
    cards: new Map(),
    images: new Map(),
    done: 0,
    failed: 0,
    terminal: false,
    ticker: 0,
  };
  current = job;
  rememberJob(job.id);
  resetResults(job);
  appendWarnings(els.jobWarnings, warnings);
  setStatus('running');
  setBusy(true);
  setProgress(generatingText(job.requested));
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
  setProgress(`${text} ${tn('progress.finished', job.requested, { done: finished })}`);
}

export async function onCancel() {
  const job = current;
  if (!job || job.terminal) return;
  els.cancel.disabled = true;
  setProgress(t('progress.cancelling'));
  try {
    await job.handle.cancel();
  } catch (err) {
    if (job.terminal) return;
    if (isAnswer(err)) {
      noteUnauthorized(err);
      showError(errorOf(err), t('cancel.failed.prefix'));
    } else {
      showGeneralError(t('cancel.failed.network'));
    }
    els.cancel.disabled = false;
  }
}
