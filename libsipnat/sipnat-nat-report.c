/* sipnat-nat-report.c: what kind of NAT an endpoint is behind
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <glib/gi18n-lib.h>

#include "sipnat-nat-report-private.h"

/* Below this binding lifetime (seconds) the default 15 s keep-alive is
 * more than half of it. */
#define SHORT_BINDING_LIFETIME 30

/**
 * SipnatNatReport:
 *
 * What [method@Sipnat.Endpoint.probe_nat_async] found out about the
 * network between the endpoint and its servers: the NAT's mapping and
 * filtering behaviour (RFC 4787, measured as RFC 5780 says with a STUN
 * server that has an alternate address), hairpinning, whether UDP and
 * TCP reach the registrar, whether a datagram larger than the MTU
 * (fragmented) arrives, the public address, and the binding lifetime
 * once measured; then a one-line summary ("Symmetric NAT: calls will
 * use the TURN relay.") and the advice that follows from it.
 *
 * A report is immutable and reference counted.
 */

G_DEFINE_BOXED_TYPE (SipnatNatReport, sipnat_nat_report,
                     sipnat_nat_report_ref, sipnat_nat_report_unref)

static void
report_clear (gpointer data)
{
  SipnatNatReport *self = data;

  g_free (self->public_address);
  g_free (self->summary);
  g_free (self->advice_text);
}

SipnatNatReport *
_sipnat_nat_report_new (void)
{
  SipnatNatReport *self = g_atomic_rc_box_new0 (SipnatNatReport);

  self->binding_lifetime = -1;
  self->binding_lifetime_ms = -1;
  return self;
}

/**
 * sipnat_nat_report_ref:
 * @self: a #SipnatNatReport
 *
 * Takes a reference.
 *
 * Returns: (transfer full): @self
 */
SipnatNatReport *
sipnat_nat_report_ref (SipnatNatReport *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return g_atomic_rc_box_acquire (self);
}

/**
 * sipnat_nat_report_unref:
 * @self: (transfer full): a #SipnatNatReport
 *
 * Drops a reference.
 */
void
sipnat_nat_report_unref (SipnatNatReport *self)
{
  g_return_if_fail (self != NULL);
  g_atomic_rc_box_release_full (self, report_clear);
}

/**
 * sipnat_nat_report_get_mapping:
 * @self: a #SipnatNatReport
 *
 * How the NAT maps the endpoint's UDP port to a public one (RFC 5780
 * §4.3): endpoint-independent (a "cone" NAT, or no NAT), or dependent on
 * the remote address (and port): a "symmetric" NAT, through which calls
 * need the TURN relay.
 *
 * Returns: the mapping behaviour
 */
SipnatNatBehaviour
sipnat_nat_report_get_mapping (SipnatNatReport *self)
{
  g_return_val_if_fail (self != NULL, SIPNAT_NAT_BEHAVIOUR_UNKNOWN);
  return self->mapping;
}

/**
 * sipnat_nat_report_get_filtering:
 * @self: a #SipnatNatReport
 *
 * Which inbound UDP the NAT lets through to a mapped port (RFC 5780
 * §4.4): from anywhere (endpoint-independent), only from addresses the
 * endpoint sent to, or only from the addresses and ports it sent to.
 *
 * Returns: the filtering behaviour
 */
SipnatNatBehaviour
sipnat_nat_report_get_filtering (SipnatNatReport *self)
{
  g_return_val_if_fail (self != NULL, SIPNAT_NAT_BEHAVIOUR_UNKNOWN);
  return self->filtering;
}

/**
 * sipnat_nat_report_get_nat:
 * @self: a #SipnatNatReport
 *
 * Whether there is a NAT at all: the public address the STUN server (or
 * the registrar) saw differs from the local one.
 *
 * Returns: %SIPNAT_NAT_CHECK_YES behind a NAT
 */
SipnatNatCheck
sipnat_nat_report_get_nat (SipnatNatReport *self)
{
  g_return_val_if_fail (self != NULL, SIPNAT_NAT_CHECK_UNKNOWN);
  return self->nat;
}

/**
 * sipnat_nat_report_get_hairpinning:
 * @self: a #SipnatNatReport
 *
 * Whether a datagram sent to the endpoint's own public address comes
 * back through the NAT (RFC 5780 §4.5): two phones behind the same NAT
 * can then reach each other on their public addresses.
 *
 * Returns: the outcome of the check
 */
SipnatNatCheck
sipnat_nat_report_get_hairpinning (SipnatNatReport *self)
{
  g_return_val_if_fail (self != NULL, SIPNAT_NAT_CHECK_UNKNOWN);
  return self->hairpinning;
}

/**
 * sipnat_nat_report_get_udp:
 * @self: a #SipnatNatReport
 *
 * Whether a SIP request over UDP reaches the registrar and is answered.
 *
 * Returns: the outcome of the check (unknown without a registrar)
 */
SipnatNatCheck
sipnat_nat_report_get_udp (SipnatNatReport *self)
{
  g_return_val_if_fail (self != NULL, SIPNAT_NAT_CHECK_UNKNOWN);
  return self->udp;
}

/**
 * sipnat_nat_report_get_tcp:
 * @self: a #SipnatNatReport
 *
 * Whether a SIP request over TCP reaches the registrar and is answered.
 *
 * Returns: the outcome of the check (unknown without a registrar)
 */
SipnatNatCheck
sipnat_nat_report_get_tcp (SipnatNatReport *self)
{
  g_return_val_if_fail (self != NULL, SIPNAT_NAT_CHECK_UNKNOWN);
  return self->tcp;
}

/**
 * sipnat_nat_report_get_fragments:
 * @self: a #SipnatNatReport
 *
 * Whether UDP datagrams larger than the MTU, which travel as IP
 * fragments, arrive: a STUN answer padded to the MTU (RFC 5780 PADDING)
 * coming in, and a large SIP request to the registrar going out. Some
 * NATs drop fragments; large INVITEs over UDP then vanish.
 *
 * Returns: %SIPNAT_NAT_CHECK_NO when a large datagram was lost where a
 *   small one passed
 */
SipnatNatCheck
sipnat_nat_report_get_fragments (SipnatNatReport *self)
{
  g_return_val_if_fail (self != NULL, SIPNAT_NAT_CHECK_UNKNOWN);
  return self->fragments;
}

/**
 * sipnat_nat_report_get_binding_lifetime:
 * @self: a #SipnatNatReport
 *
 * How long the NAT keeps an idle UDP binding, in seconds: the longest
 * idle time after which a binding was seen alive (RFC 5780 §4.6), with
 * idle times growing by 1.4 each step, so the NAT's timeout lies between
 * it and 1.4 times it. Measured only with
 * %SIPNAT_NAT_PROBE_BINDING_LIFETIME.
 *
 * Returns: seconds, or -1 when it was not measured
 */
gint
sipnat_nat_report_get_binding_lifetime (SipnatNatReport *self)
{
  g_return_val_if_fail (self != NULL, -1);
  return self->binding_lifetime;
}

/**
 * sipnat_nat_report_get_public_address:
 * @self: a #SipnatNatReport
 * @port: (out) (optional): the public UDP port, 0 if unknown
 *
 * The endpoint's public address as the STUN server (or, without one,
 * the registrar) saw it.
 *
 * Returns: (nullable): the public IP address, or %NULL if unknown
 */
const char *
sipnat_nat_report_get_public_address (SipnatNatReport *self,
                                      guint           *port)
{
  g_return_val_if_fail (self != NULL, NULL);
  if (port != NULL)
    *port = self->public_port;
  return self->public_address;
}

/**
 * sipnat_nat_report_get_advice:
 * @self: a #SipnatNatReport
 *
 * What follows from the report for the configuration and the calls.
 *
 * Returns: the advice flags
 */
SipnatNatAdvice
sipnat_nat_report_get_advice (SipnatNatReport *self)
{
  g_return_val_if_fail (self != NULL, SIPNAT_NAT_ADVICE_NONE);
  return self->advice;
}

/**
 * sipnat_nat_report_get_summary:
 * @self: a #SipnatNatReport
 *
 * One translated sentence for a human, e.g. "Symmetric NAT: calls will
 * use the TURN relay."
 *
 * Returns: the summary
 */
const char *
sipnat_nat_report_get_summary (SipnatNatReport *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->summary;
}

/**
 * sipnat_nat_report_get_advice_text:
 * @self: a #SipnatNatReport
 *
 * The advice in translated sentences, one per line (empty when nothing
 * needs doing).
 *
 * Returns: the advice
 */
const char *
sipnat_nat_report_get_advice_text (SipnatNatReport *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->advice_text;
}

/* ----------------------------------------------------- classification */

static gboolean
same_address (GInetSocketAddress *a,
              GInetSocketAddress *b)
{
  return g_inet_address_equal (g_inet_socket_address_get_address (a),
                               g_inet_socket_address_get_address (b)) &&
         g_inet_socket_address_get_port (a) == g_inet_socket_address_get_port (b);
}

SipnatNatBehaviour
_sipnat_nat_classify_mapping (GInetSocketAddress *local,
                              GInetSocketAddress *test1,
                              GInetSocketAddress *test2,
                              GInetSocketAddress *test3,
                              SipnatNatCheck     *nat)
{
  *nat = SIPNAT_NAT_CHECK_UNKNOWN;
  if (test1 == NULL)
    return SIPNAT_NAT_BEHAVIOUR_UNKNOWN;

  if (local != NULL && same_address (local, test1))
    {
      *nat = SIPNAT_NAT_CHECK_NO;
      return SIPNAT_NAT_BEHAVIOUR_ENDPOINT_INDEPENDENT;
    }
  *nat = SIPNAT_NAT_CHECK_YES;

  /* Test II: the alternate address, the primary port. */
  if (test2 == NULL)
    return SIPNAT_NAT_BEHAVIOUR_UNKNOWN;
  if (same_address (test1, test2))
    return SIPNAT_NAT_BEHAVIOUR_ENDPOINT_INDEPENDENT;

  /* Test III: the alternate address and port. */
  if (test3 == NULL)
    return SIPNAT_NAT_BEHAVIOUR_UNKNOWN;
  if (same_address (test2, test3))
    return SIPNAT_NAT_BEHAVIOUR_ADDRESS_DEPENDENT;

  return SIPNAT_NAT_BEHAVIOUR_ADDRESS_AND_PORT_DEPENDENT;
}

SipnatNatBehaviour
_sipnat_nat_classify_filtering (SipnatNatCheck change_ip_and_port,
                                SipnatNatCheck change_port)
{
  switch (change_ip_and_port)
    {
    case SIPNAT_NAT_CHECK_YES:
      return SIPNAT_NAT_BEHAVIOUR_ENDPOINT_INDEPENDENT;
    case SIPNAT_NAT_CHECK_NO:
      break;
    case SIPNAT_NAT_CHECK_UNKNOWN:
    default:
      return SIPNAT_NAT_BEHAVIOUR_UNKNOWN;
    }

  switch (change_port)
    {
    case SIPNAT_NAT_CHECK_YES:
      return SIPNAT_NAT_BEHAVIOUR_ADDRESS_DEPENDENT;
    case SIPNAT_NAT_CHECK_NO:
      return SIPNAT_NAT_BEHAVIOUR_ADDRESS_AND_PORT_DEPENDENT;
    case SIPNAT_NAT_CHECK_UNKNOWN:
    default:
      return SIPNAT_NAT_BEHAVIOUR_UNKNOWN;
    }
}

/* ------------------------------------------------------------ advice */

static SipnatNatAdvice
report_advice (SipnatNatReport *self)
{
  SipnatNatAdvice advice = SIPNAT_NAT_ADVICE_NONE;

  if (self->mapping == SIPNAT_NAT_BEHAVIOUR_ADDRESS_DEPENDENT ||
      self->mapping == SIPNAT_NAT_BEHAVIOUR_ADDRESS_AND_PORT_DEPENDENT ||
      self->udp == SIPNAT_NAT_CHECK_NO)
    advice |= SIPNAT_NAT_ADVICE_RELAY;
  if (self->udp == SIPNAT_NAT_CHECK_NO && self->tcp == SIPNAT_NAT_CHECK_YES)
    advice |= SIPNAT_NAT_ADVICE_SIP_OVER_TCP;
  /* No UDP at all, or UDP only to the registrar: TURN over UDP fails. */
  if (self->udp == SIPNAT_NAT_CHECK_NO ||
      (self->udp == SIPNAT_NAT_CHECK_YES && self->stun == SIPNAT_NAT_CHECK_NO))
    advice |= SIPNAT_NAT_ADVICE_TURN_OVER_TCP | SIPNAT_NAT_ADVICE_RELAY;
  if (self->fragments == SIPNAT_NAT_CHECK_NO)
    advice |= SIPNAT_NAT_ADVICE_LARGE_REQUESTS_OVER_TCP;
  if (self->binding_lifetime >= 0 && self->binding_lifetime <= SHORT_BINDING_LIFETIME)
    advice |= SIPNAT_NAT_ADVICE_SHORT_KEEPALIVE;

  return advice;
}

static char *
report_summary (SipnatNatReport *self)
{
  const char *main_text;

  if (self->udp == SIPNAT_NAT_CHECK_NO && self->tcp == SIPNAT_NAT_CHECK_YES)
    main_text = _("UDP is blocked: SIP will use TCP, and calls the TURN relay over TCP or TLS.");
  else if (self->udp == SIPNAT_NAT_CHECK_NO && self->tcp == SIPNAT_NAT_CHECK_NO)
    main_text = _("The registrar cannot be reached, neither over UDP nor over TCP.");
  else if (self->udp == SIPNAT_NAT_CHECK_YES && self->stun == SIPNAT_NAT_CHECK_NO)
    main_text = _("UDP reaches only the registrar: calls will use the TURN relay over TCP or TLS.");
  else if (self->nat == SIPNAT_NAT_CHECK_NO)
    main_text = _("No NAT: calls can use direct media.");
  else
    {
      switch (self->mapping)
        {
        case SIPNAT_NAT_BEHAVIOUR_ENDPOINT_INDEPENDENT:
          main_text = _("Cone NAT (endpoint-independent mapping): calls can use direct media.");
          break;
        case SIPNAT_NAT_BEHAVIOUR_ADDRESS_DEPENDENT:
        case SIPNAT_NAT_BEHAVIOUR_ADDRESS_AND_PORT_DEPENDENT:
          main_text = _("Symmetric NAT: calls will use the TURN relay.");
          break;
        case SIPNAT_NAT_BEHAVIOUR_UNKNOWN:
        default:
          main_text = _("The NAT's behaviour is unknown: no STUN server with an alternate address answered.");
          break;
        }
    }

  if (self->fragments == SIPNAT_NAT_CHECK_NO)
    return g_strconcat (main_text, " ",
                        _("IP fragments are dropped: large SIP requests will go over TCP."),
                        NULL);
  return g_strdup (main_text);
}

static char *
report_advice_text (SipnatNatReport *self)
{
  GString *text = g_string_new (NULL);

  if (self->advice & SIPNAT_NAT_ADVICE_RELAY)
    g_string_append_printf (text, "%s\n", _("Calls need the TURN relay: keep a TURN server configured (turn_server)."));
  if (self->advice & SIPNAT_NAT_ADVICE_SIP_OVER_TCP)
    g_string_append_printf (text, "%s\n", _("Use transport = tcp (or tls): UDP does not reach the registrar."));
  if (self->advice & SIPNAT_NAT_ADVICE_TURN_OVER_TCP)
    g_string_append_printf (text, "%s\n", _("Use TURN over TCP or TLS (turn_relay_type): UDP does not pass."));
  if (self->advice & SIPNAT_NAT_ADVICE_LARGE_REQUESTS_OVER_TCP)
    g_string_append_printf (text, "%s\n", _("Large SIP requests go over TCP (tcp_for_large_requests, now on)."));
  if (self->advice & SIPNAT_NAT_ADVICE_SHORT_KEEPALIVE)
    g_string_append_printf (text, "%s\n", _("Keep-alive below the binding lifetime (keepalive_interval = auto)."));

  if (text->len > 0)
    g_string_truncate (text, text->len - 1);
  return g_string_free (text, FALSE);
}

void
_sipnat_nat_report_conclude (SipnatNatReport *self)
{
  self->advice = report_advice (self);
  g_free (self->summary);
  self->summary = report_summary (self);
  g_free (self->advice_text);
  self->advice_text = report_advice_text (self);
}
