/* test-nat-report.c: the NAT probe's pieces without a NAT: RFC 5780
 * classification, STUN requests and answers (hostile ones included), the
 * SIP ping's response parsing, the report's advice, and the STUN
 * transaction against a fake server on loopback.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <string.h>
#include <stun/usages/bind.h>

#include "sipnat-binding-lifetime-private.h"
#include "sipnat-config-private.h"
#include "sipnat-error.h"
#include "sipnat-nat-report-private.h"
#include "sipnat-rtp-socket-private.h"
#include "sipnat-sip-ping-private.h"
#include "sipnat-stun-client-private.h"
#include "sipnat-test-utils.h"

static GInetSocketAddress *
addr (const char *ip,
      guint       port)
{
  return G_INET_SOCKET_ADDRESS (g_inet_socket_address_new_from_string (ip, port));
}

/* ------------------------------------------------------ classification */

static void
test_classify_mapping (void)
{
  g_autoptr(GInetSocketAddress) local = addr ("192.168.1.2", 40000);
  g_autoptr(GInetSocketAddress) same_local = addr ("192.168.1.2", 40000);
  g_autoptr(GInetSocketAddress) a = addr ("203.0.113.101", 40000);
  g_autoptr(GInetSocketAddress) a2 = addr ("203.0.113.101", 40000);
  g_autoptr(GInetSocketAddress) b = addr ("203.0.113.101", 51000);
  g_autoptr(GInetSocketAddress) c = addr ("203.0.113.101", 52000);
  SipnatNatCheck nat;

  /* No answer to test I: nothing known. */
  g_assert_cmpint (_sipnat_nat_classify_mapping (local, NULL, NULL, NULL, &nat), ==,
                   SIPNAT_NAT_BEHAVIOUR_UNKNOWN);
  g_assert_cmpint (nat, ==, SIPNAT_NAT_CHECK_UNKNOWN);

  /* The server sees the local address: no NAT. */
  g_assert_cmpint (_sipnat_nat_classify_mapping (local, same_local, NULL, NULL, &nat), ==,
                   SIPNAT_NAT_BEHAVIOUR_ENDPOINT_INDEPENDENT);
  g_assert_cmpint (nat, ==, SIPNAT_NAT_CHECK_NO);

  /* Same mapping towards the alternate IP: a cone. */
  g_assert_cmpint (_sipnat_nat_classify_mapping (local, a, a2, NULL, &nat), ==,
                   SIPNAT_NAT_BEHAVIOUR_ENDPOINT_INDEPENDENT);
  g_assert_cmpint (nat, ==, SIPNAT_NAT_CHECK_YES);

  /* New mapping per address, not per port. */
  g_assert_cmpint (_sipnat_nat_classify_mapping (local, a, b, b, &nat), ==,
                   SIPNAT_NAT_BEHAVIOUR_ADDRESS_DEPENDENT);

  /* New mapping per address and port: symmetric. */
  g_assert_cmpint (_sipnat_nat_classify_mapping (local, a, b, c, &nat), ==,
                   SIPNAT_NAT_BEHAVIOUR_ADDRESS_AND_PORT_DEPENDENT);

  /* Tests II or III unanswered: unknown, but a NAT for sure. */
  g_assert_cmpint (_sipnat_nat_classify_mapping (local, a, NULL, NULL, &nat), ==,
                   SIPNAT_NAT_BEHAVIOUR_UNKNOWN);
  g_assert_cmpint (nat, ==, SIPNAT_NAT_CHECK_YES);
  g_assert_cmpint (_sipnat_nat_classify_mapping (local, a, b, NULL, &nat), ==,
                   SIPNAT_NAT_BEHAVIOUR_UNKNOWN);
}

static void
test_classify_filtering (void)
{
  const struct {
    SipnatNatCheck both, port;
    SipnatNatBehaviour want;
  } cases[] = {
    { SIPNAT_NAT_CHECK_YES, SIPNAT_NAT_CHECK_UNKNOWN, SIPNAT_NAT_BEHAVIOUR_ENDPOINT_INDEPENDENT },
    { SIPNAT_NAT_CHECK_YES, SIPNAT_NAT_CHECK_YES, SIPNAT_NAT_BEHAVIOUR_ENDPOINT_INDEPENDENT },
    { SIPNAT_NAT_CHECK_NO, SIPNAT_NAT_CHECK_YES, SIPNAT_NAT_BEHAVIOUR_ADDRESS_DEPENDENT },
    { SIPNAT_NAT_CHECK_NO, SIPNAT_NAT_CHECK_NO, SIPNAT_NAT_BEHAVIOUR_ADDRESS_AND_PORT_DEPENDENT },
    { SIPNAT_NAT_CHECK_NO, SIPNAT_NAT_CHECK_UNKNOWN, SIPNAT_NAT_BEHAVIOUR_UNKNOWN },
    { SIPNAT_NAT_CHECK_UNKNOWN, SIPNAT_NAT_CHECK_NO, SIPNAT_NAT_BEHAVIOUR_UNKNOWN },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    g_assert_cmpint (_sipnat_nat_classify_filtering (cases[i].both, cases[i].port), ==,
                     cases[i].want);
}

/* ------------------------------------------------------------- report */

static void
test_report_advice (void)
{
  g_autoptr(SipnatNatReport) sym = _sipnat_nat_report_new ();
  g_autoptr(SipnatNatReport) blocked = _sipnat_nat_report_new ();
  g_autoptr(SipnatNatReport) frag = _sipnat_nat_report_new ();
  g_autoptr(SipnatNatReport) fresh = _sipnat_nat_report_new ();

  /* Nothing measured: nothing advised, no lifetime. */
  _sipnat_nat_report_conclude (fresh);
  g_assert_cmpint (sipnat_nat_report_get_advice (fresh), ==, SIPNAT_NAT_ADVICE_NONE);
  g_assert_cmpint (sipnat_nat_report_get_binding_lifetime (fresh), ==, -1);
  g_assert_null (sipnat_nat_report_get_public_address (fresh, NULL));
  g_assert_cmpstr (sipnat_nat_report_get_advice_text (fresh), ==, "");

  sym->nat = SIPNAT_NAT_CHECK_YES;
  sym->mapping = SIPNAT_NAT_BEHAVIOUR_ADDRESS_AND_PORT_DEPENDENT;
  sym->udp = sym->tcp = sym->stun = sym->fragments = SIPNAT_NAT_CHECK_YES;
  _sipnat_nat_report_conclude (sym);
  g_assert_cmpint (sipnat_nat_report_get_advice (sym), ==, SIPNAT_NAT_ADVICE_RELAY);
  g_assert_nonnull (strstr (sipnat_nat_report_get_summary (sym), "TURN relay"));

  blocked->udp = SIPNAT_NAT_CHECK_NO;
  blocked->tcp = SIPNAT_NAT_CHECK_YES;
  _sipnat_nat_report_conclude (blocked);
  g_assert_cmpint (sipnat_nat_report_get_advice (blocked), ==,
                   SIPNAT_NAT_ADVICE_RELAY | SIPNAT_NAT_ADVICE_SIP_OVER_TCP |
                   SIPNAT_NAT_ADVICE_TURN_OVER_TCP);
  g_assert_nonnull (strstr (sipnat_nat_report_get_summary (blocked), "UDP is blocked"));

  frag->nat = SIPNAT_NAT_CHECK_YES;
  frag->mapping = SIPNAT_NAT_BEHAVIOUR_ENDPOINT_INDEPENDENT;
  frag->udp = frag->stun = SIPNAT_NAT_CHECK_YES;
  frag->fragments = SIPNAT_NAT_CHECK_NO;
  frag->binding_lifetime = 20;
  _sipnat_nat_report_conclude (frag);
  g_assert_cmpint (sipnat_nat_report_get_advice (frag), ==,
                   SIPNAT_NAT_ADVICE_LARGE_REQUESTS_OVER_TCP | SIPNAT_NAT_ADVICE_SHORT_KEEPALIVE);
  g_assert_nonnull (strstr (sipnat_nat_report_get_summary (frag), "fragments"));

  /* Boxed: copies are references. */
  {
    SipnatNatReport *copy = g_boxed_copy (SIPNAT_TYPE_NAT_REPORT, frag);

    g_assert_true (copy == frag);
    g_boxed_free (SIPNAT_TYPE_NAT_REPORT, copy);
  }
}

/* --------------------------------------------------------------- STUN */

/* A server's answer to @request (which it validates), built with libstun:
 * XOR-MAPPED-ADDRESS @mapped and, if given, OTHER-ADDRESS. */
static gsize
server_answer (const uint8_t      *request,
               gsize               request_len,
               GInetSocketAddress *mapped,
               GInetSocketAddress *other,
               int                 error_code,
               uint8_t            *out,
               gsize               size)
{
  static const uint16_t attrs[] = { STUN_ATTRIBUTE_CHANGE_REQUEST, 0x0026, 0x0027, 0 };
  StunAgent agent;
  StunMessage req, msg;
  StunMessage raw = { .buffer = (uint8_t *) request, .buffer_len = request_len };
  struct sockaddr_storage native;

  /* A FINGERPRINT in the answer when the request had one, as coturn. */
  stun_agent_init (&agent, attrs, STUN_COMPATIBILITY_RFC5389,
                   (stun_message_has_attribute (&raw, STUN_ATTRIBUTE_FINGERPRINT) ?
                    STUN_AGENT_USAGE_USE_FINGERPRINT : 0) | STUN_AGENT_USAGE_IGNORE_CREDENTIALS);
  g_assert_cmpint (stun_agent_validate (&agent, &req, request, request_len, NULL, NULL), ==,
                   STUN_VALIDATION_SUCCESS);
  if (error_code != 0)
    {
      g_assert_true (stun_agent_init_error (&agent, &msg, out, size, &req, error_code));
    }
  else
    {
      g_assert_true (stun_agent_init_response (&agent, &msg, out, size, &req));
      g_assert_true (g_socket_address_to_native (G_SOCKET_ADDRESS (mapped), &native,
                                                 sizeof native, NULL));
      g_assert_cmpint (stun_message_append_xor_addr (&msg, STUN_ATTRIBUTE_XOR_MAPPED_ADDRESS,
                                                     &native, sizeof (struct sockaddr_in)), ==,
                       STUN_MESSAGE_RETURN_SUCCESS);
      if (other != NULL)
        {
          g_assert_true (g_socket_address_to_native (G_SOCKET_ADDRESS (other), &native,
                                                     sizeof native, NULL));
          g_assert_cmpint (stun_message_append_addr (&msg, 0x802C, (struct sockaddr *) &native,
                                                     sizeof (struct sockaddr_in)), ==,
                           STUN_MESSAGE_RETURN_SUCCESS);
        }
    }
  return stun_agent_finish_message (&agent, &msg, NULL, 0);
}

static void
test_stun_request (void)
{
  g_autofree StunAgent *agent = _sipnat_stun_agent_new (TRUE);
  uint8_t buf[STUN_MAX_MESSAGE_SIZE_IPV4];
  SipnatStunOptions options = { SIPNAT_STUN_CHANGE_IP | SIPNAT_STUN_CHANGE_PORT, 40001, TRUE };
  StunMessage msg = { 0 };
  uint32_t change = 0;
  uint16_t len = 0;
  const uint8_t *port;
  gsize n;

  n = _sipnat_stun_build_binding (agent, &options, buf, sizeof buf);
  g_assert_cmpuint (n, >, 20);
  msg.buffer = buf;
  msg.buffer_len = n;
  g_assert_cmpint (stun_message_get_class (&msg), ==, STUN_REQUEST);
  g_assert_cmpint (stun_message_get_method (&msg), ==, STUN_BINDING);
  g_assert_cmpint (stun_message_find32 (&msg, STUN_ATTRIBUTE_CHANGE_REQUEST, &change), ==,
                   STUN_MESSAGE_RETURN_SUCCESS);
  g_assert_cmpuint (change, ==, 0x6);
  port = stun_message_find (&msg, 0x0027, &len);
  g_assert_nonnull (port);
  g_assert_cmpuint (len, ==, 4);
  g_assert_cmpuint ((port[0] << 8) | port[1], ==, 40001);
  g_assert_true (stun_message_has_attribute (&msg, 0x0026));
}

static void
test_stun_parse (void)
{
  g_autofree StunAgent *agent = _sipnat_stun_agent_new (TRUE);
  g_autofree StunAgent *stranger = _sipnat_stun_agent_new (TRUE);
  g_autoptr(GInetSocketAddress) mapped = addr ("203.0.113.101", 40000);
  g_autoptr(GInetSocketAddress) other = addr ("203.0.113.21", 3479);
  uint8_t request[STUN_MAX_MESSAGE_SIZE_IPV4], foreign[STUN_MAX_MESSAGE_SIZE_IPV4];
  uint8_t answer[1024];
  gsize request_len, foreign_len, answer_len;
  SipnatStunAnswer parsed = { 0 };
  int code = 0;

  request_len = _sipnat_stun_build_binding (agent, NULL, request, sizeof request);
  answer_len = server_answer (request, request_len, mapped, other, 0, answer, sizeof answer);

  g_assert_cmpint (_sipnat_stun_parse_answer (agent, answer, answer_len, &parsed, &code), ==,
                   SIPNAT_STUN_PARSE_SUCCESS);
  g_assert_true (g_inet_address_equal (g_inet_socket_address_get_address (parsed.mapped),
                                       g_inet_socket_address_get_address (mapped)));
  g_assert_cmpuint (g_inet_socket_address_get_port (parsed.mapped), ==, 40000);
  g_assert_nonnull (parsed.other_address);
  g_assert_cmpuint (g_inet_socket_address_get_port (parsed.other_address), ==, 3479);
  g_assert_null (parsed.response_origin);
  g_clear_object (&parsed.mapped);
  g_clear_object (&parsed.other_address);

  /* Once answered, the transaction is over: a duplicate is ignored. */
  g_assert_cmpint (_sipnat_stun_parse_answer (agent, answer, answer_len, &parsed, &code), ==,
                   SIPNAT_STUN_PARSE_IGNORED);
  g_assert_null (parsed.mapped);

  /* An answer to someone else's transaction is not ours. */
  request_len = _sipnat_stun_build_binding (agent, NULL, request, sizeof request);
  foreign_len = _sipnat_stun_build_binding (stranger, NULL, foreign, sizeof foreign);
  answer_len = server_answer (foreign, foreign_len, mapped, NULL, 0, answer, sizeof answer);
  g_assert_cmpint (_sipnat_stun_parse_answer (agent, answer, answer_len, &parsed, &code), ==,
                   SIPNAT_STUN_PARSE_IGNORED);
  g_assert_null (parsed.mapped);

  /* Our own request is not an answer; neither is garbage or a cut one. */
  g_assert_cmpint (_sipnat_stun_parse_answer (agent, request, request_len, &parsed, &code), ==,
                   SIPNAT_STUN_PARSE_IGNORED);
  answer_len = server_answer (request, request_len, mapped, other, 0, answer, sizeof answer);
  g_assert_cmpint (_sipnat_stun_parse_answer (agent, answer, answer_len - 4, &parsed, &code), ==,
                   SIPNAT_STUN_PARSE_IGNORED);
  /* ... while the whole one still is (the cut one did not end it). */
  g_assert_cmpint (_sipnat_stun_parse_answer (agent, answer, answer_len, &parsed, &code), ==,
                   SIPNAT_STUN_PARSE_SUCCESS);
  g_clear_object (&parsed.mapped);
  g_clear_object (&parsed.other_address);
  memset (answer, 0xff, sizeof answer);
  g_assert_cmpint (_sipnat_stun_parse_answer (agent, answer, sizeof answer, &parsed, &code), ==,
                   SIPNAT_STUN_PARSE_IGNORED);
  g_assert_cmpint (_sipnat_stun_parse_answer (agent, answer, 3, &parsed, &code), ==,
                   SIPNAT_STUN_PARSE_IGNORED);

  /* An error answer to our request: its code. */
  request_len = _sipnat_stun_build_binding (agent, NULL, request, sizeof request);
  answer_len = server_answer (request, request_len, NULL, NULL, 420, answer, sizeof answer);
  g_assert_cmpint (_sipnat_stun_parse_answer (agent, answer, answer_len, &parsed, &code), ==,
                   SIPNAT_STUN_PARSE_ERROR);
  g_assert_cmpint (code, ==, 420);
  g_assert_null (parsed.mapped);
}

/* --------------------------------------------------- STUN over sockets */

typedef struct {
  GSocket *socket;
  GSource *source;
  gboolean hostile;      /* junk and foreign answers before the real one */
  gboolean silent;       /* never answer */
  gboolean no_response_port;  /* 420 to RESPONSE-PORT, as a plain STUN server */
  guint requests;
} FakeStun;

static GSocket *
udp_socket (void)
{
  g_autoptr(GSocket) socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM,
                                            G_SOCKET_PROTOCOL_UDP, NULL);
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new_from_string ("127.0.0.1", 0);

  g_assert_nonnull (socket);
  g_socket_set_blocking (socket, FALSE);
  g_assert_true (g_socket_bind (socket, any, FALSE, NULL));
  return g_steal_pointer (&socket);
}

static GInetSocketAddress *
local_of (GSocket *socket)
{
  return G_INET_SOCKET_ADDRESS (g_socket_get_local_address (socket, NULL));
}

static gboolean
on_fake_request (GSocket      *socket,
                 GIOCondition  condition,
                 gpointer      data)
{
  FakeStun *fake = data;
  uint8_t buf[2048], answer[1024], foreign[STUN_MAX_MESSAGE_SIZE_IPV4];
  g_autoptr(GSocketAddress) from = NULL;
  g_autofree StunAgent *stranger = _sipnat_stun_agent_new (TRUE);
  gssize len;
  gsize n, foreign_len;

  len = g_socket_receive_from (socket, &from, (char *) buf, sizeof buf, NULL, NULL);
  if (len <= 0)
    return G_SOURCE_CONTINUE;
  fake->requests++;
  if (fake->silent)
    return G_SOURCE_CONTINUE;

  if (fake->hostile)
    {
      g_autofree char *huge = g_malloc0 (4000);

      /* Junk, a datagram larger than anything accepted, an answer to
       * another transaction (with a mapped address of its own). */
      g_socket_send_to (socket, from, "\x01\x01\x00\x00garbage", 11, NULL, NULL);
      memcpy (huge, buf, MIN ((gsize) len, 4000));
      g_socket_send_to (socket, from, huge, 4000, NULL, NULL);
      foreign_len = _sipnat_stun_build_binding (stranger, NULL, foreign, sizeof foreign);
      {
        g_autoptr(GInetSocketAddress) wrong = addr ("198.51.100.66", 6666);

        n = server_answer (foreign, foreign_len, wrong, NULL, 0, answer, sizeof answer);
        g_socket_send_to (socket, from, (const char *) answer, n, NULL, NULL);
      }
    }

  if (fake->no_response_port)
    {
      StunMessage msg = { .buffer = buf, .buffer_len = len };

      if (stun_message_has_attribute (&msg, 0x0027))
        {
          n = server_answer (buf, len, NULL, NULL, 420, answer, sizeof answer);
          g_socket_send_to (socket, from, (const char *) answer, n, NULL, NULL);
          return G_SOURCE_CONTINUE;
        }
    }

  n = server_answer (buf, len, G_INET_SOCKET_ADDRESS (from), NULL, 0, answer, sizeof answer);
  g_socket_send_to (socket, from, (const char *) answer, n, NULL, NULL);
  return G_SOURCE_CONTINUE;
}

static void
fake_start (FakeStun *fake)
{
  fake->socket = udp_socket ();
  fake->source = g_socket_create_source (fake->socket, G_IO_IN, NULL);
  g_source_set_callback (fake->source, G_SOURCE_FUNC (on_fake_request), fake, NULL);
  g_source_attach (fake->source, NULL);
}

static void
fake_stop (FakeStun *fake)
{
  g_source_destroy (fake->source);
  g_source_unref (fake->source);
  g_object_unref (fake->socket);
}

typedef struct {
  gboolean done;
  SipnatStunAnswer *answer;
  gboolean hairpinned;
  GError *error;
} Result;

static void
on_binding (GObject      *source,
            GAsyncResult *result,
            gpointer      data)
{
  Result *r = data;

  r->answer = _sipnat_stun_binding_finish (result, &r->error);
  r->done = TRUE;
}

static void
on_hairpin (GObject      *source,
            GAsyncResult *result,
            gpointer      data)
{
  Result *r = data;

  r->hairpinned = _sipnat_stun_hairpin_finish (result, &r->error);
  r->done = TRUE;
}

static void
test_stun_transaction (gconstpointer data)
{
  gboolean hostile = GPOINTER_TO_INT (data);
  FakeStun fake = { .hostile = hostile };
  g_autoptr(GSocket) client = udp_socket ();
  g_autoptr(GInetSocketAddress) server = NULL;
  g_autoptr(GInetSocketAddress) local = local_of (client);
  Result r = { 0 };

  fake_start (&fake);
  server = local_of (fake.socket);
  _sipnat_stun_binding_async (client, NULL, server, NULL, NULL, NULL, on_binding, &r);
  sipnat_test_wait_flag (&r.done, 5000);

  /* The real answer, whatever came before it. */
  g_assert_no_error (r.error);
  g_assert_nonnull (r.answer);
  g_assert_cmpuint (g_inet_socket_address_get_port (r.answer->mapped), ==,
                    g_inet_socket_address_get_port (local));
  g_assert_cmpuint (g_inet_socket_address_get_port (r.answer->source), ==,
                    g_inet_socket_address_get_port (server));
  g_assert_cmpuint (fake.requests, ==, 1);
  _sipnat_stun_answer_free (r.answer);
  fake_stop (&fake);
}

static void
test_stun_timeout (void)
{
  FakeStun fake = { .silent = TRUE };
  g_autoptr(GSocket) client = udp_socket ();
  g_autoptr(GInetSocketAddress) server = NULL;
  SipnatStunTiming timing = { 50, 3, 400 };
  Result r = { 0 };

  fake_start (&fake);
  server = local_of (fake.socket);
  _sipnat_stun_binding_async (client, NULL, server, NULL, &timing, NULL, on_binding, &r);
  sipnat_test_wait_flag (&r.done, 5000);

  g_assert_error (r.error, SIPNAT_ERROR, SIPNAT_ERROR_TIMEOUT);
  g_assert_null (r.answer);
  /* Sent, then retransmitted: three requests in all, no more. */
  g_assert_cmpuint (fake.requests, ==, 3);
  g_clear_error (&r.error);
  fake_stop (&fake);
}

static void
test_stun_cancel (void)
{
  FakeStun fake = { .silent = TRUE };
  g_autoptr(GSocket) client = udp_socket ();
  g_autoptr(GInetSocketAddress) server = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  Result r = { 0 };

  fake_start (&fake);
  server = local_of (fake.socket);
  _sipnat_stun_binding_async (client, NULL, server, NULL, NULL, cancellable, on_binding, &r);
  g_cancellable_cancel (cancellable);
  sipnat_test_wait_flag (&r.done, 2000);
  g_assert_error (r.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&r.error);
  fake_stop (&fake);
}

typedef struct {
  gboolean done;
  gboolean ok;
  char *address;
  guint port;
  GError *error;
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

/* The media socket's public address comes from the same transaction,
 * hostile datagrams and all. */
static void
test_rtp_socket_discover (void)
{
  FakeStun fake = { .hostile = TRUE };
  g_autoptr(SipnatRtpSocket) rtp = _sipnat_rtp_socket_new ("127.0.0.1", NULL);
  g_autoptr(GInetSocketAddress) server = NULL;
  Discovered d = { 0 };

  g_assert_nonnull (rtp);
  fake_start (&fake);
  server = local_of (fake.socket);
  _sipnat_rtp_socket_discover_async (rtp, "127.0.0.1", g_inet_socket_address_get_port (server),
                                     NULL, on_discovered, &d);
  sipnat_test_wait_flag (&d.done, 5000);
  g_assert_no_error (d.error);
  g_assert_true (d.ok);
  g_assert_cmpstr (d.address, ==, "127.0.0.1");
  g_assert_cmpuint (d.port, ==, _sipnat_rtp_socket_get_port (rtp));
  g_free (d.address);
  fake_stop (&fake);
}

/* Loopback sends a datagram to our own address straight back: that is
 * what a hairpinning NAT does with one to our public address. */
static void
test_stun_hairpin (void)
{
  g_autoptr(GSocket) client = udp_socket ();
  g_autoptr(GSocket) other = udp_socket ();
  g_autoptr(GInetSocketAddress) self = local_of (client);
  g_autoptr(GInetSocketAddress) elsewhere = local_of (other);
  SipnatStunTiming timing = { 50, 3, 400 };
  Result r = { 0 };

  _sipnat_stun_hairpin_async (client, self, &timing, NULL, on_hairpin, &r);
  sipnat_test_wait_flag (&r.done, 5000);
  g_assert_no_error (r.error);
  g_assert_true (r.hairpinned);

  /* Sent somewhere else, it does not come back: FALSE, no error. */
  r = (Result) { 0 };
  _sipnat_stun_hairpin_async (client, elsewhere, &timing, NULL, on_hairpin, &r);
  sipnat_test_wait_flag (&r.done, 5000);
  g_assert_no_error (r.error);
  g_assert_false (r.hairpinned);
}

/* --------------------------------------------------- binding lifetime */

/* Whatever the NAT's timeout (3 s to 10 min), 80 % of the longest step
 * below it lies within 50 % to 90 % of it. */
static void
test_lifetime_steps (void)
{
  guint n = 0;
  g_autofree guint *steps = _sipnat_binding_lifetime_steps (SIPNAT_BINDING_LIFETIME_FIRST_MS,
                                                            SIPNAT_BINDING_LIFETIME_RATIO,
                                                            SIPNAT_BINDING_LIFETIME_LAST_MS, &n);

  g_assert_cmpuint (n, >, 10);
  g_assert_cmpuint (steps[0], ==, 2000);
  g_assert_cmpuint (steps[n - 1], <=, 600000);
  g_assert_cmpuint (steps[n - 1] * 1.4, >, 600000);
  for (guint i = 1; i < n; i++)
    {
      g_assert_cmpuint (steps[i], >, steps[i - 1]);
      g_assert_cmpfloat ((double) steps[i] / steps[i - 1], <=, 1.5);
    }

  for (guint timeout_ms = 3000; timeout_ms <= 600000; timeout_ms += 250)
    {
      gint64 alive = -1;
      guint period;

      for (guint i = 0; i < n && steps[i] < timeout_ms; i++)
        alive = steps[i];
      g_assert_cmpint (alive, >, 0);
      period = _sipnat_keepalive_for_lifetime (alive);
      g_assert_cmpfloat (period * 1000.0, >=, 0.5 * timeout_ms);
      g_assert_cmpfloat (period * 1000.0, <=, 0.9 * timeout_ms);
    }

  /* Never 0 (which would turn keep-alives off). */
  g_assert_cmpuint (_sipnat_keepalive_for_lifetime (0), ==, 1);
}

typedef struct {
  gboolean done;
  gint64 ms;
  GError *error;
} LifetimeResult;

static void
on_lifetime (GObject      *source,
             GAsyncResult *result,
             gpointer      data)
{
  LifetimeResult *r = data;

  r->ms = _sipnat_binding_lifetime_finish (result, &r->error);
  r->done = TRUE;
}

/* A STUN server without RESPONSE-PORT: the first check fails, every
 * other step is dropped, and the error says so. */
static void
test_lifetime_refused (void)
{
  FakeStun fake = { .no_response_port = TRUE };
  g_autoptr(GInetSocketAddress) server = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  LifetimeResult r = { 0 };

  fake_start (&fake);
  server = local_of (fake.socket);
  _sipnat_binding_lifetime_async (server, loopback, NULL, on_lifetime, &r);
  sipnat_test_wait_flag (&r.done, 10000);
  g_assert_error (r.error, SIPNAT_ERROR, SIPNAT_ERROR_REJECTED);
  g_assert_cmpint (r.ms, ==, -1);
  g_clear_error (&r.error);
  fake_stop (&fake);
}

/* Cancelled while the steps wait: it ends at once, every timer gone. */
static void
test_lifetime_cancel (void)
{
  FakeStun fake = { 0 };
  g_autoptr(GInetSocketAddress) server = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  LifetimeResult r = { 0 };
  guint n = 0;
  g_autofree guint *steps = _sipnat_binding_lifetime_steps (SIPNAT_BINDING_LIFETIME_FIRST_MS,
                                                            SIPNAT_BINDING_LIFETIME_RATIO,
                                                            SIPNAT_BINDING_LIFETIME_LAST_MS, &n);

  fake_start (&fake);
  server = local_of (fake.socket);
  _sipnat_binding_lifetime_async (server, NULL, cancellable, on_lifetime, &r);
  /* Every step has opened its binding. */
  while (fake.requests < n)
    g_main_context_iteration (NULL, TRUE);
  g_cancellable_cancel (cancellable);
  sipnat_test_wait_flag (&r.done, 1000);
  g_assert_error (r.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&r.error);
  fake_stop (&fake);
}

/* keepalive_interval = auto in a file: the policy's keepalive-auto, the
 * interval keeping its safe default; a number turns auto off. */
static void
test_keepalive_auto_setting (void)
{
  g_autoptr(SipnatNatPolicy) policy = sipnat_nat_policy_new ();
  g_autoptr(GError) error = NULL;

  g_assert_false (sipnat_nat_policy_get_keepalive_auto (policy));
  g_assert_true (_sipnat_config_set_property (G_OBJECT (policy), "keepalive_interval",
                                              " Auto ", &error));
  g_assert_no_error (error);
  g_assert_true (sipnat_nat_policy_get_keepalive_auto (policy));
  g_assert_cmpuint (sipnat_nat_policy_get_keepalive_interval (policy), ==,
                    SIPNAT_DEFAULT_KEEPALIVE_INTERVAL);

  g_assert_true (_sipnat_config_set_property (G_OBJECT (policy), "keepalive_interval",
                                              "30", &error));
  g_assert_false (sipnat_nat_policy_get_keepalive_auto (policy));
  g_assert_cmpuint (sipnat_nat_policy_get_keepalive_interval (policy), ==, 30);

  g_assert_false (_sipnat_config_set_property (G_OBJECT (policy), "keepalive_interval",
                                               "sometimes", &error));
  g_assert_error (error, SIPNAT_ERROR, SIPNAT_ERROR_CONFIG);
}

/* ---------------------------------------------------------- SIP ping */

static void
test_sip_ping_parse (void)
{
  const char *branch = "z9hG4bKabc123";
  g_autoptr(GInetSocketAddress) local = addr ("192.168.1.2", 40000);
  g_autoptr(GInetSocketAddress) server = addr ("203.0.113.10", 5060);
  g_autofree char *request = _sipnat_sip_ping_build ("UDP", local, server, branch, 0);
  g_autofree char *large = _sipnat_sip_ping_build ("UDP", local, server, branch, 2000);
  const char *ok =
    "SIP/2.0 200 OK\r\n"
    "Via: SIP/2.0/UDP 192.168.1.2:40000;rport=61000;branch=z9hG4bKabc123;received=203.0.113.101\r\n"
    "Content-Length: 0\r\n\r\n";
  const char *compact =
    "SIP/2.0 483 Too Many Hops\r\n"
    "v: SIP/2.0/UDP 192.168.1.2:40000;branch=z9hG4bKabc123;rport=61001;received=203.0.113.101\r\n\r\n";
  const char *other_branch =
    "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 192.168.1.2:40000;branch=z9hG4bKzzz\r\n\r\n";
  const char *branch_elsewhere =
    "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bKzzz\r\n"
    "X-Echo: z9hG4bKabc123\r\n\r\n";
  const char *junk[] = {
    "SIP/2.0 2000 OK\r\n\r\n",
    "SIP/2.0 099 Odd\r\nVia: SIP/2.0/UDP 1.2.3.4;branch=z9hG4bKabc123\r\n\r\n",
    "OPTIONS sip:x SIP/2.0\r\nVia: SIP/2.0/UDP 1.2.3.4;branch=z9hG4bKabc123\r\n\r\n",
    "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 1.2.3.4;branch=z9hG4bKabc123\r\n",  /* no end */
    "",
  };
  SipnatBinding *binding = NULL;
  guint status = 0;

  g_assert_true (g_str_has_prefix (request, "OPTIONS sip:203.0.113.10:5060 SIP/2.0\r\n"));
  g_assert_nonnull (strstr (request, "Via: SIP/2.0/UDP 192.168.1.2:40000;rport;branch=z9hG4bKabc123\r\n"));
  g_assert_true (g_str_has_suffix (request, "Content-Length: 0\r\n\r\n"));
  /* Larger than an Ethernet MTU: fragmented on the way. */
  g_assert_cmpuint (strlen (large), >, 1500);

  g_assert_true (_sipnat_sip_ping_parse_response (ok, strlen (ok), branch, &status, &binding));
  g_assert_cmpuint (status, ==, 200);
  g_assert_nonnull (binding);
  g_assert_cmpstr (sipnat_binding_get_host (binding), ==, "203.0.113.101");
  g_assert_cmpuint (sipnat_binding_get_port (binding), ==, 61000);
  g_clear_pointer (&binding, sipnat_binding_free);

  g_assert_true (_sipnat_sip_ping_parse_response (compact, strlen (compact), branch, &status,
                                                  &binding));
  g_assert_cmpuint (status, ==, 483);
  g_assert_cmpuint (sipnat_binding_get_port (binding), ==, 61001);
  g_clear_pointer (&binding, sipnat_binding_free);

  g_assert_false (_sipnat_sip_ping_parse_response (other_branch, strlen (other_branch), branch,
                                                   &status, &binding));
  g_assert_false (_sipnat_sip_ping_parse_response (branch_elsewhere, strlen (branch_elsewhere),
                                                   branch, &status, &binding));
  for (guint i = 0; i < G_N_ELEMENTS (junk); i++)
    {
      g_assert_false (_sipnat_sip_ping_parse_response (junk[i], strlen (junk[i]), branch,
                                                       &status, &binding));
      g_assert_null (binding);
    }
  /* An embedded NUL hides the rest. */
  g_assert_false (_sipnat_sip_ping_parse_response ("SIP/2.0 200 OK\r\n\0Via: SIP/2.0/UDP 1.2.3.4;branch=z9hG4bKabc123\r\n\r\n",
                                                   70, branch, &status, &binding));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/nat-report/classify/mapping", test_classify_mapping);
  g_test_add_func ("/nat-report/classify/filtering", test_classify_filtering);
  g_test_add_func ("/nat-report/report/advice", test_report_advice);
  g_test_add_func ("/nat-report/stun/request", test_stun_request);
  g_test_add_func ("/nat-report/stun/parse", test_stun_parse);
  g_test_add_data_func ("/nat-report/stun/transaction", GINT_TO_POINTER (FALSE),
                        test_stun_transaction);
  g_test_add_data_func ("/nat-report/stun/transaction-hostile", GINT_TO_POINTER (TRUE),
                        test_stun_transaction);
  g_test_add_func ("/nat-report/stun/timeout", test_stun_timeout);
  g_test_add_func ("/nat-report/stun/cancel", test_stun_cancel);
  g_test_add_func ("/nat-report/stun/hairpin", test_stun_hairpin);
  g_test_add_func ("/nat-report/stun/rtp-socket", test_rtp_socket_discover);
  g_test_add_func ("/nat-report/sip-ping/parse", test_sip_ping_parse);
  g_test_add_func ("/nat-report/lifetime/steps", test_lifetime_steps);
  g_test_add_func ("/nat-report/lifetime/refused", test_lifetime_refused);
  g_test_add_func ("/nat-report/lifetime/cancel", test_lifetime_cancel);
  g_test_add_func ("/nat-report/keepalive-auto/setting", test_keepalive_auto_setting);

  return g_test_run ();
}
