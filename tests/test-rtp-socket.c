/* test-rtp-socket.c: the plain UDP socket of a call without ICE: a bad
 * local address, and its STUN discovery against coturn, a silent server,
 * a hostile one, an error answer, a cancellation
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <gio/gio.h>
#include <string.h>
#include <stun/stunagent.h>
#include <stun/usages/bind.h>

#include "sipnat-rtp-socket-private.h"
#include "sipnat-test-coturn.h"
#include "sipnat-test-utils.h"

/* ---------------------------------------------------------- STUN */

typedef struct {
  gboolean done;
  gboolean ok;
  char *address;
  guint port;
  GError *error;
  gint64 elapsed_us;
} Discovered;

static void
on_discovered (GObject      *source,
               GAsyncResult *result,
               gpointer      data)
{
  Discovered *d = data;

  d->ok = _sipnat_rtp_socket_discover_finish (SIPNAT_RTP_SOCKET (source), result,
                                              &d->address, &d->port, &d->error);
  d->done = TRUE;
}

static void
discovered_clear (Discovered *d)
{
  g_clear_pointer (&d->address, g_free);
  g_clear_error (&d->error);
}

static void
discover (SipnatRtpSocket *socket,
          const char      *server,
          guint            port,
          Discovered      *d)
{
  gint64 start = g_get_monotonic_time ();

  d->done = FALSE;
  d->ok = FALSE;
  _sipnat_rtp_socket_discover_async (socket, server, port, NULL, on_discovered, d);
  sipnat_test_wait_flag (&d->done, 10000);
  d->elapsed_us = g_get_monotonic_time () - start;
}

/* Whether a STUN server answers a Binding request on 127.0.0.1:@port. */
static gboolean
stun_answers (gpointer data)
{
  guint port = GPOINTER_TO_UINT (data);
  g_autoptr(GSocket) socket = sipnat_test_loopback_socket ();
  g_autoptr(GSocketAddress) server = g_inet_socket_address_new_from_string ("127.0.0.1", port);
  static const uint16_t attrs[] = { 0 };
  StunAgent agent;
  StunMessage msg;
  uint8_t req[256];
  char answer[1500];
  size_t len;

  stun_agent_init (&agent, attrs, STUN_COMPATIBILITY_RFC5389, 0);
  len = stun_usage_bind_create (&agent, &msg, req, sizeof req);
  g_socket_send_to (socket, server, (const char *) req, len, NULL, NULL);
  g_socket_set_blocking (socket, TRUE);
  g_socket_set_timeout (socket, 1);

  return g_socket_receive (socket, answer, sizeof answer, NULL, NULL) > 0;
}

static void
test_stun_coturn (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SipnatTestCoturn) coturn = NULL;
  g_autoptr(SipnatRtpSocket) socket = NULL;
  Discovered d = { 0, };
  guint port;

  coturn = sipnat_test_coturn_start (&error);
  if (sipnat_test_skip_if_missing (error))
    return;
  g_assert_no_error (error);
  port = coturn->port;
  sipnat_test_wait_until_full (stun_answers, GUINT_TO_POINTER (port), 10000,
                               "coturn answers STUN");

  socket = _sipnat_rtp_socket_new ("127.0.0.1", &error);
  g_assert_no_error (error);
  discover (socket, "127.0.0.1", port, &d);
  g_assert_no_error (d.error);
  g_assert_true (d.ok);
  /* On loopback, no NAT: the socket's own address. */
  g_assert_cmpstr (d.address, ==, "127.0.0.1");
  g_assert_cmpuint (d.port, ==, _sipnat_rtp_socket_get_port (socket));
  discovered_clear (&d);

  /* By name, the same. */
  discover (socket, "localhost", port, &d);
  if (d.error != NULL && g_error_matches (d.error, SIPNAT_ERROR, SIPNAT_ERROR_UNREACHABLE))
    g_test_message ("localhost does not resolve to IPv4 here: %s", d.error->message);
  else
    {
      g_assert_no_error (d.error);
      g_assert_cmpuint (d.port, ==, _sipnat_rtp_socket_get_port (socket));
    }
  discovered_clear (&d);

}

/* A server that never answers: three requests (0, 0.5 and 1.5 s), all
 * of one transaction, then a timeout naming the server at 3 s. */
static void
test_stun_silent (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SipnatRtpSocket) socket = NULL;
  g_autoptr(GSocket) silent = sipnat_test_loopback_socket ();
  g_autofree char *name = NULL;
  guint8 first[64] = { 0, };
  guint requests = 0;
  Discovered d = { 0, };

  socket = _sipnat_rtp_socket_new ("127.0.0.1", &error);
  g_assert_no_error (error);
  discover (socket, "127.0.0.1", sipnat_test_socket_port (silent), &d);
  g_assert_false (d.ok);
  g_assert_error (d.error, SIPNAT_ERROR, SIPNAT_ERROR_TIMEOUT);
  name = g_strdup_printf ("127.0.0.1:%u", sipnat_test_socket_port (silent));
  g_assert_nonnull (strstr (d.error->message, name));
  g_test_message ("%s after %" G_GINT64_FORMAT " ms", d.error->message, d.elapsed_us / 1000);
  g_assert_cmpint (d.elapsed_us, >=, 2900 * 1000);
  g_assert_cmpint (d.elapsed_us, <, (gint64) sipnat_test_deadline_ms (5000) * 1000);

  for (;;)
    {
      guint8 buf[1500];
      gssize len = g_socket_receive (silent, (char *) buf, sizeof buf, NULL, NULL);

      if (len < 0)
        break;
      g_assert_cmpint (len, >=, 20);
      g_assert_cmpint (len, <, (gssize) sizeof first);
      if (requests == 0)
        memcpy (first, buf, len);
      else   /* a retransmission: the same transaction id */
        g_assert_cmpmem (buf + 4, 16, first + 4, 16);
      requests++;
    }
  g_assert_cmpuint (requests, ==, 3);
  discovered_clear (&d);

  /* An unresolvable name fails at once. */
  discover (socket, "no-such-host.invalid", 3478, &d);
  g_assert_error (d.error, SIPNAT_ERROR, SIPNAT_ERROR_UNREACHABLE);
  g_assert_nonnull (strstr (d.error->message, "no-such-host.invalid"));
  discovered_clear (&d);
}

typedef struct {
  GSocket *server;
  guint8 request[1500];
  gssize request_len;
} FakeStun;

static gboolean
fake_got_request (gpointer data)
{
  FakeStun *f = data;

  f->request_len = g_socket_receive (f->server, (char *) f->request, sizeof f->request,
                                     NULL, NULL);
  return f->request_len > 0;
}

static const uint16_t server_attributes[] = { STUN_ATTRIBUTE_FINGERPRINT, 0 };

/* An answer to @request (a Binding request) saying @address:@port. */
static gsize
make_answer (const guint8 *request,
             gsize         request_len,
             const char   *address,
             guint         port,
             guint8       *out,
             gsize         out_len)
{
  StunAgent agent;
  StunMessage req;
  StunMessage answer;
  g_autoptr(GSocketAddress) mapped = g_inet_socket_address_new_from_string (address, port);
  struct sockaddr_storage native;

  g_assert_true (g_socket_address_to_native (mapped, &native, sizeof native, NULL));
  stun_agent_init (&agent, server_attributes, STUN_COMPATIBILITY_RFC5389,
                   STUN_AGENT_USAGE_USE_FINGERPRINT | STUN_AGENT_USAGE_IGNORE_CREDENTIALS);
  g_assert_cmpint (stun_agent_validate (&agent, &req, request, request_len, NULL, NULL),
                   ==, STUN_VALIDATION_SUCCESS);
  g_assert_true (stun_agent_init_response (&agent, &answer, out, out_len, &req));
  g_assert_cmpint (stun_message_append_xor_addr (&answer, STUN_ATTRIBUTE_XOR_MAPPED_ADDRESS,
                                                 &native, sizeof (struct sockaddr_in)),
                   ==, STUN_MESSAGE_RETURN_SUCCESS);

  return stun_agent_finish_message (&agent, &answer, NULL, 0);
}

/* A hostile server: garbage, a valid answer to another transaction, an
 * answer from another port, then the real answer. Only the last counts. */
static void
test_stun_hostile (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SipnatRtpSocket) socket = NULL;
  g_autoptr(GSocket) spoofer = sipnat_test_loopback_socket ();
  g_autoptr(GSocketAddress) client = NULL;
  FakeStun f = { sipnat_test_loopback_socket (), };
  Discovered d = { 0, };
  guint8 other_request[256];
  guint8 answer[512];
  guint8 garbage[300];
  gsize len;
  StunAgent other;
  StunMessage other_msg;
  static const uint16_t no_attributes[] = { 0 };

  socket = _sipnat_rtp_socket_new ("127.0.0.1", &error);
  g_assert_no_error (error);
  client = g_inet_socket_address_new_from_string ("127.0.0.1",
                                                  _sipnat_rtp_socket_get_port (socket));
  _sipnat_rtp_socket_discover_async (socket, "127.0.0.1", sipnat_test_socket_port (f.server), NULL,
                                     on_discovered, &d);
  sipnat_test_wait_until (fake_got_request, &f, 5000);

  for (guint i = 0; i < sizeof garbage; i++)
    garbage[i] = g_test_rand_int_range (0, 256);
  sipnat_test_send_to (f.server, client, garbage, sizeof garbage);
  sipnat_test_send_to (f.server, client, garbage, 3);
  /* A STUN header announcing more than was sent. */
  memcpy (garbage, "\x01\x01\x01\x00\x21\x12\xa4\x42", 8);
  sipnat_test_send_to (f.server, client, garbage, 40);

  /* A well-formed answer to another transaction. */
  stun_agent_init (&other, no_attributes, STUN_COMPATIBILITY_RFC5389,
                   STUN_AGENT_USAGE_USE_FINGERPRINT);
  len = stun_usage_bind_create (&other, &other_msg, other_request, sizeof other_request);
  len = make_answer (other_request, len, "198.51.100.1", 1111, answer, sizeof answer);
  g_assert_cmpuint (len, >, 0);
  sipnat_test_send_to (f.server, client, answer, len);

  /* The right answer from the wrong port. */
  len = make_answer (f.request, f.request_len, "198.51.100.2", 2222, answer, sizeof answer);
  g_assert_cmpuint (len, >, 0);
  sipnat_test_send_to (spoofer, client, answer, len);

  len = make_answer (f.request, f.request_len, "192.0.2.55", 4242, answer, sizeof answer);
  sipnat_test_send_to (f.server, client, answer, len);

  sipnat_test_wait_flag (&d.done, 5000);
  g_assert_no_error (d.error);
  g_assert_cmpstr (d.address, ==, "192.0.2.55");
  g_assert_cmpuint (d.port, ==, 4242);
  discovered_clear (&d);
  g_clear_object (&f.server);
}

/* An error answer ends the discovery at once, as refused. */
static void
test_stun_error_answer (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SipnatRtpSocket) socket = NULL;
  g_autoptr(GSocketAddress) client = NULL;
  FakeStun f = { sipnat_test_loopback_socket (), };
  Discovered d = { 0, };
  StunAgent agent;
  StunMessage req;
  StunMessage answer;
  guint8 buf[512];
  gsize len;

  socket = _sipnat_rtp_socket_new ("127.0.0.1", &error);
  g_assert_no_error (error);
  client = g_inet_socket_address_new_from_string ("127.0.0.1",
                                                  _sipnat_rtp_socket_get_port (socket));
  _sipnat_rtp_socket_discover_async (socket, "127.0.0.1", sipnat_test_socket_port (f.server), NULL,
                                     on_discovered, &d);
  sipnat_test_wait_until (fake_got_request, &f, 5000);

  stun_agent_init (&agent, server_attributes, STUN_COMPATIBILITY_RFC5389,
                   STUN_AGENT_USAGE_USE_FINGERPRINT | STUN_AGENT_USAGE_IGNORE_CREDENTIALS);
  g_assert_cmpint (stun_agent_validate (&agent, &req, f.request, f.request_len, NULL, NULL),
                   ==, STUN_VALIDATION_SUCCESS);
  g_assert_true (stun_agent_init_error (&agent, &answer, buf, sizeof buf, &req,
                                        STUN_ERROR_SERVER_ERROR));
  len = stun_agent_finish_message (&agent, &answer, NULL, 0);
  g_assert_cmpuint (len, >, 0);
  sipnat_test_send_to (f.server, client, buf, len);

  sipnat_test_wait_flag (&d.done, 5000);
  g_assert_error (d.error, SIPNAT_ERROR, SIPNAT_ERROR_REJECTED);
  discovered_clear (&d);
  g_clear_object (&f.server);
}

static void
test_stun_cancelled (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SipnatRtpSocket) socket = NULL;
  g_autoptr(GSocket) silent = sipnat_test_loopback_socket ();
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  Discovered d = { 0, };

  socket = _sipnat_rtp_socket_new ("127.0.0.1", &error);
  g_assert_no_error (error);
  _sipnat_rtp_socket_discover_async (socket, "127.0.0.1", sipnat_test_socket_port (silent), cancellable,
                                     on_discovered, &d);
  g_cancellable_cancel (cancellable);
  sipnat_test_wait_flag (&d.done, 1000);
  g_assert_error (d.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  discovered_clear (&d);

  /* The socket is free for another discovery. */
  d.done = FALSE;
  _sipnat_rtp_socket_discover_async (socket, "127.0.0.1", sipnat_test_socket_port (silent), cancellable,
                                     on_discovered, &d);
  sipnat_test_wait_flag (&d.done, 1000);
  g_assert_error (d.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  discovered_clear (&d);
}

static void
test_socket_bad_address (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SipnatRtpSocket) socket = _sipnat_rtp_socket_new ("not an address", &error);

  g_assert_null (socket);
  g_assert_error (error, SIPNAT_ERROR, SIPNAT_ERROR_TRANSPORT);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/media/socket/bad-address", test_socket_bad_address);
  g_test_add_func ("/media/stun/coturn", test_stun_coturn);
  g_test_add_func ("/media/stun/silent", test_stun_silent);
  g_test_add_func ("/media/stun/hostile", test_stun_hostile);
  g_test_add_func ("/media/stun/error-answer", test_stun_error_answer);
  g_test_add_func ("/media/stun/cancelled", test_stun_cancelled);

  return g_test_run ();
}
