// A job brought back from the address (#job=…): after a reload, in another tab, or from the history's
// "Open" link. The snapshot paints what the job has delivered so far; a running job then reads its events
// from the snapshot's last_event_id on (the client sends it as Last-Event-ID), so nothing is painted twice
// and nothing is missed. A finished job shows its images (the stored copies) and how it ended.

import { client, isAnswer, noteUnauthorized } from './api.js';
import { errorOf, showError, showGeneralError, clearGeneralError } from './errors.js';
import { currentJob, finishJob, jobInUrl, showJob } from './job.js';
import {
  fetchDurableSources, onCancelled, onCompleted, onErrorEvent, onImage, onImageFailed, openStream,
} from './stream.js';
import { t } from './i18n.js';

let resuming = null;

/** Shows the job the address names, unless it is already on screen. */
export async function resumeFromUrl() {
  const id = jobInUrl();
  if (!id || currentJob()?.id === id || resuming === id) return;
  resuming = id;
  try {
    await resume(id);
  } finally {
    resuming = null;
  }
}

async function resume(id) {
  const handle = client.job(id);
  let snapshot;
  try {
    snapshot = await handle.snapshot();
  } catch (err) {
    if (isAnswer(err)) {
      noteUnauthorized(err);
      showError(errorOf(err), t('resume.failed.prefix'));
    } else {
      showGeneralError(t('resume.failed.network'));
    }
    return;
  }
  if (!snapshot || typeof snapshot.status !== 'string' || jobInUrl() !== id) return;
  clearGeneralError();
  const images = Array.isArray(snapshot.images) ? snapshot.images : [];
  const job = showJob(handle, {
    prompt: typeof snapshot.prompt === 'string' ? snapshot.prompt : '',
    requested: Number.isInteger(snapshot.requested_images) && snapshot.requested_images > 0
      ? snapshot.requested_images : Math.max(1, images.length),
    warnings: snapshot.warnings,
    elapsedMs: Number.isFinite(snapshot.created) ? Math.max(0, Date.now() - snapshot.created * 1000) : 0,
  });
  images.forEach((image) => onImage(job, image));
  (Array.isArray(snapshot.failed_images) ? snapshot.failed_images : []).forEach((failed) => onImageFailed(job, failed));
  if (snapshot.status === 'running') {
    // An image the snapshot cannot show (inline data, not stored yet) comes again in the replay from the start.
    const complete = images.every((image) => job.cards.get(image.index)?.dataset.state === 'done');
    openStream(job, complete && Number.isInteger(snapshot.last_event_id) ? snapshot.last_event_id : 0);
    return;
  }
  showEnd(job, snapshot);
}

function showEnd(job, snapshot) {
  if (snapshot.status === 'completed') onCompleted(job, snapshot.result || {});
  else if (snapshot.status === 'cancelled') onCancelled(job, snapshot.cancellation || {});
  else if (snapshot.error) onErrorEvent(job, snapshot.error);
  finishJob(job, snapshot.status === 'failed' ? 'error' : snapshot.status);
  fetchDurableSources(job, 3);
}

export function wireResume() {
  window.addEventListener('hashchange', resumeFromUrl);
}
