import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readmeWithConnectKeys } from '../../src/sinks/index.js';

describe('README migration table', () => {
  it('is generated from the declared spec and up to date (regenerate: npm run docs)', () => {
    const readme = fs.readFileSync(path.resolve(__dirname, '../../README.md'), 'utf8');
    expect(readme).toBe(readmeWithConnectKeys(readme));
    // Every kind of key is there: read, accepted with a notice, refused.
    expect(readme).toMatch(/\| reads and acts on \| PostgreSQL \| .*`connection\.url`/);
    expect(readme).toContain('| `tasks.max` | all | notice: ');
    expect(readme).toContain('| `string.output.value.column.name` | postgres | **refused**: ');
  });
});
