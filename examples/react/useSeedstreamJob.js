// useSeedstreamJob: a React hook over the Seedstream client, with no build step. It imports 'react' and
// 'seedstream' by name: map them in an import map (see index.html), or, with a bundler, alias 'seedstream'
// to a copy of the gateway's /client/seedstream.js.
//
//   const { status, images, failures, result, error, reconnecting, start, cancel } = useSeedstreamJob(client);
//   start(request)  starts a generation (a running one is left behind: its stream is closed);
//   images[i]       is the `image` event's data for index i, the moment it arrives.
import { useCallback, useEffect, useReducer, useRef } from 'react';

const IDLE = { status: 'idle', jobId: null, requested: 0, images: [], failures: [], warnings: [], result: null, error: null, reconnecting: false };

function reduce(state, action) {
  switch (action.type) {
    case 'starting': return { ...IDLE, status: 'starting' };
    case 'accepted': return { ...state, status: 'running', jobId: action.job.id, warnings: action.job.warnings };
    case 'connection': return { ...state, reconnecting: action.state === 'reconnecting' };
    case 'started': return { ...state, requested: action.data.requested_images };
    case 'image': {
      const images = [...state.images];
      images[action.data.index] = action.data;
      return { ...state, images };
    }
    case 'image_failed': return { ...state, failures: [...state.failures, action.data] };
    case 'completed': return { ...state, status: 'completed', result: action.data, reconnecting: false };
    case 'cancelled': return { ...state, status: 'cancelled', result: action.data, reconnecting: false };
    // An `error` event (the job failed) and a thrown SeedstreamError (refused, or the stream was lost) alike.
    case 'error': return { ...state, status: 'error', error: action.data, reconnecting: false };
    default: return state;
  }
}

export function useSeedstreamJob(client) {
  const [state, dispatch] = useReducer(reduce, IDLE);
  const current = useRef(null); // { job, controller } of the newest run

  const start = useCallback(async (request, { idempotencyKey } = {}) => {
    current.current?.controller.abort();
    const run = { job: null, controller: new AbortController() };
    current.current = run;
    const { signal } = run.controller;
    const mine = (action) => { if (current.current === run) dispatch(action); };
    mine({ type: 'starting' });
    try {
      run.job = await client.generate(request, { signal, idempotencyKey });
      mine({ type: 'accepted', job: run.job });
      const onConnection = (connection) => mine({ type: 'connection', state: connection });
      let ended = false;
      for await (const event of run.job.events({ signal, onConnection })) {
        mine({ type: event.type, data: event.data ?? {} });
        ended = ['completed', 'cancelled', 'error'].includes(event.type);
      }
      if (!ended && !signal.aborted) mine({ type: 'error', data: { code: 'connection_lost', message: 'the event stream ended early' } });
    } catch (err) {
      if (!signal.aborted) mine({ type: 'error', data: err });
    }
  }, [client]);

  const cancel = useCallback(() => current.current?.job?.cancel(), []);

  // Leaving the page (unmounting) closes the stream; the job goes on at the gateway.
  useEffect(() => () => current.current?.controller.abort(), []);

  return { ...state, start, cancel };
}
