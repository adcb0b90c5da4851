// A ~1 KiB schemaless JSON document with nested objects and arrays: what
// event and API payload topics look like. Nested values land in jsonb
// (PostgreSQL) and JSON text columns (the Parquet baseline).
import { rng } from '../generate.js';
import { pgTextArray, type Row, type Shape } from './shape.js';

const BASE_TIME = Date.UTC(2026, 0, 1);
const COUNTRIES = ['DE', 'FR', 'US', 'GB', 'NL', 'SE', 'JP', 'BR', 'IN', 'CA'];
const TIERS = ['free', 'pro', 'team', 'enterprise'];
const TAGS = ['gift', 'express', 'fragile', 'b2b', 'repeat', 'promo', 'bulk', 'eco', 'priority', 'returnable'];
const LOREM = 'lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt ut labore et dolore magna aliqua ut enim ad minim veniam quis nostrud exercitation ullamco laboris nisi ut aliquip ex ea commodo consequat'.split(' ');

function words(r: () => number, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += (i ? ' ' : '') + LOREM[Math.floor(r() * LOREM.length)];
  return s;
}

export function* docRows(count: number, seed = 42, firstId = 1): Generator<Row> {
  const r = rng(seed);
  for (let i = 0; i < count; i++) {
    const id = firstId + i;
    const items = Array.from({ length: 3 + Math.floor(r() * 3) }, () => ({
      sku: `SKU-${Math.floor(r() * 1e6).toString().padStart(6, '0')}`,
      name: words(r, 3),
      qty: 1 + Math.floor(r() * 5),
      unit_price: Math.round(r() * 50_000) / 100,
    }));
    yield {
      id,
      created_at: new Date(BASE_TIME + Math.floor(r() * 86_400_000 * 30)).toISOString(),
      customer: {
        id: Math.floor(r() * 1e7), name: `${words(r, 2)}`, email: `user${Math.floor(r() * 1e7)}@example.com`,
        country: COUNTRIES[Math.floor(r() * COUNTRIES.length)], tier: TIERS[Math.floor(r() * TIERS.length)],
      },
      items,
      tags: TAGS.filter(() => r() < 0.3),
      shipping: { street: `${1 + Math.floor(r() * 200)} ${words(r, 2)} street`, city: words(r, 1), zip: String(Math.floor(r() * 1e5)).padStart(5, '0'), express: r() < 0.2 },
      notes: words(r, 30 + Math.floor(r() * 20)),
    };
  }
}

const JSON_COLUMNS = ['customer', 'items', 'shipping'] as const;

export const docShape: Shape = {
  name: 'doc',
  description: '~1 KiB schemaless JSON document (nested objects and arrays)',
  format: 'json',
  columns: [
    { name: 'id', pgType: 'bigint', nullable: false, parquet: 'int64' },
    { name: 'created_at', pgType: 'timestamptz', nullable: false, parquet: 'timestamp-ms' },
    { name: 'customer', pgType: 'jsonb', nullable: false, parquet: 'utf8' },
    { name: 'items', pgType: 'jsonb', nullable: false, parquet: 'utf8' },
    { name: 'tags', pgType: 'text[]', nullable: false, parquet: 'utf8-list' },
    { name: 'shipping', pgType: 'jsonb', nullable: false, parquet: 'utf8' },
    { name: 'notes', pgType: 'text', nullable: true, parquet: 'utf8' },
  ],
  rows: docRows,
  encode: (row) => Buffer.from(JSON.stringify(row)),
  columnar(row) {
    const out: Record<string, unknown> = { ...row, created_at: Date.parse(row.created_at as string) };
    for (const c of JSON_COLUMNS) out[c] = JSON.stringify(row[c]);
    return out;
  },
  copyText(row) {
    return [
      String(row.id), row.created_at as string, JSON.stringify(row.customer), JSON.stringify(row.items),
      pgTextArray(row.tags as string[]), JSON.stringify(row.shipping), row.notes as string,
    ];
  },
};
