// A Kafka topic-partition, and the one string key every layer uses to index
// per-partition state (source positions, engine batches, sink writers).

export interface TopicPartition {
  topic: string;
  partition: number;
}

/** NUL cannot occur in a topic name, so the key is unambiguous. */
export function tpKey(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}
