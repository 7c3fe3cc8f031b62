/* bench-register-private.h: what bench-register.c and bench-register-many.c
 * share
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <sipnat.h>

G_BEGIN_DECLS

#define WAIT_TIMEOUT_MS   60000
#define USER_FORMAT       "u%04u"

/* The many-registrations run: its settings (filled in by main) and its
 * results */
typedef struct {
  gboolean done;
  guint count;
  guint window;                /* 0: all started at once */
  SipnatTransport transport;
  gboolean digest;
  gboolean stun;
  gint keepalive_s;            /* -1: the library's */
  guint reg_timeout_s;         /* 0: the library's */
  /* Over the whole run (registering, idle, closing) */
  guint status_408;            /* registrations that saw a 408 */
  guint status_failures;       /* status codes >= 300 other than 401/407 */
  gint64 total_drops_endpoint; /* datagrams dropped at our socket */
  double cpu_register_ms;      /* user + system CPU of the process */
  double cpu_idle_ms;
  double cpu_close_ms;

  /* The reference: a raw client, same registrar, same users count */
  double raw_register_ms;
  double raw_per_second;
  guint raw_retransmitted;
  double raw_unregister_ms;

  /* Registering */
  double register_ms;          /* first register_async -> last callback */
  double per_second;
  double p50_done_ms;          /* when half of the callbacks had come */
  double p90_done_ms;
  guint answered_first_try;    /* callbacks before T1 (500 ms): no retransmission */
  guint failed;
  gint64 udp_drops_endpoint;   /* datagrams the kernel dropped at our socket (responses) */
  gint64 udp_drops_registrar;  /* ... at Kamailio's (requests) */
  guint registers_seen;        /* REGISTERs Kamailio received */
  guint contacts;              /* usrloc contacts once all callbacks came */

  /* Memory */
  gint64 rss_before_kib;
  gint64 rss_after_kib;
  double rss_kib_per_reg;
  double heap_kib_per_reg;
  guint idle_s;
  double settled_rss_kib_per_reg;   /* the same idle_s later */
  double settled_heap_kib_per_reg;
  guint idle_options_seen;          /* OPTIONS (keep-alives) Kamailio received while idle */
  gint64 idle_drops_endpoint;       /* datagrams dropped at our socket while idle */

  double rss_idle_kib_per_reg;      /* VmRSS per registration after idle_s, no malloc_trim */
  /* Closing */
  double close_ms;
  guint close_registers_seen;  /* REGISTERs Kamailio received while closing */
  gint64 close_drops_registrar;
  guint contacts_after_close;
} ManyResult;

/* bench-register.c: waiting, statistics, endpoints, JSON */

/* Iterates the default context until *@flag is set. FALSE on timeout. */
gboolean        bench_wait_flag       (gboolean       *flag,
                                       guint           timeout_ms);
/* Iterates the default context for @ms whatever happens. */
void            bench_idle_for        (guint           ms);
double          bench_usec_to_ms      (gint64          usec);
/* A GCompareFunc for gint64 */
int             bench_compare_gint64  (gconstpointer   a,
                                       gconstpointer   b);
/* Nearest-rank percentile of sorted @samples. */
gint64          bench_percentile      (const gint64   *samples,
                                       guint           n,
                                       double          p);
/* An endpoint on 127.0.0.1 with the benchmark's timeouts */
SipnatEndpoint *bench_new_endpoint    (GError        **error);
/* Closes @endpoint and waits; @usec (nullable): how long it took. */
gboolean        bench_close_endpoint  (SipnatEndpoint *endpoint,
                                       gint64         *usec,
                                       GError        **error);
/* "key": value, appended to a JSON object being built */
void            bench_json_number     (GString        *json,
                                       const char     *key,
                                       double          value);
void            bench_json_int        (GString        *json,
                                       const char     *key,
                                       gint64          value);
void            bench_json_end_object (GString        *json);

/* bench-register-many.c */

gboolean        bench_measure_many     (ManyResult       *result,
                                        GError          **error);
void            bench_print_many_table (const ManyResult *many);
void            bench_many_append_json (GString          *json,
                                        const ManyResult *many);

G_END_DECLS
