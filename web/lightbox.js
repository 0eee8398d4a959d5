// A job's images at full size in a modal dialog. The arrow keys, the Previous/Next buttons and a swipe
// step through the group (images that arrive meanwhile join it); Compare pins the image shown on the left
// so the next ones can be stepped through beside it. Closing returns focus to the card it was opened from.

import { els } from './dom.js';
import { t } from './i18n.js';

const SWIPE_PX = 40;

let gallery = null; // () => the images to step through: [{index, src, alt, title}] in index order
let position = 0;
let pinned = null;
let opener = null;
let swipeStart = null;

/** `images` is called on each step, so a running job's new images can be reached without reopening. */
export function openLightbox(images, index, from) {
  gallery = images;
  pinned = null;
  opener = from;
  show(Math.max(0, images().findIndex((image) => image.index === index)));
  els.lightbox.showModal();
  els.lightboxClose.focus();
}

/** The lightbox shows an image whose address changed (it was stored): the new one is used at once. */
export function refreshLightbox() {
  if (els.lightbox.open && gallery) show(position);
}

function show(at) {
  const images = gallery();
  if (!images.length) return;
  position = (at + images.length) % images.length;
  const image = images[position];
  els.lightboxImg.src = image.src;
  els.lightboxImg.alt = image.alt;
  els.lightboxTitle.textContent = image.title;
  els.lightboxDownload.href = image.src;
  els.lightboxPosition.textContent = t('lightbox.position', { n: position + 1, total: images.length });
  els.lightboxPrev.disabled = images.length < 2;
  els.lightboxNext.disabled = images.length < 2;
  els.lightboxCompare.disabled = images.length < 2 && !pinned;
  els.lightbox.dataset.index = String(image.index);
  showPinned();
}

function showPinned() {
  els.lightboxPinned.hidden = !pinned;
  els.lightboxStage.classList.toggle('comparing', Boolean(pinned));
  els.lightboxCompare.setAttribute('aria-pressed', String(Boolean(pinned)));
  els.lightbox.dataset.pinned = pinned ? String(pinned.index) : '';
  if (!pinned) {
    els.lightboxPinnedImg.removeAttribute('src');
    return;
  }
  const current = gallery().find((image) => image.index === pinned.index) || pinned;
  els.lightboxPinnedImg.src = current.src;
  els.lightboxPinnedImg.alt = current.alt;
  els.lightboxPinnedTitle.textContent = current.title;
}

function step(delta) {
  if (gallery) show(position + delta);
}

// Compare pins the image on screen and moves on to the next one, so two different images stand side by side.
function toggleCompare() {
  if (pinned) {
    pinned = null;
    showPinned();
    return;
  }
  pinned = gallery()[position];
  show(position + 1);
}

function onKey(event) {
  if (event.key === 'ArrowRight') step(1);
  else if (event.key === 'ArrowLeft') step(-1);
  else return;
  event.preventDefault();
}

function onPointerDown(event) {
  swipeStart = event.pointerType === 'mouse' ? null : { x: event.clientX, y: event.clientY };
}

function onPointerUp(event) {
  if (!swipeStart) return;
  const dx = event.clientX - swipeStart.x;
  const dy = event.clientY - swipeStart.y;
  swipeStart = null;
  if (Math.abs(dx) >= SWIPE_PX && Math.abs(dx) > Math.abs(dy)) step(dx < 0 ? 1 : -1);
}

function onLightboxClosed() {
  els.lightboxImg.removeAttribute('src');
  pinned = null;
  showPinned();
  gallery = null;
  opener?.focus();
  opener = null;
}

export function wireLightbox() {
  els.lightboxClose.addEventListener('click', () => els.lightbox.close());
  els.lightboxPrev.addEventListener('click', () => step(-1));
  els.lightboxNext.addEventListener('click', () => step(1));
  els.lightboxCompare.addEventListener('click', toggleCompare);
  els.lightbox.addEventListener('keydown', onKey);
  els.lightboxStage.addEventListener('pointerdown', onPointerDown);
  els.lightboxStage.addEventListener('pointerup', onPointerUp);
  els.lightboxStage.addEventListener('pointercancel', () => { swipeStart = null; });
  els.lightbox.addEventListener('close', onLightboxClosed);
  // A click on the backdrop lands on the <dialog> itself; the content sits in an inner box.
  els.lightbox.addEventListener('click', (event) => {
    if (event.target === els.lightbox) els.lightbox.close();
  });
}
