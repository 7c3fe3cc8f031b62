/* sipnat-test-coturn.c: a real coturn on 127.0.0.1 for the tests
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <signal.h>

#include <glib/gstdio.h>

#include "sipnat-test-coturn.h"
#include "sipnat-test-utils.h"

static char *
find_turnserver (void)
{
  const char *env = g_getenv ("SIPNAT_TURNSERVER");

  char *path;

  if (env != NULL)
    return g_strdup (env);
  path = g_find_program_in_path ("turnserver");
  if (path == NULL && g_file_test ("/usr/bin/turnserver", G_FILE_TEST_IS_EXECUTABLE))
    path = g_strdup ("/usr/bin/turnserver");

  return path;
}

static gboolean
make_certificate (SipnatTestCoturn  *coturn,
                  GError           **error)
{
  g_autofree char *key = g_build_filename (coturn->dir, "key.pem", NULL);
  g_autofree char *cert = g_build_filename (coturn->dir, "cert.pem", NULL);
  const char *argv[] = {
    "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
    "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
    "-addext", "subjectAltName=IP:127.0.0.1",
    "-keyout", key, "-out", cert, NULL,
  };
  g_autoptr(GSubprocess) openssl = NULL;

  openssl = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_STDOUT_SILENCE |
                               G_SUBPROCESS_FLAGS_STDERR_SILENCE, error);
  if (openssl == NULL || !g_subprocess_wait_check (openssl, NULL, error))
    return FALSE;

  coturn->cert = g_steal_pointer (&cert);
  return TRUE;
}

static gboolean
tcp_port_open (guint port)
{
  g_autoptr(GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (lo, port);
  g_autoptr(GSocket) socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                            G_SOCKET_PROTOCOL_TCP, NULL);

  return socket != NULL && g_socket_connect (socket, address, NULL, NULL);
}

static gboolean
launch (SipnatTestCoturn  *coturn,
        const char        *turnserver,
        GError           **error)
{
  g_autofree char *port = g_strdup_printf ("%u", coturn->port);
  g_autofree char *tls_port = g_strdup_printf ("%u", coturn->tls_port);
  g_autofree char *key = g_build_filename (coturn->dir, "key.pem", NULL);
  g_autofree char *userdb = g_build_filename (coturn->dir, "turndb", NULL);
  g_autofree char *log = g_build_filename (coturn->dir, "turnserver.log", NULL);
  const char *argv[] = {
    turnserver, "-n",
    "--listening-ip", "127.0.0.1", "--relay-ip", "127.0.0.1",
    "--listening-port", port, "--tls-listening-port", tls_port,
    "--alt-listening-port", "0", "--alt-tls-listening-port", "0",
    "--lt-cred-mech", "--realm", SIPNAT_TEST_TURN_REALM,
    "--user", SIPNAT_TEST_TURN_USER ":" SIPNAT_TEST_TURN_PASSWORD,
    "--userdb", userdb, "--allow-loopback-peers", "--no-multicast-peers",
    "--cert", coturn->cert, "--pkey", key, "--no-dtls", "--no-cli",
    "--log-file", log, "--simple-log", NULL,
  };
  gint64 deadline;

  coturn->process = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_STDOUT_SILENCE |
                                       G_SUBPROCESS_FLAGS_STDERR_SILENCE, error);
  if (coturn->process == NULL)
    return FALSE;

  deadline = g_get_monotonic_time () + sipnat_test_deadline_ms (10000) * G_TIME_SPAN_MILLISECOND;
  while (!(tcp_port_open (coturn->port) && tcp_port_open (coturn->tls_port)))
    {
      if (g_subprocess_get_identifier (coturn->process) == NULL)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                       "turnserver exited during start-up (log: %s)", log);
          return FALSE;
        }
      if (g_get_monotonic_time () > deadline)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                       "turnserver did not listen on 127.0.0.1:%u/%u in time (log: %s)",
                       coturn->port, coturn->tls_port, log);
          return FALSE;
        }
      g_usleep (20 * G_TIME_SPAN_MILLISECOND);
    }

  return TRUE;
}

SipnatTestCoturn *
sipnat_test_coturn_start (GError **error)
{
  g_autoptr(SipnatTestCoturn) coturn = g_new0 (SipnatTestCoturn, 1);
  g_autofree char *turnserver = find_turnserver ();
  g_autofree char *openssl = g_find_program_in_path ("openssl");

  if (turnserver == NULL || openssl == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                           "turnserver (coturn) or openssl is not installed");
      return NULL;
    }

  coturn->dir = g_dir_make_tmp ("sipnat-coturn-XXXXXX", error);
  if (coturn->dir == NULL || !make_certificate (coturn, error))
    return NULL;

  coturn->port = sipnat_test_free_port ();
  do
    coturn->tls_port = sipnat_test_free_port ();
  while (coturn->tls_port == coturn->port);

  if (!launch (coturn, turnserver, error))
    return NULL;

  g_test_message ("coturn pid %s on 127.0.0.1:%u (TLS %u)",
                  g_subprocess_get_identifier (coturn->process), coturn->port, coturn->tls_port);
  return g_steal_pointer (&coturn);
}

/* SIGTERM, then SIGKILL after 5 s; the files go too. */
void
sipnat_test_coturn_stop (SipnatTestCoturn *coturn)
{
  if (coturn == NULL)
    return;

  if (coturn->process != NULL)
    {
      gint64 deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;

      g_subprocess_send_signal (coturn->process, SIGTERM);
      /* The identifier goes once GLib's worker thread has reaped it. */
      while (g_subprocess_get_identifier (coturn->process) != NULL &&
             g_get_monotonic_time () < deadline)
        g_usleep (10 * G_TIME_SPAN_MILLISECOND);
      if (g_get_monotonic_time () >= deadline)
        g_subprocess_force_exit (coturn->process);
      g_subprocess_wait (coturn->process, NULL, NULL);
      g_clear_object (&coturn->process);
    }
  if (coturn->dir != NULL)
    sipnat_test_remove_tree (coturn->dir);
  g_free (coturn->dir);
  g_free (coturn->cert);
  g_free (coturn);
}
