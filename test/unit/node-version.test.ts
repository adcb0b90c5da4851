import { describe, expect, it } from 'vitest';
import { nodeVersionNotice, quietSdkNodeWarning, SUPPORTED_NODE_MAJORS } from '../../src/node-version.js';

describe('the Node Sluice runs on', () => {
  it('says once, in one line, when the Node is past its end of life, and nothing on 22 or 24', () => {
    expect(nodeVersionNotice('v20.20.2')).toBe('running on Node v20.20.2, past its end of life (2026-04-30): Sluice supports Node 22 and 24 (the container image runs 24)');
    expect(nodeVersionNotice('v22.12.0')).toBeUndefined();
    expect(nodeVersionNotice('v24.11.1')).toBeUndefined();
    expect(nodeVersionNotice('v26.0.0')).toBeUndefined();
  });

  it('keeps the AWS SDK from printing its own warning, unless the user set the variable', () => {
    const env: NodeJS.ProcessEnv = {};
    quietSdkNodeWarning(env);
    expect(env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED).toBe('true');
    const mine: NodeJS.ProcessEnv = { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'false' };
    quietSdkNodeWarning(mine);
    expect(mine.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED).toBe('false');
  });

  it('the container image runs the newest supported Node, and engines accepts this machine\'s Node and every supported one', async () => {
    const fs = await import('node:fs');
    const froms = fs.readFileSync(new URL('../../Dockerfile', import.meta.url), 'utf8').match(/^FROM node:(\d+)/gm)!;
    expect(froms.map((f) => Number(f.slice('FROM node:'.length)))).toEqual([SUPPORTED_NODE_MAJORS.at(-1), SUPPORTED_NODE_MAJORS.at(-1)]);
    // Read, not imported: an imported package.json would be compiled into dist/.
    const pkg = JSON.parse(fs.readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { engines: { node: string } };
    const min = /^>=(\d+)\.(\d+)$/.exec(pkg.engines.node)!;
    for (const major of [Number(process.versions.node.split('.')[0]), ...SUPPORTED_NODE_MAJORS]) expect(major).toBeGreaterThanOrEqual(Number(min[1]));
  });
});
