/* sipnat-transport.h: SIP transports
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(SIPNAT_INSIDE) && !defined(SIPNAT_COMPILATION)
#error "Only <sipnat.h> can be included directly."
#endif

#include <glib.h>

#include "sipnat-version.h"

G_BEGIN_DECLS

/**
 * SipnatTransport:
 * @SIPNAT_TRANSPORT_UDP: SIP over UDP
 * @SIPNAT_TRANSPORT_TCP: SIP over TCP
 * @SIPNAT_TRANSPORT_TLS: SIP over TLS
 *
 * A SIP transport protocol.
 */
typedef enum {
  SIPNAT_TRANSPORT_UDP,
  SIPNAT_TRANSPORT_TCP,
  SIPNAT_TRANSPORT_TLS,
} SipnatTransport;

/**
 * SipnatTransportFlags:
 * @SIPNAT_TRANSPORT_FLAGS_NONE: no transport
 * @SIPNAT_TRANSPORT_FLAGS_UDP: UDP
 * @SIPNAT_TRANSPORT_FLAGS_TCP: TCP
 * @SIPNAT_TRANSPORT_FLAGS_TLS: TLS
 *
 * A set of SIP transports, as enabled on an [class@Sipnat.Endpoint].
 */
typedef enum /*< flags >*/ {
  SIPNAT_TRANSPORT_FLAGS_NONE = 0,
  SIPNAT_TRANSPORT_FLAGS_UDP = 1 << 0,
  SIPNAT_TRANSPORT_FLAGS_TCP = 1 << 1,
  SIPNAT_TRANSPORT_FLAGS_TLS = 1 << 2,
} SipnatTransportFlags;

SIPNAT_AVAILABLE_IN_ALL
const char *sipnat_transport_to_string   (SipnatTransport  transport);
SIPNAT_AVAILABLE_IN_ALL
gboolean    sipnat_transport_from_string (const char      *name,
                                          SipnatTransport *transport);

G_END_DECLS
