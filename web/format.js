// Numbers, durations and sizes as the page writes them, and the WxH / a/b strings it reads.

export function formatNumber(n) {
  return Number.isFinite(n) ? n.toLocaleString('en') : '—';
}

export function seconds(ms) {
  return (ms / 1000).toFixed(1);
}

export function parseRatio(text) {
  const [num, den] = String(text).split('/').map(Number);
  return { num, den: den || 1 };
}

export function parseSize(text) {
  const match = /^(\d+)x(\d+)$/.exec(String(text || ''));
  return match ? { width: Number(match[1]), height: Number(match[2]) } : null;
}

export function megabytes(bytes) {
  return `${(bytes / 1048576).toFixed(1)} MB`;
}
