/* sipnat-endpoint-probe.c: what kind of NAT is the endpoint behind
 *
 * The endpoint's side of the NAT probe (sipnat-nat-probe.c): which STUN
 * server and registrar to use, and the advice it follows itself.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <glib/gi18n-lib.h>

#include "sipnat-endpoint-impl-private.h"
#include "sipnat-error.h"
#include "sipnat-nat-probe-private.h"
#include "sipnat-nat-report-private.h"
#include "sipnat-registration.h"

static void
on_probed (GObject      *source,
           GAsyncResult *result,
           gpointer      data)
{
  g_autoptr(GTask) task = data;
  SipnatEndpoint *self = g_task_get_source_object (task);
  SipnatNatReport *report;
  GError *error = NULL;

  report = _sipnat_nat_probe_finish (result, &error);
  if (report == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  /* The advice the endpoint follows by itself. */
  if ((report->advice & SIPNAT_NAT_ADVICE_LARGE_REQUESTS_OVER_TCP) && !self->closed)
    sipnat_endpoint_set_tcp_for_large_requests (self, TRUE);

  g_task_return_pointer (task, report, (GDestroyNotify) sipnat_nat_report_unref);
}

/**
 * sipnat_endpoint_probe_nat_async:
 * @self: an endpoint
 * @registration: (nullable): the registration whose registrar and NAT
 *   policy (STUN server) to use; %NULL: the endpoint's first registration,
 *   or with none the endpoint's own [property@Sipnat.Endpoint:nat-policy]
 * @flags: what to measure besides the tests of a few seconds
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called with the report
 * @user_data: data for @callback
 *
 * Finds out what kind of NAT the endpoint is behind, in a few seconds:
 * the NAT's mapping and filtering behaviour and hairpinning (RFC 5780,
 * with the policy's STUN server, which needs an alternate address for
 * the mapping and filtering tests), whether UDP and TCP reach the
 * registrar (an OPTIONS over each), whether a UDP datagram larger than
 * the MTU arrives (a STUN answer padded to the MTU, a large OPTIONS), and
 * the public address. The tests use sockets of their own: the endpoint's
 * SIP traffic and registrations are not disturbed. With
 * %SIPNAT_NAT_PROBE_BINDING_LIFETIME it also measures how long the NAT
 * keeps an idle UDP binding, which takes minutes.
 *
 * The endpoint follows the advice it can by itself: when fragments are
 * dropped, [property@Sipnat.Endpoint:tcp-for-large-requests] is turned on.
 *
 * A test that cannot run leaves its result unknown; the probe fails
 * only when there is nothing to probe with (%SIPNAT_ERROR_CONFIG: no STUN
 * server and no registrar) or when cancelled.
 */
void
sipnat_endpoint_probe_nat_async (SipnatEndpoint      *self,
                                 SipnatRegistration  *registration,
                                 SipnatNatProbeFlags  flags,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_autoptr(SipnatRegistration) first = NULL;
  SipnatNatProbeTargets targets = { 0 };
  SipnatNatPolicy *policy = self->nat_policy;
  GTask *task;

  g_return_if_fail (SIPNAT_IS_ENDPOINT (self));
  g_return_if_fail (registration == NULL || SIPNAT_IS_REGISTRATION (registration));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, sipnat_endpoint_probe_nat_async);

  if (registration == NULL &&
      g_list_model_get_n_items (G_LIST_MODEL (self->registrations)) > 0)
    registration = first = g_list_model_get_item (G_LIST_MODEL (self->registrations), 0);
  if (registration != NULL)
    {
      targets.registrar = sipnat_registration_get_active_server (registration);
      if (targets.registrar == NULL)
        targets.registrar = sipnat_registration_get_server (registration);
      if (sipnat_registration_get_nat_policy (registration) != NULL)
        policy = sipnat_registration_get_nat_policy (registration);
    }
  if (policy != NULL)
    {
      targets.stun_server = sipnat_nat_policy_get_stun_server (policy);
      targets.stun_port = sipnat_nat_policy_get_stun_server_port (policy);
    }
  targets.local_address = self->local_address;
  targets.binding_lifetime = (flags & SIPNAT_NAT_PROBE_BINDING_LIFETIME) != 0;

  _sipnat_nat_probe_async (&targets, cancellable, on_probed, task);
}

/**
 * sipnat_endpoint_probe_nat_finish:
 * @self: an endpoint
 * @result: the result passed to the callback
 * @error: return location for a #GError
 *
 * Finishes [method@Sipnat.Endpoint.probe_nat_async].
 *
 * Returns: (transfer full): the report, or %NULL on error
 */
SipnatNatReport *
sipnat_endpoint_probe_nat_finish (SipnatEndpoint  *self,
                                  GAsyncResult    *result,
                                  GError         **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) ==
                        sipnat_endpoint_probe_nat_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
