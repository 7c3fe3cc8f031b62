/* test-fake-registrar.c: the scriptable fake registrar used by other tests
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <string.h>

#include <gio/gio.h>

#include "sipnat-fake-registrar.h"

#define WAIT_TIMEOUT_MS 5000

/* A plain SIP client: one socket, the responses it got, oldest first */
typedef struct {
  GSocket *socket;
  GSource *source;
  guint16 port;
  gboolean tcp;
  GString *stream;
  GPtrArray *responses;
  guint pongs;
  gboolean got_pong;
} Client;

typedef struct {
  GMainContext *context;
  SipnatFakeRegistrar *fake;
  GSocketAddress *fake_address;
  Client *udp;
} Fixture;

/* ------------------------------------------------------------------ */
/* Main loop helpers                                                   */

typedef gboolean (*Predicate) (gpointer data);

static gboolean
timed_out_cb (gpointer data)
{
  *(gboolean *) data = TRUE;

  return G_SOURCE_REMOVE;
}

/* Iterates the thread-default context until @done holds or @timeout_ms
 * pass; returns whether @done holds */
static gboolean
iterate_until (Predicate done,
               gpointer  data,
               guint     timeout_ms)
{
  GMainContext *context = g_main_context_get_thread_default ();
  g_autoptr(GSource) timeout = g_timeout_source_new (timeout_ms);
  gboolean timed_out = FALSE;

  g_source_set_callback (timeout, timed_out_cb, &timed_out, NULL);
  g_source_attach (timeout, context);
  while (!done (data) && !timed_out)
    g_main_context_iteration (context, TRUE);
  g_source_destroy (timeout);

  return done (data);
}

static gboolean
flag_is_set (gpointer data)
{
  return *(gboolean *) data;
}

/* Iterates until @done holds, failing the test after a timeout */
static void
wait_until (Predicate done,
            gpointer  data)
{
  if (!iterate_until (done, data, WAIT_TIMEOUT_MS))
    g_error ("timed out after %u ms", WAIT_TIMEOUT_MS);
}

/* Iterates until @flag is set, failing the test after a timeout */
static void
wait_for_flag (gboolean *flag)
{
  wait_until (flag_is_set, flag);
}

static gboolean
never (gpointer data)
{
  return FALSE;
}

/* Lets the context run for @ms */
static void
iterate_for (guint ms)
{
  iterate_until (never, NULL, ms);
}

/* ------------------------------------------------------------------ */
/* Client                                                              */

/* Splits the stream of a TCP client into pongs and responses (which the
 * fake always sends without a body) */
static void
client_frame_stream (Client *c)
{
  for (;;)
    {
      const char *end;

      if (g_str_has_prefix (c->stream->str, "\r\n"))
        {
          c->pongs++;
          c->got_pong = TRUE;
          g_string_erase (c->stream, 0, 2);
          continue;
        }
      end = strstr (c->stream->str, "\r\n\r\n");
      if (end == NULL)
        break;
      g_ptr_array_add (c->responses, g_strndup (c->stream->str, end + 4 - c->stream->str));
      g_string_erase (c->stream, 0, end + 4 - c->stream->str);
    }
}

static gboolean
client_readable_cb (GSocket      *socket,
                    GIOCondition  condition,
                    gpointer      user_data)
{
  Client *c = user_data;
  g_autofree char *buffer = g_malloc (65536);

  for (;;)
    {
      g_autoptr(GError) error = NULL;
      gssize len = g_socket_receive_with_blocking (socket, buffer, 65536, FALSE, NULL, &error);

      if (len < 0 && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        break;
      g_assert_no_error (error);
      if (len == 0)
        return G_SOURCE_REMOVE;
      if (c->tcp)
        g_string_append_len (c->stream, buffer, len);
      else
        g_ptr_array_add (c->responses, g_strndup (buffer, len));
    }
  if (c->tcp)
    client_frame_stream (c);

  return G_SOURCE_CONTINUE;
}

static Client *
client_new (Fixture  *fixture,
            gboolean  tcp)
{
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) local = NULL;
  g_autoptr(GError) error = NULL;
  Client *c = g_new0 (Client, 1);

  c->tcp = tcp;
  c->stream = g_string_new (NULL);
  c->responses = g_ptr_array_new_with_free_func (g_free);
  c->socket = g_socket_new (G_SOCKET_FAMILY_IPV4,
                            tcp ? G_SOCKET_TYPE_STREAM : G_SOCKET_TYPE_DATAGRAM,
                            tcp ? G_SOCKET_PROTOCOL_TCP : G_SOCKET_PROTOCOL_UDP, &error);
  g_assert_no_error (error);
  g_socket_bind (c->socket, any, FALSE, &error);
  g_assert_no_error (error);
  if (tcp)
    {
      /* A loopback connect completes at once, the fake accepting later */
      g_socket_connect (c->socket, fixture->fake_address, NULL, &error);
      g_assert_no_error (error);
    }
  local = g_socket_get_local_address (c->socket, &error);
  g_assert_no_error (error);
  c->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local));

  c->source = g_socket_create_source (c->socket, G_IO_IN, NULL);
  g_source_set_callback (c->source, G_SOURCE_FUNC (client_readable_cb), c, NULL);
  g_source_attach (c->source, fixture->context);

  return c;
}

static void
client_free (Client *c)
{
  g_source_destroy (c->source);
  g_source_unref (c->source);
  g_socket_close (c->socket, NULL);
  g_object_unref (c->socket);
  g_string_free (c->stream, TRUE);
  g_ptr_array_unref (c->responses);
  g_free (c);
}

static void
client_send (Fixture    *fixture,
             Client     *c,
             const char *message)
{
  g_autoptr(GError) error = NULL;
  gssize sent;

  if (c->tcp)
    sent = g_socket_send (c->socket, message, strlen (message), NULL, &error);
  else
    sent = g_socket_send_to (c->socket, fixture->fake_address, message, strlen (message), NULL,
                             &error);
  g_assert_no_error (error);
  g_assert_cmpint (sent, ==, strlen (message));
}

typedef struct {
  Client *client;
  guint count;
} ResponseWait;

static gboolean
has_responses (gpointer data)
{
  ResponseWait *wait = data;

  return wait->client->responses->len >= wait->count;
}

/* Waits until the client has @count responses in all and returns the
 * last of those (owned by the client) */
static const char *
client_wait_responses (Client *c,
                       guint   count)
{
  ResponseWait wait = { c, count };

  wait_until (has_responses, &wait);

  return c->responses->pdata[count - 1];
}

/* Sends a request and returns its response (owned by the client) */
static const char *
client_transact (Fixture    *fixture,
                 Client     *c,
                 const char *request)
{
  guint count = c->responses->len;

  client_send (fixture, c, request);
  g_assert_cmpuint (c->responses->len, ==, count);

  return client_wait_responses (c, count + 1);
}

/* A request as a UA would send it, with @extra header lines; the branch
 * is made of @cseq */
static char *
make_request (Client     *c,
              const char *method,
              guint       cseq,
              const char *extra)
{
  return g_strdup_printf ("%s sip:127.0.0.1 SIP/2.0\r\n"
                          "Via: SIP/2.0/%s 127.0.0.1:%u;branch=z9hG4bK-test-%u;rport\r\n"
                          "Max-Forwards: 70\r\n"
                          "From: <sip:alice@fake>;tag=from-tag\r\n"
                          "To: <sip:alice@fake>\r\n"
                          "Call-ID: call-1@127.0.0.1\r\n"
                          "CSeq: %u %s\r\n"
                          "Contact: <sip:alice@127.0.0.1:%u>\r\n"
                          "Expires: 600\r\n"
                          "%s"
                          "Content-Length: 0\r\n"
                          "\r\n",
                          method, c->tcp ? "TCP" : "UDP", c->port, cseq, cseq, method,
                          c->port, extra != NULL ? extra : "");
}

/* ------------------------------------------------------------------ */
/* Reading responses                                                   */

static guint
response_status (const char *response)
{
  g_assert_true (g_str_has_prefix (response, "SIP/2.0 "));

  return (guint) g_ascii_strtoull (response + 8, NULL, 10);
}

/* The values of the header lines called @name, in order */
static char **
response_headers (const char *response,
                  const char *name)
{
  g_auto(GStrv) lines = g_strsplit (response, "\r\n", -1);
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  for (guint i = 1; lines[i] != NULL && *lines[i] != '\0'; i++)
    {
      const char *colon = strchr (lines[i], ':');
      g_autofree char *line_name = NULL;

      g_assert_nonnull (colon);
      line_name = g_strndup (lines[i], colon - lines[i]);
      if (g_ascii_strcasecmp (line_name, name) == 0)
        {
          g_autofree char *value = g_strdup (colon + 1);

          g_strv_builder_add (builder, g_strstrip (value));
        }
    }

  return g_strv_builder_end (builder);
}

/* The only header line called @name, asserting there is exactly one */
static char *
response_header (const char *response,
                 const char *name)
{
  g_auto(GStrv) values = response_headers (response, name);

  g_assert_cmpuint (g_strv_length (values), ==, 1);

  return g_strdup (values[0]);
}

static char *
expected_via (Client     *c,
              const char *params)
{
  return g_strdup_printf ("SIP/2.0/%s 127.0.0.1:%u;branch=z9hG4bK-test-%s",
                          c->tcp ? "TCP" : "UDP", c->port, params);
}

/* ------------------------------------------------------------------ */
/* Fixture                                                             */

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);

  /* The fake must use the thread-default context, not the global one */
  fixture->context = g_main_context_new ();
  g_main_context_push_thread_default (fixture->context);

  fixture->fake = sipnat_fake_registrar_new (&error);
  g_assert_no_error (error);
  g_assert_cmpuint (sipnat_fake_registrar_get_port (fixture->fake), !=, 0);
  fixture->fake_address = g_inet_socket_address_new (loopback,
                                                     sipnat_fake_registrar_get_port (fixture->fake));
  fixture->udp = client_new (fixture, FALSE);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  client_free (fixture->udp);
  g_clear_object (&fixture->fake_address);
  g_clear_pointer (&fixture->fake, sipnat_fake_registrar_free);
  g_main_context_pop_thread_default (fixture->context);
  g_main_context_unref (fixture->context);
}

/* ------------------------------------------------------------------ */
/* Tests                                                               */

static void
test_default_ok (Fixture       *fixture,
                 gconstpointer  data)
{
  Client *c = fixture->udp;
  g_autofree char *request = make_request (c, "REGISTER", 1, NULL);
  const char *response = client_transact (fixture, c, request);
  g_autofree char *params = g_strdup_printf ("%u;rport=%u;received=127.0.0.1", 1, c->port);
  g_autofree char *via = expected_via (c, params);
  g_autofree char *top = response_header (response, "Via");
  g_autofree char *to = response_header (response, "To");
  g_autofree char *from = response_header (response, "From");
  g_autofree char *call_id = response_header (response, "Call-ID");
  g_autofree char *cseq = response_header (response, "CSeq");
  g_autofree char *contact = response_header (response, "Contact");
  g_autofree char *expected_contact = g_strdup_printf ("<sip:alice@127.0.0.1:%u>;expires=600",
                                                       c->port);
  g_autofree char *bare_contact = g_strdup_printf ("<sip:alice@127.0.0.1:%u>", c->port);
  g_auto(GStrv) contacts = NULL;

  g_assert_true (g_str_has_prefix (response, "SIP/2.0 200 OK\r\n"));
  g_assert_cmpstr (top, ==, via);
  g_assert_true (g_str_has_prefix (to, "<sip:alice@fake>;tag="));
  g_assert_cmpstr (from, ==, "<sip:alice@fake>;tag=from-tag");
  g_assert_cmpstr (call_id, ==, "call-1@127.0.0.1");
  g_assert_cmpstr (cseq, ==, "1 REGISTER");
  g_assert_cmpstr (contact, ==, expected_contact);
  g_assert_true (g_str_has_suffix (response, "Content-Length: 0\r\n\r\n"));

  g_assert_cmpuint (sipnat_fake_registrar_count (fixture->fake, "REGISTER"), ==, 1);
  g_assert_cmpuint (sipnat_fake_registrar_count (fixture->fake, "OPTIONS"), ==, 0);
  g_assert_cmpstr (sipnat_fake_registrar_get_last_request (fixture->fake), ==, request);
  contacts = sipnat_fake_registrar_get_last_contacts (fixture->fake);
  g_assert_cmpuint (g_strv_length (contacts), ==, 1);
  g_assert_cmpstr (contacts[0], ==, bare_contact);
}

static void
test_no_rport_asked (Fixture       *fixture,
                     gconstpointer  data)
{
  Client *c = fixture->udp;
  g_autofree char *request = make_request (c, "REGISTER", 1, NULL);
  g_autofree char *top = NULL;
  g_autofree char *via = NULL;
  GString *no_rport = g_string_new (request);

  /* Without ;rport in the request (RFC 3581) only received is added */
  g_string_replace (no_rport, ";rport\r\n", "\r\n", 1);
  top = response_header (client_transact (fixture, c, no_rport->str), "Via");
  via = expected_via (c, "1;received=127.0.0.1");
  g_assert_cmpstr (top, ==, via);
  g_string_free (no_rport, TRUE);
}

static void
test_injected_received_rport (Fixture       *fixture,
                              gconstpointer  data)
{
  Client *c = fixture->udp;
  g_autofree char *first = make_request (c, "REGISTER", 1, NULL);
  g_autofree char *second = make_request (c, "REGISTER", 2, NULL);
  g_autofree char *third = make_request (c, "REGISTER", 3, NULL);
  g_autofree char *top1 = NULL;
  g_autofree char *top2 = NULL;
  g_autofree char *top3 = NULL;
  g_autofree char *via1 = expected_via (c, "1;rport=40000;received=203.0.113.7");
  g_autofree char *via2 = expected_via (c, "2;rport=abc");
  g_autofree char *params3 = g_strdup_printf ("3;rport=%u;received=127.0.0.1", c->port);
  g_autofree char *via3 = expected_via (c, params3);
  const SipnatFakeResponse injected = {
    .status = 200,
    .received = "203.0.113.7",
    .rport = "40000",
    .echo_contact = TRUE,
  };
  const SipnatFakeResponse garbage = {
    .status = 200,
    .received = "",
    .rport = "abc",
  };

  sipnat_fake_registrar_push (fixture->fake, &injected);
  sipnat_fake_registrar_push (fixture->fake, &garbage);
  g_assert_cmpuint (sipnat_fake_registrar_get_queued (fixture->fake), ==, 2);

  top1 = response_header (client_transact (fixture, c, first), "Via");
  g_assert_cmpstr (top1, ==, via1);
  top2 = response_header (client_transact (fixture, c, second), "Via");
  g_assert_cmpstr (top2, ==, via2);
  g_assert_null (strstr (c->responses->pdata[1], "Contact"));
  /* The queue is empty: back to the real address */
  top3 = response_header (client_transact (fixture, c, third), "Via");
  g_assert_cmpstr (top3, ==, via3);
  g_assert_cmpuint (sipnat_fake_registrar_get_queued (fixture->fake), ==, 0);
}

static gboolean
fake_has_one_request (gpointer data)
{
  return sipnat_fake_registrar_count (data, NULL) == 1;
}

static void
test_drop (Fixture       *fixture,
           gconstpointer  data)
{
  Client *c = fixture->udp;
  g_autofree char *first = make_request (c, "REGISTER", 1, NULL);
  g_autofree char *retry = make_request (c, "REGISTER", 1, NULL);
  const SipnatFakeResponse drop = { .status = 0 };

  sipnat_fake_registrar_push (fixture->fake, &drop);
  client_send (fixture, c, first);
  wait_until (fake_has_one_request, fixture->fake);
  iterate_for (300);
  g_assert_cmpuint (c->responses->len, ==, 0);

  /* The retransmission gets the default answer */
  g_assert_cmpuint (response_status (client_transact (fixture, c, retry)), ==, 200);
  g_assert_cmpuint (sipnat_fake_registrar_count (fixture->fake, "REGISTER"), ==, 2);
}

static void
test_interval_too_brief (Fixture       *fixture,
                         gconstpointer  data)
{
  Client *c = fixture->udp;
  g_autofree char *request = make_request (c, "REGISTER", 1, NULL);
  g_autofree char *min_expires = NULL;
  const SipnatFakeResponse brief = {
    .status = 423,
    .extra_headers = "Min-Expires: 3600\r\n",
  };
  const char *response;

  sipnat_fake_registrar_push (fixture->fake, &brief);
  response = client_transact (fixture, c, request);
  g_assert_true (g_str_has_prefix (response, "SIP/2.0 423 Interval Too Brief\r\n"));
  min_expires = response_header (response, "Min-Expires");
  g_assert_cmpstr (min_expires, ==, "3600");
  g_assert_null (strstr (response, "Contact"));
}

static void
test_reason (Fixture       *fixture,
             gconstpointer  data)
{
  Client *c = fixture->udp;
  g_autofree char *request = make_request (c, "REGISTER", 1, NULL);
  const SipnatFakeResponse odd = { .status = 599, .reason = "Odd Failure" };

  sipnat_fake_registrar_push (fixture->fake, &odd);
  g_assert_true (g_str_has_prefix (client_transact (fixture, c, request),
                                   "SIP/2.0 599 Odd Failure\r\n"));
}

static void
test_via_override (Fixture       *fixture,
                   gconstpointer  data)
{
  Client *c = fixture->udp;
  const char *proxy_via = "SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK-proxy";
  g_autofree char *extra = g_strdup_printf ("Via: %s\r\n", proxy_via);
  g_autofree char *first = make_request (c, "REGISTER", 1, extra);
  g_autofree char *second = make_request (c, "REGISTER", 2, extra);
  g_auto(GStrv) vias1 = NULL;
  g_auto(GStrv) vias2 = NULL;
  const SipnatFakeResponse malformed = {
    .status = 200,
    .via_override = "SIP/2.0/UDP ;;;rport=abc;received",
  };
  const SipnatFakeResponse missing = { .status = 200, .via_override = "" };

  sipnat_fake_registrar_push (fixture->fake, &malformed);
  sipnat_fake_registrar_push (fixture->fake, &missing);

  vias1 = response_headers (client_transact (fixture, c, first), "Via");
  g_assert_cmpuint (g_strv_length (vias1), ==, 2);
  g_assert_cmpstr (vias1[0], ==, "SIP/2.0/UDP ;;;rport=abc;received");
  g_assert_cmpstr (vias1[1], ==, proxy_via);

  vias2 = response_headers (client_transact (fixture, c, second), "Via");
  g_assert_cmpuint (g_strv_length (vias2), ==, 1);
  g_assert_cmpstr (vias2[0], ==, proxy_via);
}

static void
test_challenge (Fixture       *fixture,
                gconstpointer  data)
{
  Client *c = fixture->udp;
  g_autofree char *first = make_request (c, "REGISTER", 1, NULL);
  g_autofree char *authorization = NULL;
  g_autofree char *second = NULL;
  g_autofree char *challenge = NULL;
  g_autofree char *expected = NULL;
  g_autofree char *top1 = NULL;
  g_autofree char *top2 = NULL;
  g_autofree char *via1 = expected_via (c, "1;rport=1111;received=127.0.0.1");
  g_autofree char *params2 = g_strdup_printf ("2;rport=%u;received=127.0.0.1", c->port);
  g_autofree char *via2 = expected_via (c, params2);
  const char *response;

  sipnat_fake_registrar_push_challenge (fixture->fake, NULL, "1111");
  g_assert_nonnull (sipnat_fake_registrar_get_nonce (fixture->fake));
  g_assert_cmpuint (strlen (sipnat_fake_registrar_get_nonce (fixture->fake)), ==, 32);

  response = client_transact (fixture, c, first);
  g_assert_cmpuint (response_status (response), ==, 401);
  g_assert_true (g_str_has_prefix (response, "SIP/2.0 401 Unauthorized\r\n"));
  challenge = response_header (response, "WWW-Authenticate");
  expected = g_strdup_printf ("Digest realm=\"fake\", nonce=\"%s\", algorithm=MD5, qop=\"auth\"",
                              sipnat_fake_registrar_get_nonce (fixture->fake));
  g_assert_cmpstr (challenge, ==, expected);
  top1 = response_header (response, "Via");
  g_assert_cmpstr (top1, ==, via1);

  authorization = g_strdup_printf ("Authorization: Digest username=\"alice\", realm=\"fake\", "
                                   "nonce=\"%s\", uri=\"sip:127.0.0.1\", response=\"0\"\r\n",
                                   sipnat_fake_registrar_get_nonce (fixture->fake));
  second = make_request (c, "REGISTER", 2, authorization);
  response = client_transact (fixture, c, second);
  g_assert_cmpuint (response_status (response), ==, 200);
  top2 = response_header (response, "Via");
  g_assert_cmpstr (top2, ==, via2);
  g_assert_nonnull (strstr (sipnat_fake_registrar_get_last_request (fixture->fake),
                            "\r\nAuthorization: Digest "));
  g_assert_cmpuint (sipnat_fake_registrar_count (fixture->fake, "REGISTER"), ==, 2);
}

static void
test_compact_forms (Fixture       *fixture,
                    gconstpointer  data)
{
  Client *c = fixture->udp;
  g_autofree char *request = g_strdup_printf (
    "REGISTER sip:127.0.0.1 SIP/2.0\r\n"
    "v: SIP/2.0/UDP 127.0.0.1:%u;branch=z9hG4bK-compact;rport, "
    "SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK-b\r\n"
    "VIA: SIP/2.0/TCP [2001:db8::1]:5060;branch=z9hG4bK-c\r\n"
    "f: \"Alice, A.\" <sip:alice@fake>;tag=f1\r\n"
    "t: <sip:alice@fake>;tag=already\r\n"
    "i: compact@127.0.0.1\r\n"
    "cseq: 7 REGISTER\r\n"
    "m: \"Desk, phone\" <sip:alice@127.0.0.1:%u;transport=udp>;q=0.5, <sip:gone@127.0.0.1>;expires=0\r\n"
    "CONTACT: <sip:alice@127.0.0.1:9>;expires=30\r\n"
    "expires: 120\r\n"
    "l: 0\r\n"
    "\r\n",
    c->port, c->port);
  g_autofree char *top = g_strdup_printf ("SIP/2.0/UDP 127.0.0.1:%u;branch=z9hG4bK-compact"
                                          ";rport=%u;received=127.0.0.1", c->port, c->port);
  g_autofree char *desk = g_strdup_printf ("\"Desk, phone\" <sip:alice@127.0.0.1:%u;transport=udp>"
                                           ";q=0.5", c->port);
  g_autofree char *desk_expires = g_strdup_printf ("%s;expires=120", desk);
  g_autofree char *to = NULL;
  g_autofree char *from = NULL;
  g_autofree char *call_id = NULL;
  g_autofree char *cseq = NULL;
  g_auto(GStrv) vias = NULL;
  g_auto(GStrv) contacts = NULL;
  g_auto(GStrv) last = NULL;
  const char *response;

  response = client_transact (fixture, c, request);
  g_assert_cmpuint (response_status (response), ==, 200);

  vias = response_headers (response, "Via");
  g_assert_cmpuint (g_strv_length (vias), ==, 3);
  g_assert_cmpstr (vias[0], ==, top);
  g_assert_cmpstr (vias[1], ==, "SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK-b");
  g_assert_cmpstr (vias[2], ==, "SIP/2.0/TCP [2001:db8::1]:5060;branch=z9hG4bK-c");

  to = response_header (response, "To");
  g_assert_cmpstr (to, ==, "<sip:alice@fake>;tag=already");
  from = response_header (response, "From");
  g_assert_cmpstr (from, ==, "\"Alice, A.\" <sip:alice@fake>;tag=f1");
  call_id = response_header (response, "Call-ID");
  g_assert_cmpstr (call_id, ==, "compact@127.0.0.1");
  cseq = response_header (response, "CSeq");
  g_assert_cmpstr (cseq, ==, "7 REGISTER");

  contacts = response_headers (response, "Contact");
  g_assert_cmpuint (g_strv_length (contacts), ==, 2);
  g_assert_cmpstr (contacts[0], ==, desk_expires);
  g_assert_cmpstr (contacts[1], ==, "<sip:alice@127.0.0.1:9>;expires=30");

  last = sipnat_fake_registrar_get_last_contacts (fixture->fake);
  g_assert_cmpuint (g_strv_length (last), ==, 3);
  g_assert_cmpstr (last[0], ==, desk);
  g_assert_cmpstr (last[1], ==, "<sip:gone@127.0.0.1>;expires=0");
  g_assert_cmpstr (last[2], ==, "<sip:alice@127.0.0.1:9>;expires=30");
}

/* As a call's remote party: one To tag for the call, a Contact, a body */
static void
test_invite_answers (Fixture       *fixture,
                     gconstpointer  data)
{
  Client *c = fixture->udp;
  g_autofree char *invite1 = make_request (c, "INVITE", 1, NULL);
  g_autofree char *invite2 = make_request (c, "INVITE", 2, NULL);
  g_autofree char *register3 = make_request (c, "REGISTER", 3, NULL);
  g_autofree char *contact = g_strdup_printf ("<sip:fake@127.0.0.1:%u>",
                                              sipnat_fake_registrar_get_port (fixture->fake));
  const SipnatFakeResponse ringing = { .status = 180 };
  const SipnatFakeResponse ok = { .status = 200, .body = "v=0\r\n" };
  g_autofree char *to1 = NULL;
  g_autofree char *to2 = NULL;
  g_autofree char *to3 = NULL;
  g_autofree char *contact1 = NULL;
  const char *response;

  sipnat_fake_registrar_push_for (fixture->fake, "INVITE", &ringing);
  sipnat_fake_registrar_push_for (fixture->fake, "INVITE", &ok);

  response = client_transact (fixture, c, invite1);
  g_assert_cmpuint (response_status (response), ==, 180);
  to1 = response_header (response, "To");
  contact1 = response_header (response, "Contact");
  g_assert_cmpstr (contact1, ==, contact);
  g_assert_nonnull (strstr (response, "Content-Length: 0\r\n"));

  response = client_transact (fixture, c, invite2);
  g_assert_cmpuint (response_status (response), ==, 200);
  to2 = response_header (response, "To");
  g_assert_nonnull (strstr (to2, ";tag="));
  g_assert_cmpstr (to2, ==, to1);
  g_assert_nonnull (strstr (response, "Content-Type: application/sdp\r\n"
                                      "Content-Length: 5\r\n\r\nv=0\r\n"));

  /* Other methods keep their fresh tags and get no Contact */
  response = client_transact (fixture, c, register3);
  to3 = response_header (response, "To");
  g_assert_cmpstr (to3, !=, to1);
  g_assert_null (strstr (response, contact));
}

static void
test_other_methods (Fixture       *fixture,
                    gconstpointer  data)
{
  Client *c = fixture->udp;
  g_autofree char *options1 = make_request (c, "OPTIONS", 1, NULL);
  g_autofree char *options2 = make_request (c, "OPTIONS", 2, NULL);
  g_autofree char *options3 = make_request (c, "OPTIONS", 3, NULL);
  g_autofree char *reg = make_request (c, "REGISTER", 4, NULL);
  g_autofree char *ack = make_request (c, "ACK", 4, NULL);
  g_auto(GStrv) contacts = NULL;
  const SipnatFakeResponse unavailable = { .status = 503, .extra_headers = "Retry-After: 5\r\n" };
  const char *response;

  g_assert_null (sipnat_fake_registrar_get_last_request (fixture->fake));
  contacts = sipnat_fake_registrar_get_last_contacts (fixture->fake);
  g_assert_cmpuint (g_strv_length (contacts), ==, 0);

  response = client_transact (fixture, c, options1);
  g_assert_true (g_str_has_prefix (response, "SIP/2.0 200 OK\r\n"));
  g_assert_null (strstr (response, "Contact"));
  g_assert_nonnull (strstr (response, "\r\nCSeq: 1 OPTIONS\r\n"));

  sipnat_fake_registrar_push_for (fixture->fake, "OPTIONS", &unavailable);
  /* A REGISTER does not take a response queued for OPTIONS */
  g_assert_cmpuint (response_status (client_transact (fixture, c, reg)), ==, 200);
  response = client_transact (fixture, c, options2);
  g_assert_cmpuint (response_status (response), ==, 503);
  g_assert_nonnull (strstr (response, "\r\nRetry-After: 5\r\n"));
  g_assert_cmpuint (response_status (client_transact (fixture, c, options3)), ==, 200);

  /* ACK is never answered */
  client_send (fixture, c, ack);
  iterate_for (100);
  g_assert_cmpuint (c->responses->len, ==, 4);

  g_assert_cmpuint (sipnat_fake_registrar_count (fixture->fake, "OPTIONS"), ==, 3);
  g_assert_cmpuint (sipnat_fake_registrar_count (fixture->fake, "REGISTER"), ==, 1);
  g_assert_cmpuint (sipnat_fake_registrar_count (fixture->fake, "ACK"), ==, 1);
  g_assert_cmpuint (sipnat_fake_registrar_count (fixture->fake, NULL), ==, 5);
  g_assert_cmpuint (sipnat_fake_registrar_get_requests (fixture->fake)->len, ==, 5);
  g_assert_cmpstr (g_ptr_array_index (sipnat_fake_registrar_get_requests (fixture->fake), 1), ==,
                   reg);
  g_assert_cmpstr (sipnat_fake_registrar_get_last_request (fixture->fake), ==, ack);
}

static void
test_huge_header (Fixture       *fixture,
                  gconstpointer  data)
{
  Client *c = fixture->udp;
  g_autofree char *request = make_request (c, "REGISTER", 1, NULL);
  g_autofree char *filler = g_strnfill (40000, 'x');
  g_autofree char *extra = g_strdup_printf ("X-Huge: %s\r\n", filler);
  g_autofree char *huge = NULL;
  const SipnatFakeResponse response = { .status = 200, .extra_headers = extra };

  sipnat_fake_registrar_push (fixture->fake, &response);
  huge = response_header (client_transact (fixture, c, request), "X-Huge");
  g_assert_cmpstr (huge, ==, filler);
}

static void
test_udp_keepalive (Fixture       *fixture,
                    gconstpointer  data)
{
  Client *c = fixture->udp;
  g_autofree char *request = make_request (c, "REGISTER", 1, NULL);

  client_send (fixture, c, "\r\n\r\n");
  g_assert_cmpuint (response_status (client_transact (fixture, c, request)), ==, 200);
  g_assert_cmpuint (sipnat_fake_registrar_count (fixture->fake, SIPNAT_FAKE_REGISTRAR_KEEPALIVE),
                    ==, 1);
  g_assert_cmpuint (sipnat_fake_registrar_count (fixture->fake, NULL), ==, 1);
  g_assert_cmpuint (c->responses->len, ==, 1);
}

static void
test_tcp (Fixture       *fixture,
          gconstpointer  data)
{
  Client *c = client_new (fixture, TRUE);
  g_autofree char *first = make_request (c, "REGISTER", 1, NULL);
  g_autofree char *second = make_request (c, "OPTIONS", 2, NULL);
  g_autofree char *both = g_strconcat (first, second, NULL);
  g_autofree char *with_body = NULL;
  g_autofree char *head = NULL;
  g_autofree char *params = g_strdup_printf ("1;rport=%u;received=127.0.0.1", c->port);
  g_autofree char *via = expected_via (c, params);
  g_autofree char *top = NULL;
  g_autofree char *cseq = NULL;
  gsize split;
  const SipnatFakeResponse injected = { .status = 200, .rport = "70000" };

  /* Two requests in one segment */
  client_send (fixture, c, both);
  client_wait_responses (c, 2);
  top = response_header (c->responses->pdata[0], "Via");
  g_assert_cmpstr (top, ==, via);
  g_assert_nonnull (strstr (c->responses->pdata[1], "\r\nCSeq: 2 OPTIONS\r\n"));

  /* A ping between requests gets a pong */
  client_send (fixture, c, "\r\n\r\n");
  wait_for_flag (&c->got_pong);
  g_assert_cmpuint (c->pongs, ==, 1);
  g_assert_cmpuint (sipnat_fake_registrar_count (fixture->fake, SIPNAT_FAKE_REGISTRAR_KEEPALIVE),
                    ==, 1);

  /* A request with a body, cut in two: framed by Content-Length */
  head = make_request (c, "REGISTER", 3, NULL);
  *strstr (head, "Content-Length: 0\r\n") = '\0';
  with_body = g_strconcat (head, "Content-Type: text/plain\r\nl: 12\r\n\r\nhello\r\nworld", NULL);
  split = strlen (with_body) - 8;
  sipnat_fake_registrar_push (fixture->fake, &injected);
  {
    g_autofree char *part1 = g_strndup (with_body, split);

    client_send (fixture, c, part1);
    iterate_for (100);
    g_assert_cmpuint (c->responses->len, ==, 2);
    client_send (fixture, c, with_body + split);
  }
  client_wait_responses (c, 3);
  g_assert_nonnull (strstr (c->responses->pdata[2], ";rport=70000;received=127.0.0.1\r\n"));
  cseq = response_header (c->responses->pdata[2], "CSeq");
  g_assert_cmpstr (cseq, ==, "3 REGISTER");
  g_assert_cmpstr (sipnat_fake_registrar_get_last_request (fixture->fake), ==, with_body);
  g_assert_cmpuint (sipnat_fake_registrar_count (fixture->fake, "REGISTER"), ==, 2);
  g_assert_cmpuint (c->responses->len, ==, 3);

  client_free (c);
  /* The fake notices the close */
  iterate_for (50);
}

static void
test_two_fakes (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SipnatFakeRegistrar) a = sipnat_fake_registrar_new (&error);
  g_autoptr(SipnatFakeRegistrar) b = NULL;

  g_assert_no_error (error);
  b = sipnat_fake_registrar_new (&error);
  g_assert_no_error (error);
  g_assert_cmpuint (sipnat_fake_registrar_get_port (a), !=, sipnat_fake_registrar_get_port (b));
  /* Freeing with a response still queued is fine */
  sipnat_fake_registrar_push_challenge (a, NULL, NULL);
}

int
main (int argc, char *argv[])
{
  /* No G_TEST_OPTION_ISOLATE_DIRS: nothing here touches files, and GLib 2.74
   * leaks the strings of g_set_user_dirs() under it */
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add ("/fake-registrar/" path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

  ADD ("default-ok", test_default_ok);
  ADD ("no-rport-asked", test_no_rport_asked);
  ADD ("injected-received-rport", test_injected_received_rport);
  ADD ("drop", test_drop);
  ADD ("interval-too-brief", test_interval_too_brief);
  ADD ("reason", test_reason);
  ADD ("via-override", test_via_override);
  ADD ("challenge", test_challenge);
  ADD ("compact-forms", test_compact_forms);
  ADD ("other-methods", test_other_methods);
  ADD ("invite-answers", test_invite_answers);
  ADD ("huge-header", test_huge_header);
  ADD ("udp-keepalive", test_udp_keepalive);
  ADD ("tcp", test_tcp);

#undef ADD

  g_test_add_func ("/fake-registrar/two-fakes", test_two_fakes);

  return g_test_run ();
}
