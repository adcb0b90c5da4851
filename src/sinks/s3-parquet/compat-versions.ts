// StorageSchemaCompatibility.validateAndCheck: with BACKWARD/FORWARD/FULL, a
// record whose value schema is not the file's current one needs both schemas'
// versions, else the task fails with SchemaProjectorException "Schema version
// required for BACKWARD compatibility". The same schema never asks (Confluent
// compares the cached schema instances first), so a Connect JSON envelope
// schema without "version" runs until another schema meets it in a file.
// Registry formats always carry versions (the workers stop Sluice otherwise).
import { SluiceError } from '../../errors.js';
import type { Compatibility } from './compatibility.js';
import type { ChunkMeta } from './layout.js';
import { isSchemalessText } from './compat-connect.js';

interface FileSchema {
  readonly version?: number;
  readonly schema?: string;
  readonly pieces: readonly { readonly chunk: ChunkMeta }[];
}

/**
 * Throws where Confluent's task fails; true where the record's value closes
 * the file set whatever the versions say: a switch between schemaless and
 * schema-based values (Confluent's TopicPartitionWriter rotates on it).
 */
export function requireVersions(compat: Compatibility, file: FileSchema, chunk: ChunkMeta, offset: number, where: string | undefined): boolean {
  // Tombstone rows (behavior.on.null.values=write) have no value schema, and a key schema change alone asks for no version.
  if (chunk.valueless || file.pieces[0]?.chunk.valueless || (file.schema === chunk.schema && file.version === chunk.version)) return false;
  if (isSchemalessText(file.schema) || isSchemalessText(chunk.schema)) return file.schema !== chunk.schema;
  if (file.version !== undefined && chunk.version !== undefined) return false;
  const which = chunk.version === undefined ? "this record's value schema has no version" : "the file's value schema (its first record's) has no version";
  throw new VersionRequiredError(
    where,
    offset,
    `schema.compatibility=${compat.toUpperCase()} compares the versions of the record's and its file's value schemas, which differ, and ${which} ` +
      '(Kafka Connect: "Schema version required for ' + compat.toUpperCase() + ' compatibility"); give the JsonConverter envelope schema a "version" or use schema.compatibility=NONE',
  );
}

/**
 * Confluent's SchemaProjectorException from validateAndCheck: TopicPartitionWriter
 * hands the record to the errant-record reporter when there is one (rotation.ts).
 */
export class VersionRequiredError extends SluiceError {
  constructor(
    readonly where: string | undefined,
    readonly offset: number,
    /** The message without the record's place. */
    readonly detail: string,
  ) {
    super(`${where ? `${where} ` : ''}offset ${offset}: ${detail}`);
  }
}
