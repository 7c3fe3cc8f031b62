/* sipnat-nat-report-private.h: building a NAT report
 *
 * The probe (sipnat-nat-probe.c) fills the fields, then
 * _sipnat_nat_report_conclude() derives the advice and the texts. The
 * classification is pure, for the unit tests.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <gio/gio.h>

#include "sipnat-enums.h"
#include "sipnat-nat-report.h"

G_BEGIN_DECLS

struct _SipnatNatReport
{
  SipnatNatBehaviour mapping;
  SipnatNatBehaviour filtering;
  SipnatNatCheck nat;
  SipnatNatCheck hairpinning;
  SipnatNatCheck udp;            /* UDP reaches the registrar */
  SipnatNatCheck tcp;            /* TCP reaches the registrar */
  SipnatNatCheck fragments;      /* a fragmented datagram arrives */
  SipnatNatCheck stun;           /* the STUN server answers over UDP */
  gint binding_lifetime;         /* seconds, -1: not measured */
  gint64 binding_lifetime_ms;    /* the same in milliseconds */
  char *public_address;
  guint public_port;

  SipnatNatAdvice advice;
  char *summary;
  char *advice_text;
};

/* Every check unknown, no lifetime. */
SipnatNatReport   *_sipnat_nat_report_new              (void);
/* Sets advice, summary and advice_text from the fields. */
void               _sipnat_nat_report_conclude         (SipnatNatReport    *self);

/* RFC 5780 §4.3 from the mapped addresses of the three tests (each
 * nullable: not answered) and the local address the requests came
 * from; @nat gets whether there is a NAT at all. */
SipnatNatBehaviour _sipnat_nat_classify_mapping        (GInetSocketAddress *local,
                                                        GInetSocketAddress *test1,
                                                        GInetSocketAddress *test2,
                                                        GInetSocketAddress *test3,
                                                        SipnatNatCheck     *nat);
/* RFC 5780 §4.4 from whether the answers to CHANGE-REQUEST "change IP
 * and port" and "change port" arrived. */
SipnatNatBehaviour _sipnat_nat_classify_filtering      (SipnatNatCheck      change_ip_and_port,
                                                        SipnatNatCheck      change_port);

G_END_DECLS
