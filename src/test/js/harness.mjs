// What the node suites share: the gateways JavaScriptClientTest started for them (from the environment),
// its control server, and the client module itself, imported from web/client as the page serves it.

export { Seedstream, SeedstreamError, EventStreamParser } from '../../../web/client/seedstream.js';

function env(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: these suites run from JavaScriptClientTest (mvn verify)`);
  return value;
}

export const gateway = () => env('SEEDSTREAM_TEST_GATEWAY');
export const proxy = () => env('SEEDSTREAM_TEST_PROXY');
export const tokensGateway = () => env('SEEDSTREAM_TEST_TOKENS_GATEWAY');
export const corsOrigin = () => env('SEEDSTREAM_TEST_CORS_ORIGIN');
export const token = (name) => env(`SEEDSTREAM_TEST_TOKEN_${name.toUpperCase()}`);

export const MODEL = 'doubao-seedream-4-5-251128';

export function group(prompt, maxImages) {
  return {
    model: MODEL, prompt, sequential_image_generation: 'auto',
    sequential_image_generation_options: { max_images: maxImages },
  };
}

async function control(method, path) {
  const response = await fetch(`${env('SEEDSTREAM_TEST_CONTROL')}${path}`, { method });
  if (!response.ok) throw new Error(`control ${path}: ${response.status} ${await response.text()}`);
  return response;
}

/** Lets the open gateway's next held image go; resolves once it went. */
export const release = () => control('POST', '/release');
/** Waits until the open gateway's upstream is idle and forgets held images. */
export const reset = () => control('POST', '/reset');
/** Drops every connection through the open gateway's proxy. */
export const cut = () => control('POST', '/cut');
/** {requests, cancelled, active} of a gateway's simulator ('open' or 'tokens'), after it went idle if asked. */
export const upstream = async (name, idle = false) => (await control('GET', `/upstream?gateway=${name}&idle=${idle}`)).json();
/** Everything clients sent through a proxy ('open' or 'tokens'): request heads and bodies. */
export const sent = async (name) => (await control('GET', `/sent?proxy=${name}`)).text();

/** The request heads of every GET of a job's event stream sent through a proxy. */
export async function streamRequests(name, jobId) {
  const heads = (await sent(name)).split(/(?=(?:GET|POST|DELETE|OPTIONS) \/)/);
  return heads.filter((head) => head.startsWith(`GET /api/generations/${jobId}/events`));
}
