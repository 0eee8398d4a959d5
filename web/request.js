// The request the form describes: a dry run after every edit (the estimate and the inline errors), and
// the real submit, which hands an accepted job to job.js and stream.js.

import { els, setText } from './dom.js';
import { formatNumber } from './format.js';
import { getCatalogue } from './catalogue.js';
import { readMaxImages, sizeValue } from './form.js';
import { refs } from './references.js';
import { client, isAnswer, noteUnauthorized } from './api.js';
import {
  clearGeneralError, describeError, errorOf, focusFirstInvalid, renderWarnings, showError, showFieldErrors,
  showGeneralError, violationText,
} from './errors.js';
import { currentJob, revealFirstCard, setBusy, setProgress, setStatus, startJob } from './job.js';
import { openStream } from './stream.js';
import { t, tn } from './i18n.js';

const DRY_RUN_DELAY_MS = 400;

let submitted = false; // before the first submit an empty prompt is not reported as an error
const dryRun = { timer: 0, seq: 0, controller: null };

function buildRequest() {
  const body = {
    model: els.model.value,
    prompt: els.prompt.value,
    size: sizeValue(),
    sequential_image_generation: els.group.checked ? 'auto' : 'disabled',
    response_format: els.responseFormat.value,
    watermark: els.watermark.checked,
  };
  if (refs.length) body.image = refs.map((ref) => ref.src);
  if (els.group.checked) body.sequential_image_generation_options = { max_images: readMaxImages() };
  if (!els.optimizeRow.hidden) body.optimize_prompt_options = { mode: els.optimizeMode.value };
  return body;
}

export function scheduleDryRun() {
  clearTimeout(dryRun.timer);
  dryRun.timer = setTimeout(runDryRun, DRY_RUN_DELAY_MS);
}

// Only the newest dry run may paint: older ones are aborted and their late answers ignored.
async function runDryRun() {
  if (!getCatalogue()) return;
  dryRun.controller?.abort();
  if (!submitted && !els.prompt.value.trim()) {
    // Nothing to estimate yet, and a 400 for the empty prompt would only be noise.
    dryRun.seq += 1;
    showFieldErrors([]);
    setEstimate(t('estimate.write-prompt'));
    return;
  }
  const controller = new AbortController();
  dryRun.controller = controller;
  const seq = ++dryRun.seq;
  els.estimate.classList.add('stale');
  try {
    const plan = await client.estimate(buildRequest(), { signal: controller.signal });
    if (seq === dryRun.seq) showEstimate(plan || {});
  } catch (err) {
    if (err.name === 'AbortError' || seq !== dryRun.seq) return;
    if (!isAnswer(err)) {
      setEstimate(t('estimate.no-answer'));
      return;
    }
    noteUnauthorized(err);
    showDryRunError(errorOf(err));
  }
}

function showEstimate(json) {
  const est = json.estimate || {};
  const parts = [tn('estimate.images', est.max_images, { count: formatNumber(est.max_images) }),
    t('estimate.tokens', { tokens: formatNumber(est.max_output_tokens) })];
  const cost = costText(est.cost);
  if (cost) parts.push(cost);
  setEstimate(`${t('estimate.prefix')} ${parts.join(' · ')}`);
  showFieldErrors([]);
  renderWarnings(els.warnings, json.warnings);
}

function showDryRunError(error) {
  const shown = submitted || els.prompt.value.trim() ? error.violations
    : error.violations.filter((v) => v.field !== 'prompt');
  const unplaced = showFieldErrors(shown);
  const onlyPrompt = shown.length === 0 && error.violations.length > 0;
  setEstimate(onlyPrompt ? t('estimate.write-prompt')
    : t('estimate.unavailable', { reason: unplaced.length ? unplaced.map(violationText).join(' ') : dryRunReason(error) }));
  renderWarnings(els.warnings, []);
}

function dryRunReason(error) {
  return error.code === 'invalid_request' ? t('estimate.fix-fields') : describeError(error).title;
}

// The worst case in money (from max_images), when the gateway's catalogue has prices; nothing otherwise.
function costText(cost) {
  if (!cost || typeof cost.currency !== 'string' || !Number.isFinite(cost.max)) return '';
  try {
    // An unknown currency code makes Intl throw: the plain figure and code are shown instead.
    const money = new Intl.NumberFormat(currentLocale(), { style: 'currency', currency: cost.currency, maximumFractionDigits: 4 });
    return t('estimate.cost', { cost: money.format(cost.max) });
  } catch {
    return t('estimate.cost', { cost: `${cost.max} ${cost.currency}` });
  }
}

function currentLocale() {
  return document.documentElement.lang || 'en';
}

function setEstimate(text) {
  els.estimate.classList.remove('stale');
  setText(els.estimate, text);
}

// ---------------------------------------------------------------- submitting

// A new attempt starts from a clean page: nothing said about an earlier attempt may stay on screen.
function clearMessages() {
  clearGeneralError();
  els.refRejects.replaceChildren();
  els.connection.hidden = true;
  setProgress(t('progress.starting'));
}

export async function onSubmit(event) {
  event.preventDefault();
  if (!getCatalogue() || (currentJob() && !currentJob().terminal)) return;
  submitted = true;
  clearTimeout(dryRun.timer);
  clearMessages();
  const body = buildRequest();
  els.generate.disabled = true; // Cancel stays off until the gateway has given us a job id
  setStatus('starting');
  let accepted;
  try {
    accepted = await client.generate(body);
  } catch (err) {
    if (!isAnswer(err)) return failSubmit(t('submit.network'), []);
    noteUnauthorized(err);
    return rejectSubmit(errorOf(err));
  }
  showFieldErrors([]);
  const job = startJob(accepted, body);
  openStream(job);
  revealFirstCard(job);
}

function failSubmit(title, lines) {
  setStatus('error');
  setBusy(false);
  showGeneralError(title, lines);
  notStarted(title);
}

// The reason is already announced by the general error (role=alert); the live progress line only
// says that nothing started, and the line under the button repeats the reason where the user looks.
function notStarted(reason) {
  setProgress(t('progress.not-started'), t('progress.not-started.reason', { reason }));
}

function rejectSubmit(error) {
  showFieldErrors(error.violations);
  setStatus('error');
  setBusy(false);
  notStarted(showError(error));
  focusFirstInvalid();
}
