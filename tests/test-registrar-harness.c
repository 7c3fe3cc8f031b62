/* test-registrar-harness.c: the real-Kamailio test registrar itself
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Talks plain-text SIP to the registrar over GSockets on loopback, so that a
 * failure here points at the harness or the Kamailio config, not at
 * libsipnat.
 */

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>

#include <gio/gio.h>

#include "sipnat-test-registrar.h"

/* ------------------------------------------------------------- SIP helpers */

static SipnatTestRegistrar *
start_or_skip (const SipnatTestRegistrarOptions *options)
{
  g_autoptr(GError) error = NULL;
  SipnatTestRegistrar *reg = sipnat_test_registrar_start (options, &error);

  /* Kamailio missing: a skip, or a failure where it is required (CI). */
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND) &&
      g_getenv ("SIPNAT_REQUIRE_NETNS") == NULL)
    {
      g_test_skip (error->message);
      return NULL;
    }
  g_assert_no_error (error);
  g_assert_nonnull (reg);
  g_assert_cmpuint (sipnat_test_registrar_get_port (reg), >, 0);
  g_assert_cmpint (sipnat_test_registrar_get_pid (reg), >, 0);

  return reg;
}

static GSocket *
udp_socket_new (guint16 *port)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) local = NULL;
  GSocket *socket;

  socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP, &error);
  g_assert_no_error (error);
  g_socket_bind (socket, any, FALSE, &error);
  g_assert_no_error (error);
  g_socket_set_timeout (socket, 5);

  local = g_socket_get_local_address (socket, &error);
  g_assert_no_error (error);
  *port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local));

  return socket;
}

/* A request from @user to @ruri, Via/Contact on 127.0.0.1:@local_port. */
static char *
build_request (const char *method,
               const char *ruri,
               const char *transport,
               guint16     local_port,
               const char *from_user,
               const char *to_user,
               const char *extra_headers)
{
  g_autofree char *call_id = g_uuid_string_random ();
  g_autofree char *transport_param = g_ascii_strdown (transport, -1);
  static guint cseq = 1;

  return g_strdup_printf ("%s %s SIP/2.0\r\n"
                          "Via: SIP/2.0/%s 127.0.0.1:%u;rport;branch=z9hG4bK%08x%08x\r\n"
                          "Max-Forwards: 70\r\n"
                          "From: <sip:%s@127.0.0.1>;tag=%08x\r\n"
                          "To: <sip:%s@127.0.0.1>\r\n"
                          "Call-ID: %s\r\n"
                          "CSeq: %u %s\r\n"
                          "Contact: <sip:%s@127.0.0.1:%u;transport=%s>\r\n"
                          "User-Agent: test-registrar-harness\r\n"
                          "%s"
                          "Content-Length: 0\r\n"
                          "\r\n",
                          method, ruri,
                          transport, local_port, g_random_int (), g_random_int (),
                          from_user, g_random_int (),
                          to_user,
                          call_id,
                          cseq++, method,
                          from_user, local_port, transport_param,
                          extra_headers != NULL ? extra_headers : "");
}

static void
send_to_registrar (GSocket             *socket,
                   SipnatTestRegistrar *reg,
                   const char          *message)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GInetAddress) inet = g_inet_address_new_from_string (sipnat_test_registrar_get_address (reg));
  g_autoptr(GSocketAddress) server = g_inet_socket_address_new (inet, sipnat_test_registrar_get_port (reg));
  gssize sent;

  g_test_message ("> %s", message);
  sent = g_socket_send_to (socket, server, message, strlen (message), NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (sent, ==, strlen (message));
}

/* The next datagram: a request or a response. */
static char *
receive_message (GSocket *socket)
{
  g_autoptr(GError) error = NULL;
  char buffer[65536];
  gssize n;

  n = g_socket_receive (socket, buffer, sizeof buffer - 1, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (n, >, 0);
  buffer[n] = '\0';
  g_test_message ("< %.*s", (int) strcspn (buffer, "\r"), buffer);

  return g_strdup (buffer);
}

static guint
status_code (const char *message)
{
  g_assert_true (g_str_has_prefix (message, "SIP/2.0 "));
  return (guint) g_ascii_strtoull (message + strlen ("SIP/2.0 "), NULL, 10);
}

/* The value of the first header called @name, or NULL. */
static char *
header_value (const char *message,
              const char *name)
{
  g_auto(GStrv) lines = g_strsplit (message, "\r\n", -1);
  gsize len = strlen (name);

  for (guint i = 1; lines[i] != NULL && *lines[i] != '\0'; i++)
    {
      if (g_ascii_strncasecmp (lines[i], name, len) == 0 && lines[i][len] == ':')
        return g_strdup (g_strstrip (lines[i] + len + 1));
    }

  return NULL;
}

/* The value of the parameter @name in the header value @value, or NULL. */
static char *
header_param (const char *value,
              const char *name)
{
  g_auto(GStrv) params = g_strsplit_set (value, ";,", -1);
  gsize len = strlen (name);

  for (guint i = 0; params[i] != NULL; i++)
    {
      const char *p = g_strstrip (params[i]);

      if (g_ascii_strncasecmp (p, name, len) == 0 && p[len] == '=')
        {
          char *v = g_strdup (p + len + 1);

          if (v[0] == '"' && strlen (v) >= 2 && v[strlen (v) - 1] == '"')
            {
              memmove (v, v + 1, strlen (v) - 2);
              v[strlen (v) - 2] = '\0';
            }
          return v;
        }
    }

  return NULL;
}

/* The final response to @request (provisional ones skipped). */
static char *
receive_final_response (GSocket    *socket,
                        const char *request)
{
  g_autofree char *call_id = header_value (request, "Call-ID");
  g_autofree char *cseq = header_value (request, "CSeq");

  for (;;)
    {
      g_autofree char *message = receive_message (socket);
      g_autofree char *response_call_id = header_value (message, "Call-ID");
      g_autofree char *response_cseq = header_value (message, "CSeq");

      /* A stray response (e.g. a second reply to an earlier request) is a
       * bug in the config. */
      g_assert_cmpstr (response_call_id, ==, call_id);
      g_assert_cmpstr (response_cseq, ==, cseq);
      if (status_code (message) >= 200)
        return g_steal_pointer (&message);
    }
}

static void
assert_via_received_rport (const char *response,
                           guint16     port)
{
  g_autofree char *via = header_value (response, "Via");
  g_autofree char *received = NULL;
  g_autofree char *rport = NULL;
  g_autofree char *expected_rport = g_strdup_printf ("%u", port);

  g_assert_nonnull (via);
  received = header_param (via, "received");
  rport = header_param (via, "rport");
  g_assert_cmpstr (received, ==, "127.0.0.1");
  g_assert_cmpstr (rport, ==, expected_rport);
}

/* Is any process left in the process group @pgid (Kamailio's main PID)? */
static gboolean
process_group_alive (GPid pgid)
{
  g_autoptr(GDir) proc = g_dir_open ("/proc", 0, NULL);
  const char *name;

  g_assert_nonnull (proc);
  while ((name = g_dir_read_name (proc)) != NULL)
    {
      g_autofree char *path = NULL;
      g_autofree char *stat = NULL;
      const char *after_comm;
      int pgrp = 0;
      char state;

      if (!g_ascii_isdigit (name[0]))
        continue;
      path = g_build_filename ("/proc", name, "stat", NULL);
      if (!g_file_get_contents (path, &stat, NULL, NULL))
        continue;
      /* pid (comm) state ppid pgrp ... */
      after_comm = strrchr (stat, ')');
      if (after_comm == NULL || sscanf (after_comm + 1, " %c %*d %d", &state, &pgrp) != 2)
        continue;
      if (pgrp == pgid)
        return TRUE;
    }

  return FALSE;
}

static void
stop_and_assert_gone (SipnatTestRegistrar **reg)
{
  GPid pid = sipnat_test_registrar_get_pid (*reg);
  g_autofree char *tmpdir = g_path_get_dirname (sipnat_test_registrar_get_log_path (*reg));

  g_clear_pointer (reg, sipnat_test_registrar_stop);

  g_assert_cmpint (kill (pid, 0), ==, -1);
  g_assert_cmpint (errno, ==, ESRCH);
  g_assert_false (process_group_alive (pid));
  g_assert_false (g_file_test (tmpdir, G_FILE_TEST_EXISTS));
}

static char *
md5_hex (const char *text)
{
  return g_compute_checksum_for_string (G_CHECKSUM_MD5, text, -1);
}

/* ------------------------------------------------------------------ tests */

static void
test_register_no_auth (void)
{
  SipnatTestRegistrar *reg = start_or_skip (NULL);
  g_autoptr(GSocket) socket = NULL;
  g_autofree char *registrar_uri = NULL;
  g_autofree char *expected_contact = NULL;
  guint16 port;

  if (reg == NULL)
    return;

  g_assert_cmpstr (sipnat_test_registrar_get_address (reg), ==, "127.0.0.1");
  socket = udp_socket_new (&port);
  registrar_uri = g_strdup_printf ("sip:127.0.0.1:%u", sipnat_test_registrar_get_port (reg));
  expected_contact = g_strdup_printf ("sip:alice@127.0.0.1:%u;transport=udp", port);

  /* Nothing registered yet. */
  {
    g_auto(GStrv) contacts = sipnat_test_registrar_get_contacts (reg, "alice");

    g_assert_nonnull (contacts);
    g_assert_cmpuint (g_strv_length (contacts), ==, 0);
    g_assert_cmpuint (sipnat_test_registrar_count_registers (reg), ==, 0);
  }

  /* REGISTER: 200 with received/rport, Contact stored as sent. */
  {
    g_autofree char *request = build_request ("REGISTER", registrar_uri, "UDP", port,
                                              "alice", "alice", "Expires: 60\r\n");
    g_autofree char *response = NULL;
    g_autofree char *contact = NULL;
    g_auto(GStrv) contacts = NULL;

    send_to_registrar (socket, reg, request);
    response = receive_final_response (socket, request);
    g_assert_cmpuint (status_code (response), ==, 200);
    assert_via_received_rport (response, port);
    contact = header_value (response, "Contact");
    g_assert_nonnull (contact);
    g_assert_nonnull (strstr (contact, expected_contact));

    contacts = sipnat_test_registrar_get_contacts (reg, "alice");
    g_assert_cmpuint (g_strv_length (contacts), ==, 1);
    g_assert_cmpstr (contacts[0], ==, expected_contact);
    g_assert_cmpuint (sipnat_test_registrar_count_registers (reg), ==, 1);
  }

  /* Expires below min_expires: 423 with Min-Expires, binding unchanged. */
  {
    g_autofree char *request = build_request ("REGISTER", registrar_uri, "UDP", port,
                                              "alice", "alice", "Expires: 1\r\n");
    g_autofree char *response = NULL;
    g_autofree char *min_expires = NULL;
    g_auto(GStrv) contacts = NULL;

    send_to_registrar (socket, reg, request);
    response = receive_final_response (socket, request);
    g_assert_cmpuint (status_code (response), ==, 423);
    assert_via_received_rport (response, port);
    min_expires = header_value (response, "Min-Expires");
    g_assert_cmpstr (min_expires, ==, "10");

    contacts = sipnat_test_registrar_get_contacts (reg, "alice");
    g_assert_cmpuint (g_strv_length (contacts), ==, 1);
    g_assert_cmpuint (sipnat_test_registrar_count_registers (reg), ==, 2);
  }

  /* The nua keepalive: OPTIONS with Max-Forwards: 0 gets 483. */
  {
    g_autofree char *aor = g_strdup_printf ("sip:alice@127.0.0.1:%u", sipnat_test_registrar_get_port (reg));
    g_autofree char *request = build_request ("OPTIONS", aor, "UDP", port, "alice", "alice", NULL);
    g_autofree char *response = NULL;
    g_autoptr(GString) zero_hops = g_string_new (request);

    g_string_replace (zero_hops, "Max-Forwards: 70", "Max-Forwards: 0", 1);
    send_to_registrar (socket, reg, zero_hops->str);
    response = receive_final_response (socket, zero_hops->str);
    g_assert_cmpuint (status_code (response), ==, 483);
    assert_via_received_rport (response, port);
  }

  /* OPTIONS to the server itself: 200. To an unknown AOR: 404. */
  {
    g_autofree char *request = build_request ("OPTIONS", registrar_uri, "UDP", port, "alice", "alice", NULL);
    g_autofree char *response = NULL;
    g_autofree char *bob = g_strdup_printf ("sip:bob@127.0.0.1:%u", sipnat_test_registrar_get_port (reg));
    g_autofree char *request_bob = build_request ("OPTIONS", bob, "UDP", port, "alice", "bob", NULL);
    g_autofree char *response_bob = NULL;

    send_to_registrar (socket, reg, request);
    response = receive_final_response (socket, request);
    g_assert_cmpuint (status_code (response), ==, 200);

    send_to_registrar (socket, reg, request_bob);
    response_bob = receive_final_response (socket, request_bob);
    g_assert_cmpuint (status_code (response_bob), ==, 404);
  }

  /* OPTIONS to the registered AOR is relayed to its Contact (us): answer it
   * and get the 200 back through the proxy. */
  {
    g_autofree char *aor = g_strdup_printf ("sip:alice@127.0.0.1:%u", sipnat_test_registrar_get_port (reg));
    g_autofree char *request = build_request ("OPTIONS", aor, "UDP", port, "carol", "alice", NULL);
    g_autofree char *relayed = NULL;
    g_autofree char *response = NULL;
    g_autoptr(GString) answer = g_string_new ("SIP/2.0 200 OK\r\n");
    g_auto(GStrv) lines = NULL;
    g_autofree char *expected_start = g_strdup_printf ("OPTIONS %s SIP/2.0\r\n", expected_contact);

    send_to_registrar (socket, reg, request);
    relayed = receive_message (socket);
    g_assert_true (g_str_has_prefix (relayed, expected_start));

    lines = g_strsplit (relayed, "\r\n", -1);
    for (guint i = 1; lines[i] != NULL && *lines[i] != '\0'; i++)
      {
        if (g_ascii_strncasecmp (lines[i], "Via:", 4) == 0 ||
            g_ascii_strncasecmp (lines[i], "From:", 5) == 0 ||
            g_ascii_strncasecmp (lines[i], "Call-ID:", 8) == 0 ||
            g_ascii_strncasecmp (lines[i], "CSeq:", 5) == 0)
          g_string_append_printf (answer, "%s\r\n", lines[i]);
        else if (g_ascii_strncasecmp (lines[i], "To:", 3) == 0)
          g_string_append_printf (answer, "%s;tag=uas\r\n", lines[i]);
      }
    g_string_append (answer, "Content-Length: 0\r\n\r\n");
    send_to_registrar (socket, reg, answer->str);

    response = receive_final_response (socket, request);
    g_assert_cmpuint (status_code (response), ==, 200);
    assert_via_received_rport (response, port);
  }

  /* REGISTER over TCP. */
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
    g_autoptr(GSocketAddress) server = g_inet_socket_address_new (loopback, sipnat_test_registrar_get_port (reg));
    g_autoptr(GSocket) tcp = NULL;
    g_autoptr(GSocketAddress) local = NULL;
    g_autofree char *request = NULL;
    g_autofree char *tcp_contact = NULL;
    g_auto(GStrv) contacts = NULL;
    char buffer[4096];
    gsize have = 0;
    guint16 tcp_port;

    /* A plain GSocket: GSocketClient would load the proxy resolver. */
    tcp = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
    g_assert_no_error (error);
    g_socket_set_timeout (tcp, 5);
    g_socket_connect (tcp, server, NULL, &error);
    g_assert_no_error (error);
    local = g_socket_get_local_address (tcp, &error);
    g_assert_no_error (error);
    tcp_port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local));

    request = build_request ("REGISTER", registrar_uri, "TCP", tcp_port, "bob", "bob", "Expires: 60\r\n");
    g_socket_send (tcp, request, strlen (request), NULL, &error);
    g_assert_no_error (error);

    buffer[0] = '\0';
    while (strstr (buffer, "\r\n\r\n") == NULL)
      {
        gssize n;

        n = g_socket_receive (tcp, buffer + have, sizeof buffer - have - 1, NULL, &error);
        g_assert_no_error (error);
        g_assert_cmpint (n, >, 0);
        have += n;
        buffer[have] = '\0';
      }
    g_assert_cmpuint (status_code (buffer), ==, 200);
    assert_via_received_rport (buffer, tcp_port);

    tcp_contact = g_strdup_printf ("sip:bob@127.0.0.1:%u;transport=tcp", tcp_port);
    contacts = sipnat_test_registrar_get_contacts (reg, "bob");
    g_assert_cmpuint (g_strv_length (contacts), ==, 1);
    g_assert_cmpstr (contacts[0], ==, tcp_contact);
    g_assert_cmpuint (sipnat_test_registrar_count_registers (reg), ==, 3);
  }

  /* Un-REGISTER. */
  {
    g_autofree char *request = build_request ("REGISTER", registrar_uri, "UDP", port,
                                              "alice", "alice", "Expires: 0\r\n");
    g_autofree char *response = NULL;
    g_auto(GStrv) contacts = NULL;

    send_to_registrar (socket, reg, request);
    response = receive_final_response (socket, request);
    g_assert_cmpuint (status_code (response), ==, 200);

    contacts = sipnat_test_registrar_get_contacts (reg, "alice");
    g_assert_cmpuint (g_strv_length (contacts), ==, 0);
    g_assert_cmpuint (sipnat_test_registrar_count_registers (reg), ==, 4);
  }

  stop_and_assert_gone (&reg);
}

static char *
authorization (const char *user,
               const char *password,
               const char *realm,
               const char *nonce,
               const char *uri)
{
  g_autofree char *a1 = g_strdup_printf ("%s:%s:%s", user, realm, password);
  g_autofree char *a2 = g_strdup_printf ("REGISTER:%s", uri);
  g_autofree char *ha1 = md5_hex (a1);
  g_autofree char *ha2 = md5_hex (a2);
  g_autofree char *all = g_strdup_printf ("%s:%s:%s", ha1, nonce, ha2);
  g_autofree char *response = md5_hex (all);

  return g_strdup_printf ("Authorization: Digest username=\"%s\", realm=\"%s\", nonce=\"%s\", "
                          "uri=\"%s\", response=\"%s\", algorithm=MD5\r\n",
                          user, realm, nonce, uri, response);
}

static void
test_register_auth (void)
{
  SipnatTestRegistrarOptions options = { .auth = TRUE, .min_expires = 20 };
  SipnatTestRegistrar *reg = start_or_skip (&options);
  g_autoptr(GSocket) socket = NULL;
  g_autofree char *registrar_uri = NULL;
  g_autofree char *realm = NULL;
  g_autofree char *nonce = NULL;
  guint16 port;

  if (reg == NULL)
    return;

  socket = udp_socket_new (&port);
  registrar_uri = g_strdup_printf ("sip:127.0.0.1:%u", sipnat_test_registrar_get_port (reg));

  /* No credentials: 401 with a digest challenge, realm = From domain. */
  {
    g_autofree char *request = build_request ("REGISTER", registrar_uri, "UDP", port,
                                              "alice", "alice", "Expires: 60\r\n");
    g_autofree char *response = NULL;
    g_autofree char *challenge = NULL;
    g_auto(GStrv) contacts = NULL;

    send_to_registrar (socket, reg, request);
    response = receive_final_response (socket, request);
    g_assert_cmpuint (status_code (response), ==, 401);
    assert_via_received_rport (response, port);
    challenge = header_value (response, "WWW-Authenticate");
    g_assert_nonnull (challenge);
    g_assert_true (g_str_has_prefix (challenge, "Digest "));
    realm = header_param (challenge + strlen ("Digest "), "realm");
    nonce = header_param (challenge, "nonce");
    g_assert_cmpstr (realm, ==, "127.0.0.1");
    g_assert_nonnull (nonce);

    contacts = sipnat_test_registrar_get_contacts (reg, "alice");
    g_assert_cmpuint (g_strv_length (contacts), ==, 0);
    g_assert_cmpuint (sipnat_test_registrar_count_registers (reg), ==, 1);
  }

  /* Wrong password: challenged again. */
  {
    g_autofree char *auth = authorization ("alice", "wrong", realm, nonce, registrar_uri);
    g_autofree char *headers = g_strconcat ("Expires: 60\r\n", auth, NULL);
    g_autofree char *request = build_request ("REGISTER", registrar_uri, "UDP", port,
                                              "alice", "alice", headers);
    g_autofree char *response = NULL;

    send_to_registrar (socket, reg, request);
    response = receive_final_response (socket, request);
    g_assert_cmpuint (status_code (response), ==, 401);
  }

  /* Unknown user: 403. */
  {
    g_autofree char *auth = authorization ("dave", "davepw", realm, nonce, registrar_uri);
    g_autofree char *headers = g_strconcat ("Expires: 60\r\n", auth, NULL);
    g_autofree char *request = build_request ("REGISTER", registrar_uri, "UDP", port,
                                              "dave", "dave", headers);
    g_autofree char *response = NULL;

    send_to_registrar (socket, reg, request);
    response = receive_final_response (socket, request);
    g_assert_cmpuint (status_code (response), ==, 403);
  }

  /* Right password: 200 and stored. */
  {
    g_autofree char *auth = authorization ("alice", "alicepw", realm, nonce, registrar_uri);
    g_autofree char *headers = g_strconcat ("Expires: 60\r\n", auth, NULL);
    g_autofree char *request = build_request ("REGISTER", registrar_uri, "UDP", port,
                                              "alice", "alice", headers);
    g_autofree char *response = NULL;
    g_autofree char *expected_contact = g_strdup_printf ("sip:alice@127.0.0.1:%u;transport=udp", port);
    g_auto(GStrv) contacts = NULL;

    send_to_registrar (socket, reg, request);
    response = receive_final_response (socket, request);
    g_assert_cmpuint (status_code (response), ==, 200);
    assert_via_received_rport (response, port);

    contacts = sipnat_test_registrar_get_contacts (reg, "alice");
    g_assert_cmpuint (g_strv_length (contacts), ==, 1);
    g_assert_cmpstr (contacts[0], ==, expected_contact);
  }

  /* Authenticated but below min_expires: 423 with the configured value. */
  {
    g_autofree char *auth = authorization ("alice", "alicepw", realm, nonce, registrar_uri);
    g_autofree char *headers = g_strconcat ("Expires: 5\r\n", auth, NULL);
    g_autofree char *request = build_request ("REGISTER", registrar_uri, "UDP", port,
                                              "alice", "alice", headers);
    g_autofree char *response = NULL;
    g_autofree char *min_expires = NULL;

    send_to_registrar (socket, reg, request);
    response = receive_final_response (socket, request);
    g_assert_cmpuint (status_code (response), ==, 423);
    min_expires = header_value (response, "Min-Expires");
    g_assert_cmpstr (min_expires, ==, "20");
    g_assert_cmpuint (sipnat_test_registrar_count_registers (reg), ==, 5);
  }

  /* OPTIONS keepalives are not challenged. */
  {
    g_autofree char *aor = g_strdup_printf ("sip:alice@127.0.0.1:%u", sipnat_test_registrar_get_port (reg));
    g_autofree char *request = build_request ("OPTIONS", aor, "UDP", port, "alice", "alice", NULL);
    g_autofree char *response = NULL;
    g_autoptr(GString) zero_hops = g_string_new (request);

    g_string_replace (zero_hops, "Max-Forwards: 70", "Max-Forwards: 0", 1);
    send_to_registrar (socket, reg, zero_hops->str);
    response = receive_final_response (socket, zero_hops->str);
    g_assert_cmpuint (status_code (response), ==, 483);
    assert_via_received_rport (response, port);
  }

  stop_and_assert_gone (&reg);
}

static void
test_two_registrars (void)
{
  SipnatTestRegistrar *a = start_or_skip (NULL);
  SipnatTestRegistrar *b = NULL;

  if (a == NULL)
    return;
  b = start_or_skip (NULL);
  g_assert_nonnull (b);

  g_assert_cmpuint (sipnat_test_registrar_get_port (a), !=, sipnat_test_registrar_get_port (b));
  g_assert_cmpint (sipnat_test_registrar_get_pid (a), !=, sipnat_test_registrar_get_pid (b));
  g_assert_cmpuint (sipnat_test_registrar_count_registers (a), ==, 0);
  g_assert_cmpuint (sipnat_test_registrar_count_registers (b), ==, 0);

  stop_and_assert_gone (&b);
  stop_and_assert_gone (&a);
  sipnat_test_registrar_stop (NULL);
}

static void
test_bad_address (void)
{
  SipnatTestRegistrarOptions options = { .listen_address = "not-an-address" };
  g_autoptr(GError) error = NULL;
  g_autoptr(SipnatTestRegistrar) reg = sipnat_test_registrar_start (&options, &error);

  g_assert_null (reg);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/registrar-harness/register/no-auth", test_register_no_auth);
  g_test_add_func ("/registrar-harness/register/auth", test_register_auth);
  g_test_add_func ("/registrar-harness/two-registrars", test_two_registrars);
  g_test_add_func ("/registrar-harness/bad-address", test_bad_address);

  return g_test_run ();
}
