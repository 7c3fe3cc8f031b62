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
 *   many     (bench-register-many.c) --count registrations u0001, u0002, ...
 *            on one endpoint (auth off), through
 *            sipnat_endpoint_register_all_async (or --window N started by
 *            hand at a time): time from the
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

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sipnat.h>

#include "bench-register-private.h"
#include "sipnat-test-registrar.h"

#define WARMUP_ROUNDS     3

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


/* ---------------------------------------------------------------------- */
/* Helpers                                                                */

static gboolean
set_flag_cb (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Iterates the default context until *@flag is set. FALSE on timeout. */
gboolean
bench_wait_flag (gboolean *flag,
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
void
bench_idle_for (guint ms)
{
  gboolean done = FALSE;
  g_autoptr(GSource) timeout = g_timeout_source_new (ms);

  g_source_set_callback (timeout, set_flag_cb, &done, NULL);
  g_source_attach (timeout, NULL);

  while (!done)
    g_main_context_iteration (NULL, TRUE);
}

double
bench_usec_to_ms (gint64 usec)
{
  return (double) usec / 1000.0;
}

int
bench_compare_gint64 (gconstpointer a,
                      gconstpointer b)
{
  gint64 x = *(const gint64 *) a;
  gint64 y = *(const gint64 *) b;

  return (x > y) - (x < y);
}

/* Nearest-rank bench_percentile of sorted @samples. */
gint64
bench_percentile (const gint64 *samples,
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
    return bench_usec_to_ms (samples[n / 2]);

  return bench_usec_to_ms (samples[n / 2 - 1] + samples[n / 2]) / 2.0;
}

SipnatEndpoint *
bench_new_endpoint (GError **error)
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
  if (!bench_wait_flag (&step->done, WAIT_TIMEOUT_MS))
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

gboolean
bench_close_endpoint (SipnatEndpoint *endpoint,
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

  endpoint = bench_new_endpoint (error);
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
        row->first_ms = bench_usec_to_ms (step.finished - start);
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

  if (!bench_close_endpoint (endpoint, NULL, error))
    return FALSE;

  for (guint i = 0; i < row->rounds; i++)
    sum += samples[i];
  qsort (samples, row->rounds, sizeof (gint64), bench_compare_gint64);

  row->min_ms = bench_usec_to_ms (samples[0]);
  row->median_ms = median_ms (samples, row->rounds);
  row->p90_ms = bench_usec_to_ms (bench_percentile (samples, row->rounds, 90));
  row->p99_ms = bench_usec_to_ms (bench_percentile (samples, row->rounds, 99));
  row->max_ms = bench_usec_to_ms (samples[row->rounds - 1]);
  row->mean_ms = bench_usec_to_ms (sum) / row->rounds;

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

void
bench_json_number (GString    *json,
                   const char *key,
                   double      value)
{
  char text[G_ASCII_DTOSTR_BUF_SIZE];

  g_string_append_printf (json, "\"%s\": %s, ", key,
                          g_ascii_formatd (text, sizeof text, "%.3f", value));
}

void
bench_json_int (GString    *json,
                const char *key,
                gint64      value)
{
  g_string_append_printf (json, "\"%s\": %" G_GINT64_FORMAT ", ", key, value);
}

void
bench_json_end_object (GString *json)
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
      bench_json_number (json, "first_ms", row->first_ms);
      bench_json_number (json, "min_ms", row->min_ms);
      bench_json_number (json, "median_ms", row->median_ms);
      bench_json_number (json, "p90_ms", row->p90_ms);
      bench_json_number (json, "p99_ms", row->p99_ms);
      bench_json_number (json, "max_ms", row->max_ms);
      bench_json_number (json, "mean_ms", row->mean_ms);
      bench_json_int (json, "registers_seen", row->registers_seen);
      bench_json_int (json, "registers_expected", row->registers_expected);
      bench_json_end_object (json);
    }
  g_string_append (json, "]");

  if (many->done)
    bench_many_append_json (json, many);
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
      if (!bench_measure_many (&many, &error))
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
        bench_print_many_table (&many);
    }

  return 0;
}
