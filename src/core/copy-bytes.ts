// Copies src[start, end) into out at `at` and returns the position after it.
// Short runs (most field values) go byte by byte: a subarray + set costs more
// than the copy itself below about 32 bytes.
export function copyBytes(out: Uint8Array, at: number, src: Uint8Array, start: number, end: number): number {
  const len = end - start;
  if (len < 32) {
    for (let i = start; i < end; i++) out[at++] = src[i]!;
    return at;
  }
  out.set(src.subarray(start, end), at);
  return at + len;
}
