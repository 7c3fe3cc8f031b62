/* bench-register-many.c: the many-registrations run of bench-register
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * --count registrations on one endpoint against a fresh Kamailio, after
 * the same count through the raw client (raw-register.c) as the reference:
 * rates, memory and CPU per registration, what Kamailio holds, and the
 * close that unregisters them all.
 */

#include <malloc.h>
#include <sys/resource.h>
#include <string.h>

#include <sipnat.h>

#include "bench-register-private.h"
#include "raw-register.h"
#include "sipnat-test-registrar.h"

/* ---------------------------------------------------------------------- */
/* Measures                                                               */

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

gboolean
bench_measure_many (ManyResult  *result,
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
  guint window = result->window > 0 ? result->window : result->count;
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

  endpoint = bench_new_endpoint (error);
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
  if (result->window == 0)
    {
      for (guint i = 0; i < regs->len; i++)
        g_signal_connect (g_ptr_array_index (regs, i), "notify::state",
                          G_CALLBACK (many_state_cb), &state);
      sipnat_endpoint_register_all_async (endpoint, NULL, many_all_cb, &state);
    }
  else
    while (state.next < MIN (window, regs->len))
      start_next (&state);

  if (!bench_wait_flag (&state.all_done, WAIT_TIMEOUT_MS))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                   "%u of %u registrations still pending after %u ms",
                   state.pending, result->count, WAIT_TIMEOUT_MS);
      return FALSE;
    }

  result->cpu_register_ms = cpu_ms () - cpu_start;
  result->register_ms = bench_usec_to_ms (state.last - start);
  result->per_second = result->count / ((state.last - start) / (double) G_USEC_PER_SEC);
  result->failed = state.failed;

  result->udp_drops_endpoint = read_udp_drops (endpoint_port) - drops_endpoint;
  result->udp_drops_registrar = read_udp_drops (registrar_port) - drops_registrar;

  g_array_sort (done_at, bench_compare_gint64);
  for (guint i = 0; i < done_at->len; i++)
    if (g_array_index (done_at, gint64, i) < 500 * 1000)
      result->answered_first_try++;
  result->p50_done_ms = bench_usec_to_ms (bench_percentile ((gint64 *) done_at->data,
                                                           done_at->len, 50));
  result->p90_done_ms = bench_usec_to_ms (bench_percentile ((gint64 *) done_at->data,
                                                           done_at->len, 90));

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
  bench_idle_for (result->idle_s * 1000);
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
  if (!bench_close_endpoint (endpoint, &close_usec, error))
    return FALSE;
  result->cpu_close_ms = cpu_ms () - cpu_start;
  result->close_ms = bench_usec_to_ms (close_usec);
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

void
bench_print_many_table (const ManyResult *many)
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

/* Appends the "many" member (a leading ", " included) to the JSON object
 * being built in @json. */
void
bench_many_append_json (GString          *json,
                        const ManyResult *many)
{
  g_string_append_printf (json, ", \"many\": {\"transport\": \"%s\", ",
                          sipnat_transport_to_string (many->transport));
  bench_json_int (json, "count", many->count);
  bench_json_int (json, "window", many->window);
  bench_json_number (json, "register_ms", many->register_ms);
  bench_json_number (json, "per_second", many->per_second);
  bench_json_number (json, "raw_register_ms", many->raw_register_ms);
  bench_json_number (json, "raw_per_second", many->raw_per_second);
  bench_json_int (json, "raw_retransmitted", many->raw_retransmitted);
  bench_json_number (json, "raw_unregister_ms", many->raw_unregister_ms);
  bench_json_number (json, "p50_done_ms", many->p50_done_ms);
  bench_json_number (json, "p90_done_ms", many->p90_done_ms);
  bench_json_int (json, "answered_first_try", many->answered_first_try);
  bench_json_int (json, "udp_drops_endpoint", many->udp_drops_endpoint);
  bench_json_int (json, "udp_drops_registrar", many->udp_drops_registrar);
  bench_json_int (json, "registers_seen", many->registers_seen);
  bench_json_int (json, "contacts", many->contacts);
  bench_json_int (json, "rss_before_kib", many->rss_before_kib);
  bench_json_int (json, "rss_after_kib", many->rss_after_kib);
  bench_json_number (json, "rss_kib_per_reg", many->rss_kib_per_reg);
  bench_json_number (json, "heap_kib_per_reg", many->heap_kib_per_reg);
  bench_json_int (json, "idle_s", many->idle_s);
  bench_json_int (json, "idle_options_seen", many->idle_options_seen);
  bench_json_int (json, "idle_drops_endpoint", many->idle_drops_endpoint);
  bench_json_number (json, "settled_rss_kib_per_reg", many->settled_rss_kib_per_reg);
  bench_json_number (json, "settled_heap_kib_per_reg", many->settled_heap_kib_per_reg);
  bench_json_number (json, "close_ms", many->close_ms);
  bench_json_int (json, "close_registers_seen", many->close_registers_seen);
  bench_json_int (json, "close_drops_registrar", many->close_drops_registrar);
  bench_json_int (json, "contacts_after_close", many->contacts_after_close);
  bench_json_int (json, "digest", many->digest);
  bench_json_int (json, "stun", many->stun);
  bench_json_int (json, "keepalive_s", many->keepalive_s);
  bench_json_int (json, "reg_timeout_s", many->reg_timeout_s);
  bench_json_int (json, "status_408", many->status_408);
  bench_json_int (json, "status_failures", many->status_failures);
  bench_json_int (json, "total_drops_endpoint", many->total_drops_endpoint);
  bench_json_number (json, "cpu_register_ms", many->cpu_register_ms);
  bench_json_number (json, "cpu_idle_ms", many->cpu_idle_ms);
  bench_json_number (json, "cpu_close_ms", many->cpu_close_ms);
  bench_json_number (json, "rss_idle_kib_per_reg", many->rss_idle_kib_per_reg);
  bench_json_end_object (json);
}
