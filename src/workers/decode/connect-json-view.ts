// Kafka Connect JSON values (JsonConverter, schemas.enable=true) carry their
// Connect schema in the envelope: JsonConverter.asConnectSchema reads its
// type, optional, name, version, doc, parameters and default as they are. So
// the envelope's schema is the value's Connect view (workers/connect-view.ts),
// and its top-level "version", when an integer, is the schema version that
// schema.compatibility compares (there is no registry to ask).
import { setConnectView, setDeclaredVersion } from '../connect-view.js';
import type { ConnectSchema, RecordSchema } from '../schema.js';

export function attachEnvelopeView(schema: RecordSchema, envelope: ConnectSchema): void {
  setConnectView(schema, () => envelope, true);
  const version = envelopeVersion(envelope);
  if (version !== undefined) setDeclaredVersion(schema, version);
}

/** As asConnectSchema: an integral "version" node, taken as Java's intValue(); anything else is no version. */
export function envelopeVersion(envelope: ConnectSchema): number | undefined {
  const v = (envelope as { version?: unknown }).version;
  if (typeof v === 'bigint') return Number(BigInt.asIntN(32, v));
  if (typeof v !== 'number' || !Number.isInteger(v)) return undefined;
  return Number.isSafeInteger(v) ? Number(BigInt.asIntN(32, BigInt(v))) : undefined;
}
