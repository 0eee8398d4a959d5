// Talking to the gateway, through the Seedstream client (client/seedstream.js, the one front-end apps
// use). When the gateway requires tokens (GET /api/models says so), the user's token lives in
// sessionStorage for this tab only; the client sends it as an Authorization header, event streams included.

import { Seedstream } from './client/seedstream.js';
import { $, el, els } from './dom.js';
import { showGeneralError } from './errors.js';
import { t } from './i18n.js';

const TOKEN_KEY = 'seedstream.token';

let tokensNeeded = false;
let tokenEntered = () => {};

export function storedToken() {
  try {
    return sessionStorage.getItem(TOKEN_KEY) || '';
  } catch {
    return '';
  }
}

export function requireTokens(required) {
  tokensNeeded = required;
}

export function tokensRequired() {
  return tokensNeeded;
}

/** Called each time the user enters a token, so what failed for want of one can run again. */
export function whenTokenEntered(callback) {
  tokenEntered = callback;
}

/** The gateway the page came from; the token is read again before every request. */
export const client = new Seedstream({ token: storedToken });

/** A 401 from a call the user started asks for a (new) token. */
export function noteUnauthorized(error) {
  if (error?.status === 401 && tokensNeeded) {
    askForToken(t(storedToken() ? 'token.refused' : 'token.needed'));
  }
}

/** A SeedstreamError with the gateway's answer (not the network, not an abort). */
export function isAnswer(error) {
  return error?.name === 'SeedstreamError' && error.code !== 'network_error';
}

export function askForToken(message) {
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
    const label = el('label', null, t('token.label'));
    label.htmlFor = 'token-input';
    const input = el('input');
    input.id = 'token-input';
    input.type = 'password';
    input.autocomplete = 'off';
    input.required = true;
    const button = el('button', 'button primary', t('token.use'));
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
    showGeneralError(t('token.no-storage'));
  }
  $('token-input').value = '';
  $('token-form').hidden = true;
  tokenEntered();
}
