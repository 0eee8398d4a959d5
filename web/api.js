// Talking to the gateway. When the gateway requires tokens (GET /api/models says so), the user's token
// lives in sessionStorage for this tab only and goes out as an Authorization header. EventSource cannot
// send headers, so streams use the events_url the gateway signed (it carries a short-lived access value).

import { $, el, els } from './dom.js';
import { showGeneralError } from './errors.js';

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

/** The headers with the user's token, if there is one, for a caller that handles a 401 itself. */
export function withToken(headers) {
  const token = storedToken();
  return token ? { ...headers, Authorization: `Bearer ${token}` } : { ...headers };
}

export function apiFetch(url, options = {}) {
  const headers = { ...(options.headers || {}) };
  const token = storedToken();
  if (token) headers.Authorization = `Bearer ${token}`;
  return fetch(url, { ...options, headers }).then((response) => {
    if (response.status === 401 && tokensNeeded) {
      askForToken(token ? 'The gateway did not accept the token. Enter it again.' : 'This gateway needs an access token.');
    }
    return response;
  });
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
  tokenEntered();
}

export function postJson(url, body, signal) {
  return apiFetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
    body: JSON.stringify(body),
    signal,
  });
}

export async function readJson(response) {
  const text = await response.text();
  try {
    return text ? JSON.parse(text) : null;
  } catch {
    return null;
  }
}
