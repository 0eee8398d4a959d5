// The page's words in English and Simplified Chinese. The language comes from the user's switch (kept in
// localStorage), else from the browser's languages (any zh-* reads Chinese), else English. The markup
// names its words with data-i18n (text), data-i18n-placeholder, data-i18n-aria-label and data-i18n-label;
// the modules ask t() for theirs. Messages carry {name} slots; tn() picks the singular when n is 1.

import { EN } from './messages-en.js';
import { ZH } from './messages-zh.js';

const STORAGE_KEY = 'seedstream.lang';
const MESSAGES = { en: EN, 'zh-CN': ZH };
export const LANGUAGES = Object.freeze(['en', 'zh-CN']);

function stored() {
  try {
    return localStorage.getItem(STORAGE_KEY);
  } catch {
    return null; // storage disabled: the browser's language decides
  }
}

/** The language to show: the remembered choice, else the first browser language we have, else English. */
export function chooseLanguage(remembered, browserLanguages) {
  if (LANGUAGES.includes(remembered)) return remembered;
  for (const tag of browserLanguages || []) {
    const lower = String(tag).toLowerCase();
    if (lower.startsWith('zh')) return 'zh-CN';
    if (lower.startsWith('en')) return 'en';
  }
  return 'en';
}

const language = chooseLanguage(stored(), navigator.languages?.length ? navigator.languages : [navigator.language]);

export function currentLanguage() {
  return language;
}

/** The message for `key` in the page's language (English when the Chinese one is missing), slots filled. */
export function t(key, params = {}) {
  const text = MESSAGES[language][key] ?? EN[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (slot, name) => (params[name] === undefined ? slot : String(params[name])));
}

/** `key.one` when n is 1, else `key.other`; n is also the {n} slot. */
export function tn(key, n, params = {}) {
  return t(`${key}.${n === 1 ? 'one' : 'other'}`, { n, ...params });
}

export function translatePage(root = document) {
  document.documentElement.lang = language;
  for (const node of root.querySelectorAll('[data-i18n]')) node.textContent = t(node.dataset.i18n);
  for (const node of root.querySelectorAll('[data-i18n-placeholder]')) node.placeholder = t(node.dataset.i18nPlaceholder);
  for (const node of root.querySelectorAll('[data-i18n-aria-label]')) node.setAttribute('aria-label', t(node.dataset.i18nAriaLabel));
  for (const node of root.querySelectorAll('[data-i18n-label]')) node.label = t(node.dataset.i18nLabel);
  if (root === document) document.title = t('page.title');
}

// Every string the modules painted would need repainting; a reload does it, and the job on screen comes
// back from the URL (#job=…), so switching costs nothing the user made.
export function wireLanguageSwitch(select) {
  select.value = language;
  select.addEventListener('change', () => {
    try {
      localStorage.setItem(STORAGE_KEY, select.value);
    } catch {
      return; // cannot be remembered: stay as we are rather than flip back on the next load
    }
    window.location.reload();
  });
}
