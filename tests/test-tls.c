/* test-tls.c: SIP over TLS against Kamailio's TLS module
 *
 * The certificates are made at run time (tests/servers/make-tls-certs.sh):
 * a private CA, given to the registration as its tls-ca-file, and a
 * server certificate that is good, for another name, expired, or from
 * an unknown CA. Kamailio serves each in turn.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <sipnat.h>

#include <glib/gstdio.h>
#include <string.h>

#include "sipnat-test-registrar.h"
#include "sipnat-tls-check-private.h"
#include "sipnat-test-utils.h"

static char *certs_dir;

/* A bad certificate fails within this, never at the 32 s transaction
 * timeout (the endpoint's is 4 s here). */
#define FAIL_WITHIN_MS 8000

static char *
cert_path (const char *name,
           const char *suffix)
{
  g_autofree char *file = g_strconcat (name, suffix, NULL);

  return g_build_filename (certs_dir, file, NULL);
}

static gboolean
make_certificates (GError **error)
{
  g_autofree char *openssl = g_find_program_in_path ("openssl");
  g_autofree char *script = g_test_build_filename (G_TEST_DIST, "servers", "make-tls-certs.sh",
                                                   NULL);
  const char *argv[] = { "/bin/sh", script, certs_dir, NULL };
  g_autofree char *err = NULL;
  int status;

  if (openssl == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                           "openssl not installed (Debian: apt-get install openssl)");
      return FALSE;
    }

  if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, NULL, &err,
                     &status, error))
    return FALSE;
  if (!g_spawn_check_wait_status (status, error))
    {
      g_prefix_error (error, "make-tls-certs.sh: %s: ", err);
      return FALSE;
    }

  return TRUE;
}

static SipnatTestRegistrar *
start_kamailio (const char *certificate)
{
  g_autofree char *pem = cert_path (certificate, ".pem");
  g_autofree char *key = cert_path (certificate, ".key");
  SipnatTestRegistrarOptions options = {
    .outbound = TRUE,
    .tls_certificate = pem,
    .tls_key = key,
  };
  g_autoptr(GError) error = NULL;
  SipnatTestRegistrar *kamailio = sipnat_test_registrar_start (&options, &error);

  if (sipnat_test_skip_if_missing (error))
    return NULL;
  g_assert_no_error (error);
  return kamailio;
}

static SipnatEndpoint *
new_endpoint (SipnatTransportFlags transports)
{
  g_autoptr(GError) error = NULL;
  SipnatEndpoint *endpoint;

  endpoint = g_initable_new (SIPNAT_TYPE_ENDPOINT, NULL, &error,
                             "local-address", "127.0.0.1",
                             "transports", transports,
                             "sip-transaction-timeout", MIN (sipnat_test_deadline_ms (4000), 32000),
                             NULL);
  g_assert_no_error (error);
  return endpoint;
}

static SipnatRegistration *
add_tls_registration (SipnatEndpoint      *endpoint,
                      SipnatTestRegistrar *kamailio,
                      const char          *ca_file)
{
  g_autofree char *server = g_strdup_printf ("127.0.0.1:%u",
                                             sipnat_test_registrar_get_tls_port (kamailio));
  SipnatRegistration *reg = sipnat_endpoint_add_registration (endpoint, server, "alice");

  sipnat_registration_set_transport (reg, SIPNAT_TRANSPORT_TLS);
  sipnat_registration_set_tls_ca_file (reg, ca_file);
  return reg;
}

static void
count_notify (GObject    *object,
              GParamSpec *pspec,
              guint      *count)
{
  (*count)++;
}

static void
test_good (void)
{
  g_autoptr(SipnatTestRegistrar) kamailio = start_kamailio ("good");
  g_autoptr(SipnatTestEndpoint) endpoint = NULL;
  g_autofree char *ca = cert_path ("ca", ".pem");
  g_autofree char *dump = NULL;
  g_autofree char *expected = NULL;
  g_autoptr(GError) error = NULL;
  SipnatRegistration *reg;
  const char *contact;
  const char *port;
  guint state_changes = 0;
  gboolean ok;
  SipnatTestStatistic keepalives = { .name = "rcv_requests_options" };
  gint64 start;

  if (kamailio == NULL)
    return;

  endpoint = new_endpoint (SIPNAT_TRANSPORT_FLAGS_UDP | SIPNAT_TRANSPORT_FLAGS_TCP |
                           SIPNAT_TRANSPORT_FLAGS_TLS);
  reg = add_tls_registration (endpoint, kamailio, ca);

  ok = sipnat_test_register (reg, &error);
  g_assert_no_error (error);
  g_assert_true (ok);
  g_assert_cmpint (sipnat_registration_get_state (reg), ==, SIPNAT_REGISTRATION_STATE_REGISTERED);

  /* The Contact says TLS, and Kamailio keeps it as an outbound flow over
   * TLS: instance and reg-id, received on its TLS socket. */
  contact = sipnat_registration_get_contact (reg);
  g_test_message ("Contact %s", contact);
  g_assert_true (g_str_has_suffix (contact, ";transport=tls"));
  /* TLS listens on a port of its own, not the UDP/TCP one. */
  port = strrchr (contact, ':');
  g_assert_nonnull (port);
  g_assert_cmpuint (g_ascii_strtoull (port + 1, NULL, 10), !=,
                    sipnat_endpoint_get_local_port (endpoint));
  g_assert_true (sipnat_registration_get_outbound_active (reg));
  dump = sipnat_test_registrar_kamcmd (kamailio, &error, "ul.lookup", "location", "s:alice", NULL);
  g_assert_no_error (error);
  g_test_message ("%s", dump);
  g_assert_nonnull (strstr (dump, "transport=tls"));
  g_assert_nonnull (strstr (dump, "Reg-Id: 1"));
  expected = g_strdup_printf ("tls:127.0.0.1:%u", sipnat_test_registrar_get_tls_port (kamailio));
  g_assert_nonnull (strstr (dump, expected));

  /* Keep-alives at the Flow-Timer (2 s) on the TLS flow: OPTIONS, as
   * Sofia's TLS transport has no CRLF ping. Two within 20 s (at the
   * policy's 15 s they would take 24 s), and the flow stays up. */
  g_signal_connect (reg, "notify::state", G_CALLBACK (count_notify), &state_changes);
  keepalives.registrar = kamailio;
  keepalives.at_least = sipnat_test_registrar_get_statistic (kamailio, keepalives.name) + 2;
  start = g_get_monotonic_time ();
  sipnat_test_wait_until (sipnat_test_registrar_statistic_reached, &keepalives, 20000);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 20 * G_USEC_PER_SEC);
  g_assert_cmpuint (state_changes, ==, 0);
  g_assert_cmpint (sipnat_registration_get_state (reg), ==, SIPNAT_REGISTRATION_STATE_REGISTERED);

  g_assert_true (sipnat_test_close (endpoint, &error));
  g_assert_no_error (error);
}

typedef struct {
  const char *certificate;
  const char *reason;    /* in the message */
} BadCase;

static void
test_bad (gconstpointer data)
{
  const BadCase *bad = data;
  g_autoptr(SipnatTestRegistrar) kamailio = start_kamailio (bad->certificate);
  g_autoptr(SipnatTestEndpoint) endpoint = NULL;
  g_autofree char *ca = cert_path ("ca", ".pem");
  g_autoptr(GError) error = NULL;
  SipnatRegistration *reg;
  gint64 start;

  if (kamailio == NULL)
    return;

  endpoint = new_endpoint (SIPNAT_TRANSPORT_FLAGS_UDP | SIPNAT_TRANSPORT_FLAGS_TLS);
  reg = add_tls_registration (endpoint, kamailio, ca);

  start = g_get_monotonic_time ();
  g_assert_false (sipnat_test_register (reg, &error));
  g_test_message ("%s after %.0f ms", error->message,
                  (g_get_monotonic_time () - start) / 1000.0);

  /* A certificate error naming the reason, soon, and for good: waiting
   * does not mend a certificate. */
  g_assert_error (error, SIPNAT_ERROR, SIPNAT_ERROR_CERTIFICATE);
  g_assert_nonnull (strstr (error->message, bad->reason));
  g_assert_cmpint (g_get_monotonic_time () - start, <,
                   (gint64) sipnat_test_deadline_ms (FAIL_WITHIN_MS) * 1000);
  g_assert_cmpint (sipnat_registration_get_state (reg), ==, SIPNAT_REGISTRATION_STATE_FAILED);

  /* Kamailio never saw a REGISTER: nothing went out on such a connection. */
  g_assert_cmpuint (sipnat_test_registrar_count_registers (kamailio), ==, 0);
}

/* A certificate that GIO accepts for 127.0.0.1 (its IP SAN) but Sofia
 * does not (it reads no IP SAN, and no CN beside another DNS SAN):
 * Sofia's own check of the name is on, it refuses the connection, and
 * the error says why, after the transaction timeout. */
static void
test_sofia_refuses (void)
{
  g_autoptr(SipnatTestRegistrar) kamailio = start_kamailio ("ipdns");
  g_autoptr(SipnatTestEndpoint) endpoint = NULL;
  g_autofree char *ca = cert_path ("ca", ".pem");
  g_autoptr(GError) error = NULL;
  SipnatRegistration *reg;
  gint64 start;

  if (kamailio == NULL)
    return;

  endpoint = new_endpoint (SIPNAT_TRANSPORT_FLAGS_UDP | SIPNAT_TRANSPORT_FLAGS_TLS);
  reg = add_tls_registration (endpoint, kamailio, ca);

  start = g_get_monotonic_time ();
  g_assert_false (sipnat_test_register (reg, &error));
  g_test_message ("%s after %.0f ms", error->message,
                  (g_get_monotonic_time () - start) / 1000.0);
  g_assert_error (error, SIPNAT_ERROR, SIPNAT_ERROR_CERTIFICATE);
  g_assert_nonnull (strstr (error->message, "SIP stack refused"));
  g_assert_cmpint (g_get_monotonic_time () - start, <,
                   (gint64) (sipnat_test_deadline_ms (4000) + sipnat_test_deadline_ms (FAIL_WITHIN_MS)) * 1000);
  g_assert_cmpuint (sipnat_test_registrar_count_registers (kamailio), ==, 0);
}

/* What Sofia's own name check accepts, as the error messages tell it. */
static void
test_sofia_names (void)
{
  static const struct {
    const char *certificate;
    const char *host;
    gboolean names;
  } cases[] = {
    { "good", "127.0.0.1", TRUE },        /* the CN; no DNS SAN */
    { "good", "127.0.0.2", FALSE },
    { "ipdns", "127.0.0.1", FALSE },      /* a DNS SAN other than the CN hides it */
    { "ipdns", "localhost", TRUE },
    { "ipdns", "LOCALHOST", TRUE },
    { "wrongname", "wrong.example", TRUE },
    { "wrongname", "127.0.0.1", FALSE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *path = cert_path (cases[i].certificate, ".pem");
      g_autoptr(GError) error = NULL;
      g_autoptr(GTlsCertificate) cert = g_tls_certificate_new_from_file (path, &error);

      g_assert_no_error (error);
      g_assert_cmpint (_sipnat_tls_sofia_names (cert, cases[i].host), ==, cases[i].names);
    }
}

/* Without a tls_ca_file, the private CA is unknown: the system trust
 * store alone does not know it. */
static void
test_system_store_only (void)
{
  g_autoptr(SipnatTestRegistrar) kamailio = start_kamailio ("good");
  g_autoptr(SipnatTestEndpoint) endpoint = NULL;
  g_autoptr(GError) error = NULL;
  SipnatRegistration *reg;

  if (kamailio == NULL)
    return;

  endpoint = new_endpoint (SIPNAT_TRANSPORT_FLAGS_UDP | SIPNAT_TRANSPORT_FLAGS_TLS);
  reg = add_tls_registration (endpoint, kamailio, NULL);
  g_assert_false (sipnat_test_register (reg, &error));
  g_assert_error (error, SIPNAT_ERROR, SIPNAT_ERROR_CERTIFICATE);
  g_assert_nonnull (strstr (error->message, "unknown CA"));
}

/* Configuration mistakes are reported before anything is sent. */
static void
test_config_errors (void)
{
  g_autoptr(SipnatTestEndpoint) no_tls = new_endpoint (SIPNAT_TRANSPORT_FLAGS_UDP);
  g_autoptr(SipnatTestEndpoint) endpoint = new_endpoint (SIPNAT_TRANSPORT_FLAGS_UDP |
                                                         SIPNAT_TRANSPORT_FLAGS_TLS);
  g_autofree char *key = cert_path ("ca", ".key");
  g_autoptr(GError) error = NULL;
  SipnatRegistration *reg;

  reg = sipnat_endpoint_add_registration (no_tls, "127.0.0.1:5061", "alice");
  sipnat_registration_set_transport (reg, SIPNAT_TRANSPORT_TLS);
  g_assert_false (sipnat_test_register (reg, &error));
  g_assert_error (error, SIPNAT_ERROR, SIPNAT_ERROR_CONFIG);
  g_assert_nonnull (strstr (error->message, "tls"));
  g_clear_error (&error);

  reg = sipnat_endpoint_add_registration (endpoint, "127.0.0.1:5061", "alice");
  sipnat_registration_set_transport (reg, SIPNAT_TRANSPORT_TLS);
  sipnat_registration_set_tls_ca_file (reg, "/nonexistent/ca.pem");
  g_assert_false (sipnat_test_register (reg, &error));
  g_assert_error (error, SIPNAT_ERROR, SIPNAT_ERROR_CONFIG);
  g_clear_error (&error);

  /* A key is not a certificate. */
  sipnat_registration_set_tls_ca_file (reg, key);
  g_assert_false (sipnat_test_register (reg, &error));
  g_assert_error (error, SIPNAT_ERROR, SIPNAT_ERROR_CONFIG);
  g_assert_nonnull (strstr (error->message, "no PEM certificate"));
}

/* Time to registered over TLS and over TCP, each on a new endpoint,
 * median of several: reported, and TLS must work every time. */
static int
compare_double (gconstpointer a,
                gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return x < y ? -1 : x > y;
}

static double
time_to_registered (SipnatTestRegistrar *kamailio,
                    SipnatTransport      transport)
{
  g_autoptr(SipnatTestEndpoint) endpoint = NULL;
  g_autofree char *ca = cert_path ("ca", ".pem");
  g_autofree char *server = NULL;
  g_autoptr(GError) error = NULL;
  SipnatRegistration *reg;
  gboolean ok;
  gint64 start;
  double ms;

  endpoint = new_endpoint (SIPNAT_TRANSPORT_FLAGS_UDP | SIPNAT_TRANSPORT_FLAGS_TCP |
                           SIPNAT_TRANSPORT_FLAGS_TLS);
  if (transport == SIPNAT_TRANSPORT_TLS)
    reg = add_tls_registration (endpoint, kamailio, ca);
  else
    {
      server = g_strdup_printf ("127.0.0.1:%u", sipnat_test_registrar_get_port (kamailio));
      reg = sipnat_endpoint_add_registration (endpoint, server, "alice");
      sipnat_registration_set_transport (reg, transport);
    }

  start = g_get_monotonic_time ();
  ok = sipnat_test_register (reg, &error);
  ms = (g_get_monotonic_time () - start) / 1000.0;
  g_assert_no_error (error);
  g_assert_true (ok);

  g_assert_true (sipnat_test_close (endpoint, &error));
  g_assert_no_error (error);
  return ms;
}

#define TIMING_RUNS 7

static void
test_timing (void)
{
  g_autoptr(SipnatTestRegistrar) kamailio = start_kamailio ("good");
  double tls[TIMING_RUNS], tcp[TIMING_RUNS];

  if (kamailio == NULL)
    return;

  for (guint i = 0; i < TIMING_RUNS; i++)
    {
      tls[i] = time_to_registered (kamailio, SIPNAT_TRANSPORT_TLS);
      tcp[i] = time_to_registered (kamailio, SIPNAT_TRANSPORT_TCP);
    }
  qsort (tls, TIMING_RUNS, sizeof (double), compare_double);
  qsort (tcp, TIMING_RUNS, sizeof (double), compare_double);

  g_test_message ("time to registered on loopback, median of %d (min–max): "
                  "TLS %.1f ms (%.1f–%.1f), TCP %.1f ms (%.1f–%.1f)",
                  TIMING_RUNS, tls[TIMING_RUNS / 2], tls[0], tls[TIMING_RUNS - 1],
                  tcp[TIMING_RUNS / 2], tcp[0], tcp[TIMING_RUNS - 1]);
}

static void
skip (gconstpointer message)
{
  g_test_skip (message);
}

static const BadCase wrong_name = { "wrongname", "wrong name" };
static const BadCase expired = { "expired", "expired" };
static const BadCase unknown_ca = { "unknownca", "unknown CA" };

int
main (int argc, char *argv[])
{
  g_autoptr(GError) error = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);

  certs_dir = g_dir_make_tmp ("sipnat-test-tls-XXXXXX", &error);
  g_assert_no_error (error);
  if (!make_certificates (&error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND) ||
          g_getenv ("SIPNAT_REQUIRE_NETNS") != NULL)
        g_error ("%s", error->message);
      g_test_add_data_func ("/tls/skipped", error->message, skip);
      return g_test_run ();
    }

  g_test_add_func ("/tls/config-errors", test_config_errors);
  g_test_add_func ("/tls/sofia-names", test_sofia_names);
  g_test_add_func ("/tls/kamailio/good", test_good);
  g_test_add_data_func ("/tls/kamailio/wrong-name", &wrong_name, test_bad);
  g_test_add_data_func ("/tls/kamailio/expired", &expired, test_bad);
  g_test_add_data_func ("/tls/kamailio/unknown-ca", &unknown_ca, test_bad);
  g_test_add_func ("/tls/kamailio/system-store-only", test_system_store_only);
  g_test_add_func ("/tls/kamailio/sofia-refuses", test_sofia_refuses);
  g_test_add_func ("/tls/kamailio/timing", test_timing);

  status = g_test_run ();
  sipnat_test_remove_tree (certs_dir);
  g_free (certs_dir);
  return status;
}
