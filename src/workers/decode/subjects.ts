// The value subject a Confluent converter looks a schema's version up under
// (value.converter.value.subject.name.strategy): TopicNameStrategy
// "<topic>-value", RecordNameStrategy "<record name>", TopicRecordNameStrategy
// "<topic>-<record name>". The record name is the schema's full name: an
// Avro record's, the Protobuf message the value's message indexes name, a
// JSON Schema's "title" (ParsedSchema.name()).

export type SubjectStrategy = 'topic' | 'record' | 'topic-record';

const BY_CLASS: Record<string, SubjectStrategy> = {
  TopicNameStrategy: 'topic',
  RecordNameStrategy: 'record',
  TopicRecordNameStrategy: 'topic-record',
};

/** The strategy a class name (Confluent's, or its simple name) names; undefined for any other class. */
export function subjectStrategyOf(cls: string): SubjectStrategy | undefined {
  const simple = cls.trim().slice(cls.trim().lastIndexOf('.') + 1);
  const pkg = cls.trim().slice(0, Math.max(0, cls.trim().lastIndexOf('.')));
  if (pkg !== '' && pkg !== 'io.confluent.kafka.serializers.subject') return undefined;
  return Object.prototype.hasOwnProperty.call(BY_CLASS, simple) ? BY_CLASS[simple] : undefined;
}

/** The value subject, or an Error's text when the strategy needs a record name the schema does not have. */
export function valueSubject(strategy: SubjectStrategy, topic: string, recordName: string | undefined): string | { error: string } {
  if (strategy === 'topic') return `${topic}-value`;
  if (recordName === undefined) {
    const cls = strategy === 'record' ? 'RecordNameStrategy' : 'TopicRecordNameStrategy';
    return { error: `with value.subject.name.strategy=${cls} the value's schema must be a named record (Confluent: "the message value must only be a record schema")` };
  }
  return strategy === 'record' ? recordName : `${topic}-${recordName}`;
}
