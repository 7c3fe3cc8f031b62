/* sipnat-tls-trust-private.h: the certificate authorities Sofia's TLS
 * transport trusts
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _SipnatTlsTrust SipnatTlsTrust;

SipnatTlsTrust *_sipnat_tls_trust_new         (GError         **error);
const char     *_sipnat_tls_trust_get_dir     (SipnatTlsTrust  *self);
gboolean        _sipnat_tls_trust_add_ca_file (SipnatTlsTrust  *self,
                                               const char      *path,
                                               GError         **error);
void            _sipnat_tls_trust_free        (SipnatTlsTrust  *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SipnatTlsTrust, _sipnat_tls_trust_free)

G_END_DECLS
