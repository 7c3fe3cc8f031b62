/* sipnat-nat-report.h: what kind of NAT an endpoint is behind
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(SIPNAT_INSIDE) && !defined(SIPNAT_COMPILATION)
#error "Only <sipnat.h> can be included directly."
#endif

#include <glib-object.h>

#include "sipnat-version.h"

G_BEGIN_DECLS

/**
 * SipnatNatBehaviour:
 * @SIPNAT_NAT_BEHAVIOUR_UNKNOWN: not measured (no STUN server with an
 *   alternate address answered)
 * @SIPNAT_NAT_BEHAVIOUR_ENDPOINT_INDEPENDENT: the same for every remote
 *   address and port (or no NAT at all)
 * @SIPNAT_NAT_BEHAVIOUR_ADDRESS_DEPENDENT: depends on the remote address
 * @SIPNAT_NAT_BEHAVIOUR_ADDRESS_AND_PORT_DEPENDENT: depends on the remote
 *   address and port
 *
 * The mapping or filtering behaviour of a NAT, as RFC 4787 names it and
 * RFC 5780 §4.3 and §4.4 measure it. A NAT whose mapping is not
 * endpoint-independent is what is called a "symmetric NAT".
 */
typedef enum {
  SIPNAT_NAT_BEHAVIOUR_UNKNOWN,
  SIPNAT_NAT_BEHAVIOUR_ENDPOINT_INDEPENDENT,
  SIPNAT_NAT_BEHAVIOUR_ADDRESS_DEPENDENT,
  SIPNAT_NAT_BEHAVIOUR_ADDRESS_AND_PORT_DEPENDENT,
} SipnatNatBehaviour;

/**
 * SipnatNatCheck:
 * @SIPNAT_NAT_CHECK_UNKNOWN: could not be tried
 * @SIPNAT_NAT_CHECK_NO: tried, and it does not work
 * @SIPNAT_NAT_CHECK_YES: tried, and it works
 *
 * The outcome of one yes-or-no check of a #SipnatNatReport.
 */
typedef enum {
  SIPNAT_NAT_CHECK_UNKNOWN,
  SIPNAT_NAT_CHECK_NO,
  SIPNAT_NAT_CHECK_YES,
} SipnatNatCheck;

/**
 * SipnatNatAdvice:
 * @SIPNAT_NAT_ADVICE_NONE: nothing special: direct media and SIP over UDP work
 * @SIPNAT_NAT_ADVICE_RELAY: calls need the TURN relay (the mapping is not
 *   endpoint-independent, or UDP does not pass): configure a TURN server
 * @SIPNAT_NAT_ADVICE_SIP_OVER_TCP: UDP does not reach the registrar: use
 *   `transport = tcp` (or tls)
 * @SIPNAT_NAT_ADVICE_TURN_OVER_TCP: UDP is blocked: TURN over TCP or TLS
 * @SIPNAT_NAT_ADVICE_LARGE_REQUESTS_OVER_TCP: IP fragments are dropped: SIP
 *   requests larger than the path MTU go over TCP
 *   ([property@Sipnat.Endpoint:tcp-for-large-requests], which the probe
 *   turns on)
 * @SIPNAT_NAT_ADVICE_SHORT_KEEPALIVE: the NAT forgets idle UDP bindings
 *   quickly: a keep-alive period under the measured binding lifetime
 *
 * What follows from a #SipnatNatReport for the configuration.
 */
typedef enum /*< flags >*/ {
  SIPNAT_NAT_ADVICE_NONE = 0,
  SIPNAT_NAT_ADVICE_RELAY = 1 << 0,
  SIPNAT_NAT_ADVICE_SIP_OVER_TCP = 1 << 1,
  SIPNAT_NAT_ADVICE_TURN_OVER_TCP = 1 << 2,
  SIPNAT_NAT_ADVICE_LARGE_REQUESTS_OVER_TCP = 1 << 3,
  SIPNAT_NAT_ADVICE_SHORT_KEEPALIVE = 1 << 4,
} SipnatNatAdvice;

/**
 * SipnatNatProbeFlags:
 * @SIPNAT_NAT_PROBE_NONE: the tests of a few seconds
 * @SIPNAT_NAT_PROBE_BINDING_LIFETIME: also measure how long the NAT keeps an
 *   idle UDP binding; this takes up to 1.4 times that lifetime (minutes)
 *
 * What [method@Sipnat.Endpoint.probe_nat_async] measures.
 */
typedef enum /*< flags >*/ {
  SIPNAT_NAT_PROBE_NONE = 0,
  SIPNAT_NAT_PROBE_BINDING_LIFETIME = 1 << 0,
} SipnatNatProbeFlags;

#define SIPNAT_TYPE_NAT_REPORT (sipnat_nat_report_get_type ())

typedef struct _SipnatNatReport SipnatNatReport;

SIPNAT_AVAILABLE_IN_ALL
GType               sipnat_nat_report_get_type             (void) G_GNUC_CONST;
SIPNAT_AVAILABLE_IN_ALL
SipnatNatReport    *sipnat_nat_report_ref                  (SipnatNatReport *self);
SIPNAT_AVAILABLE_IN_ALL
void                sipnat_nat_report_unref                (SipnatNatReport *self);
SIPNAT_AVAILABLE_IN_ALL
SipnatNatBehaviour  sipnat_nat_report_get_mapping          (SipnatNatReport *self);
SIPNAT_AVAILABLE_IN_ALL
SipnatNatBehaviour  sipnat_nat_report_get_filtering        (SipnatNatReport *self);
SIPNAT_AVAILABLE_IN_ALL
SipnatNatCheck      sipnat_nat_report_get_nat              (SipnatNatReport *self);
SIPNAT_AVAILABLE_IN_ALL
SipnatNatCheck      sipnat_nat_report_get_hairpinning      (SipnatNatReport *self);
SIPNAT_AVAILABLE_IN_ALL
SipnatNatCheck      sipnat_nat_report_get_udp              (SipnatNatReport *self);
SIPNAT_AVAILABLE_IN_ALL
SipnatNatCheck      sipnat_nat_report_get_tcp              (SipnatNatReport *self);
SIPNAT_AVAILABLE_IN_ALL
SipnatNatCheck      sipnat_nat_report_get_fragments        (SipnatNatReport *self);
SIPNAT_AVAILABLE_IN_ALL
gint                sipnat_nat_report_get_binding_lifetime (SipnatNatReport *self);
SIPNAT_AVAILABLE_IN_ALL
const char         *sipnat_nat_report_get_public_address   (SipnatNatReport *self,
                                                            guint           *port);
SIPNAT_AVAILABLE_IN_ALL
SipnatNatAdvice     sipnat_nat_report_get_advice           (SipnatNatReport *self);
SIPNAT_AVAILABLE_IN_ALL
const char         *sipnat_nat_report_get_summary          (SipnatNatReport *self);
SIPNAT_AVAILABLE_IN_ALL
const char         *sipnat_nat_report_get_advice_text      (SipnatNatReport *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SipnatNatReport, sipnat_nat_report_unref)

G_END_DECLS
