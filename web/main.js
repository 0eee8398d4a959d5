// Seedstream web page: builds the form from GET /api/models, previews the request with a dry run,
// starts a generation and shows every image the moment its server-sent event arrives. This module wires
// the others together and starts the page; history.js runs the history panel beside it, resume.js brings
// back the job the address names (#job=…).

import { els } from './dom.js';
import { askForToken, client, requireTokens, storedToken, tokensRequired, whenTokenEntered } from './api.js';
import { showGeneralError } from './errors.js';
import { applyCatalogue, applyParams, updateMaxImagesBounds, updatePromptCounter, wireFormControls } from './form.js';
import { addFiles, whenRefsChange, wireReferenceInputs } from './references.js';
import { onSubmit, scheduleDryRun } from './request.js';
import { onCancel } from './job.js';
import { wireLightbox } from './lightbox.js';
import { initHistory } from './history.js';
import { resumeFromUrl, wireResume } from './resume.js';
import { wireBrokenImages } from './stream.js';
import { t, translatePage, wireLanguageSwitch } from './i18n.js';

function wireForm() {
  wireFormControls();
  // Every edit refreshes the estimate and the inline errors (debounced).
  els.form.addEventListener('input', scheduleDryRun);
  els.form.addEventListener('change', scheduleDryRun);
  els.form.addEventListener('submit', onSubmit);
  els.cancel.addEventListener('click', onCancel);
}

// history.js talks to the form with two document events: "seedstream:rerun" (detail: the stored
// params) and "seedstream:add-reference" (detail: a File).
function wireHistory() {
  document.addEventListener('seedstream:rerun', (event) => applyParams(event.detail));
  document.addEventListener('seedstream:add-reference', (event) => {
    if (event.detail instanceof File) addFiles([event.detail]);
  });
}

async function init() {
  translatePage();
  wireLanguageSwitch(els.language);
  wireReferenceInputs();
  wireHistory();
  wireForm();
  wireLightbox();
  wireBrokenImages();
  wireResume();
  try {
    const catalogue = await client.models();
    if (!catalogue?.models || !Object.keys(catalogue.models).length) throw new Error('no models');
    applyCatalogue(catalogue);
    requireTokens(catalogue.tokens_required === true);
    if (tokensRequired() && !storedToken()) askForToken(t('token.needed'));
    updatePromptCounter();
    scheduleDryRun();
  } catch {
    showGeneralError(t('models.failed'), [t('models.failed.reload')]);
    return;
  }
  resumeFromUrl();
}

whenRefsChange(() => {
  updateMaxImagesBounds();
  scheduleDryRun();
});
whenTokenEntered(() => {
  scheduleDryRun();
  resumeFromUrl(); // a job in the address that was refused for want of a token
});
init();
initHistory();
