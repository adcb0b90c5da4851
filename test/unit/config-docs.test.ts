import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { optionsMarkdown } from '../../src/sinks/index.js';

describe('config reference', () => {
  it('native-notes/config-reference.md is generated from the spec and up to date (regenerate: npm run docs)', () => {
    const file = fs.readFileSync(path.resolve(__dirname, '../../native-notes/config-reference.md'), 'utf8');
    expect(file.trim()).toBe(optionsMarkdown().trim());
  });
});
