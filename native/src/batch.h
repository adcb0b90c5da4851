/*
 * Appending one record into a Sluice batch buffer (a SharedArrayBuffer in the
 * layout of src/pipeline/batch-layout.ts; native-notes/batch-layout.md).
 * Shared by Consumer.consume() and the writeTestRecords() test hook.
 */
#ifndef SLUICE_BATCH_H
#define SLUICE_BATCH_H

#include <stddef.h>
#include <stdint.h>

#define SL_BATCH_MAGIC 0x534c4231 /* "SLB1" */
#define SL_HDR_MAGIC 0
#define SL_HDR_RECORD_COUNT 1
#define SL_HDR_RECORD_CAPACITY 2
#define SL_HDR_DATA_START 3
#define SL_HDR_DATA_END 4
#define SL_HDR_PARTITION 5
#define SL_HEADER_INTS 16
#define SL_HEADER_BYTES (SL_HEADER_INTS * 4)
#define SL_F64_PER_RECORD 2
#define SL_I32_PER_RECORD 6
#define SL_INDEX_BYTES_PER_RECORD (SL_F64_PER_RECORD * 8 + SL_I32_PER_RECORD * 4)
#define SL_NULL_LENGTH (-1)

/* Returns header i of record r's headers. A NULL *value is a null header value. */
typedef void (*sl_header_at_fn)(const void *ctx, size_t i, const char **name, size_t *name_len,
                                const void **value, size_t *value_len);

typedef struct sl_record {
  const void *key; /* NULL: null key (key_len ignored) */
  size_t key_len;
  const void *value; /* NULL: null value (tombstone) */
  size_t value_len;
  size_t header_count;
  sl_header_at_fn header_at;
  const void *header_ctx;
  double offset;
  double timestamp; /* -1 when not available */
} sl_record;

/*
 * Bytes the record takes in the data region (key + value + encoded headers,
 * 8 bytes of lengths per header). *kafka_bytes (optional) gets the size as
 * Kafka counts it: key + value + header names and values.
 */
uint64_t sl_record_data_bytes(const sl_record *r, uint64_t *kafka_bytes);

/* NULL when buf[0, len) holds a valid batch header, else what is wrong. */
const char *sl_batch_check(const uint8_t *buf, size_t len);

/*
 * Appends r when it fits (count < capacity and dataEnd + data_bytes <= len),
 * exactly as BatchWriter.tryAppend does, then publishes HDR_RECORD_COUNT and
 * HDR_DATA_END. data_bytes must be sl_record_data_bytes(r). Returns 1 when
 * appended, 0 when it does not fit (nothing written).
 */
int sl_batch_append(uint8_t *buf, size_t len, const sl_record *r, uint64_t data_bytes);

#endif
