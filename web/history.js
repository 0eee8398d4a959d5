// Seedstream history panel: past generations kept by the gateway, a page at a time, newest first.
// Each job can be opened on the results panel (#job=…), re-run with its settings, any of its images used
// as a reference, all of them downloaded as a zip, or deleted with its images; the list filters by prompt.
// The filter reads the pages already loaded; "Load more" brings older ones into it. Same rule as the rest of the page (dom.js): text only through textContent, and an
// <img> src only when it is the gateway's own /api/images/ path. The form belongs to the other modules;
// this one talks to it with two document events: "seedstream:rerun" (detail: the stored params) and
// "seedstream:add-reference" (detail: a File), and listens for "seedstream:job-finished" to show the
// newest job.

import { $, el } from './dom.js';
import { client } from './api.js';
import { t, tn } from './i18n.js';

const PAGE = 10;
const OWN_IMAGE = /^\/api\/images\/[A-Za-z0-9_-]+\/\d+$/;

const els = {
  panel: $('history'), list: $('history-list'), more: $('history-more'),
  refresh: $('history-refresh'), status: $('history-status'), filter: $('history-filter'),
};
let nextBefore = null;
let loading = false;

function button(text, label, onClick) {
  const node = el('button', 'button secondary', text);
  node.type = 'button';
  if (label) node.setAttribute('aria-label', label);
  node.addEventListener('click', onClick);
  return node;
}

async function loadPage(reset) {
  if (loading) return;
  loading = true;
  try {
    // The token goes along when there is one; a 401 is handled here, not by asking for a token.
    const page = await client.history({ limit: PAGE, before: reset ? null : nextBefore }).catch((err) => {
      // 404: the gateway keeps no history, the panel stays hidden. 401: no token yet: api.js asks for one,
      // and a finished job reloads the panel.
      if (err.status === 404 || err.status === 401) return null;
      throw err;
    });
    if (page === null) return;
    if (!Array.isArray(page?.generations)) throw new Error('bad page');
    els.panel.hidden = false;
    if (reset) els.list.replaceChildren();
    page.generations.forEach((job) => els.list.append(jobNode(job)));
    nextBefore = typeof page.next_before === 'string' ? page.next_before : null;
    els.more.hidden = !nextBefore;
    els.status.textContent = '';
    applyFilter();
  } catch {
    els.panel.hidden = false;
    els.status.textContent = t('history.failed');
  } finally {
    loading = false;
  }
}

function jobNode(job) {
  const item = el('li', 'history-item');
  item.dataset.testid = 'history-item';
  item.dataset.jobId = String(job.id);
  const images = Array.isArray(job.images) ? job.images : [];
  const when = Number.isFinite(job.created) ? new Date(job.created * 1000).toLocaleString() : '';
  const facts = [String(job.model || ''), String(job.status || ''), when, tn('history.images', images.length)];
  item.append(el('p', 'history-prompt', String(job.prompt || '')), el('p', 'history-meta', facts.filter(Boolean).join(' · ')),
    actions(job, images), thumbs(job, images));
  return item;
}

function actions(job, images) {
  const row = el('div', 'history-actions');
  const open = el('a', 'button secondary', t('history.open'));
  open.href = `#job=${encodeURIComponent(job.id)}`;
  open.dataset.testid = 'history-open';
  row.append(open, button(t('history.rerun'), t('history.rerun.label'), () => rerun(job)));
  if (images.some((image) => image.storage?.status === 'stored')) {
    const zip = el('a', 'button secondary', t('history.zip'));
    zip.href = `/api/generations/${encodeURIComponent(job.id)}/images.zip`;
    zip.download = `seedstream-${job.id}.zip`;
    zip.dataset.testid = 'history-zip';
    row.append(zip);
  }
  if (job.status !== 'running') row.append(deleteButton(job));
  return row;
}

// Deleting takes two clicks: the first turns the button into "Delete for good?".
function deleteButton(job) {
  const node = button(t('history.delete'), null, () => {
    if (node.dataset.confirm !== 'true') {
      node.dataset.confirm = 'true';
      node.textContent = t('history.delete.confirm');
      return;
    }
    deleteJob(job, node);
  });
  node.dataset.testid = 'history-delete';
  return node;
}

async function deleteJob(job, node) {
  node.disabled = true;
  try {
    await client.job(String(job.id)).cancel(); // DELETE: a finished job goes with its images (204)
    node.closest('li').remove();
    els.status.textContent = t('history.deleted');
    if (!els.list.children.length) applyFilter();
  } catch {
    node.disabled = false;
    els.status.textContent = t('history.delete.failed');
  }
}

function applyFilter() {
  const needle = els.filter.value.trim().toLocaleLowerCase();
  let shown = 0;
  for (const item of els.list.children) {
    const prompt = item.querySelector('.history-prompt')?.textContent.toLocaleLowerCase() || '';
    item.hidden = Boolean(needle) && !prompt.includes(needle);
    if (!item.hidden) shown += 1;
  }
  if (!els.list.children.length) els.status.textContent = t('history.empty');
  else if (!shown) els.status.textContent = t('history.no-match');
  else if ([t('history.no-match'), t('history.empty')].includes(els.status.textContent)) els.status.textContent = '';
}

function thumbs(job, images) {
  const list = el('ul', 'history-thumbs');
  for (const image of images) {
    const item = el('li', 'history-thumb');
    item.dataset.testid = 'history-thumb';
    item.dataset.index = String(image.index);
    const src = typeof image.durable_url === 'string' && OWN_IMAGE.test(image.durable_url) ? image.durable_url : null;
    if (src && image.storage?.status !== 'not_persisted') {
      const img = el('img');
      img.src = src;
      img.alt = t('history.thumb.alt', { n: image.index + 1, prompt: String(job.prompt || '').slice(0, 160) });
      img.loading = 'lazy';
      img.decoding = 'async';
      item.append(img, button(t('history.reference'), t('history.reference.label', { n: image.index + 1 }), () => useAsReference(src, image)));
    } else {
      item.append(el('span', 'not-kept', t('history.not-kept', { reason: String(image.storage?.reason || t('history.not-kept.unknown')) })));
    }
    list.append(item);
  }
  return list;
}

// A page lists a long prompt (or long settings) cut short; the job's own snapshot has all of it.
async function rerun(job) {
  let params = job.params || {};
  if (job.prompt_truncated || job.params_truncated) {
    try {
      params = (await client.job(String(job.id)).snapshot()).params || {};
    } catch {
      els.status.textContent = t('history.rerun.failed');
      return;
    }
  }
  document.dispatchEvent(new CustomEvent('seedstream:rerun', { detail: params }));
  els.status.textContent = t('history.rerun.done');
}

// The upstream cannot reach the gateway's own URLs, so the image goes in as a file, like one the user
// chose: the page checks it the same way and sends it inline.
async function useAsReference(src, image) {
  try {
    const blob = await client.image(src);
    const format = blob.type === 'image/png' ? 'png' : 'jpeg';
    const file = new File([blob], `seedstream-${image.index + 1}.${format}`, { type: `image/${format}` });
    document.dispatchEvent(new CustomEvent('seedstream:add-reference', { detail: file }));
    els.status.textContent = t('history.reference.done', { n: image.index + 1 });
  } catch {
    els.status.textContent = t('history.reference.failed');
  }
}

export function initHistory() {
  els.more.addEventListener('click', () => loadPage(false));
  els.refresh.addEventListener('click', () => loadPage(true));
  els.filter.addEventListener('input', applyFilter);
  document.addEventListener('seedstream:job-finished', () => loadPage(true));
  loadPage(true);
}
