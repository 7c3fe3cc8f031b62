/* bench-calls.c: many simultaneous calls in one process, CPU and memory
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Public API only (it links libsipnat-1.so). One endpoint from --config
 * (the key file `sipnat` reads), its first registration registered, then:
 *
 *   --answer           answers every incoming call; each call's media bin
 *                      sits in its own pipeline, audiotestsrc ! media !
 *                      fakesink; ends once --count calls have ended, or
 *                      after --seconds of waiting in all (--seconds is the
 *                      deadline here, default 120)
 *   --call URI         dials --count calls to URI at once (default 50), the
 *                      same pipeline per call; once every call is active or
 *                      has failed (at most 60 s after the first dial) they
 *                      stay up --seconds (default 10), then all are hung up
 *
 * Reported (text, or one JSON object with --json): this process's CPU time
 * (getrusage, user + system, every thread), VmRSS / VmHWM / Threads from
 * /proc/self/status and the datagrams the kernel dropped at the UDP
 * sockets of this network namespace (the "drops" column of
 * /proc/self/net/udp: in the lab only this process's) at four points: "start" (registered, no call), "active"
 * (the start of the steady period: for --call, every call active or failed;
 * for --answer, the moment the most calls were active at once),
 * "before-hangup" (its end: the caller's hangup, or for --answer the first
 * active call ending without an error) and "after" (every call ended, its
 * pipeline freed, 1 s later); the CPU used in the steady period as % of one
 * core, with the calls active then ("calls-active-steady"); per call the time
 * from the answer to ICE connected and to the first RTP packet
 * (min/median/max), the selected pair's local and remote types, and the RTP
 * packets sent and received in all. Loss needs both processes: the caller's
 * "rtp-sent" against the answerer's "rtp-received" (bench/nat/turn-50-calls.sh
 * does that).
 *
 * Exit status: 0 when --count calls were active at once, 1 otherwise, 2 for
 * a usage or configuration error.
 */

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include <sipnat.h>

#define REGISTER_TIMEOUT_S   30
#define ALL_ACTIVE_TIMEOUT_S 60
#define END_TIMEOUT_S        20
#define AFTER_IDLE_MS        1000

/* ---------------------------------------------------------------------- */
/* Options                                                                */

static char *opt_config = NULL;
static char *opt_call = NULL;
static gboolean opt_answer = FALSE;
static int opt_count = 50;
static int opt_seconds = -1;
static gboolean opt_json = FALSE;

static const GOptionEntry entries[] = {
  { "config", 'c', 0, G_OPTION_ARG_FILENAME, &opt_config,
    "Configuration file (key file, as for sipnat)", "FILE" },
  { "call", 0, 0, G_OPTION_ARG_STRING, &opt_call, "Dial --count calls to URI at once", "URI" },
  { "answer", 0, 0, G_OPTION_ARG_NONE, &opt_answer, "Answer every incoming call", NULL },
  { "count", 'n', 0, G_OPTION_ARG_INT, &opt_count, "Calls (default 50)", "N" },
  { "seconds", 's', 0, G_OPTION_ARG_INT, &opt_seconds,
    "--call: how long the calls stay up once all are active (default 10); "
    "--answer: the deadline for the whole run (default 120)", "S" },
  { "json", 0, 0, G_OPTION_ARG_NONE, &opt_json, "Print one JSON object", NULL },
  { NULL }
};

/* ---------------------------------------------------------------------- */
/* Process resources                                                      */

typedef struct {
  gboolean taken;
  double wall_s;     /* monotonic, from the program's start */
  double cpu_s;      /* user + system, every thread */
  gint64 rss_kib;
  gint64 hwm_kib;
  gint64 threads;
  gint64 udp_drops;  /* datagrams dropped at this namespace's UDP sockets */
} Snapshot;

static gint64 t0_us;

static gint64
status_field (const char *text,
              const char *name)
{
  const char *p = strstr (text, name);

  return p != NULL ? g_ascii_strtoll (p + strlen (name), NULL, 10) : -1;
}

/* The sum of the "drops" column of /proc/self/net/udp (and udp6): every
 * UDP socket of this process's network namespace, in the lab only ours. */
static gint64
udp_drops (void)
{
  const char *files[] = { "/proc/self/net/udp", "/proc/self/net/udp6" };
  gint64 total = 0;

  for (guint f = 0; f < G_N_ELEMENTS (files); f++)
    {
      g_autofree char *text = NULL;
      g_auto(GStrv) lines = NULL;

      if (!g_file_get_contents (files[f], &text, NULL, NULL))
        continue;
      lines = g_strsplit (text, "\n", -1);
      for (guint i = 1; lines[i] != NULL; i++)
        {
          g_auto(GStrv) fields = g_strsplit_set (g_strstrip (lines[i]), " ", -1);
          guint n = 0;
          const char *last = NULL;

          for (guint j = 0; fields[j] != NULL; j++)
            if (*fields[j] != '\0')
              {
                last = fields[j];
                n++;
              }
          if (n >= 13 && last != NULL)
            total += g_ascii_strtoll (last, NULL, 10);
        }
    }
  return total;
}

static void
snapshot_take (Snapshot *snap)
{
  struct rusage usage;
  g_autofree char *status = NULL;

  getrusage (RUSAGE_SELF, &usage);
  snap->taken = TRUE;
  snap->wall_s = (g_get_monotonic_time () - t0_us) / 1e6;
  snap->cpu_s = usage.ru_utime.tv_sec + usage.ru_utime.tv_usec / 1e6 +
                usage.ru_stime.tv_sec + usage.ru_stime.tv_usec / 1e6;
  snap->rss_kib = snap->hwm_kib = snap->threads = -1;
  snap->udp_drops = udp_drops ();
  if (g_file_get_contents ("/proc/self/status", &status, NULL, NULL))
    {
      snap->rss_kib = status_field (status, "VmRSS:");
      snap->hwm_kib = status_field (status, "VmHWM:");
      snap->threads = status_field (status, "Threads:");
    }
}

/* ---------------------------------------------------------------------- */
/* The calls                                                              */

typedef struct {
  SipnatCall *call;
  GstElement *pipeline;
  gboolean was_active;
  gboolean ended;
  SipnatCallStats *final;     /* the counters at the end */
  char *pair;                 /* "relay-srflx-udp", the last selected pair */
  char *failure;              /* why a call never active ended */
} Entry;

typedef struct {
  SipnatEndpoint *endpoint;
  SipnatRegistration *registration;
  GPtrArray *entries;         /* Entry *, every call taken */
  guint active_now;
  guint active_max;
  guint active_at_steady;     /* calls active during the steady period */
  guint ended;
  gboolean registered;
  gboolean failed;            /* registration or set-up failed */
  gboolean closed;
  Snapshot start, active, before_hangup, after;
} Bench;

static void
entry_free (Entry *entry)
{
  if (entry->pipeline != NULL)
    gst_element_set_state (entry->pipeline, GST_STATE_NULL);
  g_clear_object (&entry->pipeline);
  if (entry->call != NULL)
    g_signal_handlers_disconnect_matched (entry->call, G_SIGNAL_MATCH_DATA, 0, 0, NULL, NULL,
                                          entry);
  g_clear_object (&entry->call);
  g_clear_pointer (&entry->final, sipnat_call_stats_free);
  g_free (entry->pair);
  g_free (entry->failure);
  g_free (entry);
}

static Bench *the_bench;   /* for the signal handlers' user data (Entry) */

static gboolean
start_pipeline (Entry *entry)
{
  GstElement *media = sipnat_call_get_media (entry->call);
  GstElement *src = gst_element_factory_make ("audiotestsrc", NULL);
  GstElement *convert_in = gst_element_factory_make ("audioconvert", NULL);
  GstElement *resample_in = gst_element_factory_make ("audioresample", NULL);
  GstElement *convert_out = gst_element_factory_make ("audioconvert", NULL);
  GstElement *resample_out = gst_element_factory_make ("audioresample", NULL);
  GstElement *sink = gst_element_factory_make ("fakesink", NULL);

  if (media == NULL || src == NULL || convert_in == NULL || resample_in == NULL ||
      convert_out == NULL || resample_out == NULL || sink == NULL)
    {
      g_printerr ("bench-calls: a GStreamer element is missing\n");
      return FALSE;
    }
  g_object_set (src, "is-live", TRUE, NULL);
  g_object_set (sink, "sync", FALSE, NULL);
  entry->pipeline = gst_object_ref_sink (gst_pipeline_new (NULL));
  gst_bin_add_many (GST_BIN (entry->pipeline), src, convert_in, resample_in, media,
                    convert_out, resample_out, sink, NULL);
  if (!gst_element_link_many (src, convert_in, resample_in, media, convert_out, resample_out,
                              sink, NULL))
    {
      g_printerr ("bench-calls: cannot link the call's media\n");
      return FALSE;
    }
  return gst_element_set_state (entry->pipeline, GST_STATE_PLAYING) != GST_STATE_CHANGE_FAILURE;
}

static void
pair_changed_cb (SipnatCall                *call,
                 const SipnatCandidatePair *pair,
                 Entry                     *entry)
{
  g_free (entry->pair);
  entry->pair = g_strdup_printf ("%s-%s-%s",
    sipnat_candidate_type_to_string (sipnat_candidate_pair_get_local_type (pair)),
    sipnat_candidate_type_to_string (sipnat_candidate_pair_get_remote_type (pair)),
    sipnat_media_transport_to_string (sipnat_candidate_pair_get_transport (pair)));
}

static void
state_cb (SipnatCall *call,
          GParamSpec *pspec,
          Entry      *entry)
{
  Bench *bench = the_bench;
  SipnatCallState state = sipnat_call_get_state (call);

  if (state == SIPNAT_CALL_STATE_ACTIVE && !entry->was_active)
    {
      entry->was_active = TRUE;
      bench->active_now++;
      /* The start of the steady period: the most calls active at once
       * (the caller takes it again once every call is settled). */
      if (bench->active_now > bench->active_max && !bench->before_hangup.taken)
        {
          snapshot_take (&bench->active);
          bench->active_at_steady = bench->active_now;
        }
      bench->active_max = MAX (bench->active_max, bench->active_now);
    }
  if (state == SIPNAT_CALL_STATE_ENDED && !entry->ended)
    {
      const GError *error = sipnat_call_get_error (call);

      /* The end of the steady period: the first hangup (a call that
       * failed does not end it). */
      if (!bench->before_hangup.taken && entry->was_active && error == NULL)
        snapshot_take (&bench->before_hangup);
      entry->ended = TRUE;
      bench->ended++;
      if (entry->was_active)
        bench->active_now--;
      entry->final = sipnat_call_get_stats (call);
      if (!entry->was_active)
        entry->failure = g_strdup_printf ("%s (%u)%s%s", sipnat_call_get_state_reason (call)
                                          ? sipnat_call_get_state_reason (call) : "ended",
                                          sipnat_call_get_status_code (call),
                                          error ? ": " : "", error ? error->message : "");
      if (error != NULL)
        g_printerr ("bench-calls: a call ended with: %s\n", error->message);
      gst_element_set_state (entry->pipeline, GST_STATE_NULL);
    }
}

static void
connected_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      data)
{
  SipnatCall *call = SIPNAT_CALL (source);
  g_autoptr(GError) error = NULL;
  gboolean ok = sipnat_call_get_direction (call) == SIPNAT_CALL_DIRECTION_OUTGOING
                ? sipnat_call_dial_finish (call, result, &error)
                : sipnat_call_answer_finish (call, result, &error);

  if (!ok && sipnat_call_get_state (call) != SIPNAT_CALL_STATE_ENDED)
    sipnat_call_hangup (call);
}

static Entry *
take_call (Bench      *bench,
           SipnatCall *call)
{
  Entry *entry = g_new0 (Entry, 1);

  entry->call = g_object_ref (call);
  g_ptr_array_add (bench->entries, entry);
  g_signal_connect (call, "notify::state", G_CALLBACK (state_cb), entry);
  g_signal_connect (call, "selected-pair-changed", G_CALLBACK (pair_changed_cb), entry);
  if (!start_pipeline (entry))
    bench->failed = TRUE;
  return entry;
}

static void
incoming_call_cb (SipnatEndpoint *endpoint,
                  SipnatCall     *call,
                  Bench          *bench)
{
  take_call (bench, call);
  sipnat_call_answer_async (call, NULL, connected_cb, bench);
}

/* ---------------------------------------------------------------------- */
/* Waiting                                                                */

typedef gboolean (*Condition) (Bench *bench);

static gboolean
tick_cb (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

/* Iterates the default context until @cond holds or @seconds pass (a
 * 10 ms tick wakes it up to look at the clock). */
static gboolean
wait_until (Bench    *bench,
            Condition cond,
            double    seconds)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) (seconds * G_USEC_PER_SEC);
  guint tick = g_timeout_add (10, tick_cb, NULL);

  while (!cond (bench) && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (tick);
  return cond (bench);
}

static gboolean never (Bench *b) { return FALSE; }
static gboolean is_registered (Bench *b) { return b->registered || b->failed; }
/* every call is active or has ended */
static gboolean all_settled (Bench *b) { return b->active_now + b->ended >= (guint) opt_count; }
static gboolean all_ended (Bench *b) { return b->entries->len > 0 && b->ended == b->entries->len; }
static gboolean count_ended (Bench *b) { return b->ended >= (guint) opt_count; }
static gboolean is_closed (Bench *b) { return b->closed; }

static void
registered_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      data)
{
  Bench *bench = data;
  g_autoptr(GError) error = NULL;

  if (sipnat_registration_register_finish (SIPNAT_REGISTRATION (source), result, &error))
    bench->registered = TRUE;
  else
    {
      g_printerr ("bench-calls: not registered: %s\n", error->message);
      bench->failed = TRUE;
    }
}

static void
closed_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      data)
{
  Bench *bench = data;

  sipnat_endpoint_close_finish (SIPNAT_ENDPOINT (source), result, NULL);
  bench->closed = TRUE;
}

/* ---------------------------------------------------------------------- */
/* Report                                                                 */

static int
compare_doubles (gconstpointer a,
                 gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

typedef struct {
  guint n;
  double min, median, max;
} Spread;

static Spread
spread_of (GArray *values)
{
  Spread s = { values->len, NAN, NAN, NAN };
  double *v = (double *) (void *) values->data;

  if (values->len == 0)
    return s;
  g_array_sort (values, compare_doubles);
  s.min = v[0];
  s.max = v[values->len - 1];
  s.median = values->len % 2 ? v[values->len / 2]
                             : (v[values->len / 2 - 1] + v[values->len / 2]) / 2;
  return s;
}

static void
json_snapshot (GString        *out,
               const char     *name,
               const Snapshot *snap)
{
  if (!snap->taken)
    {
      g_string_append_printf (out, "\"%s\":null,", name);
      return;
    }
  g_string_append_printf (out, "\"%s\":{\"wall-s\":%.3f,\"cpu-s\":%.3f,\"vmrss-kib\":%"
                          G_GINT64_FORMAT ",\"vmhwm-kib\":%" G_GINT64_FORMAT
                          ",\"threads\":%" G_GINT64_FORMAT ",\"udp-drops\":%"
                          G_GINT64_FORMAT "},",
                          name, snap->wall_s, snap->cpu_s, snap->rss_kib, snap->hwm_kib,
                          snap->threads, snap->udp_drops);
}

static void
json_spread (GString    *out,
             const char *name,
             Spread      s)
{
  if (s.n == 0)
    g_string_append_printf (out, "\"%s\":null,", name);
  else
    g_string_append_printf (out, "\"%s\":{\"n\":%u,\"min\":%.0f,\"median\":%.1f,\"max\":%.0f},",
                            name, s.n, s.min, s.median, s.max);
}

static void
text_snapshot (const char     *name,
               const Snapshot *snap)
{
  if (!snap->taken)
    printf ("%-14s not reached\n", name);
  else
    printf ("%-14s t=%7.2f s  cpu %7.2f s  VmRSS %7" G_GINT64_FORMAT " KiB  VmHWM %7"
            G_GINT64_FORMAT " KiB  threads %" G_GINT64_FORMAT "  UDP drops %" G_GINT64_FORMAT
            "\n", name, snap->wall_s, snap->cpu_s, snap->rss_kib, snap->hwm_kib, snap->threads,
            snap->udp_drops);
}

static void
count_in (GHashTable *table,
          const char *key)
{
  g_hash_table_insert (table, (gpointer) key,
                       GUINT_TO_POINTER (GPOINTER_TO_UINT (g_hash_table_lookup (table, key)) + 1));
}

static const char *
enum_nick (SipnatCallState state)
{
  g_autoptr(GEnumClass) klass = g_type_class_ref (SIPNAT_TYPE_CALL_STATE);
  GEnumValue *value = g_enum_get_value (klass, state);

  return value ? value->value_nick : "?";
}

/* "name":{"key":count,...}, */
static void
json_counts (GString    *out,
             const char *name,
             GHashTable *table)
{
  GHashTableIter iter;
  gpointer key, value;
  gboolean first = TRUE;

  g_string_append_printf (out, "\"%s\":{", name);
  g_hash_table_iter_init (&iter, table);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      g_autofree char *escaped = g_strescape (key, NULL);

      g_string_append_printf (out, "%s\"%s\":%u", first ? "" : ",", escaped,
                              GPOINTER_TO_UINT (value));
      first = FALSE;
    }
  g_string_append (out, "},");
}

static void
report (Bench *bench)
{
  g_autoptr(GArray) connect = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) first_rtp = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GHashTable) pairs = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GHashTable) failures = g_hash_table_new (g_str_hash, g_str_equal);
  guint64 sent = 0, received = 0;
  guint was_active = 0;
  guint silent = 0;           /* active calls that received no RTP */
  double cpu_percent = NAN;
  Spread sc, sr;
  GHashTableIter iter;
  gpointer key, value;

  for (guint i = 0; i < bench->entries->len; i++)
    {
      Entry *e = g_ptr_array_index (bench->entries, i);
      g_autoptr(SipnatCallStats) live = e->final ? NULL : sipnat_call_get_stats (e->call);
      const SipnatCallStats *st = e->final ? e->final : live;
      double v;

      was_active += e->was_active;
      if (e->was_active && sipnat_call_stats_get_rtp_packets_received (st) == 0)
        silent++;
      sent += sipnat_call_stats_get_rtp_packets_sent (st);
      received += sipnat_call_stats_get_rtp_packets_received (st);
      if ((v = sipnat_call_stats_get_connect_time (st)) >= 0)
        g_array_append_val (connect, v);
      if ((v = sipnat_call_stats_get_first_rtp_time (st)) >= 0)
        g_array_append_val (first_rtp, v);
      count_in (pairs, e->pair ? e->pair : "none");
      if (!e->was_active)
        count_in (failures, e->failure ? e->failure
                  : enum_nick (sipnat_call_get_state (e->call)));
    }
  sc = spread_of (connect);
  sr = spread_of (first_rtp);
  if (bench->active.taken && bench->before_hangup.taken &&
      bench->before_hangup.wall_s > bench->active.wall_s)
    cpu_percent = 100 * (bench->before_hangup.cpu_s - bench->active.cpu_s) /
                  (bench->before_hangup.wall_s - bench->active.wall_s);

  if (opt_json)
    {
      g_autoptr(GString) out = g_string_new ("{");

      g_string_append_printf (out, "\"mode\":\"%s\",\"count\":%d,\"calls-taken\":%u,"
                              "\"calls-active-max\":%u,\"calls-were-active\":%u,"
                              "\"calls-active-no-rtp-received\":%u,"
                              "\"calls-active-steady\":%u,",
                              opt_answer ? "answer" : "call", opt_count, bench->entries->len,
                              bench->active_max, was_active, silent,
                              bench->active_at_steady);
      json_snapshot (out, "start", &bench->start);
      json_snapshot (out, "active", &bench->active);
      json_snapshot (out, "before-hangup", &bench->before_hangup);
      json_snapshot (out, "after", &bench->after);
      if (isnan (cpu_percent))
        g_string_append (out, "\"cpu-percent-active\":null,");
      else
        g_string_append_printf (out, "\"cpu-percent-active\":%.1f,", cpu_percent);
      json_spread (out, "connect-ms", sc);
      json_spread (out, "first-rtp-ms", sr);
      json_counts (out, "pairs", pairs);
      json_counts (out, "never-active", failures);
      g_string_append_printf (out, "\"rtp-sent\":%" G_GUINT64_FORMAT ",\"rtp-received\":%"
                              G_GUINT64_FORMAT "}", sent, received);
      printf ("%s\n", out->str);
      return;
    }

  printf ("%s: %u calls taken, %u active at most at once, %u were active, %u of them "
          "received no RTP\n", opt_answer ? "answer" : "call", bench->entries->len,
          bench->active_max, was_active, silent);
  text_snapshot ("start", &bench->start);
  text_snapshot ("active", &bench->active);
  text_snapshot ("before-hangup", &bench->before_hangup);
  text_snapshot ("after", &bench->after);
  printf ("CPU in the steady period (%u calls active): %.1f %% of one core\n",
          bench->active_at_steady, cpu_percent);
  printf ("answer -> ICE connected, ms: %u calls, min %.0f, median %.1f, max %.0f\n",
          sc.n, sc.min, sc.median, sc.max);
  printf ("answer -> first RTP, ms: %u calls, min %.0f, median %.1f, max %.0f\n",
          sr.n, sr.min, sr.median, sr.max);
  g_hash_table_iter_init (&iter, pairs);
  while (g_hash_table_iter_next (&iter, &key, &value))
    printf ("selected pair %s: %u calls\n", (char *) key, GPOINTER_TO_UINT (value));
  g_hash_table_iter_init (&iter, failures);
  while (g_hash_table_iter_next (&iter, &key, &value))
    printf ("never active, %s: %u calls\n", (char *) key, GPOINTER_TO_UINT (value));
  printf ("RTP packets sent %" G_GUINT64_FORMAT ", received %" G_GUINT64_FORMAT "\n",
          sent, received);
}

/* ---------------------------------------------------------------------- */
/* Runs                                                                   */

static gboolean
dial_all (Bench *bench)
{
  for (int i = 0; i < opt_count; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(SipnatCall) call = sipnat_registration_create_call (bench->registration, opt_call,
                                                                    &error);

      if (call == NULL)
        {
          g_printerr ("bench-calls: %s\n", error->message);
          return FALSE;
        }
      take_call (bench, call);
      sipnat_call_dial_async (call, NULL, connected_cb, bench);
    }
  return TRUE;
}

static void
hangup_all (Bench *bench)
{
  for (guint i = 0; i < bench->entries->len; i++)
    {
      Entry *e = g_ptr_array_index (bench->entries, i);

      if (!e->ended)
        sipnat_call_hangup (e->call);
    }
}

static int
run (Bench *bench)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SipnatRegistration) reg = NULL;

  bench->endpoint = sipnat_endpoint_new_from_file (opt_config, NULL, &error);
  if (bench->endpoint == NULL)
    {
      g_printerr ("bench-calls: %s: %s\n", opt_config, error->message);
      return 2;
    }
  reg = g_list_model_get_item (sipnat_endpoint_get_registrations (bench->endpoint), 0);
  if (reg == NULL)
    {
      g_printerr ("bench-calls: %s has no registration\n", opt_config);
      return 2;
    }
  bench->registration = reg;
  if (opt_answer)
    g_signal_connect (bench->endpoint, "incoming-call", G_CALLBACK (incoming_call_cb), bench);

  sipnat_registration_register_async (reg, NULL, registered_cb, bench);
  if (!wait_until (bench, is_registered, REGISTER_TIMEOUT_S) || bench->failed)
    return 1;
  wait_until (bench, never, 0.2);     /* let the registration's follow-ups settle */
  snapshot_take (&bench->start);
  fprintf (stderr, "bench-calls: registered\n");

  if (opt_answer)
    {
      wait_until (bench, count_ended, opt_seconds);
    }
  else
    {
      if (!dial_all (bench))
        return 2;
      wait_until (bench, all_settled, ALL_ACTIVE_TIMEOUT_S);
      snapshot_take (&bench->active);
      bench->active_at_steady = bench->active_now;
      wait_until (bench, never, opt_seconds);
      snapshot_take (&bench->before_hangup);
      hangup_all (bench);
    }
  hangup_all (bench);
  wait_until (bench, all_ended, END_TIMEOUT_S);
  for (guint i = 0; i < bench->entries->len; i++)
    {
      Entry *e = g_ptr_array_index (bench->entries, i);

      if (e->pipeline != NULL)
        gst_element_set_state (e->pipeline, GST_STATE_NULL);
      g_clear_object (&e->pipeline);
    }
  wait_until (bench, never, AFTER_IDLE_MS / 1000.0);
  snapshot_take (&bench->after);
  report (bench);

  sipnat_endpoint_close_async (bench->endpoint, NULL, closed_cb, bench);
  wait_until (bench, is_closed, END_TIMEOUT_S);
  return bench->active_max >= (guint) opt_count ? 0 : 1;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GOptionContext) context = g_option_context_new ("- many simultaneous calls");
  g_autoptr(GError) error = NULL;
  Bench bench = { 0 };
  int status;

  t0_us = g_get_monotonic_time ();
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("bench-calls: %s\n", error->message);
      return 2;
    }
  if (opt_config == NULL || (opt_call == NULL) == !opt_answer || opt_count < 1 ||
      opt_count > 1000)
    {
      g_printerr ("bench-calls: --config FILE and one of --call URI or --answer are needed; "
                  "--count 1 to 1000\n");
      return 2;
    }
  if (opt_seconds < 0)
    opt_seconds = opt_answer ? 120 : 10;
  gst_init (NULL, NULL);

  bench.entries = g_ptr_array_new_with_free_func ((GDestroyNotify) entry_free);
  the_bench = &bench;
  status = run (&bench);
  g_ptr_array_unref (bench.entries);
  g_clear_object (&bench.endpoint);
  g_free (opt_config);
  g_free (opt_call);
  return status;
}
