// Reference images: files (chosen, dropped or pasted) and URLs, each checked here against the model's
// rules before it joins the list, so the user learns at once what the upstream would refuse.

import { DATA_IMAGE, el, els, safeImageSrc, setText } from './dom.js';
import { formatNumber, megabytes, parseRatio } from './format.js';
import { currentModel } from './catalogue.js';
import { t } from './i18n.js';

const URL_PROBE_TIMEOUT_MS = 10000;
const MIME_FORMAT = { 'image/jpeg': 'jpeg', 'image/png': 'png' };

/** { src, name, note, node } in the order they are sent (图1 = refs[0]). */
export const refs = [];
let refsChanged = () => {};

/** Called after every change to the list (the form's bounds and the estimate depend on it). */
export function whenRefsChange(callback) {
  refsChanged = callback;
}

function refRules() {
  return currentModel().reference_images;
}

export function updateRefLimits() {
  const rules = refRules();
  const ar = rules.aspect_ratio;
  setText(els.refLimits, t('refs.limits', {
    count: refs.length, max: rules.max_count, formats: rules.formats.map((f) => f.toUpperCase()).join(t('refs.or')),
    bytes: megabytes(rules.max_bytes), side: rules.min_side_exclusive, ratioMin: ar.min, ratioMax: ar.max,
    pixels: formatNumber(rules.max_pixels) }));
}

function readAsDataUrl(file) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(reader.result);
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(file);
  });
}

function decodeDimensions(src, timeoutMs) {
  return new Promise((resolve, reject) => {
    const img = new Image();
    const timer = timeoutMs ? setTimeout(() => reject(new Error('timeout')), timeoutMs) : 0;
    img.onload = () => {
      clearTimeout(timer);
      resolve({ width: img.naturalWidth, height: img.naturalHeight });
    };
    img.onerror = () => {
      clearTimeout(timer);
      reject(new Error('decode'));
    };
    img.referrerPolicy = 'no-referrer';
    img.src = src;
  });
}

// The file's own bytes decide the format: a GIF renamed to .png still decodes in the browser
// but the upstream would refuse it.
function sniffFormat(dataUrl) {
  const comma = dataUrl.indexOf(',');
  let head = '';
  try {
    head = atob(dataUrl.slice(comma + 1, comma + 13));
  } catch {
    return null;
  }
  if (head.startsWith('\x89PNG')) return 'png';
  if (head.startsWith('\xFF\xD8\xFF')) return 'jpeg';
  return null;
}

function dataUrlBytes(dataUrl) {
  const b64 = dataUrl.slice(dataUrl.indexOf(',') + 1);
  const padding = b64.endsWith('==') ? 2 : b64.endsWith('=') ? 1 : 0;
  return Math.floor((b64.length * 3) / 4) - padding;
}

function dimensionError({ width, height }, rules) {
  const min = rules.min_side_exclusive;
  if (width <= min || height <= min) return t('refs.too-small', { width, height, min });
  const lo = parseRatio(rules.aspect_ratio.min);
  const hi = parseRatio(rules.aspect_ratio.max);
  // Compared as cross products so 1/3 and 3/1 are exact, not floating-point approximations.
  if (width * lo.den < lo.num * height || width * hi.den > hi.num * height) {
    return t('refs.ratio', { width, height, min: rules.aspect_ratio.min, max: rules.aspect_ratio.max });
  }
  if (width * height > rules.max_pixels) {
    return t('refs.pixels', { width, height, pixels: formatNumber(width * height), limit: formatNumber(rules.max_pixels) });
  }
  return null;
}

async function checkDataUrl(dataUrl, bytes, rules) {
  const format = sniffFormat(dataUrl);
  if (!rules.formats.includes(format)) return { error: t('refs.not-image') };
  if (bytes > rules.max_bytes) return { error: t('refs.too-large', { bytes: megabytes(bytes), limit: megabytes(rules.max_bytes) }) };
  let dims;
  try {
    dims = await decodeDimensions(dataUrl);
  } catch {
    return { error: t('refs.undecodable') };
  }
  const error = dimensionError(dims, rules);
  return error ? { error } : { src: `data:image/${format};base64,${dataUrl.slice(dataUrl.indexOf(',') + 1)}` };
}

async function checkFile(file, rules) {
  if (!rules.formats.includes(MIME_FORMAT[file.type])) {
    return { error: t('refs.type', { type: file.type || t('refs.type.unknown') }) };
  }
  if (file.size > rules.max_bytes) {
    return { error: t('refs.too-large', { bytes: megabytes(file.size), limit: megabytes(rules.max_bytes) }) };
  }
  let dataUrl;
  try {
    dataUrl = await readAsDataUrl(file);
  } catch {
    return { error: t('refs.unreadable') };
  }
  return checkDataUrl(dataUrl, file.size, rules);
}

// A remote image can only be probed for its dimensions; when it does not load here (hotlink
// protection, CORS-free servers that block browsers) it is still accepted and the gateway decides.
export async function checkUrl(text, rules) {
  if (/^data:/i.test(text)) {
    if (!DATA_IMAGE.test(text)) return { error: t('refs.data-uri') };
    return checkDataUrl(text, dataUrlBytes(text), rules);
  }
  let url;
  try {
    url = new URL(text);
  } catch {
    return { error: t('refs.bad-url') };
  }
  if (url.protocol !== 'https:') return { error: t('refs.https') };
  try {
    const error = dimensionError(await decodeDimensions(url.href, URL_PROBE_TIMEOUT_MS), rules);
    return error ? { error } : { src: url.href };
  } catch {
    return { src: url.href, note: t('refs.no-preview.note') };
  }
}

function rejectReference(name, reason) {
  const item = el('li', 'reject');
  item.dataset.testid = 'ref-reject';
  item.append(el('span', 'reject-name', `${name}: `), el('span', null, reason));
  els.refRejects.append(item);
}

// Files are checked one after another so they keep the order the user chose (图1, 图2 …).
export async function addReferences(items, check) {
  els.refRejects.replaceChildren();
  for (const item of items) {
    const rules = refRules();
    const result = await check(item.value, rules);
    if (result.error) {
      rejectReference(item.name, result.error);
    } else if (refs.length >= rules.max_count) {
      rejectReference(item.name, t('refs.too-many', { max: rules.max_count }));
    } else {
      refs.push({ src: result.src, name: item.name, note: result.note });
    }
  }
  renderRefs();
}

export function addFiles(fileList) {
  const files = [...fileList].map((file) => ({ value: file, name: file.name || t('refs.pasted') }));
  if (files.length) addReferences(files, checkFile);
}

function addUrl(text) {
  const value = text.trim();
  if (!value) return;
  const name = value.startsWith('data:') ? t('refs.inline') : value;
  addReferences([{ value, name }], checkUrl).then(() => {
    if (!els.refRejects.children.length) els.refUrl.value = '';
  });
}

function refNode(ref) {
  const item = el('li', 'ref-thumb');
  item.dataset.testid = 'ref-thumb';
  const src = safeImageSrc(ref.src);
  // A URL that did not load during the check would only show a broken-image icon.
  const img = src && !ref.note ? el('img', 'ref-img') : el('span', 'ref-img no-preview', t('refs.no-preview'));
  if (img.tagName === 'IMG') {
    img.decoding = 'async';
    img.referrerPolicy = 'no-referrer';
    img.src = src;
  }
  const label = el('span', 'ref-label');
  const name = el('span', 'ref-name', ref.name);
  const remove = el('button', 'button link remove', t('refs.remove'));
  remove.type = 'button';
  remove.addEventListener('click', () => removeRef(ref));
  const error = el('p', 'field-error');
  error.hidden = true;
  item.append(img, label, name, remove, error);
  if (ref.note) item.append(el('p', 'hint', ref.note));
  return item;
}

// Nodes are kept per reference so removing one only renumbers the labels; the images are not
// decoded again.
export function renderRefs() {
  refs.forEach((ref, k) => {
    ref.node = ref.node || refNode(ref);
    const label = `图${k + 1}`;
    ref.node.dataset.refIndex = String(k);
    ref.node.querySelector('.ref-label').textContent = label;
    const img = ref.node.querySelector('img');
    if (img) img.alt = `${label}: ${ref.name}`;
    ref.node.querySelector('.remove').setAttribute('aria-label', t('refs.remove.label', { label }));
    const error = ref.node.querySelector('.field-error');
    error.dataset.errorFor = `image[${k}]`;
    error.id = `err-image-${k}`;
  });
  els.refList.replaceChildren(...refs.map((ref) => ref.node));
  updateRefLimits();
  refsChanged();
}

function removeRef(ref) {
  const k = refs.indexOf(ref);
  refs.splice(k, 1);
  renderRefs();
  // Keep keyboard users in the list instead of dropping focus to <body>.
  const next = refs[Math.min(k, refs.length - 1)];
  (next ? next.node.querySelector('.remove') : els.refUrl).focus();
}

function droppedFiles(event) {
  return [...(event.dataTransfer?.files || [])];
}

function onDrop(event) {
  event.preventDefault();
  els.dropZone.classList.remove('dragging');
  const files = droppedFiles(event);
  if (files.length) return addFiles(files);
  const uri = (event.dataTransfer.getData('text/uri-list') || '').split(/\r?\n/).find((l) => l && !l.startsWith('#'));
  if (uri) addUrl(uri);
}

function onPaste(event) {
  const files = [...(event.clipboardData?.files || [])].filter((f) => f.type.startsWith('image/'));
  if (!files.length) return; // plain text pastes into the prompt or URL field as usual
  event.preventDefault();
  addFiles(files);
}

export function wireReferenceInputs() {
  els.refInput.addEventListener('change', () => {
    addFiles(els.refInput.files);
    els.refInput.value = ''; // choosing the same file again must fire "change" again
  });
  els.refUrlAdd.addEventListener('click', () => addUrl(els.refUrl.value));
  els.refUrl.addEventListener('keydown', (event) => {
    if (event.key !== 'Enter') return;
    event.preventDefault(); // Enter here adds the URL instead of submitting the form
    addUrl(els.refUrl.value);
  });
  els.dropZone.addEventListener('dragover', (event) => {
    event.preventDefault();
    els.dropZone.classList.add('dragging');
  });
  els.dropZone.addEventListener('dragleave', () => els.dropZone.classList.remove('dragging'));
  els.dropZone.addEventListener('drop', onDrop);
  // A file dropped next to the zone would make the browser navigate away from a running job.
  document.addEventListener('dragover', (event) => event.preventDefault());
  document.addEventListener('drop', (event) => event.preventDefault());
  document.addEventListener('paste', onPaste);
}
