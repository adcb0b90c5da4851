// Per-record routing in the S3 sink: a record a transform sent to another
// topic goes under topics/<routed topic>/… with <routed topic> in its file
// name, as Confluent's S3 sink writes a RegexRouter'ed record. The worker
// marks such a record's partitioner path with the routed topic (a NUL can be
// in neither a topic name nor an encoded partition), and the object key
// takes it back out.
const MARK = '\u0000';

export function routedPath(recordTopic: string, batchTopic: string, path: string): string {
  return recordTopic === batchTopic ? path : `${MARK}${recordTopic}${MARK}${path}`;
}

export function splitRoutedPath(topic: string, path: string): { topic: string; path: string } {
  if (!path.startsWith(MARK)) return { topic, path };
  const end = path.indexOf(MARK, 1);
  return { topic: path.slice(1, end), path: path.slice(end + 1) };
}
