// The form's controls, built from the catalogue: model, size class and size, prompt optimisation,
// group generation and its maximum, watermark, and the prompt counter. applyParams() fills them from a
// past job's settings ("Re-run" in the history).

import { els, setText } from './dom.js';
import { formatNumber, parseSize } from './format.js';
import { currentModel, getCatalogue, setCatalogue } from './catalogue.js';
import { addReferences, checkUrl, refs, renderRefs, updateRefLimits } from './references.js';
import { t } from './i18n.js';

const CUSTOM_SIZE = 'custom';
const HAN = /\p{Script=Han}/gu;
const WORD = /[\p{L}\p{N}]+(?:['’-][\p{L}\p{N}]+)*/gu;

let watermarkTouched = false;

export function applyCatalogue(catalogue) {
  setCatalogue(catalogue);
  els.banner.hidden = catalogue.simulated !== true;
  const ids = Object.keys(catalogue.models);
  els.model.replaceChildren(...ids.map((id) => new Option(catalogue.models[id].label || id, id)));
  els.model.value = ids.includes(catalogue.default_model) ? catalogue.default_model : ids[0];
  onModelChange();
  els.generate.disabled = false;
}

function onModelChange() {
  const model = currentModel();
  const previousSize = els.size.value;
  fillSizeClasses(model, els.sizeClass.value);
  fillSizes(model, previousSize || model.default_size);
  fillOptimizeModes(model);
  if (!watermarkTouched) els.watermark.checked = model.watermark_default !== false;
  fillResponseFormats(model);
  updateRefLimits();
  updateMaxImagesBounds();
}

function classOfSize(model, size) {
  const classes = model.recommended_sizes || {};
  return Object.keys(classes).find((cls) => Object.values(classes[cls]).includes(size));
}

function fillSizeClasses(model, wanted) {
  const classes = model.size_classes || [];
  els.sizeClass.replaceChildren(...classes.map((cls) => new Option(cls, cls)));
  const fallback = classOfSize(model, model.default_size) || classes[0];
  els.sizeClass.value = classes.includes(wanted) ? wanted : fallback;
}

// The size select offers: the class itself (the model picks the exact size), the recommended
// WxH for each ratio of that class, and a custom WxH.
function fillSizes(model, wanted) {
  const cls = els.sizeClass.value;
  const presets = (model.recommended_sizes || {})[cls] || {};
  const group = document.createElement('optgroup');
  group.label = t('size.recommended', { cls });
  for (const [ratio, size] of Object.entries(presets)) {
    group.append(new Option(`${ratio} · ${size.replace('x', ' × ')}`, size));
  }
  els.size.replaceChildren(new Option(t('size.class-only', { cls }), cls), group,
    new Option(t('size.custom'), CUSTOM_SIZE));
  const values = [...els.size.options].map((o) => o.value);
  els.size.value = values.includes(wanted) ? wanted : cls;
  onSizeChange();
}

// Switching 2K ↔ 4K keeps the chosen aspect ratio (or keeps "model picks") when it can.
function onSizeClassChange() {
  const model = currentModel();
  const current = els.size.value;
  const oldClass = classOfSize(model, current);
  const ratio = oldClass && Object.keys(model.recommended_sizes[oldClass])
    .find((r) => model.recommended_sizes[oldClass][r] === current);
  const presets = model.recommended_sizes[els.sizeClass.value] || {};
  const keep = current === CUSTOM_SIZE ? CUSTOM_SIZE : presets[ratio] || els.sizeClass.value;
  fillSizes(model, keep);
}

function onSizeChange() {
  const custom = els.size.value === CUSTOM_SIZE;
  els.sizeCustomRow.hidden = !custom;
  if (custom) updateCustomSizeHint();
}

function normaliseSize(text) {
  return text.trim().replace(/\s+/g, '').replace(/[×X*]/g, 'x');
}

export function sizeValue() {
  return els.size.value === CUSTOM_SIZE ? normaliseSize(els.sizeCustom.value) : els.size.value;
}

function updateCustomSizeHint() {
  const model = currentModel();
  const px = model.pixels || {};
  const ar = model.aspect_ratio || {};
  let text = t('size.allowed', { min: formatNumber(px.min), max: formatNumber(px.max), ratioMin: ar.min, ratioMax: ar.max });
  const size = parseSize(normaliseSize(els.sizeCustom.value));
  if (size) text = `${t('size.pixels', { pixels: formatNumber(size.width * size.height) })} ${text}`;
  setText(els.sizeCustomHint, text);
}

function fillOptimizeModes(model) {
  const modes = model.optimize_prompt_modes || [];
  const previous = els.optimizeMode.value;
  els.optimizeMode.replaceChildren(...modes.map((mode) => new Option(t(`optimize.${mode}`), mode)));
  if (modes.includes(previous)) els.optimizeMode.value = previous;
  // A choice between one mode is no choice: the control only appears when it matters.
  els.optimizeRow.hidden = modes.length < 2;
}

// url (a link the upstream keeps 24 hours) or b64_json (the image inline in the event), as the model allows.
function fillResponseFormats(model) {
  const formats = model.response_formats || ['url'];
  for (const option of els.responseFormat.options) option.disabled = !formats.includes(option.value);
  if (!formats.includes(els.responseFormat.value)) els.responseFormat.value = formats[0];
}

function maxImagesBounds() {
  const model = currentModel();
  const limits = model.max_images || { min: 1, max: 15 };
  const total = model.max_total_images || limits.max;
  const cap = Math.min(limits.max, total - refs.length);
  return { min: limits.min, max: Math.max(limits.min, cap) };
}

export function updateMaxImagesBounds() {
  const { min, max } = maxImagesBounds();
  els.maxImages.min = String(min);
  els.maxImages.max = String(max);
  const value = els.maxImages.valueAsNumber;
  if (Number.isFinite(value) && value > max) els.maxImages.value = String(max);
  const total = currentModel().max_total_images;
  setText(els.maxImagesHint, t('max-images.hint', { min, max, total }));
}

function onGroupChange() {
  els.maxImages.disabled = !els.group.checked;
}

export function readMaxImages() {
  // An empty or fractional entry is sent as typed (null for empty) so the gateway reports it.
  return els.maxImages.value === '' ? null : els.maxImages.valueAsNumber;
}

// ---------------------------------------------------------------- prompt counter

function promptStats(text) {
  const chinese = (text.match(HAN) || []).length;
  const words = (text.replace(HAN, ' ').match(WORD) || []).length;
  return { chinese, words };
}

// The guide allows 300 Chinese characters or 600 English words; a mixed prompt is weighed
// by the share of each limit it uses. Going over is only a warning — the model still runs.
export function updatePromptCounter() {
  const guide = currentModel()?.prompt_guidance || { max_chinese_chars: 300, max_english_words: 600 };
  const { chinese, words } = promptStats(els.prompt.value);
  const load = chinese / guide.max_chinese_chars + words / guide.max_english_words;
  setText(els.promptCounter, t('prompt.counter', {
    chinese, maxChinese: guide.max_chinese_chars, words, maxWords: guide.max_english_words }));
  els.promptCounter.classList.toggle('over', load > 1);
  setText(els.promptHint, load > 1
    ? t('prompt.long', { maxChinese: guide.max_chinese_chars, maxWords: guide.max_english_words }) : '');
}

// ---------------------------------------------------------------- re-run from the history

// "Re-run" from the history: the form takes a past job's settings; the user reviews them and presses
// Generate. Inline reference images are not kept by the history; URL references come back.
export function applyParams(params) {
  if (!getCatalogue() || !params || typeof params !== 'object') return;
  if (getCatalogue().models[params.model]) els.model.value = params.model;
  const model = currentModel();
  const size = typeof params.size === 'string' ? params.size : model.default_size;
  fillSizeClasses(model, classOfSize(model, size) || size);
  fillSizes(model, size);
  if (els.size.value !== size && parseSize(size)) {
    els.size.value = CUSTOM_SIZE;
    els.sizeCustom.value = size;
    onSizeChange();
  }
  fillOptimizeModes(model);
  if (params.optimize_prompt_options?.mode) els.optimizeMode.value = params.optimize_prompt_options.mode;
  els.group.checked = params.sequential_image_generation === 'auto';
  const max = params.sequential_image_generation_options?.max_images;
  if (Number.isInteger(max)) els.maxImages.value = String(max);
  onGroupChange();
  if (['url', 'b64_json'].includes(params.response_format)) els.responseFormat.value = params.response_format;
  fillResponseFormats(model);
  if (typeof params.watermark === 'boolean') {
    els.watermark.checked = params.watermark;
    watermarkTouched = true;
  }
  els.prompt.value = typeof params.prompt === 'string' ? params.prompt : '';
  refs.splice(0);
  renderRefs();
  const urls = (Array.isArray(params.image) ? params.image : []).filter((u) => typeof u === 'string');
  if (urls.length) addReferences(urls.map((u) => ({ value: u, name: u })), checkUrl);
  updatePromptCounter();
  els.prompt.focus();
}

/** The listeners of the controls themselves; main.js adds those of the form as a whole after them. */
export function wireFormControls() {
  els.model.addEventListener('change', onModelChange);
  els.sizeClass.addEventListener('change', onSizeClassChange);
  els.size.addEventListener('change', onSizeChange);
  els.sizeCustom.addEventListener('input', updateCustomSizeHint);
  els.group.addEventListener('change', onGroupChange);
  els.watermark.addEventListener('change', () => { watermarkTouched = true; });
  els.prompt.addEventListener('input', updatePromptCounter);
  els.model.addEventListener('change', updatePromptCounter);
}
