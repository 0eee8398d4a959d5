// Every failure the page shows, in one shape: errorOf() reads a client's SeedstreamError into {code, message,
// violations, retry_after …}; describeError() turns that into a sentence a person understands, what to
// do next and the code, in small text, for support (the gateway's own messages are written for
// developers). Violations go next to their fields; what has no field goes in the general error.

import { el, els } from './dom.js';
import { formatNumber, megabytes } from './format.js';
import { currentLanguage, t, tn } from './i18n.js';

export function errorOf(error) {
  return {
    ...(error.details || {}),
    code: error.code,
    message: error.message || t('error.failed'),
    violations: Array.isArray(error.violations) ? error.violations : [],
    retry_after: error.retryAfter ?? undefined,
  };
}

// The gateway's codes are stable; the sentences are the page's, in its language (error.<code> in the
// message files). A code the page does not know shows the gateway's own message.
const ERROR_SENTENCES = {
  payload_too_large: tooLargeSentence,
  upstream_rejected: (e) => t('error.upstream_rejected', { message: e.message }),
  budget_exceeded: budgetSentence,
};
const KNOWN_CODES = new Set(['invalid_request', 'unauthorized', 'not_found', 'unsupported_media_type', 'cross_site_refused',
  'misdirected_request', 'idempotency_key_reused', 'rate_limited', 'upstream_rate_limited', 'overloaded', 'shutting_down',
  'upstream_auth', 'upstream_unavailable', 'upstream_timeout', 'upstream_protocol', 'upstream_truncated']);
// For these the wait matters more than the reason: they always end with when to try again.
export const WAIT_CODES = new Set(['rate_limited', 'upstream_rate_limited', 'overloaded', 'shutting_down', 'budget_exceeded']);

function tooLargeSentence(error) {
  return Number.isFinite(error.limit_bytes) ? t('error.payload_too_large.limit', { limit: sizeText(error.limit_bytes) })
    : t('error.payload_too_large');
}

// 429 budget_exceeded: what is left of the token's budget and when it renews; the wait (Retry-After) follows.
function budgetSentence(error) {
  const left = remainingText(error.remaining);
  const when = resetText(error.resets_at);
  if (left && when) return t('error.budget_exceeded.left-resets', { left, when });
  if (left) return t('error.budget_exceeded.left', { left });
  return t('error.budget_exceeded');
}

function moneyText(amount, currency) {
  try {
    return new Intl.NumberFormat(currentLanguage(), { style: 'currency', currency, maximumFractionDigits: 4 }).format(amount);
  } catch {
    return `${amount} ${currency}`;
  }
}

// `remaining` may name money ({currency, amount}), images ({images}) or both; a bare number is shown as is.
function remainingText(remaining) {
  if (Number.isFinite(remaining)) return formatNumber(remaining);
  if (!remaining || typeof remaining !== 'object') return '';
  const parts = [];
  const amount = [remaining.amount, remaining.cost, remaining.money, remaining.max].find(Number.isFinite);
  if (typeof remaining.currency === 'string' && Number.isFinite(amount)) parts.push(moneyText(amount, remaining.currency));
  if (Number.isInteger(remaining.images)) parts.push(tn('error.budget.images', remaining.images));
  return parts.join(t('list.and'));
}

// `resets_at`: an ISO time or seconds since the epoch.
function resetText(value) {
  const date = Number.isFinite(value) ? new Date(value * 1000) : typeof value === 'string' ? new Date(value) : null;
  if (!date || Number.isNaN(date.getTime())) return '';
  return date.toLocaleString(currentLanguage(), { dateStyle: 'medium', timeStyle: 'short' });
}

function sizeText(bytes) {
  return bytes >= 1048576 ? megabytes(bytes) : `${Math.max(1, Math.round(bytes / 1024))} KB`;
}

/** {title, lines, code}: a sentence for the error, what to do next, and the code for support. */
export function describeError(error) {
  const sentence = ERROR_SENTENCES[error.code];
  const known = KNOWN_CODES.has(error.code) ? t(`error.${error.code}`) : null;
  const title = sentence ? sentence(error) : known || `${error.message || t('error.failed')}`;
  const lines = error.violations?.length ? error.violations.map(violationText) : [];
  if (error.code === 'payload_too_large' && error.setting) {
    lines.push(t('error.payload_too_large.setting', { setting: error.setting }));
  }
  const wait = waitText(error.retry_after);
  if (wait) lines.push(wait);
  else if (WAIT_CODES.has(error.code)) lines.push(t('wait.moment'));
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
  if (seconds >= 7200) return tn('wait.hours', Math.ceil(seconds / 3600));
  if (seconds >= 120) return tn('wait.minutes', Math.ceil(seconds / 60));
  return tn('wait.seconds', seconds);
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
