/* test-dns.c: finding the registrar as RFC 3263 says (NAPTR, SRV, A)
 *
 * A dnsmasq the test starts on a loopback port serves the records of
 * the zone sipnat.test; Sofia's resolver reads a resolv.conf of the
 * test's own (SIPNAT_RESOLV_CONF) naming it; two real Kamailios are the
 * SRV targets. dnsmasq's query log shows what was asked.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include <sipnat.h>

#include "sipnat-dns-private.h"
#include "sipnat-test-registrar.h"
#include "sipnat-test-utils.h"

#define ZONE "sipnat.test"
#define TRANSACTION_TIMEOUT_MS 4000
#define NO_DNS_DEADLINE_MS 300000

/* ---------------------------------------------------------------------- */
/* A DNS server of the test's own                                         */

typedef struct
{
  GSubprocess *process;
  char *dir;
  char *log_path;
  char *resolv_conf;
  guint16 port;
} DnsServer;

/* A port nothing listens on (at this moment) on 127.0.0.1. */
static guint16
free_port (GSocketType     type,
           GSocketProtocol protocol)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocket) socket = g_socket_new (G_SOCKET_FAMILY_IPV4, type, protocol, &error);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;

  g_assert_no_error (error);
  g_socket_bind (socket, any, FALSE, &error);
  g_assert_no_error (error);
  bound = g_socket_get_local_address (socket, &error);
  g_assert_no_error (error);
  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
}

static char *
read_log (DnsServer *dns)
{
  char *contents = NULL;

  if (!g_file_get_contents (dns->log_path, &contents, NULL, NULL))
    return g_strdup ("");
  return contents;
}

static gboolean
dns_started (gpointer data)
{
  g_autofree char *log = read_log (data);

  return strstr (log, "started") != NULL;
}

static void
dns_server_stop (DnsServer *dns)
{
  if (dns == NULL)
    return;

  if (dns->process != NULL)
    {
      g_subprocess_send_signal (dns->process, SIGTERM);
      g_subprocess_wait (dns->process, NULL, NULL);
      g_object_unref (dns->process);
    }
  if (g_getenv ("SIPNAT_TEST_VERBOSE") != NULL)
    {
      g_autofree char *log = read_log (dns);
      g_printerr ("%s", log);
    }
  if (dns->log_path != NULL)
    g_unlink (dns->log_path);
  if (dns->resolv_conf != NULL)
    g_unlink (dns->resolv_conf);
  if (dns->dir != NULL)
    g_rmdir (dns->dir);
  g_free (dns->log_path);
  g_free (dns->resolv_conf);
  g_free (dns->dir);
  g_free (dns);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DnsServer, dns_server_stop)

/* Starts dnsmasq with @records (its options: --srv-host=…) as the only
 * source of answers: no upstream, no /etc/hosts, and NXDOMAIN for
 * anything else in the zone. Writes the file SIPNAT_RESOLV_CONF names
 * (set once in main(), before any thread) for the endpoints the test
 * creates next. NULL with G_IO_ERROR_NOT_FOUND when dnsmasq is
 * not installed. */
static DnsServer *
dns_server_start (const char * const  *records,
                  GError             **error)
{
  g_autoptr(DnsServer) dns = g_new0 (DnsServer, 1);
  g_autoptr(GStrvBuilder) argv = g_strv_builder_new ();
  g_auto(GStrv) args = NULL;
  g_autofree char *program = g_find_program_in_path ("dnsmasq");
  g_autofree char *conf = NULL;
  g_autofree char *port_arg = NULL;
  g_autofree char *log_arg = NULL;

  if (program == NULL && g_file_test ("/usr/sbin/dnsmasq", G_FILE_TEST_IS_EXECUTABLE))
    program = g_strdup ("/usr/sbin/dnsmasq");
  if (program == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                           "dnsmasq is not installed (apt-get install dnsmasq-base)");
      return NULL;
    }

  dns->dir = g_dir_make_tmp ("sipnat-dns-XXXXXX", error);
  if (dns->dir == NULL)
    return NULL;
  dns->log_path = g_build_filename (dns->dir, "dnsmasq.log", NULL);
  dns->resolv_conf = g_strdup (g_getenv ("SIPNAT_RESOLV_CONF"));
  dns->port = free_port (G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP);

  g_strv_builder_add_many (argv, program, "--keep-in-foreground", "--conf-file=/dev/null",
                           "--no-resolv", "--no-hosts", "--no-poll", "--bind-interfaces",
                           "--listen-address=127.0.0.1", "--pid-file", "--log-queries",
                           "--local=/" ZONE "/", NULL);
  port_arg = g_strdup_printf ("--port=%u", dns->port);
  log_arg = g_strdup_printf ("--log-facility=%s", dns->log_path);
  g_strv_builder_add_many (argv, port_arg, log_arg, NULL);
  if (getuid () == 0)
    g_strv_builder_add (argv, "--user=root");
  g_strv_builder_addv (argv, (const char **) records);
  args = g_strv_builder_end (argv);

  dns->process = g_subprocess_newv ((const char * const *) args,
                                    G_SUBPROCESS_FLAGS_STDOUT_SILENCE, error);
  if (dns->process == NULL)
    return NULL;
  sipnat_test_wait_until (dns_started, dns, 10000);

  /* `port` is a Sofia extension of resolv.conf. */
  conf = g_strdup_printf ("nameserver 127.0.0.1\nport %u\n", dns->port);
  if (!g_file_set_contents (dns->resolv_conf, conf, -1, error))
    return NULL;

  return g_steal_pointer (&dns);
}

/* How many queries of @type ("SRV", "NAPTR", "A") dnsmasq got so far. */
static guint
dns_count_queries (DnsServer  *dns,
                   const char *type)
{
  g_autofree char *log = read_log (dns);
  g_autofree char *needle = g_strdup_printf ("query[%s]", type);
  guint count = 0;

  for (const char *p = strstr (log, needle); p != NULL; p = strstr (p + 1, needle))
    count++;
  return count;
}

/* ---------------------------------------------------------------------- */
/* Fixtures                                                               */

static SipnatTestRegistrar *
start_kamailio (void)
{
  g_autoptr(GError) error = NULL;
  SipnatTestRegistrar *kamailio = sipnat_test_registrar_start (NULL, &error);

  g_assert_no_error (error);
  return kamailio;
}

static SipnatEndpoint *
new_endpoint (SipnatTransportFlags transports)
{
  g_autoptr(GError) error = NULL;
  SipnatEndpoint *endpoint = g_initable_new (SIPNAT_TYPE_ENDPOINT, NULL, &error,
                                             "local-address", "127.0.0.1",
                                             "transports", transports,
                                             "sip-transaction-timeout", TRANSACTION_TIMEOUT_MS,
                                             NULL);

  g_assert_no_error (error);
  return endpoint;
}

static guint
count_contacts (SipnatTestRegistrar *kamailio)
{
  g_auto(GStrv) contacts = sipnat_test_registrar_get_contacts (kamailio, "alice");

  return contacts ? g_strv_length (contacts) : 0;
}

static char *
srv_record (const char          *service,
            const char          *target,
            SipnatTestRegistrar *kamailio,
            guint16              port,
            guint                priority)
{
  return g_strdup_printf ("--srv-host=%s." ZONE ",%s." ZONE ",%u,%u,0", service, target,
                          kamailio ? sipnat_test_registrar_get_port (kamailio) : port, priority);
}

/* Whether dnsmasq and Kamailio are here; skips (77) or, under
 * SIPNAT_REQUIRE_NETNS, fails. */
static gboolean
servers_missing (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DnsServer) dns = dns_server_start ((const char *[]) { NULL }, &error);
  g_autoptr(SipnatTestRegistrar) kamailio = NULL;

  if (sipnat_test_skip_if_missing (error))
    return TRUE;
  g_assert_no_error (error);

  kamailio = sipnat_test_registrar_start (NULL, &error);
  if (sipnat_test_skip_if_missing (error))
    return TRUE;
  g_assert_no_error (error);
  return FALSE;
}

/* Registers alice with @server and returns the milliseconds it took. */
static gint64
register_alice (SipnatEndpoint      *endpoint,
                const char          *server,
                SipnatTransport      transport,
                SipnatRegistration **out)
{
  g_autoptr(GError) error = NULL;
  SipnatRegistration *reg = sipnat_endpoint_add_registration (endpoint, server, "alice");
  gint64 start = g_get_monotonic_time ();

  sipnat_registration_set_transport (reg, transport);
  g_assert_true (sipnat_test_register (reg, &error));
  g_assert_no_error (error);
  *out = reg;
  return (g_get_monotonic_time () - start) / 1000;
}

/* ---------------------------------------------------------------------- */
/* Tests                                                                  */

/* Which `server` entries go through NAPTR/SRV (RFC 3263 §4.1, §4.2). */
static void
test_uses_srv (void)
{
  g_assert_true (_sipnat_dns_server_uses_srv ("example.com"));
  g_assert_true (_sipnat_dns_server_uses_srv ("sip"));
  g_assert_false (_sipnat_dns_server_uses_srv ("example.com:5060"));
  g_assert_false (_sipnat_dns_server_uses_srv ("192.0.2.1"));
  g_assert_false (_sipnat_dns_server_uses_srv ("192.0.2.1:5080"));
  g_assert_false (_sipnat_dns_server_uses_srv ("[2001:db8::1]"));
  g_assert_false (_sipnat_dns_server_uses_srv ("[2001:db8::1]:5060"));
  g_assert_false (_sipnat_dns_server_uses_srv (""));
  g_assert_false (_sipnat_dns_server_uses_srv (NULL));
}

/* RFC 3403: order first, then preference, among what the endpoint has. */
static void
test_choose_naptr (void)
{
  const SipnatTransportFlags udp_tcp = SIPNAT_TRANSPORT_FLAGS_UDP | SIPNAT_TRANSPORT_FLAGS_TCP;
  const SipnatNaptr zone[] = {
    { 30, 10, "S", "SIP+D2U", "_sip._udp.example.com" },
    { 20, 10, "s", "SIP+D2T", "_sip._tcp.example.com." },
    { 10, 10, "S", "SIPS+D2T", "_sips._tcp.example.com" },
    { 5, 10, "U", "SIP+D2U", "!^.*$!sip:x@example.net!" },
    { 1, 1, "S", "E2U+sip", "_sip._udp.example.com" },
  };
  const SipnatNaptr by_preference[] = {
    { 10, 20, "S", "SIP+D2U", "_sip._udp.example.com" },
    { 10, 10, "S", "SIP+D2T", "_sip._tcp.example.com" },
  };
  const SipnatNaptr elsewhere[] = {
    { 10, 10, "S", "SIP+D2T", "_sip._tcp.provider.example.net" },
  };
  SipnatTransport t = SIPNAT_TRANSPORT_UDP;

  /* TLS first, but the endpoint has none: TCP by order. */
  g_assert_true (_sipnat_dns_choose_naptr (zone, G_N_ELEMENTS (zone), "example.com", udp_tcp, &t));
  g_assert_cmpint (t, ==, SIPNAT_TRANSPORT_TCP);
  g_assert_true (_sipnat_dns_choose_naptr (zone, G_N_ELEMENTS (zone), "example.com",
                                           udp_tcp | SIPNAT_TRANSPORT_FLAGS_TLS, &t));
  g_assert_cmpint (t, ==, SIPNAT_TRANSPORT_TLS);
  g_assert_true (_sipnat_dns_choose_naptr (zone, G_N_ELEMENTS (zone), "example.com",
                                           SIPNAT_TRANSPORT_FLAGS_UDP, &t));
  g_assert_cmpint (t, ==, SIPNAT_TRANSPORT_UDP);
  g_assert_true (_sipnat_dns_choose_naptr (by_preference, 2, "example.com", udp_tcp, &t));
  g_assert_cmpint (t, ==, SIPNAT_TRANSPORT_TCP);
  /* Another SRV name than nta would ask: left to nta. */
  g_assert_false (_sipnat_dns_choose_naptr (elsewhere, 1, "example.com", udp_tcp, &t));
  g_assert_false (_sipnat_dns_choose_naptr (NULL, 0, "example.com", udp_tcp, &t));
}

/* Only nta's own "503 DNS Error" becomes the DNS error. */
static void
test_failure_error (void)
{
  g_autoptr(GError) domain = _sipnat_dns_failure_new ("example.com", 503, "DNS Error", FALSE);
  g_autoptr(GError) host = _sipnat_dns_failure_new ("example.com:5060", 503, "DNS Error", FALSE);

  g_assert_error (domain, SIPNAT_ERROR, SIPNAT_ERROR_UNREACHABLE);
  g_assert_nonnull (strstr (domain->message, "example.com: no SIP server found in DNS"));
  g_assert_error (host, SIPNAT_ERROR, SIPNAT_ERROR_UNREACHABLE);
  g_assert_nonnull (strstr (host->message, "example.com:5060"));
  g_assert_null (_sipnat_dns_failure_new ("example.com", 503, "DNS Error", TRUE));
  g_assert_null (_sipnat_dns_failure_new ("example.com", 503, "Service Unavailable", FALSE));
  g_assert_null (_sipnat_dns_failure_new ("example.com", 408, "DNS Error", FALSE));
  g_assert_null (_sipnat_dns_failure_new ("example.com", 503, NULL, FALSE));
}

/* (1) Two SRV targets: the one with the lower priority value is used. */
static void
test_srv_priority (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SipnatTestRegistrar) first = NULL;
  g_autoptr(SipnatTestRegistrar) second = NULL;
  g_autoptr(DnsServer) dns = NULL;
  g_autoptr(SipnatTestEndpoint) endpoint = NULL;
  g_autofree char *srv1 = NULL, *srv2 = NULL;
  SipnatRegistration *reg;
  gint64 ms;

  if (servers_missing ())
    return;

  first = start_kamailio ();
  second = start_kamailio ();
  /* The higher priority value first in the zone: order is not the cause. */
  srv2 = srv_record ("_sip._udp", "k2", second, 0, 20);
  srv1 = srv_record ("_sip._udp", "k1", first, 0, 10);
  dns = dns_server_start ((const char *[]) {
                            srv2, srv1,
                            "--host-record=k1." ZONE ",127.0.0.1",
                            "--host-record=k2." ZONE ",127.0.0.1",
                            NULL },
                          &error);
  g_assert_no_error (error);

  endpoint = new_endpoint (SIPNAT_TRANSPORT_FLAGS_UDP);
  ms = register_alice (endpoint, ZONE, SIPNAT_TRANSPORT_UDP, &reg);
  g_test_message ("registered through SRV in %" G_GINT64_FORMAT " ms", ms);

  g_assert_cmpuint (count_contacts (first), ==, 1);
  g_assert_cmpuint (count_contacts (second), ==, 0);
  g_assert_cmpuint (dns_count_queries (dns, "SRV"), >=, 1);
  g_assert_cmpstr (sipnat_registration_get_active_server (reg), ==, ZONE);
}

/* A UDP socket that takes every datagram and never answers: a server
 * that is down without an ICMP error to say so. */
static GSocket *
black_hole (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocket) socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM,
                                            G_SOCKET_PROTOCOL_UDP, &error);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new (loopback, 0);

  g_assert_no_error (error);
  g_socket_bind (socket, any, FALSE, &error);
  g_assert_no_error (error);
  return g_steal_pointer (&socket);
}

static guint16
socket_port (GSocket *socket)
{
  g_autoptr(GSocketAddress) bound = g_socket_get_local_address (socket, NULL);

  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
}

/* (2) The first SRV target is down: the REGISTER is sent again to the
 * second by nta, and the registration succeeds there. Down as a closed
 * port (an ICMP error on UDP, a refused connection on TCP: at once) or
 * as a silent host (after one transaction timeout). */
typedef enum
{
  DOWN_REFUSING_UDP,
  DOWN_SILENT_UDP,
  DOWN_REFUSING_TCP,
} Down;

static void
test_srv_failover (gconstpointer data)
{
  Down down = GPOINTER_TO_INT (data);
  gboolean tcp = down == DOWN_REFUSING_TCP;
  const char *service = tcp ? "_sip._tcp" : "_sip._udp";
  g_autoptr(GError) error = NULL;
  g_autoptr(SipnatTestRegistrar) second = NULL;
  g_autoptr(DnsServer) dns = NULL;
  g_autoptr(SipnatTestEndpoint) endpoint = NULL;
  g_autoptr(GSocket) hole = NULL;
  g_autofree char *srv1 = NULL, *srv2 = NULL;
  SipnatRegistration *reg;
  guint16 dead_port;
  gint64 ms;

  if (servers_missing ())
    return;

  second = start_kamailio ();
  if (down == DOWN_SILENT_UDP)
    {
      hole = black_hole ();
      dead_port = socket_port (hole);
    }
  else if (tcp)
    {
      dead_port = free_port (G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP);
    }
  else
    {
      dead_port = free_port (G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP);
    }
  srv1 = srv_record (service, "k1", NULL, dead_port, 10);
  srv2 = srv_record (service, "k2", second, 0, 20);
  dns = dns_server_start ((const char *[]) {
                            srv1, srv2,
                            "--host-record=k1." ZONE ",127.0.0.1",
                            "--host-record=k2." ZONE ",127.0.0.1",
                            NULL },
                          &error);
  g_assert_no_error (error);

  endpoint = new_endpoint (tcp ? SIPNAT_TRANSPORT_FLAGS_UDP | SIPNAT_TRANSPORT_FLAGS_TCP
                               : SIPNAT_TRANSPORT_FLAGS_UDP);
  ms = register_alice (endpoint, ZONE, tcp ? SIPNAT_TRANSPORT_TCP : SIPNAT_TRANSPORT_UDP, &reg);
  g_test_message ("first %s SRV target %s: registered on the second in %" G_GINT64_FORMAT " ms "
                  "(sip-transaction-timeout %u ms)", service,
                  down == DOWN_SILENT_UDP ? "silent" : "refusing", ms, TRANSACTION_TIMEOUT_MS);

  g_assert_cmpuint (count_contacts (second), ==, 1);
  if (down == DOWN_SILENT_UDP)
    {
      /* One transaction timeout on the first target, then the second
       * answers at once. */
      g_assert_cmpint (ms, >=, TRANSACTION_TIMEOUT_MS * 9 / 10);
      g_assert_cmpint (ms, <, sipnat_test_deadline_ms (TRANSACTION_TIMEOUT_MS * 2));
    }
  else
    {
      /* The ICMP error or the refused connection moves on at once. */
      g_assert_cmpint (ms, <, sipnat_test_deadline_ms (TRANSACTION_TIMEOUT_MS / 2));
    }
}

/* The one Contact of alice at @data says transport=tcp. */
static gboolean
tcp_contact_only (gpointer data)
{
  g_auto(GStrv) contacts = sipnat_test_registrar_get_contacts (data, "alice");

  return contacts != NULL && g_strv_length (contacts) == 1 &&
         strstr (contacts[0], "transport=tcp") != NULL;
}

/* (3) NAPTR prefers TCP by its order alone (equal preferences, where
 * Sofia's own choice kept UDP): the REGISTER goes over TCP to the
 * target of _sip._tcp, although _sip._udp has another one, and the
 * Contact says transport=tcp. */
static void
test_naptr_transport (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SipnatTestRegistrar) tcp = NULL;
  g_autoptr(SipnatTestRegistrar) udp = NULL;
  g_autoptr(DnsServer) dns = NULL;
  g_autoptr(SipnatTestEndpoint) endpoint = NULL;
  g_autofree char *srv_tcp = NULL, *srv_udp = NULL, *dump = NULL;
  SipnatRegistration *reg;

  if (servers_missing ())
    return;

  tcp = start_kamailio ();
  udp = start_kamailio ();
  srv_tcp = srv_record ("_sip._tcp", "k1", tcp, 0, 10);
  srv_udp = srv_record ("_sip._udp", "k2", udp, 0, 10);
  dns = dns_server_start ((const char *[]) {
                            "--naptr-record=" ZONE ",20,10,S,SIP+D2U,,_sip._udp." ZONE,
                            "--naptr-record=" ZONE ",10,10,S,SIP+D2T,,_sip._tcp." ZONE,
                            srv_tcp, srv_udp,
                            "--host-record=k1." ZONE ",127.0.0.1",
                            "--host-record=k2." ZONE ",127.0.0.1",
                            NULL },
                          &error);
  g_assert_no_error (error);

  endpoint = new_endpoint (SIPNAT_TRANSPORT_FLAGS_UDP | SIPNAT_TRANSPORT_FLAGS_TCP);
  register_alice (endpoint, ZONE, SIPNAT_TRANSPORT_UDP, &reg);

  /* The Contact follows: one Contact, with transport=tcp, replaces the
   * first. */
  g_assert_cmpuint (dns_count_queries (dns, "NAPTR"), >=, 1);
  sipnat_test_wait_until (tcp_contact_only, tcp, 10000);
  g_assert_cmpstr (sipnat_registration_get_contact (reg), !=, NULL);
  g_assert_nonnull (strstr (sipnat_registration_get_contact (reg), "transport=tcp"));
  g_assert_cmpuint (count_contacts (udp), ==, 0);
  dump = sipnat_test_registrar_kamcmd (tcp, &error, "ul.lookup", "location", "s:alice", NULL);
  g_assert_no_error (error);
  g_test_message ("%s", dump);
  g_assert_nonnull (strstr (dump, "Socket: tcp:127.0.0.1"));
  g_assert_cmpstr (sipnat_registration_get_active_server (reg), ==, ZONE);
}

/* (4) A port or an IP address in `server`: no NAPTR, no SRV. */
static void
test_explicit_port (gconstpointer data)
{
  gboolean ip = GPOINTER_TO_INT (data);
  g_autoptr(GError) error = NULL;
  g_autoptr(SipnatTestRegistrar) direct = NULL;
  g_autoptr(SipnatTestRegistrar) srv = NULL;
  g_autoptr(DnsServer) dns = NULL;
  g_autoptr(SipnatTestEndpoint) endpoint = NULL;
  g_autofree char *srv_record_ = NULL, *server = NULL;
  SipnatRegistration *reg;

  if (servers_missing ())
    return;

  direct = start_kamailio ();
  srv = start_kamailio ();
  srv_record_ = srv_record ("_sip._udp", "k2", srv, 0, 10);
  dns = dns_server_start ((const char *[]) {
                            "--naptr-record=" ZONE ",10,10,S,SIP+D2U,,_sip._udp." ZONE,
                            "--naptr-record=k1." ZONE ",10,10,S,SIP+D2U,,_sip._udp." ZONE,
                            srv_record_,
                            "--host-record=k1." ZONE ",127.0.0.1",
                            "--host-record=k2." ZONE ",127.0.0.1",
                            NULL },
                          &error);
  g_assert_no_error (error);

  server = g_strdup_printf ("%s:%u", ip ? "127.0.0.1" : "k1." ZONE,
                            sipnat_test_registrar_get_port (direct));
  endpoint = new_endpoint (SIPNAT_TRANSPORT_FLAGS_UDP | SIPNAT_TRANSPORT_FLAGS_TCP);
  register_alice (endpoint, server, SIPNAT_TRANSPORT_UDP, &reg);

  g_assert_cmpuint (count_contacts (direct), ==, 1);
  g_assert_cmpuint (count_contacts (srv), ==, 0);
  g_assert_cmpuint (dns_count_queries (dns, "NAPTR"), ==, 0);
  g_assert_cmpuint (dns_count_queries (dns, "SRV"), ==, 0);
  if (ip)
    g_assert_cmpuint (dns_count_queries (dns, "A") + dns_count_queries (dns, "AAAA"), ==, 0);
  else
    g_assert_cmpuint (dns_count_queries (dns, "A") + dns_count_queries (dns, "AAAA"), >=, 1);
}

/* (5) A domain DNS knows nothing of: a clear error naming it, soon. */
static void
test_no_records (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DnsServer) dns = NULL;
  g_autoptr(SipnatTestEndpoint) endpoint = NULL;
  SipnatRegistration *reg;
  gint64 start;

  if (servers_missing ())
    return;

  dns = dns_server_start ((const char *[]) { "--host-record=k1." ZONE ",127.0.0.1", NULL },
                          &error);
  g_assert_no_error (error);

  endpoint = new_endpoint (SIPNAT_TRANSPORT_FLAGS_UDP | SIPNAT_TRANSPORT_FLAGS_TCP);
  reg = sipnat_endpoint_add_registration (endpoint, "nowhere." ZONE, "alice");
  start = g_get_monotonic_time ();
  g_assert_false (sipnat_test_register (reg, &error));
  g_test_message ("no records: %s after %" G_GINT64_FORMAT " ms", error->message,
                  (g_get_monotonic_time () - start) / 1000);
  g_assert_error (error, SIPNAT_ERROR, SIPNAT_ERROR_UNREACHABLE);
  g_assert_nonnull (strstr (error->message, "nowhere." ZONE));
  g_assert_nonnull (strstr (error->message, "DNS"));
  g_assert_cmpuint (dns_count_queries (dns, "NAPTR"), >=, 1);
  g_assert_cmpint (g_get_monotonic_time () - start, <,
                   (gint64) sipnat_test_deadline_ms (TRANSACTION_TIMEOUT_MS) * 1000);
}

/* The application drops its endpoint in the register callback. */
typedef struct
{
  SipnatEndpoint *endpoint;
  SipnatTestResult result;
} DropOnAnswer;

static void
drop_endpoint_cb (GObject      *source,
                  GAsyncResult *res,
                  gpointer      data)
{
  DropOnAnswer *d = data;

  d->result.ok = sipnat_registration_register_finish (SIPNAT_REGISTRATION (source), res,
                                                      &d->result.error);
  g_clear_object (&d->endpoint);   /* the last reference, inside the callback */
  d->result.done = TRUE;
}

static gboolean
pointer_cleared (gpointer data)
{
  return *(gpointer *) data == NULL;
}

/* No DNS server answers at all: an error after the probe's 10 s, not
 * after Sofia's minutes; also when the application drops the endpoint
 * in its callback. */
static void
test_no_dns_server (gconstpointer data)
{
  gboolean drop = GPOINTER_TO_INT (data);
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocket) hole = NULL;
  g_autofree char *conf = NULL;
  DropOnAnswer d = { 0 };
  SipnatEndpoint *weak = NULL;
  SipnatRegistration *reg;
  gint64 start, ms;

  if (servers_missing ())
    return;

  hole = black_hole ();
  conf = g_strdup_printf ("nameserver 127.0.0.1\nport %u\n", socket_port (hole));
  g_assert_true (g_file_set_contents (g_getenv ("SIPNAT_RESOLV_CONF"), conf, -1, NULL));

  /* With TCP too, the REGISTER waits for the NAPTR answer; over UDP
   * alone it goes out at once, with the probe beside it. */
  d.endpoint = new_endpoint (drop ? SIPNAT_TRANSPORT_FLAGS_UDP | SIPNAT_TRANSPORT_FLAGS_TCP
                                  : SIPNAT_TRANSPORT_FLAGS_UDP);
  weak = d.endpoint;
  g_object_add_weak_pointer (G_OBJECT (weak), (gpointer *) &weak);
  reg = sipnat_endpoint_add_registration (d.endpoint, ZONE, "alice");
  start = g_get_monotonic_time ();
  if (drop)
    sipnat_registration_register_async (reg, NULL, drop_endpoint_cb, &d);
  else
    sipnat_registration_register_async (reg, NULL, sipnat_test_register_cb, &d.result);
  sipnat_test_wait_flag (&d.result.done, NO_DNS_DEADLINE_MS);
  g_assert_false (d.result.ok);
  error = g_steal_pointer (&d.result.error);
  ms = (g_get_monotonic_time () - start) / 1000;
  g_test_message ("no DNS server: %s after %" G_GINT64_FORMAT " ms", error->message, ms);
  g_assert_error (error, SIPNAT_ERROR, SIPNAT_ERROR_UNREACHABLE);
  g_assert_nonnull (strstr (error->message, ZONE));
  g_assert_nonnull (strstr (error->message, "DNS"));
  /* The probe's 10 s, not Sofia's minutes. */
  g_assert_cmpint (ms, >=, 9000);
  g_assert_cmpint (ms, <, sipnat_test_deadline_ms (20000));

  if (drop)
    sipnat_test_wait_until (pointer_cleared, &weak, 10000);
  else
    sipnat_test_drop_endpoint (&d.endpoint);
  g_assert_null (weak);
  g_unlink (g_getenv ("SIPNAT_RESOLV_CONF"));
}

/* Our own failover list and SRV together: `server = sipnat.test,
 * 127.0.0.1:PORT`. Every SRV target of the domain is down, so nta
 * walks them all, then the registration moves to the next entry. */
static void
test_server_list (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SipnatTestRegistrar) backup = NULL;
  g_autoptr(DnsServer) dns = NULL;
  g_autoptr(SipnatTestEndpoint) endpoint = NULL;
  g_autofree char *srv1 = NULL, *srv2 = NULL, *server = NULL;
  SipnatRegistration *reg;
  gint64 start, ms;

  if (servers_missing ())
    return;

  backup = start_kamailio ();
  srv1 = srv_record ("_sip._udp", "k1", NULL,
                     free_port (G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP), 10);
  srv2 = srv_record ("_sip._udp", "k2", NULL,
                     free_port (G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP), 20);
  dns = dns_server_start ((const char *[]) {
                            srv1, srv2,
                            "--host-record=k1." ZONE ",127.0.0.1",
                            "--host-record=k2." ZONE ",127.0.0.1",
                            NULL },
                          &error);
  g_assert_no_error (error);

  server = g_strdup_printf (ZONE ", 127.0.0.1:%u", sipnat_test_registrar_get_port (backup));
  endpoint = new_endpoint (SIPNAT_TRANSPORT_FLAGS_UDP);
  reg = sipnat_endpoint_add_registration (endpoint, server, "alice");
  sipnat_registration_set_reg_interval (reg, 1);
  start = g_get_monotonic_time ();
  g_assert_true (sipnat_test_register (reg, &error));
  g_assert_no_error (error);
  ms = (g_get_monotonic_time () - start) / 1000;
  g_test_message ("both SRV targets refusing: registered on the next server entry in %"
                  G_GINT64_FORMAT " ms (reg-interval 1 s)", ms);

  g_assert_cmpuint (count_contacts (backup), ==, 1);
  g_assert_cmpuint (dns_count_queries (dns, "SRV"), >=, 1);
  g_assert_cmpstr (sipnat_registration_get_active_server (reg), !=, ZONE);
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *dir = NULL;
  g_autofree char *resolv_conf = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);

  /* Sofia's resolver reads this file (sipnat-dns.c); each test's
   * dnsmasq writes it. */
  dir = g_dir_make_tmp ("sipnat-test-dns-XXXXXX", NULL);
  g_assert_nonnull (dir);
  resolv_conf = g_build_filename (dir, "resolv.conf", NULL);
  g_setenv ("SIPNAT_RESOLV_CONF", resolv_conf, TRUE);

  g_test_add_func ("/dns/uses-srv", test_uses_srv);
  g_test_add_func ("/dns/failure-error", test_failure_error);
  g_test_add_func ("/dns/choose-naptr", test_choose_naptr);
  g_test_add_func ("/dns/srv/priority", test_srv_priority);
  g_test_add_data_func ("/dns/srv/failover-refused", GINT_TO_POINTER (DOWN_REFUSING_UDP),
                        test_srv_failover);
  g_test_add_data_func ("/dns/srv/failover-silent", GINT_TO_POINTER (DOWN_SILENT_UDP),
                        test_srv_failover);
  g_test_add_data_func ("/dns/srv/failover-refused-tcp", GINT_TO_POINTER (DOWN_REFUSING_TCP),
                        test_srv_failover);
  g_test_add_func ("/dns/naptr/transport", test_naptr_transport);
  g_test_add_data_func ("/dns/explicit/host-port", GINT_TO_POINTER (FALSE), test_explicit_port);
  g_test_add_data_func ("/dns/explicit/ip", GINT_TO_POINTER (TRUE), test_explicit_port);
  g_test_add_func ("/dns/no-records", test_no_records);
  g_test_add_data_func ("/dns/no-dns-server", GINT_TO_POINTER (FALSE), test_no_dns_server);
  g_test_add_data_func ("/dns/no-dns-server/drop-endpoint", GINT_TO_POINTER (TRUE),
                        test_no_dns_server);
  g_test_add_func ("/dns/server-list", test_server_list);

  status = g_test_run ();
  g_rmdir (dir);
  return status;
}
