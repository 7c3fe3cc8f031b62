/* sipnat-binding.h: a transport address as seen from one side of a NAT
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(SIPNAT_INSIDE) && !defined(SIPNAT_COMPILATION)
#error "Only <sipnat.h> can be included directly."
#endif

#include <glib-object.h>

#include "sipnat-transport.h"
#include "sipnat-version.h"

G_BEGIN_DECLS

#define SIPNAT_TYPE_BINDING (sipnat_binding_get_type ())

typedef struct _SipnatBinding SipnatBinding;

/**
 * SipnatBinding:
 *
 * A transport address: where a registrar sees this endpoint (its public
 * binding, learned from the `received` and `rport` Via parameters of
 * RFC 3581) or the local address it sends from. Immutable; read it with
 * [method@Sipnat.Binding.get_host], [method@Sipnat.Binding.get_port] and
 * [method@Sipnat.Binding.get_transport].
 */

SIPNAT_AVAILABLE_IN_ALL
GType          sipnat_binding_get_type  (void) G_GNUC_CONST;
SIPNAT_AVAILABLE_IN_ALL
SipnatBinding *sipnat_binding_new       (const char          *host,
                                         guint16              port,
                                         SipnatTransport      transport);
SIPNAT_AVAILABLE_IN_ALL
SipnatBinding *sipnat_binding_copy      (const SipnatBinding *binding);
SIPNAT_AVAILABLE_IN_ALL
void           sipnat_binding_free      (SipnatBinding       *binding);
SIPNAT_AVAILABLE_IN_ALL
const char    *sipnat_binding_get_host  (const SipnatBinding *binding);
SIPNAT_AVAILABLE_IN_ALL
guint16        sipnat_binding_get_port  (const SipnatBinding *binding);
SIPNAT_AVAILABLE_IN_ALL
SipnatTransport sipnat_binding_get_transport (const SipnatBinding *binding);
SIPNAT_AVAILABLE_IN_ALL
gboolean       sipnat_binding_equal     (const SipnatBinding *a,
                                         const SipnatBinding *b);
SIPNAT_AVAILABLE_IN_ALL
char          *sipnat_binding_to_string (const SipnatBinding *binding);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SipnatBinding, sipnat_binding_free)

G_END_DECLS
