// An image at full size in a modal dialog; closing it returns focus to the card it was opened from.

import { els } from './dom.js';

let opener = null;

export function openLightbox(src, alt, title, from) {
  els.lightboxImg.src = src;
  els.lightboxImg.alt = alt;
  els.lightboxTitle.textContent = title;
  els.lightboxDownload.href = src;
  opener = from;
  els.lightbox.showModal();
  els.lightboxClose.focus();
}

function onLightboxClosed() {
  els.lightboxImg.removeAttribute('src');
  opener?.focus();
  opener = null;
}

export function wireLightbox() {
  els.lightboxClose.addEventListener('click', () => els.lightbox.close());
  els.lightbox.addEventListener('close', onLightboxClosed);
  // A click on the backdrop lands on the <dialog> itself; the content sits in an inner box.
  els.lightbox.addEventListener('click', (event) => {
    if (event.target === els.lightbox) els.lightbox.close();
  });
}
