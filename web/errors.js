// Every failure the page shows, in one shape: errorOf() reads a client's SeedstreamError into {code, message,
// violations, retry_after …}; describeError() turns that into a sentence a person understands, what to
// do next and the code, in small text, for support (the gateway's own messages are written for
// developers). Violations go next to their fields; what has no field goes in the general error.

import { el, els } from './dom.js';
import { megabytes } from './format.js';

export function errorOf(error) {
  return {
    ...(error.details || {}),
    code: error.code,
    message: error.message || 'The request failed.',
    violations: Array.isArray(error.violations) ? error.violations : [],
    retry_after: error.retryAfter ?? undefined,
  };
}

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
export const WAIT_CODES = new Set(['rate_limited', 'upstream_rate_limited', 'overloaded', 'shutting_down']);

function tooLargeSentence(error) {
  const limit = Number.isFinite(error.limit_bytes) ? ` (at most ${sizeText(error.limit_bytes)})` : '';
  return `The request is too large for this gateway${limit}. Use fewer or smaller reference images.`;
}

function sizeText(bytes) {
  return bytes >= 1048576 ? megabytes(bytes) : `${Math.max(1, Math.round(bytes / 1024))} KB`;
}

/** {title, lines, code}: a sentence for the error, what to do next, and the code for support. */
export function describeError(error) {
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

export function showError(error, prefix = '', extraLines = []) {
  const { title, lines, code } = describeError(error);
  showGeneralError(`${prefix}${title}`, [...lines, ...extraLines], code);
  return title;
}

export function violationText(v) {
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
export function showFieldErrors(violations) {
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

export function focusFirstInvalid() {
  const control = els.form.querySelector('[aria-invalid="true"]:not([disabled]), .ref-thumb.invalid .remove');
  control?.focus();
}

export function showGeneralError(title, lines = [], code = '') {
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

export function clearGeneralError() {
  els.generalError.hidden = true;
  els.generalError.replaceChildren();
}

function waitText(seconds) {
  if (!Number.isFinite(seconds)) return null;
  if (seconds >= 120) return `Try again in ${Math.ceil(seconds / 60)} minutes.`;
  return `Try again in ${seconds} second${seconds === 1 ? '' : 's'}.`;
}

export function renderWarnings(list, warnings) {
  const items = (Array.isArray(warnings) ? warnings : []).map((w) =>
    el('li', null, typeof w === 'string' ? w : violationText(w || {})));
  list.replaceChildren(...items);
}

export function appendWarnings(list, warnings) {
  for (const w of Array.isArray(warnings) ? warnings : []) {
    list.append(el('li', null, typeof w === 'string' ? w : violationText(w || {})));
  }
}
