// A Piscina task that only burns CPU (no allocation, no shared memory): how
// much 2 threads can gain over 1 on this machine right now, the ceiling for
// the worker-pool scaling figure measured next to it.
export default function spin(iterations: number): number {
  let x = 0x9e3779b9;
  for (let i = 0; i < iterations; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
  }
  return x >>> 0;
}
