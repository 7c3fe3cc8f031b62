/* sipnat-test-registrar.h: a real Kamailio registrar/proxy for the tests
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Starts `kamailio -DD -E` on a free port with the config template
 * tests/servers/kamailio.cfg.in, in a private temporary directory, and
 * queries it with `kamcmd` over its binrpc unix socket. Links GLib/GIO only.
 *
 *   g_autoptr(GError) error = NULL;
 *   g_autoptr(SipnatTestRegistrar) reg = sipnat_test_registrar_start (NULL, &error);
 *   if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
 *     {
 *       g_test_skip (error->message);
 *       return;
 *     }
 *   g_assert_no_error (error);
 *
 * Environment:
 *   SIPNAT_SOURCE_ROOT   where tests/servers/kamailio.cfg.in is (set by
 *                        tests/meson.build; falls back to G_TEST_SRCDIR)
 *   SIPNAT_KAMAILIO,
 *   SIPNAT_KAMCMD        the programs to use (default: from PATH, /usr/sbin,
 *                        /usr/local/sbin)
 *   SIPNAT_TEST_VERBOSE  print Kamailio's log on stderr when it is stopped
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct
{
  const char *listen_address; /* default "127.0.0.1"; IPv6 literals work too */
  guint       min_expires;    /* 0: default 10; smaller Expires get 423 */
  guint       max_expires;    /* 0: default 3600 */
  gboolean    auth;           /* digest auth for REGISTER: alice/alicepw,
                                 bob/bobpw, carol/carolpw, others get 403 */
  gboolean    outbound;       /* RFC 5626 outbound, Flow-Timer 2 s */
  const char *tls_certificate; /* with tls_key: SIP over TLS too, on its own
                                  port (sipnat_test_registrar_get_tls_port) */
  const char *tls_key;
  gboolean    no_stun;        /* no STUN on the SIP port (it answers STUN
                                 Binding requests by default) */
  gboolean    any_user;       /* with auth: any other user is accepted with
                                 the password user + "pw" (benchmarks) */
} SipnatTestRegistrarOptions;

typedef struct _SipnatTestRegistrar SipnatTestRegistrar;

SipnatTestRegistrar *sipnat_test_registrar_start            (const SipnatTestRegistrarOptions *options,
                                                             GError                          **error);
guint16              sipnat_test_registrar_get_port         (SipnatTestRegistrar *self);
guint16              sipnat_test_registrar_get_tls_port     (SipnatTestRegistrar *self);
const char          *sipnat_test_registrar_get_address      (SipnatTestRegistrar *self);
GPid                 sipnat_test_registrar_get_pid          (SipnatTestRegistrar *self);
const char          *sipnat_test_registrar_get_ctl_socket   (SipnatTestRegistrar *self);
const char          *sipnat_test_registrar_get_log_path     (SipnatTestRegistrar *self);
guint                sipnat_test_registrar_count_registers  (SipnatTestRegistrar *self);
char               **sipnat_test_registrar_get_contacts     (SipnatTestRegistrar *self,
                                                             const char          *aor_user);
char                *sipnat_test_registrar_kamcmd           (SipnatTestRegistrar *self,
                                                             GError             **error,
                                                             const char          *command,
                                                             ...) G_GNUC_NULL_TERMINATED;
void                 sipnat_test_registrar_stop             (SipnatTestRegistrar *self);

typedef struct {
  SipnatTestRegistrar *registrar;
  const char          *name;
  guint                at_least;
} SipnatTestStatistic;

gboolean             sipnat_test_registrar_read_statistic   (SipnatTestRegistrar  *self,
                                                             const char           *name,
                                                             guint                *value,
                                                             GError              **error);
guint                sipnat_test_registrar_get_statistic    (SipnatTestRegistrar  *self,
                                                             const char           *name);
gboolean             sipnat_test_registrar_statistic_reached (gpointer            statistic);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SipnatTestRegistrar, sipnat_test_registrar_stop)

G_END_DECLS
