// The model catalogue from GET /api/models, and the model chosen in the form.

import { els } from './dom.js';

let loaded = null;

export function setCatalogue(catalogue) {
  loaded = catalogue;
}

/** The catalogue, or null until GET /api/models answered. */
export function getCatalogue() {
  return loaded;
}

export function currentModel() {
  return loaded.models[els.model.value];
}
