// Exactly-once across crashes, whatever closed the files (flush.size, the
// wall clock, memory pressure, an idle partition).
//
// Per Kafka partition, sets are uploaded one after the other, and before the
// first object of a set goes up, a small marker object records the set:
// its offset range and the keys of its objects. Every object carries the set
// id (<start>-<end>) in its metadata. So at any moment at most one set — the
// marker's — can be partly in S3, and everything before its start is fully
// there. On assignment Sluice reads the marker back:
//   - every key present with the marker's set id: the set is complete; reading
//     resumes at end + 1;
//   - otherwise the set's objects are deleted and reading resumes at start;
//     the set is written again, with boundaries that may differ, under names
//     that never collide with a complete set's (names carry the first offset,
//     and complete sets cover only offsets before start).
// A reader therefore never sees a row twice; during a recovery it may briefly
// miss the last set's rows until they are written again.
import type { S3Service } from './service.js';

export interface SetMarker {
  version: 1;
  topic: string;
  partition: number;
  start: number;
  end: number;
  keys: string[];
  writtenAt: string;
}

export const SET_METADATA = 'sluice-set';

export function setId(start: number, end: number): string {
  return `${start}-${end}`;
}

export function markerKey(topicsDir: string, topic: string, partition: number): string {
  return `${topicsDir}/_sluice/${topic}/${partition}.json`;
}

function parseMarker(text: string, topic: string, partition: number): SetMarker | undefined {
  let m: Partial<SetMarker>;
  try {
    m = JSON.parse(text) as Partial<SetMarker>;
  } catch {
    return undefined;
  }
  if (m?.version !== 1 || m.topic !== topic || m.partition !== partition) return undefined;
  if (!Number.isSafeInteger(m.start) || !Number.isSafeInteger(m.end) || !Array.isArray(m.keys)) return undefined;
  return m as SetMarker;
}

export interface Recovery {
  /** Where to resume reading; undefined: no marker, use the group's committed offset. */
  position?: number;
  complete?: boolean;
  deleted: string[];
  marker?: SetMarker;
}

/** Reads a partition's marker back and makes S3 consistent with it (see above). */
export async function recoverPartition(s3: Pick<S3Service, 'getText' | 'head' | 'delete'>, topicsDir: string, topic: string, partition: number): Promise<Recovery> {
  const key = markerKey(topicsDir, topic, partition);
  const text = await s3.getText(key);
  if (text === undefined) return { deleted: [] };
  const marker = parseMarker(text, topic, partition);
  if (!marker) throw new Error(`s3 marker ${key} is not a Sluice set marker for topic ${topic} partition ${partition}; delete it to start over from the consumer group's offset`);
  const id = setId(marker.start, marker.end);
  const metas = await Promise.all(marker.keys.map((k) => s3.head(k)));
  if (metas.every((m) => m?.[SET_METADATA] === id)) return { position: marker.end + 1, complete: true, deleted: [], marker };
  const present = marker.keys.filter((_k, i) => metas[i] !== undefined);
  if (present.length > 0) await s3.delete(present);
  return { position: marker.start, complete: false, deleted: present, marker };
}
