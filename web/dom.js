// The page's elements and the ways every module writes to them. The security rule for the whole page:
// text from users, the gateway or the upstream is only ever set with textContent, and an <img> src only
// after safeImageSrc() accepted it (the page runs under a strict CSP).

export const DATA_IMAGE = /^data:image\/(?:jpeg|png);base64,[A-Za-z0-9+/]*={0,2}$/;

export const $ = (id) => document.getElementById(id);
export const els = {
  form: $('gen-form'), banner: $('demo-banner'), generalError: $('general-error'),
  model: $('model'), prompt: $('prompt'), promptCounter: $('prompt-counter'), promptHint: $('prompt-hint'),
  dropZone: $('drop-zone'), refInput: $('ref-input'), refUrl: $('ref-url'), refUrlAdd: $('ref-url-add'),
  refLimits: $('ref-limits'), refRejects: $('ref-rejects'), refList: $('ref-list'),
  sizeClass: $('size-class'), size: $('size'), sizeCustomRow: $('size-custom-row'),
  sizeCustom: $('size-custom'), sizeCustomHint: $('size-custom-hint'),
  optimizeRow: $('optimize-row'), optimizeMode: $('optimize-mode'),
  group: $('group'), maxImages: $('max-images'), maxImagesHint: $('max-images-hint'),
  responseFormat: $('response-format'), language: $('language'),
  watermark: $('watermark'), estimate: $('estimate'), warnings: $('warnings'),
  generate: $('generate'), cancel: $('cancel'),
  jobStatus: $('job-status'), connection: $('connection'), jobPrompt: $('job-prompt'),
  jobWarnings: $('job-warnings'), progress: $('progress'), usage: $('usage'), results: $('results'),
  formProgress: $('form-progress'),
  lightbox: $('lightbox'), lightboxTitle: $('lightbox-title'), lightboxImg: $('lightbox-img'),
  lightboxDownload: $('lightbox-download'), lightboxClose: $('lightbox-close'),
  lightboxStage: $('lightbox-stage'), lightboxPinned: $('lightbox-pinned'), lightboxPinnedImg: $('lightbox-pinned-img'),
  lightboxPinnedTitle: $('lightbox-pinned-title'), lightboxPrev: $('lightbox-prev'), lightboxNext: $('lightbox-next'),
  lightboxPosition: $('lightbox-position'), lightboxCompare: $('lightbox-compare'),
  cardTemplate: $('card-template'),
};

export function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

export function setText(node, text) {
  // Re-setting identical text would make screen readers repeat live regions.
  if (node.textContent !== text) node.textContent = text;
}

// An image source is shown only if it is http(s) or an inline JPEG/PNG; anything else
// (javascript:, blob:, data:text/html …) coming from the upstream is refused.
export function safeImageSrc(value) {
  if (typeof value !== 'string' || value === '') return null;
  if (/^data:/i.test(value)) return DATA_IMAGE.test(value) ? value : null;
  try {
    const url = new URL(value, document.baseURI);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.href : null;
  } catch {
    return null;
  }
}
