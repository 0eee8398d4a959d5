// Types of the Seedstream JavaScript client (seedstream.js beside this file). The shapes follow the
// gateway's API: the README's API, Events and Errors sections.

/** The request body: the upstream's own (the README's API section). Unknown fields are rejected. */
export interface GenerationRequest {
  model: string;
  prompt: string;
  /** `https://…` URLs, `data:image/png|jpeg;base64,…` or `upload:<id>`. */
  image?: string | string[];
  /** `2K`, `4K` or `WxH`. */
  size?: string;
  sequential_image_generation?: 'auto' | 'disabled';
  sequential_image_generation_options?: { max_images?: number };
  response_format?: 'url' | 'b64_json';
  watermark?: boolean;
  optimize_prompt_options?: { mode?: string };
}

/** A broken rule, with the field it concerns (`image[3]`, `sequential_image_generation_options.max_images`). */
export interface Violation {
  field?: string;
  message: string;
}

/** A warning is a sentence or a violation-shaped note. */
export type Warning = string | Violation;

export interface ModelSpec {
  label: string;
  size_classes: string[];
  default_size: string;
  recommended_sizes: Record<string, Record<string, string>>;
  pixels: { min: number; max: number };
  aspect_ratio: { min: string; max: string };
  reference_images: {
    max_count: number;
    formats: string[];
    aspect_ratio: { min: string; max: string };
    min_side_exclusive: number;
    max_bytes: number;
    max_pixels: number;
  };
  max_images: { min: number; max: number };
  max_total_images: number;
  optimize_prompt_modes: string[];
  prompt_guidance: { max_chinese_chars: number; max_english_words: number };
  response_formats: string[];
  watermark_default: boolean;
  [more: string]: unknown;
}

/** GET /api/models. */
export interface Catalogue {
  default_model: string;
  models: Record<string, ModelSpec>;
  simulated: boolean;
  tokens_required: boolean;
  [more: string]: unknown;
}

/** POST /api/generations?dry_run=true. */
export interface Estimate {
  /** What would be sent upstream: the key omitted, `data:` URIs abbreviated. */
  upstream_request: Record<string, unknown>;
  estimate: CostEstimate;
  warnings: Warning[];
}

/** The worst case of a request; `cost` when the catalogue prices the model. Also in the `202` answer. */
export interface CostEstimate {
  max_images: number;
  max_output_tokens: number;
  cost?: { currency: 'CNY' | 'USD' | string; max: number };
}

/** What a job cost, by the catalogue's price. */
export interface Cost {
  currency: 'CNY' | 'USD' | string;
  amount: number;
}

export interface Usage {
  generated_images?: number;
  output_tokens?: number;
  total_tokens?: number;
  [more: string]: unknown;
}

export interface StartedData {
  id: string;
  model: string;
  /** 1, or `max_images` (an upper bound) in group mode. */
  requested_images: number;
  /** Unix seconds. */
  created: number;
  warnings: Warning[];
  /** The name of the upstream tried first (never its key). */
  upstream?: string;
}

export interface ImageData {
  index: number;
  url: string;
  size: string;
  elapsed_ms: number;
  /** `/api/images/{jobId}/{index}` when the gateway keeps images (the default). */
  durable_url?: string;
  /** When `response_format` is `b64_json`. */
  b64_json?: string;
}

export interface ImageFailedData {
  index: number;
  error: { code: string; message: string };
}

export interface CompletedData {
  generated_images: number;
  failed_images: number;
  usage: Usage;
  elapsed_ms: number;
  /** Absent when the catalogue gives the model no price. */
  cost?: Cost;
}

export interface ErrorData {
  code: ErrorCode;
  message: string;
  retryable: boolean;
  upstream_status?: number;
  /** Seconds. */
  retry_after?: number;
}

export interface CancelledData {
  reason: 'cancelled_by_client' | 'abandoned' | string;
}

export interface EventDataMap {
  started: StartedData;
  image: ImageData;
  image_failed: ImageFailedData;
  completed: CompletedData;
  error: ErrorData;
  cancelled: CancelledData;
}

export type EventType = keyof EventDataMap;
export type TerminalEventType = 'completed' | 'cancelled' | 'error';

/**
 * One event of a job's stream. `id` counts 1, 2, 3 … per job; `data` is the parsed JSON (null if the
 * gateway ever sent data that is not JSON).
 */
export type SeedstreamEvent = {
  [K in EventType]: { type: K; id: number | null; data: EventDataMap[K] | null };
}[EventType];

/** The gateway's contract codes (the README's Errors table), and the client's own. */
export type ErrorCode =
  | 'invalid_request' | 'unauthorized' | 'not_found' | 'cross_site_refused' | 'payload_too_large'
  | 'unsupported_media_type' | 'misdirected_request' | 'idempotency_key_reused' | 'rate_limited'
  | 'upstream_rejected' | 'upstream_rate_limited' | 'upstream_auth' | 'upstream_unavailable'
  | 'upstream_timeout' | 'upstream_protocol' | 'upstream_truncated' | 'overloaded' | 'shutting_down'
  | 'method_not_allowed' | 'not_ready' | 'internal_error' | 'budget_exceeded' | 'node_lost'
  /** The client's own: the gateway could not be reached, answered something unreadable, or a stream could not be resumed. */
  | 'network_error' | 'invalid_response' | 'connection_lost'
  /** An HTTP error without the gateway's JSON envelope, e.g. `http_502` from a proxy. */
  | `http_${number}`;

export class SeedstreamError extends Error {
  constructor(fields: {
    code: ErrorCode | string; status?: number; message?: string; violations?: Violation[];
    retryAfter?: number | null; details?: Record<string, unknown>;
  }, options?: { cause?: unknown });
  readonly name: 'SeedstreamError';
  readonly code: ErrorCode | string;
  /** The HTTP status; 0 when there was no answer. */
  readonly status: number;
  /** Every broken rule, with its field (for `invalid_request`). */
  readonly violations: Violation[];
  /** Seconds to wait, from `Retry-After` (or the error's `retry_after`); null when not given. */
  readonly retryAfter: number | null;
  /** The whole `error` object of the answer (`limit_bytes`, `setting`, `violations_omitted`; for `budget_exceeded`, `budget`, `remaining`, `resets_at` …). */
  readonly details: Record<string, unknown>;
}

export interface SeedstreamOptions {
  /** The gateway, e.g. `https://images.example.com`; default: the page's own origin. */
  baseUrl?: string;
  /** A client token (SEEDSTREAM_TOKENS), or a function returning the current one. */
  token?: string | null | (() => string | null | undefined);
  /** A fetch to use instead of the global one. */
  fetch?: typeof fetch;
}

export interface CallOptions {
  signal?: AbortSignal;
}

export interface GenerateOptions extends CallOptions {
  /** A retried call with the same key returns the job already started (no second upstream call). */
  idempotencyKey?: string;
}

export interface EventsOptions extends CallOptions {
  /** Start after this event id (the events up to it are not sent again). */
  lastEventId?: number;
  /** Told when the stream is open, and when it dropped and is about to be resumed. */
  onConnection?: (state: 'open' | 'reconnecting') => void;
}

export interface StoredImage extends Partial<ImageData> {
  index: number;
  storage?: { status: 'stored' | 'pending' | 'not_persisted' | string; reason?: string };
  [more: string]: unknown;
}

/** GET /api/generations/{id}. */
export interface Snapshot {
  id: string;
  status: 'running' | 'completed' | 'failed' | 'cancelled' | 'interrupted' | string;
  model: string;
  requested_images: number;
  created: number;
  warnings: Warning[];
  last_event_id?: number;
  images: StoredImage[];
  failed_images: ImageFailedData[];
  events_url?: string;
  /** The name of the upstream that served the job (never its key). */
  upstream?: string;
  /** So far while running, in all once over; absent when the model has no price. */
  cost?: Cost;
  result?: CompletedData;
  error?: ErrorData;
  cancellation?: CancelledData;
  params?: GenerationRequest;
  prompt?: string;
  [more: string]: unknown;
}

/** GET /api/generations. */
export interface HistoryPage {
  generations: Array<Snapshot & { prompt_truncated?: boolean; params_truncated?: boolean }>;
  next_before?: string | null;
}

export class Job {
  readonly id: string;
  /** The 202's status (`running`), or null for a job made with `Seedstream.job(id)`. */
  status: string | null;
  /** The events_url the gateway handed out (signed with `access` when it has tokens). */
  eventsUrl: string | null;
  warnings: Warning[];
  snapshot(options?: CallOptions): Promise<Snapshot>;
  cancel(options?: CallOptions): Promise<Snapshot | null>;
  /** In order, each event once, across reconnects; ends after the terminal event (or a 204). */
  events(options?: EventsOptions): AsyncGenerator<SeedstreamEvent, void, undefined>;
}

export class Seedstream {
  constructor(options?: SeedstreamOptions);
  models(options?: CallOptions): Promise<Catalogue>;
  /** A dry run: nothing is spent. Throws SeedstreamError `invalid_request` with `violations`. */
  estimate(request: GenerationRequest, options?: CallOptions): Promise<Estimate>;
  generate(request: GenerationRequest, options?: GenerateOptions): Promise<Job>;
  /** `eventsUrl`: a signed events_url, for a client without a token. */
  job(id: string, options?: { eventsUrl?: string }): Job;
  history(options?: CallOptions & { limit?: number; before?: string }): Promise<HistoryPage>;
  image(url: string, options?: CallOptions): Promise<Blob>;
  /** A path of the gateway (relative or absolute) as the URL the client fetches. */
  url(path: string): string;
  token(): string;
  /** fetch on the gateway with the token (unless `withToken: false`). */
  send(path: string, init?: { method?: string; headers?: Record<string, string>; body?: BodyInit; signal?: AbortSignal; withToken?: boolean }): Promise<Response>;
  request<T = unknown>(method: string, path: string, init?: { body?: unknown; headers?: Record<string, string>; signal?: AbortSignal }): Promise<T>;
}

/** The client's server-sent-events parser (also usable on its own). */
export class EventStreamParser {
  push(text: string): Array<{ type: string; id: string | undefined; data: string } | { retry: number }>;
}
