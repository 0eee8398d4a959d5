// One card per image of the job: a placeholder with a running clock, then the image (or why it failed).

import { el, els, safeImageSrc } from './dom.js';
import { parseSize, seconds } from './format.js';
import { openLightbox } from './lightbox.js';

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

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
  card.querySelector('.caption-title').textContent = `Image ${index + 1}`;
  card.querySelector('.caption-meta').textContent = '0.0 s';
  // Cards stay in index order even when a later index arrives first.
  const after = [...job.cards.keys()].filter((k) => k > index).sort((a, b) => a - b)[0];
  els.results.insertBefore(card, after === undefined ? null : job.cards.get(after));
  job.cards.set(index, card);
  return card;
}

export function imageSource(data) {
  const fromUrl = safeImageSrc(data.url);
  if (fromUrl) return fromUrl;
  if (typeof data.b64_json === 'string' && BASE64.test(data.b64_json)) return `data:image/jpeg;base64,${data.b64_json}`;
  return null;
}

function altText(job, index) {
  const total = Math.max(job.requested, index + 1);
  const prompt = job.prompt.length > 160 ? `${job.prompt.slice(0, 157)}…` : job.prompt;
  return `Image ${index + 1} of ${total}: ${prompt}`;
}

export function showCardImage(job, card, data, src) {
  const index = data.index;
  const size = parseSize(data.size);
  const alt = altText(job, index);
  const open = el('button', 'open-image');
  open.type = 'button';
  open.setAttribute('aria-label', `Open image ${index + 1} full size`);
  const img = el('img', 'result-img');
  img.alt = alt;
  img.loading = 'lazy';
  img.decoding = 'async';
  if (size) {
    img.width = size.width;
    img.height = size.height;
  }
  img.src = src;
  open.append(img);
  open.addEventListener('click', () => openLightbox(src, alt, `Image ${index + 1}`, open));
  const frame = card.querySelector('.frame');
  if (size) frame.style.aspectRatio = `${size.width} / ${size.height}`;
  frame.replaceChildren(open);
  const facts = [data.size, `${seconds(data.elapsed_ms || 0)} s`].filter(Boolean).join(' · ');
  card.querySelector('.caption-meta').replaceChildren(el('span', null, `${facts} · `), downloadLink(index, src));
  card.dataset.state = 'done';
}

function downloadLink(index, src) {
  const link = el('a', 'download', 'Download');
  link.href = src;
  link.download = `seedstream-${index + 1}.jpeg`;
  // Cross-origin URLs ignore "download"; opening them in a new tab is the fallback.
  link.target = '_blank';
  link.rel = 'noopener noreferrer';
  link.setAttribute('aria-label', `Download image ${index + 1}`);
  return link;
}

export function showCardFailure(card, error) {
  const box = el('div', 'failure');
  box.setAttribute('role', 'note');
  box.append(el('strong', 'failure-code', String(error.code || 'failed')),
    el('span', 'failure-message', String(error.message || 'This image could not be generated.')));
  card.querySelector('.frame').replaceChildren(box);
  card.querySelector('.caption-meta').textContent = 'failed';
  card.dataset.state = 'failed';
}

// One timer for all placeholders; it only writes text, so it never forces a layout.
export function tick(job) {
  const text = `${seconds(performance.now() - job.startedAt)} s`;
  for (const card of job.cards.values()) {
    if (card.dataset.state === 'pending') card.querySelector('.caption-meta').textContent = text;
  }
}
