/*
 * sluice_native: a librdkafka consumer that copies each consumed message
 * straight into Sluice's SharedArrayBuffer batch layout (batch.c), with no JS
 * object per record. src/source/native-addon.ts is its loader and typings.
 *
 * Threads: every method runs on the JS main thread except the execute halves
 * of connect/consume/commit/close, which run on libuv pool threads. The slot
 * table (topic/partition -> batch buffer and pending messages) is touched by
 * consume's execute only while `consuming` is set; attach/detach/setBuffer/
 * clearBuffer refuse to run then. librdkafka's rebalance and error callbacks
 * run inside rd_kafka_consume_batch_queue (poll_set_consumer forwards the main
 * queue), i.e. on consume's pool thread, or inside rd_kafka_consumer_close on
 * close's pool thread; the event list they fill has its own mutex.
 */
#define NAPI_VERSION 8
#include <node_api.h>
#include <rdkafka.h>

#include <ctype.h>
#include <stdarg.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include "batch.h"

#define MAX_SLOTS (1 << 20)

/* ------------------------------------------------------------------------ */
/* N-API helpers                                                            */

#define NAPI_OK(call)                                                        \
  do {                                                                       \
    if ((call) != napi_ok) {                                                 \
      throw_last(env, #call);                                                \
      return NULL;                                                           \
    }                                                                        \
  } while (0)

static void throw_last(napi_env env, const char *what) {
  bool pending = false;
  napi_is_exception_pending(env, &pending);
  if (pending) return;
  const napi_extended_error_info *info = NULL;
  napi_get_last_error_info(env, &info);
  char msg[512];
  snprintf(msg, sizeof msg, "sluice_native: %s failed: %s", what,
           info && info->error_message ? info->error_message : "unknown N-API error");
  napi_throw_error(env, NULL, msg);
}

static napi_value make_error(napi_env env, const char *message, int code, int with_code) {
  napi_value msg, err, c;
  napi_create_string_utf8(env, message, NAPI_AUTO_LENGTH, &msg);
  napi_create_error(env, NULL, msg, &err);
  if (with_code) {
    napi_create_int32(env, code, &c);
    napi_set_named_property(env, err, "code", c);
  }
  return err;
}

static napi_value throw_msg(napi_env env, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static napi_value throw_msg(napi_env env, const char *fmt, ...) {
  char msg[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  napi_throw_error(env, NULL, msg);
  return NULL;
}

static napi_value undefined(napi_env env) {
  napi_value u;
  napi_get_undefined(env, &u);
  return u;
}

/* Returns a malloc'd UTF-8 copy of a JS string, or NULL (exception pending). */
static char *get_string(napi_env env, napi_value v, const char *what, size_t *len_out) {
  napi_valuetype t;
  if (napi_typeof(env, v, &t) != napi_ok || t != napi_string) {
    throw_msg(env, "%s must be a string", what);
    return NULL;
  }
  size_t len = 0;
  if (napi_get_value_string_utf8(env, v, NULL, 0, &len) != napi_ok) {
    throw_last(env, "napi_get_value_string_utf8");
    return NULL;
  }
  char *s = malloc(len + 1);
  if (!s) {
    throw_msg(env, "out of memory");
    return NULL;
  }
  napi_get_value_string_utf8(env, v, s, len + 1, &len);
  if (len_out) *len_out = len;
  return s;
}

static int get_int(napi_env env, napi_value v, const char *what, int64_t *out) {
  napi_valuetype t;
  double d;
  if (napi_typeof(env, v, &t) != napi_ok || t != napi_number || napi_get_value_double(env, v, &d) != napi_ok ||
      d != d || d < -9007199254740992.0 || d > 9007199254740992.0 || (double)(int64_t)d != d) {
    throw_msg(env, "%s must be an integer", what);
    return 0;
  }
  *out = (int64_t)d;
  return 1;
}

/* Uint8Array data pointer/length; the view must start at byte 0 of its buffer
 * when whole_buffer is set. NULL data for a 0-byte view is replaced by "". */
static int get_bytes(napi_env env, napi_value v, const char *what, uint8_t **data, size_t *len, int whole_buffer) {
  bool is_ta = false;
  napi_is_typedarray(env, v, &is_ta);
  if (!is_ta) {
    throw_msg(env, "%s must be a Uint8Array", what);
    return 0;
  }
  napi_typedarray_type type;
  size_t length, byte_offset;
  void *p;
  napi_value ab;
  if (napi_get_typedarray_info(env, v, &type, &length, &p, &ab, &byte_offset) != napi_ok) {
    throw_last(env, "napi_get_typedarray_info");
    return 0;
  }
  if (type != napi_uint8_array) {
    throw_msg(env, "%s must be a Uint8Array", what);
    return 0;
  }
  if (whole_buffer && byte_offset != 0) {
    throw_msg(env, "%s must view its buffer from byte 0 (byteOffset is %zu)", what, byte_offset);
    return 0;
  }
  *data = p ? (uint8_t *)p : (uint8_t *)"";
  *len = length;
  return 1;
}

/* ------------------------------------------------------------------------ */
/* Consumer state                                                           */

typedef struct slot {
  int attached;
  char *topic;
  int32_t partition;
  napi_ref view_ref; /* keeps the SAB alive while attached */
  uint8_t *buf;
  size_t buf_len;
  rd_kafka_message_t **pend; /* FIFO: pend[head .. head+count) */
  size_t pend_head, pend_count, pend_cap;
  uint32_t touched_gen, needs_gen;
} slot_t;

enum { EV_ASSIGN, EV_REVOKE, EV_ERROR };

typedef struct event {
  int type;
  rd_kafka_topic_partition_list_t *parts; /* assign/revoke */
  int lost;
  int code, fatal;
  char *message;
  struct event *next;
} event_t;

enum { ST_OPEN, ST_CLOSING, ST_CLOSED };

typedef struct work work_t;

typedef struct consumer {
  napi_env env;
  napi_ref self_weak; /* the wrapper (weak) */
  rd_kafka_t *rk;
  rd_kafka_queue_t *q;
  int state;
  atomic_int closing; /* read by the rebalance callback */
  int inflight;       /* async works not yet completed */
  int consuming;
  int close_wanted;   /* close() called while works were in flight */
  napi_deferred *close_waiters;
  size_t n_close_waiters;
  int finalized;

  slot_t *slots;
  uint32_t nslots;
  /* topic/partition -> slot: open addressing, rebuilt on attach/detach */
  int32_t *table;
  uint32_t table_mask;
  uint32_t attached_count;

  /* one consume at a time: its scratch and results */
  rd_kafka_message_t **msgs;
  size_t msgs_cap;
  uint32_t gen;
  int32_t *touched;
  size_t ntouched, touched_cap;
  int32_t *needs; /* slot numbers */
  size_t nneeds, needs_cap;
  double records, bytes, dropped;
  const rd_kafka_topic_t *cache_rkt; /* last lookup in this consume call */
  int32_t cache_partition, cache_slot;

  pthread_mutex_t ev_lock;
  event_t *ev_head, *ev_tail;
  char last_error_log[512]; /* last error-level log line (under ev_lock) */
  int refused;               /* a broker refused the credentials or certificate (under ev_lock) */
} consumer_t;

/* ------------------------------------------------------------------------ */
/* Events                                                                   */

static void push_event(consumer_t *c, event_t *e) {
  e->next = NULL;
  pthread_mutex_lock(&c->ev_lock);
  if (c->ev_tail)
    c->ev_tail->next = e;
  else
    c->ev_head = e;
  c->ev_tail = e;
  pthread_mutex_unlock(&c->ev_lock);
}

static event_t *take_events(consumer_t *c) {
  pthread_mutex_lock(&c->ev_lock);
  event_t *e = c->ev_head;
  c->ev_head = c->ev_tail = NULL;
  pthread_mutex_unlock(&c->ev_lock);
  return e;
}

static int has_events(consumer_t *c) {
  pthread_mutex_lock(&c->ev_lock);
  int r = c->ev_head != NULL;
  pthread_mutex_unlock(&c->ev_lock);
  return r;
}

static void free_events(event_t *e) {
  while (e) {
    event_t *n = e->next;
    if (e->parts) rd_kafka_topic_partition_list_destroy(e->parts);
    free(e->message);
    free(e);
    e = n;
  }
}

static void push_error(consumer_t *c, int code, const char *message, int fatal) {
  event_t *e = calloc(1, sizeof *e);
  if (!e) return;
  e->type = EV_ERROR;
  e->code = code;
  e->fatal = fatal;
  e->message = strdup(message ? message : "");
  push_event(c, e);
}

static void error_cb(rd_kafka_t *rk, int err, const char *reason, void *opaque) {
  consumer_t *c = opaque;
  if (err == RD_KAFKA_RESP_ERR__FATAL) {
    char buf[512];
    rd_kafka_resp_err_t orig = rd_kafka_fatal_error(rk, buf, sizeof buf);
    push_error(c, orig ? (int)orig : err, orig ? buf : reason, 1);
  } else {
    push_error(c, err, reason, 0);
  }
}

/* librdkafka's own stderr logging, plus the last error line for connect(). */
static void log_cb(const rd_kafka_t *rk, int level, const char *fac, const char *buf) {
  consumer_t *c = rd_kafka_opaque(rk);
  if (c && level <= 3) {
    pthread_mutex_lock(&c->ev_lock);
    snprintf(c->last_error_log, sizeof c->last_error_log, "%s", buf);
    /* librdkafka retries these for ever; connect() gives up on them at once */
    if (strstr(buf, "SASL authentication error") || strstr(buf, "certificate verify failed")) c->refused = 1;
    pthread_mutex_unlock(&c->ev_lock);
  }
  rd_kafka_log_print(rk, level, fac, buf);
}

static int is_cooperative(rd_kafka_t *rk) {
  const char *p = rd_kafka_rebalance_protocol(rk);
  return p && strcmp(p, "COOPERATIVE") == 0;
}

static void rebalance_cb(rd_kafka_t *rk, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t *parts,
                         void *opaque) {
  consumer_t *c = opaque;
  if (atomic_load(&c->closing)) {
    /* Closing: nobody is left to hand the event to; let librdkafka proceed. */
    int coop = is_cooperative(rk);
    rd_kafka_error_t *e = NULL;
    if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS)
      coop ? (void)(e = rd_kafka_incremental_assign(rk, parts)) : (void)rd_kafka_assign(rk, parts);
    else if (err == RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS)
      coop ? (void)(e = rd_kafka_incremental_unassign(rk, parts)) : (void)rd_kafka_assign(rk, NULL);
    else
      rd_kafka_assign(rk, NULL);
    if (e) rd_kafka_error_destroy(e);
    return;
  }
  if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS || err == RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS) {
    event_t *e = calloc(1, sizeof *e);
    if (e) {
      e->type = err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS ? EV_ASSIGN : EV_REVOKE;
      e->parts = rd_kafka_topic_partition_list_copy(parts);
      e->lost = err == RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS && rd_kafka_assignment_lost(rk);
      push_event(c, e);
    }
    /* JS calls assign/unassign once it has handled the event. */
    rd_kafka_yield(rk);
  } else {
    char msg[512];
    snprintf(msg, sizeof msg, "rebalance failed: %s", rd_kafka_err2str(err));
    push_error(c, err, msg, 0);
    rd_kafka_assign(rk, NULL);
    rd_kafka_yield(rk);
  }
}

/* ------------------------------------------------------------------------ */
/* Slot table                                                               */

static uint32_t hash_tp(const char *topic, size_t len, int32_t partition) {
  uint32_t h = 2166136261u;
  for (size_t i = 0; i < len; i++) h = (h ^ (uint8_t)topic[i]) * 16777619u;
  h = (h ^ (uint32_t)partition) * 16777619u;
  return h ^ (h >> 15);
}

static int rebuild_table(consumer_t *c) {
  uint32_t size = 16;
  while (size < c->attached_count * 2 + 2) size <<= 1;
  int32_t *t = malloc(sizeof(int32_t) * size);
  if (!t) return 0;
  for (uint32_t i = 0; i < size; i++) t[i] = -1;
  for (uint32_t s = 0; s < c->nslots; s++) {
    slot_t *sl = &c->slots[s];
    if (!sl->attached) continue;
    uint32_t h = hash_tp(sl->topic, strlen(sl->topic), sl->partition) & (size - 1);
    while (t[h] >= 0) h = (h + 1) & (size - 1);
    t[h] = (int32_t)s;
  }
  free(c->table);
  c->table = t;
  c->table_mask = size - 1;
  return 1;
}

static int32_t find_slot(consumer_t *c, const char *topic, int32_t partition) {
  if (!c->table) return -1;
  size_t len = strlen(topic);
  uint32_t h = hash_tp(topic, len, partition) & c->table_mask;
  for (;;) {
    int32_t s = c->table[h];
    if (s < 0) return -1;
    slot_t *sl = &c->slots[s];
    if (sl->partition == partition && strcmp(sl->topic, topic) == 0) return s;
    h = (h + 1) & c->table_mask;
  }
}

static int32_t lookup_msg(consumer_t *c, const rd_kafka_message_t *m) {
  if (m->rkt == c->cache_rkt && m->partition == c->cache_partition) return c->cache_slot;
  int32_t s = m->rkt ? find_slot(c, rd_kafka_topic_name(m->rkt), m->partition) : -1;
  c->cache_rkt = m->rkt;
  c->cache_partition = m->partition;
  c->cache_slot = s;
  return s;
}

static int ensure_slot(consumer_t *c, uint32_t s) {
  if (s < c->nslots) return 1;
  uint32_t n = c->nslots ? c->nslots : 16;
  while (n <= s) n *= 2;
  slot_t *ns = realloc(c->slots, sizeof(slot_t) * n);
  if (!ns) return 0;
  memset(ns + c->nslots, 0, sizeof(slot_t) * (n - c->nslots));
  c->slots = ns;
  c->nslots = n;
  return 1;
}

static void destroy_pending(slot_t *sl) {
  for (size_t i = 0; i < sl->pend_count; i++) rd_kafka_message_destroy(sl->pend[sl->pend_head + i]);
  sl->pend_head = sl->pend_count = 0;
}

static void drop_buffer(napi_env env, slot_t *sl) {
  if (sl->view_ref) napi_delete_reference(env, sl->view_ref);
  sl->view_ref = NULL;
  sl->buf = NULL;
  sl->buf_len = 0;
}

static int push_pending(slot_t *sl, rd_kafka_message_t *m) {
  if (sl->pend_head + sl->pend_count == sl->pend_cap) {
    if (sl->pend_head > 0) {
      memmove(sl->pend, sl->pend + sl->pend_head, sizeof(*sl->pend) * sl->pend_count);
      sl->pend_head = 0;
    }
    if (sl->pend_count == sl->pend_cap) {
      size_t n = sl->pend_cap ? sl->pend_cap * 2 : 64;
      rd_kafka_message_t **p = realloc(sl->pend, sizeof(*p) * n);
      if (!p) return 0;
      sl->pend = p;
      sl->pend_cap = n;
    }
  }
  sl->pend[sl->pend_head + sl->pend_count++] = m;
  return 1;
}

/* ------------------------------------------------------------------------ */
/* Message -> batch                                                         */

static void rk_header_at(const void *ctx, size_t i, const char **name, size_t *name_len, const void **value,
                         size_t *value_len) {
  if (rd_kafka_header_get_all((const rd_kafka_headers_t *)ctx, i, name, value, value_len)) {
    *name = "";
    *value = NULL;
    *value_len = 0;
  }
  *name_len = strlen(*name);
}

static void msg_record(rd_kafka_message_t *m, sl_record *r) {
  r->key = m->key;
  r->key_len = m->key_len;
  r->value = m->payload;
  r->value_len = m->len;
  rd_kafka_headers_t *hdrs = NULL;
  if (rd_kafka_message_headers(m, &hdrs) == RD_KAFKA_RESP_ERR_NO_ERROR && hdrs) {
    r->header_count = rd_kafka_header_cnt(hdrs);
    r->header_at = rk_header_at;
    r->header_ctx = hdrs;
  } else {
    r->header_count = 0;
    r->header_at = NULL;
    r->header_ctx = NULL;
  }
  r->offset = (double)m->offset;
  r->timestamp = (double)rd_kafka_message_timestamp(m, NULL);
}

static int grow_i32(int32_t **arr, size_t *cap, size_t need) {
  if (need <= *cap) return 1;
  size_t n = *cap ? *cap * 2 : 64;
  while (n < need) n *= 2;
  int32_t *p = realloc(*arr, sizeof(int32_t) * n);
  if (!p) return 0;
  *arr = p;
  *cap = n;
  return 1;
}

static void mark_touched(consumer_t *c, int32_t s) {
  slot_t *sl = &c->slots[s];
  if (sl->touched_gen == c->gen) return;
  if (!grow_i32(&c->touched, &c->touched_cap, c->ntouched + 1)) return;
  sl->touched_gen = c->gen;
  c->touched[c->ntouched++] = s;
}

static void mark_needs(consumer_t *c, int32_t s) {
  slot_t *sl = &c->slots[s];
  if (sl->needs_gen == c->gen) return;
  if (!grow_i32(&c->needs, &c->needs_cap, c->nneeds + 1)) return;
  sl->needs_gen = c->gen;
  c->needs[c->nneeds++] = s;
}

/* Copies m into slot s's buffer; 1 when it fitted. */
static int append_msg(consumer_t *c, int32_t s, rd_kafka_message_t *m) {
  slot_t *sl = &c->slots[s];
  if (!sl->buf) return 0;
  sl_record r;
  uint64_t kafka_bytes;
  msg_record(m, &r);
  uint64_t data = sl_record_data_bytes(&r, &kafka_bytes);
  if (!sl_batch_append(sl->buf, sl->buf_len, &r, data)) return 0;
  c->records += 1;
  c->bytes += (double)kafka_bytes;
  mark_touched(c, s);
  return 1;
}

static uint64_t msg_data_bytes(rd_kafka_message_t *m) {
  sl_record r;
  msg_record(m, &r);
  return sl_record_data_bytes(&r, NULL);
}

static void format_msg_error(const rd_kafka_message_t *m, char *out, size_t n) {
  const char *s = rd_kafka_message_errstr(m);
  if (m->rkt)
    snprintf(out, n, "%s [%d]: %s", rd_kafka_topic_name(m->rkt), (int)m->partition, s ? s : "");
  else
    snprintf(out, n, "%s", s ? s : "");
}

/* ------------------------------------------------------------------------ */
/* Async work                                                               */

enum { W_CONNECT, W_CONSUME, W_COMMIT, W_CLOSE };

struct work {
  int kind;
  consumer_t *c;
  napi_async_work aw;
  napi_deferred deferred;
  napi_ref self; /* strong: the consumer stays alive while this runs */
  int timeout_ms;
  int max;
  rd_kafka_topic_partition_list_t *offsets;
  int err;
  char errstr[1024];
};

static void start_close(napi_env env, consumer_t *c);

static void consume_execute(consumer_t *c, work_t *w) {
  c->gen++;
  if (c->gen == 0) c->gen = 1;
  c->ntouched = c->nneeds = 0;
  c->records = c->bytes = c->dropped = 0;
  c->cache_rkt = NULL;
  c->cache_partition = -1;
  c->cache_slot = -1;

  /* (1) pending messages go first, in order, into buffers JS has supplied. */
  for (uint32_t s = 0; s < c->nslots; s++) {
    slot_t *sl = &c->slots[s];
    if (sl->pend_count == 0) continue;
    while (sl->pend_count > 0 && append_msg(c, (int32_t)s, sl->pend[sl->pend_head])) {
      rd_kafka_message_destroy(sl->pend[sl->pend_head]);
      sl->pend_head++;
      sl->pend_count--;
    }
    if (sl->pend_count == 0)
      sl->pend_head = 0;
    else
      mark_needs(c, (int32_t)s);
  }
  /* (2) nothing new while a slot waits for a buffer. */
  if (c->nneeds > 0) return;

  /* (3) wait for the first message, then take what is already there. */
  size_t max = w->max > 0 ? (size_t)w->max : 1;
  if (c->msgs_cap < max) {
    rd_kafka_message_t **p = realloc(c->msgs, sizeof(*p) * max);
    if (!p) {
      w->err = RD_KAFKA_RESP_ERR__NOENT;
      snprintf(w->errstr, sizeof w->errstr, "out of memory");
      return;
    }
    c->msgs = p;
    c->msgs_cap = max;
  }
  ssize_t n = rd_kafka_consume_batch_queue(c->q, w->timeout_ms, c->msgs, 1);
  if (n < 0) n = 0;
  if (n == 1 && max > 1 && !has_events(c)) {
    ssize_t more = rd_kafka_consume_batch_queue(c->q, 0, c->msgs + 1, max - 1);
    if (more > 0) n += more;
  }

  /* (4) copy or park each message. Copied and dropped messages are destroyed
   * after the loop: the (rkt, partition) -> slot cache compares topic handle
   * pointers, which stay valid only while a message holds a reference. */
  for (ssize_t i = 0; i < n; i++) {
    rd_kafka_message_t *m = c->msgs[i];
    if (m->err) {
      if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
        char msg[768];
        format_msg_error(m, msg, sizeof msg);
        if (m->err == RD_KAFKA_RESP_ERR__FATAL) {
          char buf[512];
          rd_kafka_resp_err_t orig = rd_kafka_fatal_error(c->rk, buf, sizeof buf);
          push_error(c, orig ? (int)orig : m->err, orig ? buf : msg, 1);
        } else {
          push_error(c, m->err, msg, 0);
        }
      }
      continue;
    }
    int32_t s = lookup_msg(c, m);
    if (s < 0) {
      c->dropped += 1;
      continue;
    }
    slot_t *sl = &c->slots[s];
    if (sl->pend_count == 0 && append_msg(c, s, m)) continue;
    if (!push_pending(sl, m)) {
      /* Out of memory: losing a message silently is not an option. */
      push_error(c, RD_KAFKA_RESP_ERR__FAIL, "sluice_native: out of memory parking a message", 1);
      continue;
    }
    c->msgs[i] = NULL; /* parked: the slot owns it now */
    mark_needs(c, s);
  }
  for (ssize_t i = 0; i < n; i++)
    if (c->msgs[i]) rd_kafka_message_destroy(c->msgs[i]);
  c->cache_rkt = NULL;
}

static void work_execute(napi_env env, void *data) {
  (void)env;
  work_t *w = data;
  consumer_t *c = w->c;
  switch (w->kind) {
  case W_CONNECT: {
    /* In slices, so that refused credentials or an untrusted certificate end
     * the wait at once instead of after the whole time-out. */
    rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR__TIMED_OUT;
    int waited = 0, refused = 0;
    do {
      const struct rd_kafka_metadata *md = NULL;
      int slice = w->timeout_ms - waited < 250 ? w->timeout_ms - waited : 250;
      err = rd_kafka_metadata(c->rk, 0, NULL, &md, slice);
      if (md) rd_kafka_metadata_destroy(md);
      waited += slice;
      pthread_mutex_lock(&c->ev_lock);
      refused = c->refused;
      pthread_mutex_unlock(&c->ev_lock);
    } while (err && !refused && waited < w->timeout_ms);
    if (err) {
      w->err = err;
      pthread_mutex_lock(&c->ev_lock);
      if (refused)
        snprintf(w->errstr, sizeof w->errstr, "%s (a broker refused the connection after %d ms: %s)",
                 rd_kafka_err2str(err), waited, c->last_error_log);
      else if (c->last_error_log[0])
        snprintf(w->errstr, sizeof w->errstr, "%s (no broker answered a metadata request within %d ms; last error: %s)",
                 rd_kafka_err2str(err), w->timeout_ms, c->last_error_log);
      else
        snprintf(w->errstr, sizeof w->errstr, "%s (no broker answered a metadata request within %d ms)",
                 rd_kafka_err2str(err), w->timeout_ms);
      pthread_mutex_unlock(&c->ev_lock);
    }
    break;
  }
  case W_CONSUME:
    consume_execute(c, w);
    break;
  case W_COMMIT: {
    rd_kafka_resp_err_t err = rd_kafka_commit(c->rk, w->offsets, 0);
    if (err) {
      w->err = err;
      snprintf(w->errstr, sizeof w->errstr, "%s", rd_kafka_err2str(err));
    }
    break;
  }
  case W_CLOSE: {
    atomic_store(&c->closing, 1);
    rd_kafka_resp_err_t err = rd_kafka_consumer_close(c->rk);
    if (err) {
      w->err = err;
      snprintf(w->errstr, sizeof w->errstr, "%s", rd_kafka_err2str(err));
    }
    for (uint32_t s = 0; s < c->nslots; s++) destroy_pending(&c->slots[s]);
    rd_kafka_queue_destroy(c->q);
    c->q = NULL;
    rd_kafka_destroy(c->rk);
    c->rk = NULL;
    break;
  }
  }
}

static napi_value partitions_to_js(napi_env env, const rd_kafka_topic_partition_list_t *parts) {
  napi_value arr;
  napi_create_array_with_length(env, parts ? (size_t)parts->cnt : 0, &arr);
  for (int i = 0; parts && i < parts->cnt; i++) {
    napi_value o, t, p;
    napi_create_object(env, &o);
    napi_create_string_utf8(env, parts->elems[i].topic, NAPI_AUTO_LENGTH, &t);
    napi_create_int32(env, parts->elems[i].partition, &p);
    napi_set_named_property(env, o, "topic", t);
    napi_set_named_property(env, o, "partition", p);
    napi_set_element(env, arr, (uint32_t)i, o);
  }
  return arr;
}

static napi_value events_to_js(napi_env env, event_t *e) {
  napi_value arr;
  napi_create_array(env, &arr);
  uint32_t i = 0;
  for (; e; e = e->next) {
    napi_value o, v;
    napi_create_object(env, &o);
    if (e->type == EV_ERROR) {
      napi_create_string_utf8(env, "error", NAPI_AUTO_LENGTH, &v);
      napi_set_named_property(env, o, "type", v);
      napi_create_int32(env, e->code, &v);
      napi_set_named_property(env, o, "code", v);
      napi_create_string_utf8(env, e->message ? e->message : "", NAPI_AUTO_LENGTH, &v);
      napi_set_named_property(env, o, "message", v);
      napi_get_boolean(env, e->fatal, &v);
      napi_set_named_property(env, o, "fatal", v);
    } else {
      napi_create_string_utf8(env, e->type == EV_ASSIGN ? "assign" : "revoke", NAPI_AUTO_LENGTH, &v);
      napi_set_named_property(env, o, "type", v);
      napi_set_named_property(env, o, "partitions", partitions_to_js(env, e->parts));
      if (e->type == EV_REVOKE) {
        napi_get_boolean(env, e->lost, &v);
        napi_set_named_property(env, o, "lost", v);
      }
    }
    napi_set_element(env, arr, i++, o);
  }
  return arr;
}

static napi_value consume_result(napi_env env, consumer_t *c) {
  napi_value o, v, arr;
  napi_create_object(env, &o);
  napi_create_double(env, c->records, &v);
  napi_set_named_property(env, o, "records", v);
  napi_create_double(env, c->bytes, &v);
  napi_set_named_property(env, o, "bytes", v);
  napi_create_array_with_length(env, c->ntouched, &arr);
  for (size_t i = 0; i < c->ntouched; i++) {
    napi_create_int32(env, c->touched[i], &v);
    napi_set_element(env, arr, (uint32_t)i, v);
  }
  napi_set_named_property(env, o, "touched", arr);
  napi_create_array_with_length(env, c->nneeds * 2, &arr);
  for (size_t i = 0; i < c->nneeds; i++) {
    slot_t *sl = &c->slots[c->needs[i]];
    double min = sl->pend_count ? (double)msg_data_bytes(sl->pend[sl->pend_head]) : 0;
    napi_create_int32(env, c->needs[i], &v);
    napi_set_element(env, arr, (uint32_t)(2 * i), v);
    napi_create_double(env, min, &v);
    napi_set_element(env, arr, (uint32_t)(2 * i + 1), v);
  }
  napi_set_named_property(env, o, "needs", arr);
  napi_create_double(env, c->dropped, &v);
  napi_set_named_property(env, o, "dropped", v);
  event_t *ev = take_events(c);
  napi_set_named_property(env, o, "events", events_to_js(env, ev));
  free_events(ev);
  return o;
}

static void free_slots(napi_env env, consumer_t *c) {
  for (uint32_t s = 0; s < c->nslots; s++) {
    slot_t *sl = &c->slots[s];
    if (c->rk) destroy_pending(sl);
    if (env) drop_buffer(env, sl);
    free(sl->pend);
    free(sl->topic);
  }
  free(c->slots);
  c->slots = NULL;
  c->nslots = 0;
  free(c->table);
  c->table = NULL;
  c->attached_count = 0;
}

static void work_complete(napi_env env, napi_status status, void *data) {
  work_t *w = data;
  consumer_t *c = w->c;
  c->inflight--;
  if (w->kind == W_CONSUME) c->consuming = 0;

  if (w->kind == W_CLOSE) {
    c->state = ST_CLOSED;
    free_slots(env, c);
    free_events(take_events(c));
    napi_value u = undefined(env);
    for (size_t i = 0; i < c->n_close_waiters; i++) napi_resolve_deferred(env, c->close_waiters[i], u);
    free(c->close_waiters);
    c->close_waiters = NULL;
    c->n_close_waiters = 0;
  } else if (status == napi_cancelled) {
    napi_reject_deferred(env, w->deferred, make_error(env, "cancelled", 0, 0));
  } else if (w->err) {
    napi_reject_deferred(env, w->deferred, make_error(env, w->errstr, w->err, 1));
  } else if (w->kind == W_CONSUME) {
    napi_resolve_deferred(env, w->deferred, consume_result(env, c));
  } else {
    napi_resolve_deferred(env, w->deferred, undefined(env));
  }

  if (w->offsets) rd_kafka_topic_partition_list_destroy(w->offsets);
  napi_delete_async_work(env, w->aw);
  napi_ref self = w->self;
  free(w);
  if (c->close_wanted && c->inflight == 0 && c->state == ST_OPEN) start_close(env, c);
  napi_delete_reference(env, self); /* may let the consumer be collected */
}

static napi_value queue_work(napi_env env, consumer_t *c, work_t *w, napi_value self, napi_deferred deferred) {
  napi_value name;
  napi_create_string_utf8(env, "sluice_native", NAPI_AUTO_LENGTH, &name);
  w->c = c;
  w->deferred = deferred;
  if (napi_create_reference(env, self, 1, &w->self) != napi_ok ||
      napi_create_async_work(env, NULL, name, work_execute, work_complete, w, &w->aw) != napi_ok ||
      napi_queue_async_work(env, w->aw) != napi_ok) {
    throw_last(env, "napi_queue_async_work");
    return NULL;
  }
  c->inflight++;
  return self;
}

static void start_close(napi_env env, consumer_t *c) {
  napi_value self;
  if (napi_get_reference_value(env, c->self_weak, &self) != napi_ok || !self) return;
  work_t *w = calloc(1, sizeof *w);
  if (!w) return;
  w->kind = W_CLOSE;
  c->close_wanted = 0;
  c->state = ST_CLOSING;
  atomic_store(&c->closing, 1);
  queue_work(env, c, w, self, NULL);
}

/* ------------------------------------------------------------------------ */
/* Consumer methods                                                         */

static consumer_t *unwrap(napi_env env, napi_callback_info info, size_t *argc, napi_value *argv, napi_value *self) {
  napi_value this_;
  if (napi_get_cb_info(env, info, argc, argv, &this_, NULL) != napi_ok) {
    throw_last(env, "napi_get_cb_info");
    return NULL;
  }
  consumer_t *c = NULL;
  if (napi_unwrap(env, this_, (void **)&c) != napi_ok || !c) {
    throw_msg(env, "not a sluice_native Consumer");
    return NULL;
  }
  if (self) *self = this_;
  return c;
}

static int check_open(napi_env env, consumer_t *c) {
  if (c->state != ST_OPEN || c->close_wanted) {
    throw_msg(env, "consumer is closed");
    return 0;
  }
  return 1;
}

static int check_idle(napi_env env, consumer_t *c, const char *what) {
  if (c->consuming) {
    throw_msg(env, "%s() while consume() is in flight", what);
    return 0;
  }
  return 1;
}

static napi_value rejected(napi_env env, const char *message) {
  napi_deferred d;
  napi_value p;
  napi_create_promise(env, &d, &p);
  napi_reject_deferred(env, d, make_error(env, message, 0, 0));
  return p;
}

static int is_sensitive(const char *key) {
  char lower[256];
  size_t i = 0;
  for (; key[i] && i < sizeof lower - 1; i++) lower[i] = (char)tolower((unsigned char)key[i]);
  lower[i] = 0;
  return strstr(lower, "password") || strstr(lower, "secret") || strstr(lower, "sasl") || strstr(lower, "ssl.key");
}

static void finalize_consumer(napi_env env, void *data, void *hint) {
  (void)hint;
  consumer_t *c = data;
  if (c->inflight > 0) {
    /* Only at environment teardown with work still on a pool thread: that
     * thread may still use the handle, so it is left alone. */
    return;
  }
  if (c->rk) {
    atomic_store(&c->closing, 1);
    for (uint32_t s = 0; s < c->nslots; s++) destroy_pending(&c->slots[s]);
    if (c->q) rd_kafka_queue_destroy(c->q);
    rd_kafka_destroy_flags(c->rk, RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE);
    c->rk = NULL;
    c->q = NULL;
  }
  free_slots(env, c);
  free_events(take_events(c));
  if (c->self_weak) napi_delete_reference(env, c->self_weak);
  free(c->close_waiters);
  free(c->msgs);
  free(c->touched);
  free(c->needs);
  pthread_mutex_destroy(&c->ev_lock);
  free(c);
}

static napi_value Consumer_new(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], self, target;
  NAPI_OK(napi_get_new_target(env, info, &target));
  if (!target) return throw_msg(env, "Consumer must be called with new");
  NAPI_OK(napi_get_cb_info(env, info, &argc, argv, &self, NULL));
  napi_valuetype t = napi_undefined;
  if (argc >= 1) napi_typeof(env, argv[0], &t);
  if (t != napi_object) return throw_msg(env, "Consumer(config): config must be an object of librdkafka properties");

  rd_kafka_conf_t *conf = rd_kafka_conf_new();
  napi_value keys;
  uint32_t nkeys = 0;
  NAPI_OK(napi_get_property_names(env, argv[0], &keys));
  napi_get_array_length(env, keys, &nkeys);
  char errstr[512];
  for (uint32_t i = 0; i < nkeys; i++) {
    napi_value k, v;
    napi_get_element(env, keys, i, &k);
    napi_get_property(env, argv[0], k, &v);
    char *key = get_string(env, k, "config key", NULL);
    if (!key) {
      rd_kafka_conf_destroy(conf);
      return NULL;
    }
    napi_valuetype vt;
    napi_typeof(env, v, &vt);
    if (vt != napi_string) {
      rd_kafka_conf_destroy(conf);
      throw_msg(env, "configuration property \"%s\" must be a string", key);
      free(key);
      return NULL;
    }
    char *val = get_string(env, v, "config value", NULL);
    if (!val) {
      rd_kafka_conf_destroy(conf);
      free(key);
      return NULL;
    }
    rd_kafka_conf_res_t r = rd_kafka_conf_set(conf, key, val, errstr, sizeof errstr);
    free(val);
    if (r != RD_KAFKA_CONF_OK) {
      rd_kafka_conf_destroy(conf);
      if (is_sensitive(key))
        throw_msg(env, "%s configuration property \"%s\"",
                  r == RD_KAFKA_CONF_UNKNOWN ? "unknown" : "invalid value for", key);
      else
        throw_msg(env, "configuration property \"%s\": %s", key, errstr);
      free(key);
      return NULL;
    }
    free(key);
  }

  consumer_t *c = calloc(1, sizeof *c);
  if (!c) {
    rd_kafka_conf_destroy(conf);
    return throw_msg(env, "out of memory");
  }
  c->env = env;
  pthread_mutex_init(&c->ev_lock, NULL);
  atomic_init(&c->closing, 0);
  rd_kafka_conf_set_opaque(conf, c);
  rd_kafka_conf_set_rebalance_cb(conf, rebalance_cb);
  rd_kafka_conf_set_error_cb(conf, error_cb);
  rd_kafka_conf_set_log_cb(conf, log_cb);
  c->rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof errstr);
  if (!c->rk) {
    rd_kafka_conf_destroy(conf);
    pthread_mutex_destroy(&c->ev_lock);
    free(c);
    return throw_msg(env, "cannot create the Kafka consumer: %s", errstr);
  }
  rd_kafka_poll_set_consumer(c->rk);
  c->q = rd_kafka_queue_get_consumer(c->rk);
  if (napi_wrap(env, self, c, finalize_consumer, NULL, NULL) != napi_ok) {
    rd_kafka_queue_destroy(c->q);
    rd_kafka_destroy_flags(c->rk, RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE);
    pthread_mutex_destroy(&c->ev_lock);
    free(c);
    throw_last(env, "napi_wrap");
    return NULL;
  }
  napi_create_reference(env, self, 0, &c->self_weak);
  return self;
}

static napi_value Consumer_connect(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], self, promise;
  consumer_t *c = unwrap(env, info, &argc, argv, &self);
  if (!c) return NULL;
  int64_t timeout = 30000;
  if (argc >= 1 && !get_int(env, argv[0], "timeoutMs", &timeout)) return NULL;
  if (c->state != ST_OPEN || c->close_wanted) return rejected(env, "consumer is closed");
  work_t *w = calloc(1, sizeof *w);
  if (!w) return throw_msg(env, "out of memory");
  w->kind = W_CONNECT;
  w->timeout_ms = timeout < 0 ? 0 : timeout > INT32_MAX ? INT32_MAX : (int)timeout;
  napi_deferred d;
  NAPI_OK(napi_create_promise(env, &d, &promise));
  if (!queue_work(env, c, w, self, d)) return NULL;
  return promise;
}

static napi_value Consumer_consume(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2], self, promise;
  consumer_t *c = unwrap(env, info, &argc, argv, &self);
  if (!c) return NULL;
  int64_t max, timeout;
  if (argc < 2) return throw_msg(env, "consume(maxMessages, timeoutMs)");
  if (!get_int(env, argv[0], "maxMessages", &max) || !get_int(env, argv[1], "timeoutMs", &timeout)) return NULL;
  if (max < 1 || max > 1000000) return throw_msg(env, "maxMessages must be between 1 and 1000000");
  if (c->state != ST_OPEN || c->close_wanted) return rejected(env, "consumer is closed");
  if (c->consuming) return rejected(env, "consume() is already in flight");
  work_t *w = calloc(1, sizeof *w);
  if (!w) return throw_msg(env, "out of memory");
  w->kind = W_CONSUME;
  w->max = (int)max;
  w->timeout_ms = timeout < 0 ? 0 : timeout > INT32_MAX ? INT32_MAX : (int)timeout;
  napi_deferred d;
  NAPI_OK(napi_create_promise(env, &d, &promise));
  if (!queue_work(env, c, w, self, d)) return NULL;
  c->consuming = 1;
  return promise;
}

/* Builds a partition list from [{topic, partition, offset?}]. want_offset: 0
 * none, 1 optional, 2 required. NULL with an exception pending on error. */
static rd_kafka_topic_partition_list_t *get_tps(napi_env env, napi_value arr, int want_offset, const char *what) {
  bool is_arr = false;
  napi_is_array(env, arr, &is_arr);
  if (!is_arr) {
    throw_msg(env, "%s must be an array of {topic, partition}", what);
    return NULL;
  }
  uint32_t n = 0;
  napi_get_array_length(env, arr, &n);
  rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new((int)(n ? n : 1));
  for (uint32_t i = 0; i < n; i++) {
    napi_value e, tv, pv, ov;
    napi_get_element(env, arr, i, &e);
    napi_valuetype et;
    napi_typeof(env, e, &et);
    if (et != napi_object) {
      rd_kafka_topic_partition_list_destroy(l);
      throw_msg(env, "%s[%u] must be {topic, partition}", what, i);
      return NULL;
    }
    napi_get_named_property(env, e, "topic", &tv);
    napi_get_named_property(env, e, "partition", &pv);
    char *topic = get_string(env, tv, "topic", NULL);
    int64_t part;
    if (!topic) {
      rd_kafka_topic_partition_list_destroy(l);
      return NULL;
    }
    if (!get_int(env, pv, "partition", &part) || part < 0 || part > INT32_MAX) {
      bool pending = false;
      napi_is_exception_pending(env, &pending);
      if (!pending) throw_msg(env, "partition out of range");
      free(topic);
      rd_kafka_topic_partition_list_destroy(l);
      return NULL;
    }
    rd_kafka_topic_partition_t *tp = rd_kafka_topic_partition_list_add(l, topic, (int32_t)part);
    free(topic);
    if (want_offset) {
      napi_get_named_property(env, e, "offset", &ov);
      napi_valuetype ot;
      napi_typeof(env, ov, &ot);
      if (ot == napi_undefined && want_offset == 1) {
        tp->offset = RD_KAFKA_OFFSET_INVALID;
      } else {
        int64_t off;
        if (!get_int(env, ov, "offset", &off)) {
          rd_kafka_topic_partition_list_destroy(l);
          return NULL;
        }
        tp->offset = off;
      }
    }
  }
  return l;
}

static napi_value Consumer_subscribe(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  consumer_t *c = unwrap(env, info, &argc, argv, NULL);
  if (!c || !check_open(env, c)) return NULL;
  bool is_arr = false;
  if (argc >= 1) napi_is_array(env, argv[0], &is_arr);
  if (!is_arr) return throw_msg(env, "subscribe(topics): topics must be an array of strings");
  uint32_t n = 0;
  napi_get_array_length(env, argv[0], &n);
  rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new((int)(n ? n : 1));
  for (uint32_t i = 0; i < n; i++) {
    napi_value e;
    napi_get_element(env, argv[0], i, &e);
    char *t = get_string(env, e, "topic", NULL);
    if (!t) {
      rd_kafka_topic_partition_list_destroy(l);
      return NULL;
    }
    rd_kafka_topic_partition_list_add(l, t, RD_KAFKA_PARTITION_UA);
    free(t);
  }
  rd_kafka_resp_err_t err = rd_kafka_subscribe(c->rk, l);
  rd_kafka_topic_partition_list_destroy(l);
  if (err) {
    napi_throw(env, make_error(env, rd_kafka_err2str(err), err, 1));
    return NULL;
  }
  return undefined(env);
}

static napi_value Consumer_attach(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  consumer_t *c = unwrap(env, info, &argc, argv, NULL);
  if (!c || !check_open(env, c) || !check_idle(env, c, "attach")) return NULL;
  if (argc < 3) return throw_msg(env, "attach(slot, topic, partition)");
  int64_t slot, part;
  if (!get_int(env, argv[0], "slot", &slot)) return NULL;
  if (slot < 0 || slot >= MAX_SLOTS) return throw_msg(env, "slot must be between 0 and %d", MAX_SLOTS - 1);
  if (!get_int(env, argv[2], "partition", &part)) return NULL;
  if (part < 0 || part > INT32_MAX) return throw_msg(env, "partition out of range");
  char *topic = get_string(env, argv[1], "topic", NULL);
  if (!topic) return NULL;
  int32_t other = find_slot(c, topic, (int32_t)part);
  if (other >= 0 && other != slot) {
    throw_msg(env, "%s [%d] is already attached to slot %d", topic, (int)part, other);
    free(topic);
    return NULL;
  }
  if (!ensure_slot(c, (uint32_t)slot)) {
    free(topic);
    return throw_msg(env, "out of memory");
  }
  slot_t *sl = &c->slots[slot];
  if (sl->attached) {
    int same = sl->partition == (int32_t)part && strcmp(sl->topic, topic) == 0;
    if (!same) throw_msg(env, "slot %d is attached to %s [%d]: detach it first", (int)slot, sl->topic, (int)sl->partition);
    free(topic);
    return same ? undefined(env) : NULL;
  }
  sl->attached = 1;
  sl->topic = topic;
  sl->partition = (int32_t)part;
  c->attached_count++;
  if (!rebuild_table(c)) return throw_msg(env, "out of memory");
  return undefined(env);
}

static napi_value Consumer_detach(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  consumer_t *c = unwrap(env, info, &argc, argv, NULL);
  if (!c || !check_open(env, c) || !check_idle(env, c, "detach")) return NULL;
  int64_t slot;
  if (argc < 1 || !get_int(env, argv[0], "slot", &slot)) return argc < 1 ? throw_msg(env, "detach(slot)") : NULL;
  if (slot < 0 || (uint64_t)slot >= c->nslots) return undefined(env);
  slot_t *sl = &c->slots[slot];
  destroy_pending(sl);
  drop_buffer(env, sl);
  if (sl->attached) {
    sl->attached = 0;
    free(sl->topic);
    sl->topic = NULL;
    c->attached_count--;
    if (!rebuild_table(c)) return throw_msg(env, "out of memory");
  }
  return undefined(env);
}

static napi_value Consumer_setBuffer(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  consumer_t *c = unwrap(env, info, &argc, argv, NULL);
  if (!c || !check_open(env, c) || !check_idle(env, c, "setBuffer")) return NULL;
  if (argc < 2) return throw_msg(env, "setBuffer(slot, view)");
  int64_t slot;
  if (!get_int(env, argv[0], "slot", &slot)) return NULL;
  if (slot < 0 || slot >= MAX_SLOTS) return throw_msg(env, "slot must be between 0 and %d", MAX_SLOTS - 1);
  uint8_t *data;
  size_t len;
  if (!get_bytes(env, argv[1], "view", &data, &len, 1)) return NULL;
  const char *bad = sl_batch_check(data, len);
  if (bad) return throw_msg(env, "setBuffer(%d): %s", (int)slot, bad);
  if (!ensure_slot(c, (uint32_t)slot)) return throw_msg(env, "out of memory");
  slot_t *sl = &c->slots[slot];
  napi_ref ref;
  NAPI_OK(napi_create_reference(env, argv[1], 1, &ref));
  drop_buffer(env, sl);
  sl->view_ref = ref;
  sl->buf = data;
  sl->buf_len = len;
  return undefined(env);
}

static napi_value Consumer_clearBuffer(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  consumer_t *c = unwrap(env, info, &argc, argv, NULL);
  if (!c || !check_open(env, c) || !check_idle(env, c, "clearBuffer")) return NULL;
  int64_t slot;
  if (argc < 1) return throw_msg(env, "clearBuffer(slot)");
  if (!get_int(env, argv[0], "slot", &slot)) return NULL;
  if (slot >= 0 && (uint64_t)slot < c->nslots) drop_buffer(env, &c->slots[slot]);
  return undefined(env);
}

static napi_value Consumer_assign(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  consumer_t *c = unwrap(env, info, &argc, argv, NULL);
  if (!c || !check_open(env, c)) return NULL;
  if (argc < 2) return throw_msg(env, "assign(partitions, incremental)");
  bool incremental = false;
  napi_get_value_bool(env, argv[1], &incremental);
  rd_kafka_topic_partition_list_t *l = get_tps(env, argv[0], 1, "partitions");
  if (!l) return NULL;
  if (incremental) {
    rd_kafka_error_t *e = rd_kafka_incremental_assign(c->rk, l);
    rd_kafka_topic_partition_list_destroy(l);
    if (e) {
      napi_value err = make_error(env, rd_kafka_error_string(e), rd_kafka_error_code(e), 1);
      rd_kafka_error_destroy(e);
      napi_throw(env, err);
      return NULL;
    }
  } else {
    rd_kafka_resp_err_t err = rd_kafka_assign(c->rk, l);
    rd_kafka_topic_partition_list_destroy(l);
    if (err) {
      napi_throw(env, make_error(env, rd_kafka_err2str(err), err, 1));
      return NULL;
    }
  }
  return undefined(env);
}

static napi_value Consumer_unassign(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  consumer_t *c = unwrap(env, info, &argc, argv, NULL);
  if (!c || !check_open(env, c)) return NULL;
  if (argc < 2) return throw_msg(env, "unassign(partitions, incremental)");
  bool incremental = false;
  napi_get_value_bool(env, argv[1], &incremental);
  if (incremental) {
    rd_kafka_topic_partition_list_t *l = get_tps(env, argv[0], 0, "partitions");
    if (!l) return NULL;
    rd_kafka_error_t *e = rd_kafka_incremental_unassign(c->rk, l);
    rd_kafka_topic_partition_list_destroy(l);
    if (e) {
      napi_value err = make_error(env, rd_kafka_error_string(e), rd_kafka_error_code(e), 1);
      rd_kafka_error_destroy(e);
      napi_throw(env, err);
      return NULL;
    }
  } else {
    rd_kafka_resp_err_t err = rd_kafka_assign(c->rk, NULL);
    if (err) {
      napi_throw(env, make_error(env, rd_kafka_err2str(err), err, 1));
      return NULL;
    }
  }
  return undefined(env);
}

static napi_value pause_resume(napi_env env, napi_callback_info info, int pause) {
  size_t argc = 1;
  napi_value argv[1];
  consumer_t *c = unwrap(env, info, &argc, argv, NULL);
  if (!c || !check_open(env, c)) return NULL;
  if (argc < 1) return throw_msg(env, pause ? "pause(partitions)" : "resume(partitions)");
  rd_kafka_topic_partition_list_t *l = get_tps(env, argv[0], 0, "partitions");
  if (!l) return NULL;
  rd_kafka_resp_err_t err =
      l->cnt == 0 ? RD_KAFKA_RESP_ERR_NO_ERROR
                  : (pause ? rd_kafka_pause_partitions(c->rk, l) : rd_kafka_resume_partitions(c->rk, l));
  rd_kafka_topic_partition_list_destroy(l);
  if (err) {
    napi_throw(env, make_error(env, rd_kafka_err2str(err), err, 1));
    return NULL;
  }
  return undefined(env);
}
static napi_value Consumer_pause(napi_env env, napi_callback_info info) { return pause_resume(env, info, 1); }
static napi_value Consumer_resume(napi_env env, napi_callback_info info) { return pause_resume(env, info, 0); }

static napi_value Consumer_commit(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], self, promise;
  consumer_t *c = unwrap(env, info, &argc, argv, &self);
  if (!c) return NULL;
  if (argc < 1) return throw_msg(env, "commit(offsets)");
  rd_kafka_topic_partition_list_t *l = get_tps(env, argv[0], 2, "offsets");
  if (!l) return NULL;
  napi_deferred d;
  if (napi_create_promise(env, &d, &promise) != napi_ok) {
    rd_kafka_topic_partition_list_destroy(l);
    throw_last(env, "napi_create_promise");
    return NULL;
  }
  if (c->state != ST_OPEN || c->close_wanted) {
    rd_kafka_topic_partition_list_destroy(l);
    napi_reject_deferred(env, d, make_error(env, "consumer is closed", RD_KAFKA_RESP_ERR__DESTROY, 1));
    return promise;
  }
  if (l->cnt == 0) {
    rd_kafka_topic_partition_list_destroy(l);
    napi_resolve_deferred(env, d, undefined(env));
    return promise;
  }
  work_t *w = calloc(1, sizeof *w);
  if (!w) {
    rd_kafka_topic_partition_list_destroy(l);
    napi_reject_deferred(env, d, make_error(env, "out of memory", 0, 0));
    return promise;
  }
  w->kind = W_COMMIT;
  w->offsets = l;
  if (!queue_work(env, c, w, self, d)) {
    rd_kafka_topic_partition_list_destroy(l);
    free(w);
    return NULL;
  }
  return promise;
}

static napi_value Consumer_highWatermark(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2], out;
  consumer_t *c = unwrap(env, info, &argc, argv, NULL);
  if (!c) return NULL;
  if (argc < 2) return throw_msg(env, "highWatermark(topic, partition)");
  int64_t part;
  if (!get_int(env, argv[1], "partition", &part)) return NULL;
  char *topic = get_string(env, argv[0], "topic", NULL);
  if (!topic) return NULL;
  int64_t lo = -1, hi = -1;
  if (c->state != ST_OPEN || !c->rk || part < 0 || part > INT32_MAX ||
      rd_kafka_get_watermark_offsets(c->rk, topic, (int32_t)part, &lo, &hi) != RD_KAFKA_RESP_ERR_NO_ERROR)
    hi = -1;
  free(topic);
  napi_create_double(env, hi < 0 ? -1.0 : (double)hi, &out);
  return out;
}

static napi_value Consumer_rebalanceProtocol(napi_env env, napi_callback_info info) {
  size_t argc = 0;
  napi_value out;
  consumer_t *c = unwrap(env, info, &argc, NULL, NULL);
  if (!c) return NULL;
  const char *p = c->state == ST_OPEN && c->rk ? rd_kafka_rebalance_protocol(c->rk) : NULL;
  if (!p || (strcmp(p, "COOPERATIVE") && strcmp(p, "EAGER"))) p = "NONE";
  napi_create_string_utf8(env, p, NAPI_AUTO_LENGTH, &out);
  return out;
}

static napi_value Consumer_assignmentLost(napi_env env, napi_callback_info info) {
  size_t argc = 0;
  napi_value out;
  consumer_t *c = unwrap(env, info, &argc, NULL, NULL);
  if (!c) return NULL;
  napi_get_boolean(env, c->state == ST_OPEN && c->rk && rd_kafka_assignment_lost(c->rk), &out);
  return out;
}

static napi_value Consumer_close(napi_env env, napi_callback_info info) {
  size_t argc = 0;
  napi_value self, promise;
  consumer_t *c = unwrap(env, info, &argc, NULL, &self);
  if (!c) return NULL;
  napi_deferred d;
  NAPI_OK(napi_create_promise(env, &d, &promise));
  if (c->state == ST_CLOSED) {
    napi_resolve_deferred(env, d, undefined(env));
    return promise;
  }
  napi_deferred *nw = realloc(c->close_waiters, sizeof(*nw) * (c->n_close_waiters + 1));
  if (!nw) {
    napi_reject_deferred(env, d, make_error(env, "out of memory", 0, 0));
    return promise;
  }
  c->close_waiters = nw;
  c->close_waiters[c->n_close_waiters++] = d;
  if (c->state == ST_OPEN && !c->close_wanted) {
    if (c->inflight == 0) {
      start_close(env, c);
    } else {
      /* Wake a waiting consume; the last work to complete starts the close. */
      c->close_wanted = 1;
      rd_kafka_queue_yield(c->q);
    }
  }
  return promise;
}

/* ------------------------------------------------------------------------ */
/* writeTestRecords                                                         */

typedef struct test_header {
  char *name;
  size_t name_len;
  const uint8_t *value; /* NULL: null */
  size_t value_len;
} test_header;

static void test_header_at(const void *ctx, size_t i, const char **name, size_t *name_len, const void **value,
                           size_t *value_len) {
  const test_header *h = (const test_header *)ctx + i;
  *name = h->name;
  *name_len = h->name_len;
  *value = h->value;
  *value_len = h->value_len;
}

/* null/undefined -> NULL data; Uint8Array -> bytes. */
static int get_nullable_bytes(napi_env env, napi_value v, const char *what, const uint8_t **data, size_t *len) {
  napi_valuetype t;
  napi_typeof(env, v, &t);
  if (t == napi_null || t == napi_undefined) {
    *data = NULL;
    *len = 0;
    return 1;
  }
  uint8_t *p;
  if (!get_bytes(env, v, what, &p, len, 0)) return 0;
  *data = p;
  return 1;
}

static napi_value write_test_records(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2], out;
  NAPI_OK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 2) return throw_msg(env, "writeTestRecords(view, records)");
  uint8_t *buf;
  size_t len;
  if (!get_bytes(env, argv[0], "view", &buf, &len, 1)) return NULL;
  const char *bad = sl_batch_check(buf, len);
  if (bad) return throw_msg(env, "writeTestRecords: %s", bad);
  bool is_arr = false;
  napi_is_array(env, argv[1], &is_arr);
  if (!is_arr) return throw_msg(env, "records must be an array");
  uint32_t n = 0, fitted = 0;
  napi_get_array_length(env, argv[1], &n);
  for (uint32_t i = 0; i < n; i++) {
    napi_value rec, v;
    napi_get_element(env, argv[1], i, &rec);
    sl_record r;
    memset(&r, 0, sizeof r);
    const uint8_t *kp, *vp;
    napi_get_named_property(env, rec, "key", &v);
    if (!get_nullable_bytes(env, v, "key", &kp, &r.key_len)) return NULL;
    napi_get_named_property(env, rec, "value", &v);
    if (!get_nullable_bytes(env, v, "value", &vp, &r.value_len)) return NULL;
    r.key = kp;
    r.value = vp;
    int64_t off;
    napi_get_named_property(env, rec, "offset", &v);
    if (!get_int(env, v, "offset", &off)) return NULL;
    r.offset = (double)off;
    double ts;
    napi_get_named_property(env, rec, "timestamp", &v);
    if (napi_get_value_double(env, v, &ts) != napi_ok) return throw_msg(env, "timestamp must be a number");
    r.timestamp = ts;
    napi_get_named_property(env, rec, "headers", &v);
    napi_valuetype ht;
    napi_typeof(env, v, &ht);
    test_header *hs = NULL;
    uint32_t nh = 0;
    if (ht != napi_undefined && ht != napi_null) {
      bool ha = false;
      napi_is_array(env, v, &ha);
      if (!ha) return throw_msg(env, "headers must be an array");
      napi_get_array_length(env, v, &nh);
      hs = calloc(nh ? nh : 1, sizeof *hs);
      if (!hs) return throw_msg(env, "out of memory");
      for (uint32_t j = 0; j < nh; j++) {
        napi_value h, hn, hv;
        napi_get_element(env, v, j, &h);
        napi_get_named_property(env, h, "name", &hn);
        napi_get_named_property(env, h, "value", &hv);
        hs[j].name = get_string(env, hn, "header name", &hs[j].name_len);
        if (!hs[j].name || !get_nullable_bytes(env, hv, "header value", &hs[j].value, &hs[j].value_len)) {
          for (uint32_t k = 0; k <= j; k++) free(hs[k].name);
          free(hs);
          return NULL;
        }
      }
    }
    r.header_count = nh;
    r.header_at = test_header_at;
    r.header_ctx = hs;
    int ok = sl_batch_append(buf, len, &r, sl_record_data_bytes(&r, NULL));
    for (uint32_t k = 0; k < nh; k++) free(hs[k].name);
    free(hs);
    if (!ok) break;
    fitted++;
  }
  napi_create_uint32(env, fitted, &out);
  return out;
}

/* ------------------------------------------------------------------------ */

/*
 * glibc serves a block of at least its mmap threshold with its own mapping,
 * unmapped on free. The threshold starts at 128 KiB, but every freed mapped
 * block raises it to that block's size (up to 32 MiB): after the first batch
 * output or batch buffer is freed, blocks of that size come from the
 * allocating thread's arena, and what an arena frees stays resident (it is
 * returned only from the top of an arena heap). Measured through a 60 s stall
 * and catch-up: ~200 MiB of freed encoded outputs stayed in a worker thread's
 * arena while ~20 MiB of them were live. Setting the threshold explicitly
 * keeps it at glibc's initial 128 KiB (and stops the raising), so large
 * buffers go back to the system when freed. A threshold the user set
 * (MALLOC_MMAP_THRESHOLD_, GLIBC_TUNABLES) is left alone. Returns whether it
 * was set.
 */
static napi_value map_large_allocations(napi_env env, napi_callback_info info) {
  bool applied = false;
#if defined(__GLIBC__) && defined(M_MMAP_THRESHOLD)
  const char *tunables = getenv("GLIBC_TUNABLES");
  if (!getenv("MALLOC_MMAP_THRESHOLD_") && !(tunables && strstr(tunables, "mmap_threshold")))
    applied = mallopt(M_MMAP_THRESHOLD, 128 * 1024) == 1;
#endif
  napi_value out;
  NAPI_OK(napi_get_boolean(env, applied, &out));
  return out;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor methods[] = {
      {"connect", NULL, Consumer_connect, NULL, NULL, NULL, napi_default_method, NULL},
      {"subscribe", NULL, Consumer_subscribe, NULL, NULL, NULL, napi_default_method, NULL},
      {"attach", NULL, Consumer_attach, NULL, NULL, NULL, napi_default_method, NULL},
      {"detach", NULL, Consumer_detach, NULL, NULL, NULL, napi_default_method, NULL},
      {"setBuffer", NULL, Consumer_setBuffer, NULL, NULL, NULL, napi_default_method, NULL},
      {"clearBuffer", NULL, Consumer_clearBuffer, NULL, NULL, NULL, napi_default_method, NULL},
      {"consume", NULL, Consumer_consume, NULL, NULL, NULL, napi_default_method, NULL},
      {"assign", NULL, Consumer_assign, NULL, NULL, NULL, napi_default_method, NULL},
      {"unassign", NULL, Consumer_unassign, NULL, NULL, NULL, napi_default_method, NULL},
      {"pause", NULL, Consumer_pause, NULL, NULL, NULL, napi_default_method, NULL},
      {"resume", NULL, Consumer_resume, NULL, NULL, NULL, napi_default_method, NULL},
      {"commit", NULL, Consumer_commit, NULL, NULL, NULL, napi_default_method, NULL},
      {"highWatermark", NULL, Consumer_highWatermark, NULL, NULL, NULL, napi_default_method, NULL},
      {"rebalanceProtocol", NULL, Consumer_rebalanceProtocol, NULL, NULL, NULL, napi_default_method, NULL},
      {"assignmentLost", NULL, Consumer_assignmentLost, NULL, NULL, NULL, napi_default_method, NULL},
      {"close", NULL, Consumer_close, NULL, NULL, NULL, napi_default_method, NULL},
  };
  napi_value cls, fn, ver;
  NAPI_OK(napi_define_class(env, "Consumer", NAPI_AUTO_LENGTH, Consumer_new, NULL,
                            sizeof methods / sizeof methods[0], methods, &cls));
  NAPI_OK(napi_set_named_property(env, exports, "Consumer", cls));
  NAPI_OK(napi_create_function(env, "writeTestRecords", NAPI_AUTO_LENGTH, write_test_records, NULL, &fn));
  NAPI_OK(napi_set_named_property(env, exports, "writeTestRecords", fn));
  NAPI_OK(napi_create_function(env, "mapLargeAllocations", NAPI_AUTO_LENGTH, map_large_allocations, NULL, &fn));
  NAPI_OK(napi_set_named_property(env, exports, "mapLargeAllocations", fn));
  NAPI_OK(napi_create_string_utf8(env, rd_kafka_version_str(), NAPI_AUTO_LENGTH, &ver));
  NAPI_OK(napi_set_named_property(env, exports, "librdkafkaVersion", ver));
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
