/* bench-register.c: REGISTER latency and many registrations against a real Kamailio
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Starts its own Kamailio on 127.0.0.1 (tests/sipnat-test-registrar.c, one
 * per measurement) and measures through the public API only:
 *
 *   latency  one endpoint, one registration, --rounds rounds of
 *            register_async -> callback, timed from the call to the callback;
 *            the registration is unregistered between rounds, so every round
 *            sends a fresh REGISTER on a fresh nua handle. Rows: UDP, TCP,
 *            UDP with digest auth (401, then the authenticated REGISTER), and
 *            with --auth TCP with digest auth as well.
 *   many     --count registrations u0001, u0002, ... on one endpoint (auth
 *            off), through sipnat_endpoint_register_all_async (or --window N
 *            started by hand at a time): time from the
 *            first register_async to the last callback, VmRSS and malloc'd
 *            bytes per registration, the contacts Kamailio holds; then
 *            close_async, which unregisters them all.
 *
 * Every result is checked against Kamailio (its REGISTER counter and usrloc
 * contacts); a failed check or a failed registration makes it exit 1.
 *
 *   bench-register [--rounds N] [--count N] [--window N] [--transport udp|tcp]
 *                  [--auth] [--json] [--skip-latency] [--skip-many]
 */

#include <malloc.h>
#include <sys/resource.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sipnat.h>

#include "raw-register.h"
#include "sipnat-test-registrar.h"

#define WAIT_TIMEOUT_MS   60000
#define WARMUP_ROUNDS     3
#define USER_FORMAT       "u%04u"

/* ---------------------------------------------------------------------- */
/* Options                                                                */

static int opt_rounds = 200;
static int opt_count = 1000;
static gboolean opt_auth = FALSE;
static gboolean opt_json = FALSE;
static int opt_window = 0;
static char *opt_transport = NULL;
static int opt_idle = 6;
static gboolean opt_skip_latency = FALSE;
static gboolean opt_skip_many = FALSE;
static int opt_close_timeout = 0;
static gboolean opt_digest = FALSE;
static gboolean opt_stun = FALSE;
static int opt_keepalive = -1;
static int opt_reg_timeout = 0;

static const GOptionEntry entries[] = {
  { "rounds", 'r', 0, G_OPTION_ARG_INT, &opt_rounds,
    "REGISTER rounds per latency row (default 200)", "N" },
  { "count", 'c', 0, G_OPTION_ARG_INT, &opt_count,
    "Registrations in the many-registrations run (default 1000)", "N" },
  { "window", 'w', 0, G_OPTION_ARG_INT, &opt_window,
    "At most N REGISTERs in flight in the many-registrations run "
    "(default 0: all started at once)", "N" },
  { "transport", 't', 0, G_OPTION_ARG_STRING, &opt_transport,
    "Transport of the many-registrations run: udp (default) or tcp", "udp|tcp" },
  { "idle", 'i', 0, G_OPTION_ARG_INT, &opt_idle,
    "Seconds to idle once registered before measuring memory again and closing "
    "(default 6: longer than T4, so completed transactions are gone; "
    "16 or more lets the first keep-alives go out)", "S" },
  { "auth", 'a', 0, G_OPTION_ARG_NONE, &opt_auth,
    "Also measure TCP with digest auth (UDP with digest auth is always measured)", NULL },
  { "json", 'j', 0, G_OPTION_ARG_NONE, &opt_json,
    "Print the results as one JSON object", NULL },
  { "skip-latency", 0, 0, G_OPTION_ARG_NONE, &opt_skip_latency,
    "Skip the latency rows", NULL },
  { "close-timeout", 0, 0, G_OPTION_ARG_INT, &opt_close_timeout,
    "The endpoint's close-timeout in ms (default 0: the library's)", "MS" },
  { "skip-many", 0, 0, G_OPTION_ARG_NONE, &opt_skip_many,
    "Skip the many-registrations run", NULL },
  { "digest", 0, 0, G_OPTION_ARG_NONE, &opt_digest,
    "Digest auth in the many-registrations run (password: user name + \"pw\"), "
    "for libsipnat and the raw client", NULL },
  { "stun", 0, 0, G_OPTION_ARG_NONE, &opt_stun,
    "Kamailio answers STUN on its SIP port in the many-registrations run "
    "(keep-alives are STUN; default: OPTIONS)", NULL },
  { "keepalive", 'k', 0, G_OPTION_ARG_INT, &opt_keepalive,
    "Keep-alive interval of each registration in s (default: the library's)", "S" },
  { "reg-timeout", 0, 0, G_OPTION_ARG_INT, &opt_reg_timeout,
    "Expires asked for by each registration in s (default: the library's); "
    "refreshes come before it", "S" },
  { NULL }
};

/* ---------------------------------------------------------------------- */
/* Results                                                                */

typedef struct {
  const char *name;
  SipnatTransport transport;
  gboolean auth;
  guint rounds;
  double first_ms;       /* the cold first round (TCP connect, first challenge) */
  double min_ms;
  double median_ms;
  double p90_ms;
  double p99_ms;
  double max_ms;
  double mean_ms;
  guint registers_seen;  /* REGISTERs Kamailio received for the whole row */
  guint registers_expected;
} LatencyRow;

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

/* ---------------------------------------------------------------------- */
/* Helpers                                                                */

static gboolean
set_flag_cb (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Iterates the default context until *@flag is set. FALSE on timeout. */
static gboolean
wait_flag (gboolean *flag,
           guint     timeout_ms)
{
  gboolean timed_out = FALSE;
  g_autoptr(GSource) timeout = g_timeout_source_new (timeout_ms);

  g_source_set_callback (timeout, set_flag_cb, &timed_out, NULL);
  g_source_attach (timeout, NULL);

  while (!*flag && !timed_out)
    g_main_context_iteration (NULL, TRUE);

  g_source_destroy (timeout);
  return *flag;
}

/* Iterates the default context for @ms whatever happens. */
static void
idle_for (guint ms)
{
  gboolean done = FALSE;
  g_autoptr(GSource) timeout = g_timeout_source_new (ms);

  g_source_set_callback (timeout, set_flag_cb, &done, NULL);
  g_source_attach (timeout, NULL);

  while (!done)
    g_main_context_iteration (NULL, TRUE);
}

static double
usec_to_ms (gint64 usec)
{
  return (double) usec / 1000.0;
}

static int
compare_gint64 (gconstpointer a,
                gconstpointer b)
{
  gint64 x = *(const gint64 *) a;
  gint64 y = *(const gint64 *) b;

  return (x > y) - (x < y);
}

/* Nearest-rank percentile of sorted @samples. */
static gint64
percentile (const gint64 *samples,
            guint         n,
            double        p)
{
  guint rank = (guint) ceil (p / 100.0 * n);

  return samples[CLAMP (rank, 1, n) - 1];
}

static double
median_ms (const gint64 *samples,
           guint         n)
{
  if (n % 2 == 1)
    return usec_to_ms (samples[n / 2]);

  return usec_to_ms (samples[n / 2 - 1] + samples[n / 2]) / 2.0;
}

/* VmRSS of this process in KiB, -1 if unreadable. */
static gint64
read_rss_kib (void)
{
  g_autofree char *status = NULL;
  const char *line;

  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL))
    return -1;

  line = strstr (status, "\nVmRSS:");
  if (line == NULL)
    return -1;

  return g_ascii_strtoll (line + strlen ("\nVmRSS:"), NULL, 10);
}

/* Bytes handed out by malloc (all arenas, mmapped chunks included). */
static gint64
heap_in_use (void)
{
  struct mallinfo2 info = mallinfo2 ();

  return (gint64) (info.uordblks + info.hblkhd);
}

/* User + system CPU time of the process, in ms. */
static double
cpu_ms (void)
{
  struct rusage usage;

  getrusage (RUSAGE_SELF, &usage);
  return usage.ru_utime.tv_sec * 1000.0 + usage.ru_utime.tv_usec / 1000.0 +
         usage.ru_stime.tv_sec * 1000.0 + usage.ru_stime.tv_usec / 1000.0;
}

/* The drops counter of the IPv4 UDP socket bound to 127.0.0.1:@port, from
 * /proc/net/udp: datagrams the kernel threw away because the socket's
 * receive buffer was full. -1 if there is no such socket. */
static gint64
read_udp_drops (guint16 port)
{
  g_autofree char *table = NULL;
  g_auto(GStrv) lines = NULL;
  g_autofree char *local = g_strdup_printf ("0100007F:%04X", port);

  if (!g_file_get_contents ("/proc/net/udp", &table, NULL, NULL))
    return -1;

  lines = g_strsplit (table, "\n", -1);
  for (guint i = 1; lines[i] != NULL; i++)
    {
      g_auto(GStrv) fields = g_strsplit_set (g_strstrip (lines[i]), " ", -1);
      g_autoptr(GPtrArray) words = g_ptr_array_new ();

      for (guint j = 0; fields[j] != NULL; j++)
        if (*fields[j] != '\0')
          g_ptr_array_add (words, fields[j]);

      /* sl local rem st tx:rx tr:when retrnsmt uid timeout inode ref pointer drops */
      if (words->len >= 13 && g_strcmp0 (g_ptr_array_index (words, 1), local) == 0)
        return g_ascii_strtoll (g_ptr_array_index (words, words->len - 1), NULL, 10);
    }

  return -1;
}

static gboolean
count_contacts (SipnatTestRegistrar *registrar,
                guint               *contacts,
                GError             **error)
{
  return sipnat_test_registrar_read_statistic (registrar, "location_contacts", contacts, error);
}

static SipnatEndpoint *
new_endpoint (GError **error)
{
  g_autoptr(SipnatEndpoint) endpoint = sipnat_endpoint_new ("127.0.0.1", 0, NULL, error);

  if (endpoint == NULL)
    return NULL;

  /* A lost REGISTER must fail the run in seconds, not after 32 s. */
  sipnat_endpoint_set_transaction_timeout (endpoint, 8000);
  if (opt_close_timeout > 0)
    sipnat_endpoint_set_close_timeout (endpoint, (guint) opt_close_timeout);
  return g_steal_pointer (&endpoint);
}

/* ---------------------------------------------------------------------- */
/* Async steps                                                            */

typedef struct {
  gboolean done;
  gboolean ok;
  gint64 finished;
  GError *error;
} Step;

static void
step_clear (Step *step)
{
  g_clear_error (&step->error);
  *step = (Step) { 0 };
}

static void
register_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      data)
{
  Step *step = data;

  step->finished = g_get_monotonic_time ();
  step->ok = sipnat_registration_register_finish (SIPNAT_REGISTRATION (source), result,
                                                  &step->error);
  step->done = TRUE;
}

static void
unregister_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      data)
{
  Step *step = data;

  step->finished = g_get_monotonic_time ();
  step->ok = sipnat_registration_unregister_finish (SIPNAT_REGISTRATION (source), result,
                                                    &step->error);
  step->done = TRUE;
}

static void
close_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      data)
{
  Step *step = data;

  step->finished = g_get_monotonic_time ();
  step->ok = sipnat_endpoint_close_finish (SIPNAT_ENDPOINT (source), result, &step->error);
  step->done = TRUE;
}

static gboolean
finish_step (Step        *step,
             const char  *what,
             GError     **error)
{
  if (!wait_flag (&step->done, WAIT_TIMEOUT_MS))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                   "%s: no callback after %u ms", what, WAIT_TIMEOUT_MS);
      return FALSE;
    }
  if (!step->ok)
    {
      if (step->error != NULL)
        g_propagate_prefixed_error (error, g_steal_pointer (&step->error), "%s: ", what);
      else
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s failed without an error", what);
      return FALSE;
    }
  return TRUE;
}

static gboolean
close_endpoint (SipnatEndpoint *endpoint,
                gint64         *usec,
                GError        **error)
{
  Step step = { 0 };
  gint64 start = g_get_monotonic_time ();
  gboolean ok;

  sipnat_endpoint_close_async (endpoint, NULL, close_cb, &step);
  ok = finish_step (&step, "close", error);
  if (usec != NULL)
    *usec = step.finished - start;
  step_clear (&step);
  return ok;
}

/* ---------------------------------------------------------------------- */
/* Latency                                                                */

static gboolean
measure_latency (LatencyRow  *row,
                 GError     **error)
{
  SipnatTestRegistrarOptions options = { .auth = row->auth };
  /* Outlives the endpoint: a callback may still come while it is disposed. */
  Step step = { 0 };
  g_autoptr(SipnatTestRegistrar) registrar = NULL;
  g_autoptr(SipnatEndpoint) endpoint = NULL;
  g_autofree char *server = NULL;
  g_autofree gint64 *samples = g_new0 (gint64, row->rounds);
  g_auto(GStrv) contacts = NULL;
  const char *user = row->auth ? "alice" : "bench";
  SipnatRegistration *reg;
  guint total = WARMUP_ROUNDS + row->rounds;
  guint per_round;
  gint64 sum = 0;

  registrar = sipnat_test_registrar_start (&options, error);
  if (registrar == NULL)
    return FALSE;
  server = g_strdup_printf ("127.0.0.1:%u", sipnat_test_registrar_get_port (registrar));

  endpoint = new_endpoint (error);
  if (endpoint == NULL)
    return FALSE;

  reg = sipnat_endpoint_add_registration (endpoint, server, user);
  sipnat_registration_set_transport (reg, row->transport);
  if (row->auth)
    sipnat_registration_set_password (reg, "alicepw");

  for (guint i = 0; i < total; i++)
    {
      gint64 start = g_get_monotonic_time ();

      sipnat_registration_register_async (reg, NULL, register_cb, &step);
      if (!finish_step (&step, "register", error))
        return FALSE;
      if (i == 0)
        row->first_ms = usec_to_ms (step.finished - start);
      if (i >= WARMUP_ROUNDS)
        samples[i - WARMUP_ROUNDS] = step.finished - start;
      step_clear (&step);

      if (sipnat_registration_get_state (reg) != SIPNAT_REGISTRATION_STATE_REGISTERED)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                       "round %u: registered but state is %d", i,
                       sipnat_registration_get_state (reg));
          return FALSE;
        }

      /* Once, outside the timed part: the binding really is in usrloc. */
      if (i == total - 1)
        {
          contacts = sipnat_test_registrar_get_contacts (registrar, user);
          if (g_strv_length (contacts) != 1)
            {
              g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                           "Kamailio holds %u contacts for %s, expected 1",
                           g_strv_length (contacts), user);
              return FALSE;
            }
        }

      sipnat_registration_unregister_async (reg, NULL, unregister_cb, &step);
      if (!finish_step (&step, "unregister", error))
        return FALSE;
      step_clear (&step);
    }

  /* Every round must have sent a fresh REGISTER (and, with auth, been
   * challenged): REGISTER, [401, authenticated REGISTER], unREGISTER. The
   * unREGISTER reuses the handle's credentials, so it is not challenged. */
  per_round = row->auth ? 3 : 2;
  row->registers_expected = total * per_round;
  row->registers_seen = sipnat_test_registrar_count_registers (registrar);
  if (row->registers_seen < row->registers_expected)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   "Kamailio received %u REGISTERs, expected at least %u",
                   row->registers_seen, row->registers_expected);
      return FALSE;
    }

  if (!close_endpoint (endpoint, NULL, error))
    return FALSE;

  for (guint i = 0; i < row->rounds; i++)
    sum += samples[i];
  qsort (samples, row->rounds, sizeof (gint64), compare_gint64);

  row->min_ms = usec_to_ms (samples[0]);
  row->median_ms = median_ms (samples, row->rounds);
  row->p90_ms = usec_to_ms (percentile (samples, row->rounds, 90));
  row->p99_ms = usec_to_ms (percentile (samples, row->rounds, 99));
  row->max_ms = usec_to_ms (samples[row->rounds - 1]);
  row->mean_ms = usec_to_ms (sum) / row->rounds;

  return TRUE;
}

/* ---------------------------------------------------------------------- */
/* Many registrations                                                     */

typedef struct {
  GPtrArray *regs;
  guint next;        /* the next registration to start */
  guint pending;
  guint failed;
  gint64 start;
  gint64 last;
  GArray *done_at;   /* gint64 µs after start, one per callback */
  gboolean all_done;
} ManyState;

static void many_register_cb (GObject      *source,
                              GAsyncResult *result,
                              gpointer      data);

static void
start_next (ManyState *state)
{
  SipnatRegistration *reg = g_ptr_array_index (state->regs, state->next++);

  sipnat_registration_register_async (reg, NULL, many_register_cb, state);
}

static void
many_register_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      data)
{
  ManyState *state = data;
  g_autoptr(GError) error = NULL;

  state->last = g_get_monotonic_time ();
  g_array_append_val (state->done_at, (gint64) { state->last - state->start });

  if (!sipnat_registration_register_finish (SIPNAT_REGISTRATION (source), result, &error))
    {
      if (state->failed++ == 0)
        g_printerr ("%s: %s\n", sipnat_registration_get_user (SIPNAT_REGISTRATION (source)),
                    error->message);
    }

  if (--state->pending == 0)
    state->all_done = TRUE;
  else if (state->next < state->regs->len)
    start_next (state);
}

/* Through the API an application uses: register_all, which paces the
 * REGISTERs itself. Each registration's outcome is timed by its state. */
static void
many_state_cb (SipnatRegistration *reg,
               GParamSpec         *pspec,
               ManyState          *state)
{
  SipnatRegistrationState s = sipnat_registration_get_state (reg);

  if (s != SIPNAT_REGISTRATION_STATE_REGISTERED && s != SIPNAT_REGISTRATION_STATE_FAILED)
    return;

  g_signal_handlers_disconnect_by_func (reg, many_state_cb, state);
  state->last = g_get_monotonic_time ();
  g_array_append_val (state->done_at, (gint64) { state->last - state->start });
  if (s == SIPNAT_REGISTRATION_STATE_FAILED)
    state->failed++;
}

/* Every final status a registration reports: a 408 is a request that
 * got no answer (ours or the registrar's overload). */
static void
many_status_cb (SipnatRegistration *reg,
                GParamSpec         *pspec,
                ManyResult         *result)
{
  guint status = sipnat_registration_get_status_code (reg);

  if (status == 408)
    result->status_408++;
  if (status >= 300 && status != 401 && status != 407)
    {
      if (result->status_failures++ < 5)
        g_printerr ("%s: status %u\n", sipnat_registration_get_user (reg), status);
    }
}

static void
many_all_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      data)
{
  ManyState *state = data;
  g_autoptr(GError) error = NULL;

  if (!sipnat_endpoint_register_all_finish (SIPNAT_ENDPOINT (source), result, &error))
    g_printerr ("register_all: %s\n", error->message);
  state->pending = 0;
  state->all_done = TRUE;
}

/* The raw client registers as many users (named r00001...) and
 * unregisters them: the registrar's own rate, in the same run. */
static gboolean
measure_reference (SipnatTestRegistrar  *registrar,
                   ManyResult           *result,
                   GError              **error)
{
  RawRegisterOptions options = {
    .address = "127.0.0.1",
    .port = sipnat_test_registrar_get_port (registrar),
    .tcp = result->transport == SIPNAT_TRANSPORT_TCP,
    .count = result->count,
    .user_format = "r%05u",
    .auth = result->digest,
    .expires = 600,
  };
  RawRegisterResult raw;
  guint contacts = 0;

  if (!raw_register_run (&options, &raw, error))
    return FALSE;
  result->raw_register_ms = raw.seconds * 1000;
  result->raw_per_second = raw.per_second;
  result->raw_retransmitted = raw.retransmitted;
  if (raw.failed > 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   "the raw client: %u of %u registrations failed", raw.failed, result->count);
      return FALSE;
    }

  options.expires = 0;
  if (!raw_register_run (&options, &raw, error))
    return FALSE;
  result->raw_unregister_ms = raw.seconds * 1000;
  if (!count_contacts (registrar, &contacts, error))
    return FALSE;
  if (raw.failed > 0 || contacts != 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   "the raw client's unregistration left %u contacts (%u failed)",
                   contacts, raw.failed);
      return FALSE;
    }
  return TRUE;
}

static gboolean
measure_many (ManyResult  *result,
              GError     **error)
{
  /* Without STUN: the keep-alives it counts at Kamailio are OPTIONS
   * (Kamailio keeps no count of the STUN requests it answers). */
  SipnatTestRegistrarOptions options = {
    .auth = result->digest, .any_user = result->digest, .no_stun = !result->stun,
  };
  g_autoptr(SipnatTestRegistrar) registrar = NULL;
  g_autofree char *server = NULL;
  g_autoptr(GPtrArray) regs = g_ptr_array_new ();
  g_autoptr(GArray) done_at = g_array_sized_new (FALSE, FALSE, sizeof (gint64), result->count);
  ManyState state = { .done_at = done_at, .regs = regs };
  /* Declared last, so disposed first: its callbacks use the state above. */
  g_autoptr(SipnatEndpoint) endpoint = NULL;
  guint window = opt_window > 0 ? (guint) opt_window : result->count;
  gint64 heap_before, heap_after, start, close_usec = 0;
  gint64 drops_endpoint, drops_registrar;
  guint16 registrar_port, endpoint_port;
  guint options_before = 0;
  guint registers_before_close;
  gint64 drops_endpoint_start;
  double cpu_start;

  registrar = sipnat_test_registrar_start (&options, error);
  if (registrar == NULL)
    return FALSE;
  server = g_strdup_printf ("127.0.0.1:%u", sipnat_test_registrar_get_port (registrar));
  if (!measure_reference (registrar, result, error))
    return FALSE;

  endpoint = new_endpoint (error);
  if (endpoint == NULL)
    return FALSE;

  registrar_port = sipnat_test_registrar_get_port (registrar);
  endpoint_port = sipnat_endpoint_get_local_port (endpoint);
  drops_endpoint = read_udp_drops (endpoint_port);
  drops_endpoint_start = drops_endpoint;
  drops_registrar = read_udp_drops (registrar_port);

  malloc_trim (0);
  result->rss_before_kib = read_rss_kib ();
  heap_before = heap_in_use ();

  for (guint i = 1; i <= result->count; i++)
    {
      g_autofree char *user = g_strdup_printf (USER_FORMAT, i);

      SipnatRegistration *reg = sipnat_endpoint_add_registration (endpoint, server, user);

      sipnat_registration_set_transport (reg, result->transport);
      if (result->digest)
        {
          g_autofree char *password = g_strconcat (user, "pw", NULL);

          sipnat_registration_set_password (reg, password);
        }
      if (result->keepalive_s >= 0)
        sipnat_nat_policy_set_keepalive_interval (sipnat_registration_get_nat_policy (reg),
                                                  (guint) result->keepalive_s);
      if (result->reg_timeout_s > 0)
        sipnat_registration_set_reg_timeout (reg, result->reg_timeout_s);
      g_signal_connect (reg, "notify::status-code", G_CALLBACK (many_status_cb), result);
      g_ptr_array_add (regs, reg);
    }

  state.pending = result->count;
  cpu_start = cpu_ms ();
  start = state.start = g_get_monotonic_time ();
  if (opt_window == 0)
    {
      for (guint i = 0; i < regs->len; i++)
        g_signal_connect (g_ptr_array_index (regs, i), "notify::state",
                          G_CALLBACK (many_state_cb), &state);
      sipnat_endpoint_register_all_async (endpoint, NULL, many_all_cb, &state);
    }
  else
    while (state.next < MIN (window, regs->len))
      start_next (&state);

  if (!wait_flag (&state.all_done, WAIT_TIMEOUT_MS))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                   "%u of %u registrations still pending after %u ms",
                   state.pending, result->count, WAIT_TIMEOUT_MS);
      return FALSE;
    }

  result->cpu_register_ms = cpu_ms () - cpu_start;
  result->register_ms = usec_to_ms (state.last - start);
  result->per_second = result->count / ((state.last - start) / (double) G_USEC_PER_SEC);
  result->failed = state.failed;

  result->udp_drops_endpoint = read_udp_drops (endpoint_port) - drops_endpoint;
  result->udp_drops_registrar = read_udp_drops (registrar_port) - drops_registrar;

  g_array_sort (done_at, compare_gint64);
  for (guint i = 0; i < done_at->len; i++)
    if (g_array_index (done_at, gint64, i) < 500 * 1000)
      result->answered_first_try++;
  result->p50_done_ms = usec_to_ms (percentile ((gint64 *) done_at->data, done_at->len, 50));
  result->p90_done_ms = usec_to_ms (percentile ((gint64 *) done_at->data, done_at->len, 90));

  result->rss_after_kib = read_rss_kib ();
  heap_after = heap_in_use ();
  result->rss_kib_per_reg = (double) (result->rss_after_kib - result->rss_before_kib) /
                            result->count;
  result->heap_kib_per_reg = (double) (heap_after - heap_before) / 1024.0 / result->count;

  if (state.failed > 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   "%u of %u registrations failed", state.failed, result->count);
      return FALSE;
    }

  for (guint i = 0; i < regs->len; i++)
    if (sipnat_registration_get_state (g_ptr_array_index (regs, i)) !=
        SIPNAT_REGISTRATION_STATE_REGISTERED)
      {
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                     "registration %u is not in the registered state", i + 1);
        return FALSE;
      }

  /* The registrar agrees: one contact per registration. */
  if (!count_contacts (registrar, &result->contacts, error))
    return FALSE;
  result->registers_seen = sipnat_test_registrar_count_registers (registrar);
  if (result->contacts != result->count)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   "Kamailio holds %u contacts, expected %u",
                   result->contacts, result->count);
      return FALSE;
    }

  /* Steady state: what a registration costs once its transaction is gone.
   * Keep-alives that fall due meanwhile are counted. */
  if (!sipnat_test_registrar_read_statistic (registrar, "rcv_requests_options", &options_before, error))
    return FALSE;
  drops_endpoint = read_udp_drops (endpoint_port);
  cpu_start = cpu_ms ();
  idle_for (result->idle_s * 1000);
  result->cpu_idle_ms = cpu_ms () - cpu_start;
  result->idle_drops_endpoint = read_udp_drops (endpoint_port) - drops_endpoint;
  result->rss_idle_kib_per_reg = (double) (read_rss_kib () - result->rss_before_kib) /
                                 result->count;
  if (!sipnat_test_registrar_read_statistic (registrar, "rcv_requests_options", &result->idle_options_seen, error))
    return FALSE;
  result->idle_options_seen -= options_before;
  malloc_trim (0);
  result->settled_rss_kib_per_reg = (double) (read_rss_kib () - result->rss_before_kib) /
                                    result->count;
  result->settled_heap_kib_per_reg = (double) (heap_in_use () - heap_before) / 1024.0 /
                                     result->count;

  registers_before_close = sipnat_test_registrar_count_registers (registrar);
  drops_registrar = read_udp_drops (registrar_port);
  /* Read before the close, which closes the socket. */
  result->total_drops_endpoint = read_udp_drops (endpoint_port) - drops_endpoint_start;
  cpu_start = cpu_ms ();
  if (!close_endpoint (endpoint, &close_usec, error))
    return FALSE;
  result->cpu_close_ms = cpu_ms () - cpu_start;
  result->close_ms = usec_to_ms (close_usec);
  /* The endpoint's socket is gone now: its drops show as retransmissions. */
  result->close_drops_registrar = read_udp_drops (registrar_port) - drops_registrar;
  result->close_registers_seen = sipnat_test_registrar_count_registers (registrar) -
                                 registers_before_close;

  if (!count_contacts (registrar, &result->contacts_after_close, error))
    return FALSE;
  for (guint i = 0; i < regs->len; i++)
    g_signal_handlers_disconnect_by_func (g_ptr_array_index (regs, i), many_status_cb, result);
  if (result->contacts_after_close != 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   "Kamailio still holds %u contacts after close",
                   result->contacts_after_close);
      return FALSE;
    }
  if (result->status_408 > 0 || result->total_drops_endpoint > 0)
    g_printerr ("many registrations: %u 408s, %" G_GINT64_FORMAT " datagrams dropped at our socket\n",
                result->status_408, result->total_drops_endpoint);

  result->done = TRUE;
  return TRUE;
}

/* ---------------------------------------------------------------------- */
/* Output                                                                 */

static void
print_latency_table (const LatencyRow *rows,
                     guint             n_rows)
{
  g_print ("REGISTER -> 200 latency in ms: %u rounds after %u warm-up rounds, "
           "unregistered between rounds\n", rows[0].rounds, WARMUP_ROUNDS);
  g_print ("%-12s %8s %8s %8s %8s %8s %8s %8s %10s\n",
           "row", "first", "min", "median", "p90", "p99", "max", "mean", "REGISTERs");
  for (guint i = 0; i < n_rows; i++)
    g_print ("%-12s %8.3f %8.3f %8.3f %8.3f %8.3f %8.3f %8.3f %10u\n",
             rows[i].name, rows[i].first_ms, rows[i].min_ms, rows[i].median_ms,
             rows[i].p90_ms, rows[i].p99_ms, rows[i].max_ms, rows[i].mean_ms,
             rows[i].registers_seen);
}

static void
print_many_table (const ManyResult *many)
{
  g_autofree char *how = NULL;
  g_autofree char *every = many->keepalive_s >= 0 ?
                           g_strdup_printf (" every %d s", many->keepalive_s) : g_strdup ("");
  g_autofree char *idle_label = g_strdup_printf ("%u s later: VmRSS / malloc'd", many->idle_s);

  if (many->window == 0)
    how = g_strdup ("sipnat_endpoint_register_all_async");
  else
    how = g_strdup_printf ("at most %u in flight", many->window);

  g_print ("%u registrations (" USER_FORMAT "..), one endpoint, %s%s, %s, keep-alives %s%s\n",
           many->count, 1, many->transport == SIPNAT_TRANSPORT_TCP ? "TCP" : "UDP",
           many->digest ? " with digest" : "", how, many->stun ? "STUN" : "OPTIONS",
           every);
  g_print ("  %-44s %10.1f ms (%.3f ms per registration)\n", "CPU while registering",
           many->cpu_register_ms, many->cpu_register_ms / many->count);
  g_print ("  %-44s %10.1f ms\n", "first register_async -> last callback", many->register_ms);
  g_print ("  %-44s %10.0f\n", "REGISTERs per second", many->per_second);
  g_print ("  %-44s %10.0f (%.1f ms, %u retransmitted; unregistered in %.1f ms)\n",
           "raw client: REGISTERs per second", many->raw_per_second, many->raw_register_ms,
           many->raw_retransmitted, many->raw_unregister_ms);
  g_print ("  %-44s %10.1f %%\n", "libsipnat's rate / the raw client's",
           100.0 * many->per_second / MAX (many->raw_per_second, 1));
  g_print ("  %-44s %10.1f / %.1f ms\n", "half / 90 % of the callbacks came after",
           many->p50_done_ms, many->p90_done_ms);
  g_print ("  %-44s %10u\n", "answered before T1 (500 ms)", many->answered_first_try);
  g_print ("  %-44s %10" G_GINT64_FORMAT " / %" G_GINT64_FORMAT "\n",
           "UDP datagrams dropped: endpoint / Kamailio", many->udp_drops_endpoint,
           many->udp_drops_registrar);
  g_print ("  %-44s %10u\n", "REGISTERs Kamailio received", many->registers_seen);
  g_print ("  %-44s %10u\n", "contacts in Kamailio", many->contacts);
  g_print ("  %-44s %10.2f KiB (VmRSS %" G_GINT64_FORMAT " -> %" G_GINT64_FORMAT " KiB)\n",
           "VmRSS per registration", many->rss_kib_per_reg, many->rss_before_kib,
           many->rss_after_kib);
  g_print ("  %-44s %10.2f KiB\n", "malloc'd per registration", many->heap_kib_per_reg);
  g_print ("  %-44s %10.2f / %.2f KiB\n", idle_label, many->settled_rss_kib_per_reg,
           many->settled_heap_kib_per_reg);
  g_print ("  %-44s %10u / %" G_GINT64_FORMAT "\n",
           "while idle: keep-alives at Kamailio / drops", many->idle_options_seen,
           many->idle_drops_endpoint);
  g_print ("  %-44s %10.2f KiB\n", "VmRSS per registration after idle, no trim",
           many->rss_idle_kib_per_reg);
  g_print ("  %-44s %10.1f ms (%.1f %% of a core)\n", "CPU while idle", many->cpu_idle_ms,
           100.0 * many->cpu_idle_ms / MAX (many->idle_s * 1000.0, 1));
  g_print ("  %-44s %10.1f ms\n", "close (unregisters all)", many->close_ms);
  g_print ("  %-44s %10.1f ms\n", "CPU while closing", many->cpu_close_ms);
  g_print ("  %-44s %10u\n", "REGISTERs Kamailio received while closing",
           many->close_registers_seen);
  g_print ("  %-44s %10u\n", "contacts in Kamailio after close", many->contacts_after_close);
  g_print ("  %-44s %10u / %u\n", "registrations that saw a 408 / any failure",
           many->status_408, many->status_failures);
  g_print ("  %-44s %10" G_GINT64_FORMAT "\n", "UDP datagrams dropped at our socket, whole run",
           many->total_drops_endpoint);
}

static void
json_number (GString    *json,
             const char *key,
             double      value)
{
  char text[G_ASCII_DTOSTR_BUF_SIZE];

  g_string_append_printf (json, "\"%s\": %s, ", key,
                          g_ascii_formatd (text, sizeof text, "%.3f", value));
}

static void
json_int (GString    *json,
          const char *key,
          gint64      value)
{
  g_string_append_printf (json, "\"%s\": %" G_GINT64_FORMAT ", ", key, value);
}

static void
json_end_object (GString *json)
{
  if (g_str_has_suffix (json->str, ", "))
    g_string_truncate (json, json->len - 2);
  g_string_append (json, "}");
}

static void
print_json (const LatencyRow *rows,
            guint             n_rows,
            const ManyResult *many)
{
  g_autoptr(GString) json = g_string_new ("{");

  g_string_append_printf (json, "\"warmup_rounds\": %u, \"latency\": [", WARMUP_ROUNDS);
  for (guint i = 0; i < n_rows; i++)
    {
      const LatencyRow *row = &rows[i];

      g_string_append_printf (json, "%s{\"name\": \"%s\", \"transport\": \"%s\", "
                              "\"auth\": %s, \"rounds\": %u, ",
                              i > 0 ? ", " : "", row->name,
                              sipnat_transport_to_string (row->transport),
                              row->auth ? "true" : "false", row->rounds);
      json_number (json, "first_ms", row->first_ms);
      json_number (json, "min_ms", row->min_ms);
      json_number (json, "median_ms", row->median_ms);
      json_number (json, "p90_ms", row->p90_ms);
      json_number (json, "p99_ms", row->p99_ms);
      json_number (json, "max_ms", row->max_ms);
      json_number (json, "mean_ms", row->mean_ms);
      json_int (json, "registers_seen", row->registers_seen);
      json_int (json, "registers_expected", row->registers_expected);
      json_end_object (json);
    }
  g_string_append (json, "]");

  if (many->done)
    {
      g_string_append_printf (json, ", \"many\": {\"transport\": \"%s\", ",
                              sipnat_transport_to_string (many->transport));
      json_int (json, "count", many->count);
      json_int (json, "window", many->window);
      json_number (json, "register_ms", many->register_ms);
      json_number (json, "per_second", many->per_second);
      json_number (json, "raw_register_ms", many->raw_register_ms);
      json_number (json, "raw_per_second", many->raw_per_second);
      json_int (json, "raw_retransmitted", many->raw_retransmitted);
      json_number (json, "raw_unregister_ms", many->raw_unregister_ms);
      json_number (json, "p50_done_ms", many->p50_done_ms);
      json_number (json, "p90_done_ms", many->p90_done_ms);
      json_int (json, "answered_first_try", many->answered_first_try);
      json_int (json, "udp_drops_endpoint", many->udp_drops_endpoint);
      json_int (json, "udp_drops_registrar", many->udp_drops_registrar);
      json_int (json, "registers_seen", many->registers_seen);
      json_int (json, "contacts", many->contacts);
      json_int (json, "rss_before_kib", many->rss_before_kib);
      json_int (json, "rss_after_kib", many->rss_after_kib);
      json_number (json, "rss_kib_per_reg", many->rss_kib_per_reg);
      json_number (json, "heap_kib_per_reg", many->heap_kib_per_reg);
      json_int (json, "idle_s", many->idle_s);
      json_int (json, "idle_options_seen", many->idle_options_seen);
      json_int (json, "idle_drops_endpoint", many->idle_drops_endpoint);
      json_number (json, "settled_rss_kib_per_reg", many->settled_rss_kib_per_reg);
      json_number (json, "settled_heap_kib_per_reg", many->settled_heap_kib_per_reg);
      json_number (json, "close_ms", many->close_ms);
      json_int (json, "close_registers_seen", many->close_registers_seen);
      json_int (json, "close_drops_registrar", many->close_drops_registrar);
      json_int (json, "contacts_after_close", many->contacts_after_close);
      json_int (json, "digest", many->digest);
      json_int (json, "stun", many->stun);
      json_int (json, "keepalive_s", many->keepalive_s);
      json_int (json, "reg_timeout_s", many->reg_timeout_s);
      json_int (json, "status_408", many->status_408);
      json_int (json, "status_failures", many->status_failures);
      json_int (json, "total_drops_endpoint", many->total_drops_endpoint);
      json_number (json, "cpu_register_ms", many->cpu_register_ms);
      json_number (json, "cpu_idle_ms", many->cpu_idle_ms);
      json_number (json, "cpu_close_ms", many->cpu_close_ms);
      json_number (json, "rss_idle_kib_per_reg", many->rss_idle_kib_per_reg);
      json_end_object (json);
    }

  g_string_append (json, "}");
  g_print ("%s\n", json->str);
}

/* ---------------------------------------------------------------------- */

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GOptionContext) context = g_option_context_new ("- libsipnat REGISTER benchmarks");
  g_autoptr(GError) error = NULL;
  LatencyRow rows[] = {
    { .name = "udp", .transport = SIPNAT_TRANSPORT_UDP },
    { .name = "tcp", .transport = SIPNAT_TRANSPORT_TCP },
    { .name = "udp+digest", .transport = SIPNAT_TRANSPORT_UDP, .auth = TRUE },
    { .name = "tcp+digest", .transport = SIPNAT_TRANSPORT_TCP, .auth = TRUE },
  };
  guint n_rows;
  ManyResult many = { 0 };

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return 2;
    }
  if (opt_transport != NULL && g_strcmp0 (opt_transport, "udp") != 0 &&
      g_strcmp0 (opt_transport, "tcp") != 0)
    {
      g_printerr ("--transport must be udp or tcp\n");
      return 2;
    }
  if (opt_rounds < 1 || opt_count < 1 || opt_window < 0 || opt_idle < 0)
    {
      g_printerr ("--rounds and --count must be at least 1, --window and --idle at least 0\n");
      return 2;
    }

  n_rows = opt_skip_latency ? 0 : (opt_auth ? 4 : 3);

  /* The harness looks for tests/servers/kamailio.cfg.in there. */
  g_setenv ("SIPNAT_SOURCE_ROOT", SIPNAT_SOURCE_ROOT, FALSE);

  /* The many-registrations run goes first, so that its RSS difference is
   * not hidden by memory that the latency rows freed but kept. */
  if (!opt_skip_many)
    {
      many.count = opt_count;
      many.window = opt_window > 0 ? (guint) opt_window : 0;
      many.idle_s = (guint) opt_idle;
      many.digest = opt_digest;
      many.stun = opt_stun;
      many.keepalive_s = opt_keepalive;
      many.reg_timeout_s = opt_reg_timeout > 0 ? (guint) opt_reg_timeout : 0;
      many.transport = g_strcmp0 (opt_transport, "tcp") == 0 ? SIPNAT_TRANSPORT_TCP :
                       SIPNAT_TRANSPORT_UDP;
      if (!measure_many (&many, &error))
        {
          g_printerr ("many registrations: %s\n", error->message);
          return 1;
        }
    }

  for (guint i = 0; i < n_rows; i++)
    {
      rows[i].rounds = opt_rounds;
      if (!measure_latency (&rows[i], &error))
        {
          g_printerr ("latency %s: %s\n", rows[i].name, error->message);
          return 1;
        }
    }

  if (opt_json)
    {
      print_json (rows, n_rows, &many);
    }
  else
    {
      if (n_rows > 0)
        print_latency_table (rows, n_rows);
      if (n_rows > 0 && many.done)
        g_print ("\n");
      if (many.done)
        print_many_table (&many);
    }

  return 0;
}
