// One card per image of the job: a placeholder with a running clock, then the image (or why it failed).
// Once the gateway has stored an image (the snapshot says storage.status "stored"), the card, its download
// link and the lightbox switch to its durable_url, which outlives the upstream's 24-hour links.

import { el, els, safeImageSrc } from './dom.js';
import { parseSize, seconds } from './format.js';
import { openLightbox, refreshLightbox } from './lightbox.js';
import { t } from './i18n.js';

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const OWN_IMAGE = /^\/api\/images\/[A-Za-z0-9_-]+\/\d+$/;

export function syncPlaceholders(job) {
  for (let i = 0; i < job.requested; i += 1) cardFor(job, i);
  for (const [index, card] of job.cards) {
    if (index >= job.requested && card.dataset.state === 'pending') {
      card.remove();
      job.cards.delete(index);
    }
  }
}

export function cardFor(job, index) {
  let card = job.cards.get(index);
  if (card) return card;
  card = els.cardTemplate.content.firstElementChild.cloneNode(true);
  card.dataset.index = String(index);
  card.dataset.state = 'pending';
  card.querySelector('.caption-title').textContent = t('card.title', { n: index + 1 });
  card.querySelector('.caption-meta').textContent = '0.0 s';
  // Cards stay in index order even when a later index arrives first.
  const after = [...job.cards.keys()].filter((k) => k > index).sort((a, b) => a - b)[0];
  els.results.insertBefore(card, after === undefined ? null : job.cards.get(after));
  job.cards.set(index, card);
  return card;
}

/** Where an image is shown from: its stored copy when there is one, else the upstream's url or inline data. */
export function imageSource(data) {
  const durable = durableSource(data);
  if (durable) return durable;
  const fromUrl = safeImageSrc(data.url);
  if (fromUrl) return fromUrl;
  if (typeof data.b64_json === 'string' && BASE64.test(data.b64_json)) return `data:image/jpeg;base64,${data.b64_json}`;
  return null;
}

/** The gateway's own address of a stored image, or null. */
export function durableSource(image) {
  return image?.storage?.status === 'stored' && typeof image.durable_url === 'string' && OWN_IMAGE.test(image.durable_url)
    ? image.durable_url : null;
}

function altText(job, index) {
  const total = Math.max(job.requested, index + 1);
  const prompt = job.prompt.length > 160 ? `${job.prompt.slice(0, 157)}…` : job.prompt;
  return t('card.alt', { n: index + 1, total, prompt });
}

/** The job's shown images in index order, as the lightbox steps through them. */
export function galleryOf(job) {
  return [...job.images.values()].sort((a, b) => a.index - b.index);
}

export function showCardImage(job, card, data, src) {
  const index = data.index;
  const size = parseSize(data.size);
  const alt = altText(job, index);
  const open = el('button', 'open-image');
  open.type = 'button';
  open.setAttribute('aria-label', t('card.open', { n: index + 1 }));
  const img = el('img', 'result-img');
  img.alt = alt;
  img.loading = 'lazy';
  img.decoding = 'async';
  if (size) {
    img.width = size.width;
    img.height = size.height;
  }
  img.src = src;
  // An upstream link that no longer loads (past its 24 hours) is replaced by the stored copy, if any.
  img.addEventListener('error', () => card.dispatchEvent(new CustomEvent('seedstream:image-broken', { bubbles: true })), { once: true });
  open.append(img);
  job.images.set(index, { index, src, alt, title: t('card.title', { n: index + 1 }) });
  open.addEventListener('click', () => openLightbox(() => galleryOf(job), index, open));
  const frame = card.querySelector('.frame');
  if (size) frame.style.aspectRatio = `${size.width} / ${size.height}`;
  frame.replaceChildren(open);
  const facts = [data.size, `${seconds(data.elapsed_ms || 0)} s`].filter(Boolean).join(' · ');
  card.querySelector('.caption-meta').replaceChildren(el('span', null, `${facts} · `), downloadLink(index, src));
  card.dataset.state = 'done';
  card.dataset.source = src === durableSource(data) ? 'durable' : 'upstream';
}

/** Points the shown images the snapshot lists as stored at their durable_url. */
export function useDurableSources(job, images) {
  let changed = false;
  for (const image of Array.isArray(images) ? images : []) {
    const durable = durableSource(image);
    const card = job.cards.get(image.index);
    const shown = job.images.get(image.index);
    if (!durable || !card || !shown || card.dataset.source === 'durable') continue;
    shown.src = durable;
    card.querySelector('img.result-img').src = durable;
    card.querySelector('a.download').href = durable;
    card.dataset.source = 'durable';
    changed = true;
  }
  if (changed) refreshLightbox();
}

function downloadLink(index, src) {
  const link = el('a', 'download', t('card.download'));
  link.href = src;
  link.download = `seedstream-${index + 1}.jpeg`;
  // Cross-origin URLs ignore "download"; opening them in a new tab is the fallback.
  link.target = '_blank';
  link.rel = 'noopener noreferrer';
  link.setAttribute('aria-label', t('card.download.label', { n: index + 1 }));
  return link;
}

export function showCardFailure(card, error) {
  const box = el('div', 'failure');
  box.setAttribute('role', 'note');
  box.append(el('strong', 'failure-code', String(error.code || 'failed')),
    el('span', 'failure-message', String(error.message || t('card.failed.message'))));
  card.querySelector('.frame').replaceChildren(box);
  card.querySelector('.caption-meta').textContent = t('card.failed');
  card.dataset.state = 'failed';
}

// One timer for all placeholders; it only writes text, so it never forces a layout.
export function tick(job) {
  const text = `${seconds(performance.now() - job.startedAt)} s`;
  for (const card of job.cards.values()) {
    if (card.dataset.state === 'pending') card.querySelector('.caption-meta').textContent = text;
  }
}
