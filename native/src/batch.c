/* See batch.h. Index slots are host-endian (JS reads them through Int32Array
 * and Float64Array); header-encoding lengths are little-endian (DataView). */
#include "batch.h"

#include <string.h>

static inline int32_t rd_i32(const uint8_t *p) {
  int32_t v;
  memcpy(&v, p, 4);
  return v;
}
static inline void wr_i32(uint8_t *p, int32_t v) { memcpy(p, &v, 4); }
static inline void wr_f64(uint8_t *p, double v) { memcpy(p, &v, 8); }
static inline void wr_le32(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)v;
  p[1] = (uint8_t)(v >> 8);
  p[2] = (uint8_t)(v >> 16);
  p[3] = (uint8_t)(v >> 24);
}

uint64_t sl_record_data_bytes(const sl_record *r, uint64_t *kafka_bytes) {
  uint64_t n = (r->key ? r->key_len : 0) + (r->value ? r->value_len : 0);
  uint64_t k = n;
  for (size_t i = 0; i < r->header_count; i++) {
    const char *name;
    size_t name_len, value_len;
    const void *value;
    r->header_at(r->header_ctx, i, &name, &name_len, &value, &value_len);
    if (!value) value_len = 0;
    n += 8 + name_len + value_len;
    k += name_len + value_len;
  }
  if (kafka_bytes) *kafka_bytes = k;
  return n;
}

const char *sl_batch_check(const uint8_t *buf, size_t len) {
  if (len < SL_HEADER_BYTES) return "buffer is smaller than a batch header";
  if (len > INT32_MAX) return "buffer is larger than 2 GiB";
  if ((uint32_t)rd_i32(buf + SL_HDR_MAGIC * 4) != SL_BATCH_MAGIC) return "not a Sluice batch buffer (bad magic)";
  int64_t cap = rd_i32(buf + SL_HDR_RECORD_CAPACITY * 4);
  int64_t count = rd_i32(buf + SL_HDR_RECORD_COUNT * 4);
  int64_t start = rd_i32(buf + SL_HDR_DATA_START * 4);
  int64_t end = rd_i32(buf + SL_HDR_DATA_END * 4);
  if (cap < 1) return "batch record capacity must be at least 1";
  if (start != SL_HEADER_BYTES + cap * SL_INDEX_BYTES_PER_RECORD || start > (int64_t)len)
    return "batch data start does not match its record capacity and size";
  if (count < 0 || count > cap) return "batch record count out of range";
  if (end < start || end > (int64_t)len) return "batch data end out of range";
  return NULL;
}

int sl_batch_append(uint8_t *buf, size_t len, const sl_record *r, uint64_t data_bytes) {
  int64_t cap = rd_i32(buf + SL_HDR_RECORD_CAPACITY * 4);
  int64_t count = rd_i32(buf + SL_HDR_RECORD_COUNT * 4);
  int64_t start = rd_i32(buf + SL_HDR_DATA_START * 4);
  int64_t end = rd_i32(buf + SL_HDR_DATA_END * 4);
  /* Cheap re-check of what sl_batch_check() established: a header changed
   * since reads as full rather than writing out of bounds. */
  if (count < 0 || count >= cap || start < SL_HEADER_BYTES + cap * SL_INDEX_BYTES_PER_RECORD || end < start ||
      (uint64_t)end > len || len > INT32_MAX)
    return 0;
  if ((uint64_t)end + data_bytes > len) return 0;

  uint8_t *idx = buf + SL_HEADER_BYTES + cap * SL_F64_PER_RECORD * 8 + count * SL_I32_PER_RECORD * 4;
  uint8_t *f64 = buf + SL_HEADER_BYTES + count * SL_F64_PER_RECORD * 8;
  int64_t pos = end;

  wr_i32(idx + 0, (int32_t)pos);
  if (!r->key) {
    wr_i32(idx + 4, SL_NULL_LENGTH);
  } else {
    wr_i32(idx + 4, (int32_t)r->key_len);
    if (r->key_len) memcpy(buf + pos, r->key, r->key_len);
    pos += (int64_t)r->key_len;
  }
  wr_i32(idx + 8, (int32_t)pos);
  if (!r->value) {
    wr_i32(idx + 12, SL_NULL_LENGTH);
  } else {
    wr_i32(idx + 12, (int32_t)r->value_len);
    if (r->value_len) memcpy(buf + pos, r->value, r->value_len);
    pos += (int64_t)r->value_len;
  }
  int64_t hstart = pos;
  for (size_t i = 0; i < r->header_count; i++) {
    const char *name;
    size_t name_len, value_len;
    const void *value;
    r->header_at(r->header_ctx, i, &name, &name_len, &value, &value_len);
    wr_le32(buf + pos, (uint32_t)name_len);
    if (name_len) memcpy(buf + pos + 4, name, name_len);
    pos += 4 + (int64_t)name_len;
    if (!value) {
      wr_le32(buf + pos, (uint32_t)SL_NULL_LENGTH);
      pos += 4;
    } else {
      wr_le32(buf + pos, (uint32_t)value_len);
      if (value_len) memcpy(buf + pos + 4, value, value_len);
      pos += 4 + (int64_t)value_len;
    }
  }
  wr_i32(idx + 16, (int32_t)hstart);
  wr_i32(idx + 20, (int32_t)(pos - hstart));
  wr_f64(f64 + 0, r->offset);
  wr_f64(f64 + 8, r->timestamp);
  wr_i32(buf + SL_HDR_RECORD_COUNT * 4, (int32_t)(count + 1));
  wr_i32(buf + SL_HDR_DATA_END * 4, (int32_t)pos);
  return 1;
}
