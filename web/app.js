// Seedstream web page: builds the form from GET /api/models, previews the request with a dry run,
// starts a generation and shows every image the moment its server-sent event arrives.
// Security rule for this file: text from users, the gateway or the upstream is only ever set with
// textContent, and an <img> src only after safeImageSrc() accepted it (the page runs under a strict CSP).
'use strict';

(() => {
  const DRY_RUN_DELAY_MS = 400;
  const URL_PROBE_TIMEOUT_MS = 10000;
  const TICK_MS = 250;
  const CUSTOM_SIZE = 'custom';
  const DATA_IMAGE = /^data:image\/(?:jpeg|png);base64,[A-Za-z0-9+/]*={0,2}$/;
  const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
  const HAN = /\p{Script=Han}/gu;
  const WORD = /[\p{L}\p{N}]+(?:['’-][\p{L}\p{N}]+)*/gu;
  const MIME_FORMAT = { 'image/jpeg': 'jpeg', 'image/png': 'png' };
  const TERMINAL_EVENTS = ['completed', 'error', 'cancelled'];

  const $ = (id) => document.getElementById(id);
  const els = {
    form: $('gen-form'), banner: $('demo-banner'), generalError: $('general-error'),
    model: $('model'), prompt: $('prompt'), promptCounter: $('prompt-counter'), promptHint: $('prompt-hint'),
    dropZone: $('drop-zone'), refInput: $('ref-input'), refUrl: $('ref-url'), refUrlAdd: $('ref-url-add'),
    refLimits: $('ref-limits'), refRejects: $('ref-rejects'), refList: $('ref-list'),
    sizeClass: $('size-class'), size: $('size'), sizeCustomRow: $('size-custom-row'),
    sizeCustom: $('size-custom'), sizeCustomHint: $('size-custom-hint'),
    optimizeRow: $('optimize-row'), optimizeMode: $('optimize-mode'),
    group: $('group'), maxImages: $('max-images'), maxImagesHint: $('max-images-hint'),
    watermark: $('watermark'), estimate: $('estimate'), warnings: $('warnings'),
    generate: $('generate'), cancel: $('cancel'),
    jobStatus: $('job-status'), connection: $('connection'), jobPrompt: $('job-prompt'),
    jobWarnings: $('job-warnings'), progress: $('progress'), usage: $('usage'), results: $('results'),
    formProgress: $('form-progress'),
    lightbox: $('lightbox'), lightboxTitle: $('lightbox-title'), lightboxImg: $('lightbox-img'),
    lightboxDownload: $('lightbox-download'), lightboxClose: $('lightbox-close'),
    cardTemplate: $('card-template'),
  };

  const state = {
    catalogue: null,
    refs: [], // { src, name, note, node } in the order they are sent (图1 = refs[0])
    watermarkTouched: false,
    submitted: false, // before the first submit an empty prompt is not reported as an error
    dryRun: { timer: 0, seq: 0, controller: null },
    job: null,
    lightboxOpener: null,
    tokensRequired: false,
  };

  // ---------------------------------------------------------------- small helpers

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function setText(node, text) {
    // Re-setting identical text would make screen readers repeat live regions.
    if (node.textContent !== text) node.textContent = text;
  }

  function formatNumber(n) {
    return Number.isFinite(n) ? n.toLocaleString('en') : '—';
  }

  function seconds(ms) {
    return (ms / 1000).toFixed(1);
  }

  function parseRatio(text) {
    const [num, den] = String(text).split('/').map(Number);
    return { num, den: den || 1 };
  }

  function parseSize(text) {
    const match = /^(\d+)x(\d+)$/.exec(String(text || ''));
    return match ? { width: Number(match[1]), height: Number(match[2]) } : null;
  }

  function megabytes(bytes) {
    return `${(bytes / 1048576).toFixed(1)} MB`;
  }

  async function readJson(response) {
    const text = await response.text();
    try {
      return text ? JSON.parse(text) : null;
    } catch {
      return null;
    }
  }

  // ---------------------------------------------------------------- client token
  // When the gateway requires tokens (GET /api/models says so), the user's token lives in
  // sessionStorage for this tab only and goes out as an Authorization header. EventSource cannot send
  // headers, so streams use the events_url the gateway signed (it carries a short-lived access value).

  const TOKEN_KEY = 'seedstream.token';

  function storedToken() {
    try {
      return sessionStorage.getItem(TOKEN_KEY) || '';
    } catch {
      return '';
    }
  }

  function apiFetch(url, options = {}) {
    const headers = { ...(options.headers || {}) };
    const token = storedToken();
    if (token) headers.Authorization = `Bearer ${token}`;
    return fetch(url, { ...options, headers }).then((response) => {
      if (response.status === 401 && state.tokensRequired) {
        askForToken(token ? 'The gateway did not accept the token. Enter it again.' : 'This gateway needs an access token.');
      }
      return response;
    });
  }

  function askForToken(message) {
    try {
      sessionStorage.removeItem(TOKEN_KEY);
    } catch {
      // storage disabled: the token cannot be kept, the form still explains what is needed
    }
    let form = $('token-form');
    if (!form) {
      form = el('form', 'panel token-form');
      form.id = 'token-form';
      form.dataset.testid = 'token-form';
      const label = el('label', null, 'Access token');
      label.htmlFor = 'token-input';
      const input = el('input');
      input.id = 'token-input';
      input.type = 'password';
      input.autocomplete = 'off';
      input.required = true;
      const button = el('button', 'button primary', 'Use token');
      button.type = 'submit';
      form.append(el('p', 'token-message'), label, input, button);
      form.addEventListener('submit', onTokenSubmit);
      els.form.closest('main').before(form);
    }
    form.querySelector('.token-message').textContent = message;
    form.hidden = false;
    form.querySelector('input').focus();
  }

  function onTokenSubmit(event) {
    event.preventDefault();
    const value = $('token-input').value.trim();
    if (!value) return;
    try {
      sessionStorage.setItem(TOKEN_KEY, value);
    } catch {
      showGeneralError('This browser does not allow session storage; the token cannot be kept.');
    }
    $('token-input').value = '';
    $('token-form').hidden = true;
    scheduleDryRun();
  }

  function postJson(url, body, signal) {
    return apiFetch(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify(body),
      signal,
    });
  }

  // An image source is shown only if it is http(s) or an inline JPEG/PNG; anything else
  // (javascript:, blob:, data:text/html …) coming from the upstream is refused.
  function safeImageSrc(value) {
    if (typeof value !== 'string' || value === '') return null;
    if (/^data:/i.test(value)) return DATA_IMAGE.test(value) ? value : null;
    try {
      const url = new URL(value, document.baseURI);
      return url.protocol === 'https:' || url.protocol === 'http:' ? url.href : null;
    } catch {
      return null;
    }
  }

  // ---------------------------------------------------------------- catalogue and form controls

  function currentModel() {
    return state.catalogue.models[els.model.value];
  }

  function applyCatalogue(catalogue) {
    state.catalogue = catalogue;
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
    if (!state.watermarkTouched) els.watermark.checked = model.watermark_default !== false;
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
    group.label = `Recommended ${cls} sizes`;
    for (const [ratio, size] of Object.entries(presets)) {
      group.append(new Option(`${ratio} · ${size.replace('x', ' × ')}`, size));
    }
    els.size.replaceChildren(new Option(`${cls} — the model decides the shape`, cls), group,
      new Option('Custom size…', CUSTOM_SIZE));
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

  function sizeValue() {
    return els.size.value === CUSTOM_SIZE ? normaliseSize(els.sizeCustom.value) : els.size.value;
  }

  function updateCustomSizeHint() {
    const model = currentModel();
    const px = model.pixels || {};
    const ar = model.aspect_ratio || {};
    let text = `Allowed: ${formatNumber(px.min)}–${formatNumber(px.max)} pixels, aspect ratio ${ar.min}–${ar.max}.`;
    const size = parseSize(normaliseSize(els.sizeCustom.value));
    if (size) text = `${formatNumber(size.width * size.height)} pixels. ${text}`;
    setText(els.sizeCustomHint, text);
  }

  function fillOptimizeModes(model) {
    const modes = model.optimize_prompt_modes || [];
    const previous = els.optimizeMode.value;
    els.optimizeMode.replaceChildren(...modes.map((mode) => new Option(mode, mode)));
    if (modes.includes(previous)) els.optimizeMode.value = previous;
    // A choice between one mode is no choice: the control only appears when it matters.
    els.optimizeRow.hidden = modes.length < 2;
  }

  function maxImagesBounds() {
    const model = currentModel();
    const limits = model.max_images || { min: 1, max: 15 };
    const total = model.max_total_images || limits.max;
    const cap = Math.min(limits.max, total - state.refs.length);
    return { min: limits.min, max: Math.max(limits.min, cap) };
  }

  function updateMaxImagesBounds() {
    const { min, max } = maxImagesBounds();
    els.maxImages.min = String(min);
    els.maxImages.max = String(max);
    const value = els.maxImages.valueAsNumber;
    if (Number.isFinite(value) && value > max) els.maxImages.value = String(max);
    const total = currentModel().max_total_images;
    setText(els.maxImagesHint, `${min}–${max}. Reference images plus generated images may not exceed ${total}.`);
  }

  function onGroupChange() {
    els.maxImages.disabled = !els.group.checked;
  }

  function readMaxImages() {
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
  function updatePromptCounter() {
    const guide = currentModel()?.prompt_guidance || { max_chinese_chars: 300, max_english_words: 600 };
    const { chinese, words } = promptStats(els.prompt.value);
    const load = chinese / guide.max_chinese_chars + words / guide.max_english_words;
    setText(els.promptCounter,
      `${chinese} / ${guide.max_chinese_chars} Chinese characters · ${words} / ${guide.max_english_words} English words`);
    els.promptCounter.classList.toggle('over', load > 1);
    setText(els.promptHint, load > 1
      ? `Long prompt: the guide is at most ${guide.max_chinese_chars} Chinese characters or ` +
        `${guide.max_english_words} English words; the model may ignore details.`
      : '');
  }

  // ---------------------------------------------------------------- reference images

  function refRules() {
    return currentModel().reference_images;
  }

  function updateRefLimits() {
    const rules = refRules();
    const ar = rules.aspect_ratio;
    setText(els.refLimits, `${state.refs.length} of ${rules.max_count}. ` +
      `${rules.formats.map((f) => f.toUpperCase()).join(' or ')}, up to ${megabytes(rules.max_bytes)}, ` +
      `sides over ${rules.min_side_exclusive} px, aspect ratio ${ar.min}–${ar.max}, ` +
      `at most ${formatNumber(rules.max_pixels)} pixels. Refer to them in the prompt as 图1, 图2 …`);
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
    if (width <= min || height <= min) return `${width}×${height} px: both sides must be over ${min} px.`;
    const lo = parseRatio(rules.aspect_ratio.min);
    const hi = parseRatio(rules.aspect_ratio.max);
    // Compared as cross products so 1/3 and 3/1 are exact, not floating-point approximations.
    if (width * lo.den < lo.num * height || width * hi.den > hi.num * height) {
      return `${width}×${height} px: aspect ratio must be within ${rules.aspect_ratio.min}–${rules.aspect_ratio.max}.`;
    }
    if (width * height > rules.max_pixels) {
      return `${width}×${height} px is ${formatNumber(width * height)} pixels; the limit is ${formatNumber(rules.max_pixels)}.`;
    }
    return null;
  }

  async function checkDataUrl(dataUrl, bytes, rules) {
    const format = sniffFormat(dataUrl);
    if (!rules.formats.includes(format)) return { error: 'Not a JPEG or PNG image.' };
    if (bytes > rules.max_bytes) return { error: `${megabytes(bytes)} is over the ${megabytes(rules.max_bytes)} limit.` };
    let dims;
    try {
      dims = await decodeDimensions(dataUrl);
    } catch {
      return { error: 'The image could not be decoded.' };
    }
    const error = dimensionError(dims, rules);
    return error ? { error } : { src: `data:image/${format};base64,${dataUrl.slice(dataUrl.indexOf(',') + 1)}` };
  }

  async function checkFile(file, rules) {
    if (!rules.formats.includes(MIME_FORMAT[file.type])) {
      return { error: `${file.type || 'This file type'} is not allowed; use JPEG or PNG.` };
    }
    if (file.size > rules.max_bytes) {
      return { error: `${megabytes(file.size)} is over the ${megabytes(rules.max_bytes)} limit.` };
    }
    let dataUrl;
    try {
      dataUrl = await readAsDataUrl(file);
    } catch {
      return { error: 'The file could not be read.' };
    }
    return checkDataUrl(dataUrl, file.size, rules);
  }

  // A remote image can only be probed for its dimensions; when it does not load here (hotlink
  // protection, CORS-free servers that block browsers) it is still accepted and the gateway decides.
  async function checkUrl(text, rules) {
    if (/^data:/i.test(text)) {
      if (!DATA_IMAGE.test(text)) return { error: 'Only data:image/jpeg or data:image/png base64 URIs are accepted.' };
      return checkDataUrl(text, dataUrlBytes(text), rules);
    }
    let url;
    try {
      url = new URL(text);
    } catch {
      return { error: 'This is not a valid URL.' };
    }
    if (url.protocol !== 'https:') return { error: 'Use an https:// URL.' };
    try {
      const error = dimensionError(await decodeDimensions(url.href, URL_PROBE_TIMEOUT_MS), rules);
      return error ? { error } : { src: url.href };
    } catch {
      return { src: url.href, note: 'No preview here; the gateway will check this image.' };
    }
  }

  function rejectReference(name, reason) {
    const item = el('li', 'reject');
    item.dataset.testid = 'ref-reject';
    item.append(el('span', 'reject-name', `${name}: `), el('span', null, reason));
    els.refRejects.append(item);
  }

  // Files are checked one after another so they keep the order the user chose (图1, 图2 …).
  async function addReferences(items, check) {
    els.refRejects.replaceChildren();
    for (const item of items) {
      const rules = refRules();
      const result = await check(item.value, rules);
      if (result.error) {
        rejectReference(item.name, result.error);
      } else if (state.refs.length >= rules.max_count) {
        rejectReference(item.name, `At most ${rules.max_count} reference images are allowed.`);
      } else {
        state.refs.push({ src: result.src, name: item.name, note: result.note });
      }
    }
    renderRefs();
  }

  function addFiles(fileList) {
    const files = [...fileList].map((file) => ({ value: file, name: file.name || 'pasted image' }));
    if (files.length) addReferences(files, checkFile);
  }

  function addUrl(text) {
    const value = text.trim();
    if (!value) return;
    const name = value.startsWith('data:') ? 'inline image' : value;
    addReferences([{ value, name }], checkUrl).then(() => {
      if (!els.refRejects.children.length) els.refUrl.value = '';
    });
  }

  function refNode(ref) {
    const item = el('li', 'ref-thumb');
    item.dataset.testid = 'ref-thumb';
    const src = safeImageSrc(ref.src);
    // A URL that did not load during the check would only show a broken-image icon.
    const img = src && !ref.note ? el('img', 'ref-img') : el('span', 'ref-img no-preview', 'No preview');
    if (img.tagName === 'IMG') {
      img.decoding = 'async';
      img.referrerPolicy = 'no-referrer';
      img.src = src;
    }
    const label = el('span', 'ref-label');
    const name = el('span', 'ref-name', ref.name);
    const remove = el('button', 'button link remove', 'Remove');
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
  function renderRefs() {
    state.refs.forEach((ref, k) => {
      ref.node = ref.node || refNode(ref);
      const label = `图${k + 1}`;
      ref.node.dataset.refIndex = String(k);
      ref.node.querySelector('.ref-label').textContent = label;
      const img = ref.node.querySelector('img');
      if (img) img.alt = `${label}: ${ref.name}`;
      ref.node.querySelector('.remove').setAttribute('aria-label', `Remove ${label}`);
      const error = ref.node.querySelector('.field-error');
      error.dataset.errorFor = `image[${k}]`;
      error.id = `err-image-${k}`;
    });
    els.refList.replaceChildren(...state.refs.map((ref) => ref.node));
    updateRefLimits();
    updateMaxImagesBounds();
    scheduleDryRun();
  }

  function removeRef(ref) {
    const k = state.refs.indexOf(ref);
    state.refs.splice(k, 1);
    renderRefs();
    // Keep keyboard users in the list instead of dropping focus to <body>.
    const next = state.refs[Math.min(k, state.refs.length - 1)];
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

  // ---------------------------------------------------------------- request, dry run and field errors

  function buildRequest() {
    const body = {
      model: els.model.value,
      prompt: els.prompt.value,
      size: sizeValue(),
      sequential_image_generation: els.group.checked ? 'auto' : 'disabled',
      response_format: 'url',
      watermark: els.watermark.checked,
    };
    if (state.refs.length) body.image = state.refs.map((ref) => ref.src);
    if (els.group.checked) body.sequential_image_generation_options = { max_images: readMaxImages() };
    if (!els.optimizeRow.hidden) body.optimize_prompt_options = { mode: els.optimizeMode.value };
    return body;
  }

  function scheduleDryRun() {
    clearTimeout(state.dryRun.timer);
    state.dryRun.timer = setTimeout(runDryRun, DRY_RUN_DELAY_MS);
  }

  // Only the newest dry run may paint: older ones are aborted and their late answers ignored.
  async function runDryRun() {
    if (!state.catalogue) return;
    state.dryRun.controller?.abort();
    if (!state.submitted && !els.prompt.value.trim()) {
      // Nothing to estimate yet, and a 400 for the empty prompt would only be noise.
      state.dryRun.seq += 1;
      showFieldErrors([]);
      setEstimate('Estimate: write a prompt to see it.');
      return;
    }
    const controller = new AbortController();
    state.dryRun.controller = controller;
    const seq = ++state.dryRun.seq;
    els.estimate.classList.add('stale');
    try {
      const response = await postJson('/api/generations?dry_run=true', buildRequest(), controller.signal);
      const json = await readJson(response);
      if (seq === state.dryRun.seq) showDryRun(response, json);
    } catch (err) {
      if (err.name !== 'AbortError' && seq === state.dryRun.seq) setEstimate('Estimate unavailable (the gateway did not answer).');
    }
  }

  function showDryRun(response, json) {
    if (response.ok && json) {
      const est = json.estimate || {};
      setEstimate(`Estimate: up to ${formatNumber(est.max_images)} image${est.max_images === 1 ? '' : 's'} · ` +
        `up to ${formatNumber(est.max_output_tokens)} output tokens`);
      showFieldErrors([]);
      renderWarnings(els.warnings, json.warnings);
      return;
    }
    const error = errorOf(response, json);
    const shown = state.submitted || els.prompt.value.trim() ? error.violations
      : error.violations.filter((v) => v.field !== 'prompt');
    const unplaced = showFieldErrors(shown);
    const onlyPrompt = shown.length === 0 && error.violations.length > 0;
    setEstimate(onlyPrompt ? 'Estimate: write a prompt to see it.'
      : `Estimate unavailable: ${unplaced.length ? unplaced.map(violationText).join(' ') : dryRunReason(error)}`);
    renderWarnings(els.warnings, []);
  }

  function dryRunReason(error) {
    return error.code === 'invalid_request' ? 'fix the marked fields.' : describeError(error).title;
  }

  function setEstimate(text) {
    els.estimate.classList.remove('stale');
    setText(els.estimate, text);
  }

  function errorOf(response, json) {
    const error = json?.error || {};
    return {
      ...error,
      code: error.code || `http_${response.status}`,
      message: error.message || response.statusText || 'The request failed.',
      violations: Array.isArray(error.violations) ? error.violations : [],
      retry_after: retryAfterSeconds(response.headers.get('Retry-After')) ?? error.retry_after,
    };
  }

  // ---------------------------------------------------------------- error sentences
  // The gateway's messages are written for developers. The page says what happened in a sentence a
  // person understands and keeps the code, in small text, for support.

  const SERVICE_BUSY = 'The image service is getting too many requests right now.';
  const ERROR_SENTENCES = {
    invalid_request: () => 'The request breaks a rule of the image service; fix what is listed below.',
    unauthorized: () => 'This gateway needs a valid access token.',
    not_found: () => 'The gateway no longer knows this generation; it may have expired.',
    payload_too_large: tooLargeSentence,
    unsupported_media_type: () => 'The gateway did not accept the way this page sent the request. Reload the page and try again.',
    cross_site_refused: () => 'The gateway refused a request sent from another web site. Open this page at the gateway’s own address.',
    misdirected_request: () => 'The gateway does not answer to the address this page was opened with. Use the address its operator gave you.',
    idempotency_key_reused: () => 'This request reused the key of a different request. Start a new generation.',
    rate_limited: () => 'You have asked for too many images in a short time.',
    upstream_rate_limited: () => SERVICE_BUSY,
    overloaded: () => 'The gateway is busy with other generations right now.',
    shutting_down: () => 'The gateway is restarting.',
    upstream_rejected: (e) => `The image service refused the request: ${e.message}`,
    upstream_auth: () => 'The gateway cannot use the image service: its key is wrong or lacks this model. Tell the gateway’s operator.',
    upstream_unavailable: () => 'The image service could not be reached.',
    upstream_timeout: () => 'The image service took too long to answer.',
    upstream_protocol: () => 'The image service sent an answer the gateway could not read.',
    upstream_truncated: () => 'The image service stopped before it had sent every image.',
  };
  // For these the wait matters more than the reason: they always end with when to try again.
  const WAIT_CODES = new Set(['rate_limited', 'upstream_rate_limited', 'overloaded', 'shutting_down']);

  function tooLargeSentence(error) {
    const limit = Number.isFinite(error.limit_bytes) ? ` (at most ${sizeText(error.limit_bytes)})` : '';
    return `The request is too large for this gateway${limit}. Use fewer or smaller reference images.`;
  }

  function sizeText(bytes) {
    return bytes >= 1048576 ? megabytes(bytes) : `${Math.max(1, Math.round(bytes / 1024))} KB`;
  }

  /** {title, lines, code}: a sentence for the error, what to do next, and the code for support. */
  function describeError(error) {
    const sentence = ERROR_SENTENCES[error.code];
    const title = sentence ? sentence(error) : `${error.message || 'The request failed.'}`;
    const lines = error.violations?.length ? error.violations.map(violationText) : [];
    if (error.code === 'payload_too_large' && error.setting) {
      lines.push(`The gateway’s operator can raise the limit with ${error.setting}.`);
    }
    const wait = waitText(error.retry_after);
    if (wait) lines.push(wait);
    else if (WAIT_CODES.has(error.code)) lines.push('Try again in a moment.');
    return { title, lines, code: error.code };
  }

  function showError(error, prefix = '', extraLines = []) {
    const { title, lines, code } = describeError(error);
    showGeneralError(`${prefix}${title}`, [...lines, ...extraLines], code);
    return title;
  }

  function violationText(v) {
    return v.field ? `${v.field}: ${v.message}` : String(v.message);
  }

  // A violation path like "image[2]" or "sequential_image_generation_options.max_images" is shown
  // next to the element marked with that path; unknown sub-paths fall back to their parent.
  function errorElementFor(field) {
    let path = String(field || '');
    while (path) {
      const node = document.querySelector(`[data-error-for="${CSS.escape(path)}"]`);
      if (node) return node;
      const cut = Math.max(path.lastIndexOf('.'), path.lastIndexOf('['));
      path = cut > 0 ? path.slice(0, cut) : '';
    }
    return null;
  }

  function clearFieldErrors() {
    for (const node of document.querySelectorAll('[data-error-for]')) {
      node.hidden = true;
      node.textContent = '';
    }
    for (const node of document.querySelectorAll('[aria-invalid], .ref-thumb.invalid')) {
      node.removeAttribute('aria-invalid');
      node.classList.remove('invalid');
    }
  }

  function markInvalid(errorNode) {
    if (errorNode.id) {
      for (const control of document.querySelectorAll(`[aria-describedby~="${CSS.escape(errorNode.id)}"]`)) {
        control.setAttribute('aria-invalid', 'true');
      }
    }
    errorNode.closest('.ref-thumb')?.classList.add('invalid');
  }

  /** Shows each violation next to its field; returns those that have no field on the page. */
  function showFieldErrors(violations) {
    clearFieldErrors();
    const unplaced = [];
    for (const v of violations) {
      const node = errorElementFor(v.field);
      if (!node) {
        unplaced.push(v);
        continue;
      }
      node.textContent = node.textContent ? `${node.textContent}\n${v.message}` : String(v.message);
      node.hidden = false;
      markInvalid(node);
    }
    return unplaced;
  }

  function focusFirstInvalid() {
    const control = els.form.querySelector('[aria-invalid="true"]:not([disabled]), .ref-thumb.invalid .remove');
    control?.focus();
  }

  function showGeneralError(title, lines = [], code = '') {
    const list = el('ul');
    for (const line of lines) list.append(el('li', null, line));
    els.generalError.replaceChildren(el('strong', null, title));
    if (code) {
      const small = el('small', 'error-code', `(${code})`);
      small.dataset.testid = 'error-code';
      els.generalError.append(' ', small);
    }
    if (lines.length) els.generalError.append(list);
    els.generalError.hidden = false;
  }

  function clearGeneralError() {
    els.generalError.hidden = true;
    els.generalError.replaceChildren();
  }

  function retryAfterSeconds(header) {
    if (!header) return null;
    const wait = /^\d+$/.test(header.trim()) ? Number(header) : Math.ceil((Date.parse(header) - Date.now()) / 1000);
    return Number.isFinite(wait) ? Math.max(wait, 0) : null;
  }

  function waitText(seconds) {
    if (!Number.isFinite(seconds)) return null;
    if (seconds >= 120) return `Try again in ${Math.ceil(seconds / 60)} minutes.`;
    return `Try again in ${seconds} second${seconds === 1 ? '' : 's'}.`;
  }

  function renderWarnings(list, warnings) {
    const items = (Array.isArray(warnings) ? warnings : []).map((w) =>
      el('li', null, typeof w === 'string' ? w : violationText(w || {})));
    list.replaceChildren(...items);
  }

  function appendWarnings(list, warnings) {
    for (const w of Array.isArray(warnings) ? warnings : []) {
      list.append(el('li', null, typeof w === 'string' ? w : violationText(w || {})));
    }
  }

  // ---------------------------------------------------------------- submitting and the job

  // The results panel says how the job goes (and is the live region); the same words also appear
  // under the Generate button, where the user just clicked, for when the results are out of view.
  function setProgress(text, nearButton = text) {
    setText(els.progress, text);
    setText(els.formProgress, nearButton);
  }

  // A new attempt starts from a clean page: nothing said about an earlier attempt may stay on screen.
  function clearMessages() {
    clearGeneralError();
    els.refRejects.replaceChildren();
    els.connection.hidden = true;
    setProgress('Starting…');
  }

  function setStatus(status) {
    els.jobStatus.textContent = status;
    els.jobStatus.dataset.status = status;
  }

  // A focused button that becomes disabled drops keyboard focus to <body>; hand it to the
  // button that is now the useful one. The hand-over must not scroll: the page may just have brought
  // the results into view (revealFirstCard), and a job that ends would otherwise pull it back down.
  function setBusy(busy) {
    const focused = document.activeElement;
    const lost = focused === document.body || focused === els.generate || focused === els.cancel;
    els.generate.disabled = busy;
    els.cancel.disabled = !busy;
    if (lost) (busy ? els.cancel : els.generate).focus({ preventScroll: true });
  }

  async function onSubmit(event) {
    event.preventDefault();
    if (!state.catalogue || (state.job && !state.job.terminal)) return;
    state.submitted = true;
    clearTimeout(state.dryRun.timer);
    clearMessages();
    const body = buildRequest();
    els.generate.disabled = true; // Cancel stays off until the gateway has given us a job id
    setStatus('starting');
    let response;
    let json;
    try {
      response = await postJson('/api/generations', body);
      json = await readJson(response);
    } catch {
      return failSubmit('The gateway could not be reached.', []);
    }
    if (response.status !== 202 || !json?.id || !json?.events_url) return rejectSubmit(response, json);
    showFieldErrors([]);
    startJob(json, body);
  }

  function failSubmit(title, lines) {
    setStatus('error');
    setBusy(false);
    showGeneralError(title, lines);
    notStarted(title);
  }

  // The reason is already announced by the general error (role=alert); the live progress line only
  // says that nothing started, and the line under the button repeats the reason where the user looks.
  function notStarted(reason) {
    setProgress('Not started.', `Not started: ${reason}`);
  }

  function rejectSubmit(response, json) {
    const error = errorOf(response, json);
    showFieldErrors(error.violations);
    setStatus('error');
    setBusy(false);
    notStarted(showError(error));
    focusFirstInvalid();
  }

  function expectedImages(body) {
    const max = body.sequential_image_generation_options?.max_images;
    return body.sequential_image_generation === 'auto' && Number.isInteger(max) && max > 0 ? max : 1;
  }

  function startJob(accepted, body) {
    stopJob(state.job);
    const job = {
      id: accepted.id,
      eventsUrl: accepted.events_url,
      prompt: body.prompt,
      requested: expectedImages(body),
      startedAt: performance.now(),
      cards: new Map(),
      done: 0,
      failed: 0,
      lastEventId: 0,
      terminal: false,
      source: null,
      ticker: 0,
      reopened: 0,
    };
    state.job = job;
    resetResults(job);
    appendWarnings(els.jobWarnings, accepted.warnings);
    setStatus('running');
    setBusy(true);
    setProgress(`Generating ${job.requested === 1 ? 'one image' : `up to ${job.requested} images`}…`);
    syncPlaceholders(job);
    job.ticker = setInterval(() => tick(job), TICK_MS);
    openStream(job);
    revealFirstCard(job);
  }

  // The Generate button sits at the end of a long form: on a phone the results are below it, on a
  // laptop (1280×800) they are above it, scrolled out of view. Either way the first card comes into
  // view with the progress line above it. Only the scroll position moves; focus stays where it was.
  // (One layout read per job, not per event.)
  function revealFirstCard(job) {
    const card = job.cards.get(0);
    if (!card) return;
    const box = card.getBoundingClientRect();
    if (box.top >= 0 && box.top < window.innerHeight * 0.6) return;
    const smooth = !window.matchMedia('(prefers-reduced-motion: reduce)').matches;
    els.results.closest('section').scrollIntoView({ behavior: smooth ? 'smooth' : 'auto', block: 'start' });
  }

  function resetResults(job) {
    els.results.replaceChildren();
    els.jobWarnings.replaceChildren();
    els.usage.hidden = true;
    els.usage.textContent = '';
    els.jobPrompt.textContent = job.prompt;
    els.jobPrompt.hidden = !job.prompt;
  }

  function stopJob(job) {
    if (!job) return;
    job.terminal = true;
    job.source?.close();
    clearInterval(job.ticker);
  }

  // ---------------------------------------------------------------- the event stream

  const STREAM_HANDLERS = {
    started: onStarted,
    image: onImage,
    image_failed: onImageFailed,
    completed: onCompleted,
    error: onErrorEvent,
    cancelled: onCancelled,
  };

  function openStream(job) {
    const source = new EventSource(job.eventsUrl);
    job.source = source;
    source.addEventListener('open', () => setReconnecting(job, false));
    for (const [name, handler] of Object.entries(STREAM_HANDLERS)) {
      source.addEventListener(name, (event) => onStreamEvent(job, name, event, handler));
    }
  }

  function onStreamEvent(job, name, event, handler) {
    // The gateway's own "error" event is a MessageEvent with data; a plain Event named "error"
    // is EventSource reporting a dropped or refused connection.
    if (name === 'error' && !(event instanceof MessageEvent)) return onConnectionError(job);
    if (job !== state.job || job.terminal || !isNewEvent(job, event)) return;
    const data = parseEventData(event.data);
    if (data) handler(job, data);
    // A terminal event ends the job even if its payload was unreadable.
    if (TERMINAL_EVENTS.includes(name)) finishJob(job, name);
  }

  function parseEventData(text) {
    try {
      const data = JSON.parse(text);
      return data && typeof data === 'object' ? data : null;
    } catch {
      return null;
    }
  }

  // Replays after a reconnect start after Last-Event-ID, but the ids are checked anyway so no
  // event is ever applied twice.
  function isNewEvent(job, event) {
    const id = Number(event.lastEventId);
    if (!Number.isInteger(id) || id <= 0) return true;
    if (id <= job.lastEventId) return false;
    job.lastEventId = id;
    return true;
  }

  function onConnectionError(job) {
    if (job !== state.job || job.terminal) return;
    if (job.source.readyState === EventSource.CONNECTING) {
      setReconnecting(job, true);
      return;
    }
    // With tokens, a reconnect after the signed access value expired is refused (401); a fresh
    // events_url from the snapshot reopens the stream, and isNewEvent() skips what was already shown.
    if (state.tokensRequired && job.reopened < 3) {
      job.reopened += 1;
      reopenStream(job);
      return;
    }
    // CLOSED without a terminal event: the browser got a non-stream answer (e.g. 204 for an
    // expired job) and will not retry, so the page ends the job itself and says so.
    finishJob(job, 'error');
    showGeneralError('The connection to the event stream was lost.', [
      'Images shown so far are kept. The job may have finished or expired on the gateway.']);
    reportSnapshot(job.id);
  }

  async function reopenStream(job) {
    setReconnecting(job, true);
    try {
      const response = await apiFetch(`/api/generations/${encodeURIComponent(job.id)}`, { headers: { Accept: 'application/json' } });
      const json = response.ok ? await readJson(response) : null;
      if (job !== state.job || job.terminal) return;
      if (typeof json?.events_url === 'string' && json.events_url.startsWith('/api/')) {
        job.source.close();
        job.eventsUrl = json.events_url;
        openStream(job);
        return;
      }
    } catch {
      // handled below like any other lost stream
    }
    job.reopened = Infinity;
    onConnectionError(job);
  }

  async function reportSnapshot(id) {
    try {
      const response = await apiFetch(`/api/generations/${encodeURIComponent(id)}`, { headers: { Accept: 'application/json' } });
      const json = response.ok ? await readJson(response) : null;
      if (typeof json?.status === 'string' && state.job?.id === id) {
        els.generalError.append(el('p', null, `The gateway reports the job as: ${json.status}.`));
      }
    } catch {
      // The snapshot is only extra context; the error above already tells the user what happened.
    }
  }

  function setReconnecting(job, on) {
    if (job === state.job) els.connection.hidden = !on;
  }

  function onStarted(job, data) {
    if (Number.isInteger(data.requested_images) && data.requested_images > 0) job.requested = data.requested_images;
    appendWarnings(els.jobWarnings, data.warnings);
    syncPlaceholders(job);
    setProgress(`Generating ${job.requested === 1 ? 'one image' : `up to ${job.requested} images`}…`);
  }

  function onImage(job, data) {
    if (!Number.isInteger(data.index) || data.index < 0) return;
    const card = cardFor(job, data.index);
    if (card.dataset.state === 'done') return; // one image per index, even across replays
    const src = imageSource(data);
    if (!src) {
      showCardFailure(card, { code: 'unsafe_url', message: 'The image address was not http(s) and was not shown.' });
      return;
    }
    showCardImage(job, card, data, src);
    job.done += 1;
    announce(job, `Image ${data.index + 1} is ready (${seconds(data.elapsed_ms || 0)} s).`);
  }

  function onImageFailed(job, data) {
    if (!Number.isInteger(data.index) || data.index < 0) return;
    const card = cardFor(job, data.index);
    if (card.dataset.state !== 'pending') return;
    showCardFailure(card, data.error || {});
    job.failed += 1;
    announce(job, `Image ${data.index + 1} failed.`);
  }

  function onCompleted(job, data) {
    const usage = data.usage || {};
    const generated = Number.isInteger(data.generated_images) ? data.generated_images : job.done;
    const failed = Number.isInteger(data.failed_images) ? data.failed_images : job.failed;
    els.usage.textContent = `Generated ${generated} image${generated === 1 ? '' : 's'} · failed ${failed} · ` +
      `output tokens ${formatNumber(usage.output_tokens)} · total ${seconds(data.elapsed_ms || 0)} s`;
    els.usage.hidden = false;
    setProgress(`Completed: ${generated} generated, ${failed} failed.`);
  }

  function onErrorEvent(job, data) {
    const error = { ...data, code: data.code || 'error', violations: [] };
    const lines = [];
    if (!WAIT_CODES.has(error.code)) {
      lines.push(data.retryable ? 'This may be temporary; you can try again.' : 'Trying again with the same request will not help.');
    }
    if (data.upstream_status) lines.push(`Image service status: ${data.upstream_status}.`);
    showError(error, '', lines);
    setProgress(`Stopped by an error after ${job.done} image${job.done === 1 ? '' : 's'}.`);
  }

  function onCancelled(job, data) {
    setProgress(`Cancelled${data.reason ? ` (${data.reason})` : ''}; ${job.done} image${job.done === 1 ? '' : 's'} kept.`);
  }

  // Every terminal event closes the EventSource: the server ends the response afterwards and an
  // open EventSource would otherwise reconnect and replay the job.
  function finishJob(job, status) {
    stopJob(job);
    setReconnecting(job, false);
    for (const [index, card] of job.cards) {
      if (card.dataset.state === 'pending') {
        card.remove();
        job.cards.delete(index);
      }
    }
    setStatus(status);
    setBusy(false);
    document.dispatchEvent(new CustomEvent('seedstream:job-finished', { detail: { id: job.id } }));
  }

  // ---------------------------------------------------------------- image cards

  function syncPlaceholders(job) {
    for (let i = 0; i < job.requested; i += 1) cardFor(job, i);
    for (const [index, card] of job.cards) {
      if (index >= job.requested && card.dataset.state === 'pending') {
        card.remove();
        job.cards.delete(index);
      }
    }
  }

  function cardFor(job, index) {
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

  function imageSource(data) {
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

  function showCardImage(job, card, data, src) {
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

  function showCardFailure(card, error) {
    const box = el('div', 'failure');
    box.setAttribute('role', 'note');
    box.append(el('strong', 'failure-code', String(error.code || 'failed')),
      el('span', 'failure-message', String(error.message || 'This image could not be generated.')));
    card.querySelector('.frame').replaceChildren(box);
    card.querySelector('.caption-meta').textContent = 'failed';
    card.dataset.state = 'failed';
  }

  // One timer for all placeholders; it only writes text, so it never forces a layout.
  function tick(job) {
    const text = `${seconds(performance.now() - job.startedAt)} s`;
    for (const card of job.cards.values()) {
      if (card.dataset.state === 'pending') card.querySelector('.caption-meta').textContent = text;
    }
  }

  function announce(job, text) {
    const finished = job.done + job.failed;
    setProgress(`${text} ${finished} of ${job.requested === 1 ? 1 : `up to ${job.requested}`} finished.`);
  }

  async function onCancel() {
    const job = state.job;
    if (!job || job.terminal) return;
    els.cancel.disabled = true;
    setProgress('Cancelling…');
    try {
      const response = await apiFetch(`/api/generations/${encodeURIComponent(job.id)}`, { method: 'DELETE' });
      if (!response.ok && !job.terminal) {
        showError(errorOf(response, await readJson(response)), 'Cancel failed: ');
        els.cancel.disabled = false;
      }
    } catch {
      if (!job.terminal) {
        showGeneralError('Cancel failed: the gateway could not be reached.');
        els.cancel.disabled = false;
      }
    }
  }

  // ---------------------------------------------------------------- lightbox

  function openLightbox(src, alt, title, opener) {
    els.lightboxImg.src = src;
    els.lightboxImg.alt = alt;
    els.lightboxTitle.textContent = title;
    els.lightboxDownload.href = src;
    state.lightboxOpener = opener;
    els.lightbox.showModal();
    els.lightboxClose.focus();
  }

  function onLightboxClosed() {
    els.lightboxImg.removeAttribute('src');
    state.lightboxOpener?.focus();
    state.lightboxOpener = null;
  }

  // ---------------------------------------------------------------- wiring

  function wireReferenceInputs() {
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

  function wireFormControls() {
    els.model.addEventListener('change', onModelChange);
    els.sizeClass.addEventListener('change', onSizeClassChange);
    els.size.addEventListener('change', onSizeChange);
    els.sizeCustom.addEventListener('input', updateCustomSizeHint);
    els.group.addEventListener('change', onGroupChange);
    els.watermark.addEventListener('change', () => { state.watermarkTouched = true; });
    els.prompt.addEventListener('input', updatePromptCounter);
    els.model.addEventListener('change', updatePromptCounter);
    // Every edit refreshes the estimate and the inline errors (debounced).
    els.form.addEventListener('input', scheduleDryRun);
    els.form.addEventListener('change', scheduleDryRun);
    els.form.addEventListener('submit', onSubmit);
    els.cancel.addEventListener('click', onCancel);
  }

  function wireLightbox() {
    els.lightboxClose.addEventListener('click', () => els.lightbox.close());
    els.lightbox.addEventListener('close', onLightboxClosed);
    // A click on the backdrop lands on the <dialog> itself; the content sits in an inner box.
    els.lightbox.addEventListener('click', (event) => {
      if (event.target === els.lightbox) els.lightbox.close();
    });
  }

  // ---------------------------------------------------------------- history (history.js)

  // "Re-run" from the history: the form takes a past job's settings; the user reviews them and presses
  // Generate. Inline reference images are not kept by the history; URL references come back.
  function applyParams(params) {
    if (!state.catalogue || !params || typeof params !== 'object') return;
    if (state.catalogue.models[params.model]) els.model.value = params.model;
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
    if (typeof params.watermark === 'boolean') {
      els.watermark.checked = params.watermark;
      state.watermarkTouched = true;
    }
    els.prompt.value = typeof params.prompt === 'string' ? params.prompt : '';
    state.refs = [];
    renderRefs();
    const urls = (Array.isArray(params.image) ? params.image : []).filter((u) => typeof u === 'string');
    if (urls.length) addReferences(urls.map((u) => ({ value: u, name: u })), checkUrl);
    updatePromptCounter();
    els.prompt.focus();
  }

  function wireHistory() {
    document.addEventListener('seedstream:rerun', (event) => applyParams(event.detail));
    document.addEventListener('seedstream:add-reference', (event) => {
      if (event.detail instanceof File) addFiles([event.detail]);
    });
  }

  async function init() {
    wireReferenceInputs();
    wireHistory();
    wireFormControls();
    wireLightbox();
    try {
      const response = await fetch('/api/models', { headers: { Accept: 'application/json' } });
      const catalogue = response.ok ? await readJson(response) : null;
      if (!catalogue?.models || !Object.keys(catalogue.models).length) throw new Error('no models');
      applyCatalogue(catalogue);
      state.tokensRequired = catalogue.tokens_required === true;
      if (state.tokensRequired && !storedToken()) askForToken('This gateway needs an access token.');
      updatePromptCounter();
      scheduleDryRun();
    } catch {
      showGeneralError('The model list could not be loaded.', ['Reload the page to try again.']);
    }
  }

  init();
})();
