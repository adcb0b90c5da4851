// Which Node Sluice runs on. Node 20 reached its end of life on 2026-04-30;
// the container image runs Node 24 LTS, and 22 is supported too. On an older
// Node, Sluice says so once, in its own log, in place of the AWS SDK's
// multi-line NodeVersionSupportWarning printed at the first S3 client.

/** The Node major versions Sluice is built and tested for (the image: the last). */
export const SUPPORTED_NODE_MAJORS = [22, 24] as const;
const EOL: Record<number, string> = { 18: '2025-04-30', 20: '2026-04-30' };

/** One line to log when the running Node is past its end of life, else undefined. */
export function nodeVersionNotice(version: string = process.version): string | undefined {
  const major = Number(/^v?(\d+)\./.exec(version)?.[1]);
  if (!(major < SUPPORTED_NODE_MAJORS[0])) return undefined;
  const eol = EOL[major];
  return `running on Node ${version}${eol ? `, past its end of life (${eol})` : ''}: Sluice supports Node ${SUPPORTED_NODE_MAJORS.join(' and ')} (the container image runs ${SUPPORTED_NODE_MAJORS.at(-1)})`;
}

/** Keeps the AWS SDK from printing its own Node version warning (Sluice's notice says it once, in the log). */
export function quietSdkNodeWarning(env: NodeJS.ProcessEnv = process.env): void {
  env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
}
