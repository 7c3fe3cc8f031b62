/* sipnat-register-request-private.h: what a REGISTER carries
 *
 * Pure functions, no Sofia and no sockets: the address of record, the
 * registrar's URI, the Contact and its header, the From header. The
 * user, domain and display name were checked before (sipnat-sip-syntax.c):
 * the user goes in as it is (an RFC 3261 user part, escapes included),
 * the display name quoted.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "sipnat-binding-private.h"

G_BEGIN_DECLS

/* What identifies a registration on the wire. */
typedef struct {
  const char *user;
  const char *domain;         /* nullable: the first server's host */
  const char *display_name;   /* nullable */
  const char *first_server;   /* host[:port] */
} SipnatRegisterIdentity;

char  *_sipnat_server_host                   (const char                   *server);
char  *_sipnat_register_build_aor            (const SipnatRegisterIdentity *identity);
char  *_sipnat_register_build_from           (const SipnatRegisterIdentity *identity);
char  *_sipnat_register_build_registrar_url  (const char                   *server,
                                              SipnatTransport               transport);
char  *_sipnat_register_build_contact        (const char                   *user,
                                              const SipnatBinding          *binding);
char  *_sipnat_register_build_contact_header (const char                   *contact,
                                              const char                   *instance_id,
                                              guint                         reg_id,
                                              const char                   *stale_contact);
gsize  _sipnat_register_estimate_size        (const SipnatRegisterIdentity *identity,
                                              const char                   *registrar_url,
                                              const char                   *contact_header,
                                              const char                   *user_agent);

G_END_DECLS
