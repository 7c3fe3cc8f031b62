/* sipnat-keepalive-auto.c: `keepalive_interval = auto`
 *
 * See sipnat-keepalive-auto-private.h. The measurement's state hangs on
 * the policy (object data): dropping the policy cancels it, and the
 * callback finds the policy through a weak reference.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "sipnat-binding-lifetime-private.h"
#include "sipnat-debug-private.h"
#include "sipnat-keepalive-auto-private.h"
#include "sipnat-nat-probe-private.h"
#include "sipnat-nat-report-private.h"

#define STATE_KEY "sipnat-keepalive-auto"

static void
cancel_and_unref (gpointer data)
{
  GCancellable *cancellable = data;

  g_cancellable_cancel (cancellable);
  g_object_unref (cancellable);
}

static void
on_measured (GObject      *source,
             GAsyncResult *result,
             gpointer      data)
{
  GWeakRef *weak = data;
  g_autoptr(SipnatNatPolicy) policy = g_weak_ref_get (weak);
  g_autoptr(SipnatNatReport) report = NULL;
  g_autoptr(GError) error = NULL;
  guint period;

  g_weak_ref_clear (weak);
  g_free (weak);

  report = _sipnat_nat_probe_finish (result, &error);
  if (policy == NULL || report == NULL)
    return;

  if (report->binding_lifetime_ms < 0)
    {
      g_message ("keepalive_interval = auto: the NAT's binding lifetime could not be "
                 "measured; keep-alives stay every %u s",
                 sipnat_nat_policy_get_keepalive_interval (policy));
      return;
    }

  period = _sipnat_keepalive_for_lifetime (report->binding_lifetime_ms);
  SIPNAT_NOTE (NAT, "keepalive_interval = auto: bindings live %" G_GINT64_FORMAT
               " ms idle at least: keep-alive every %u s", report->binding_lifetime_ms, period);
  if (sipnat_nat_policy_get_keepalive_auto (policy))
    sipnat_nat_policy_set_keepalive_interval (policy, period);
}

void
_sipnat_keepalive_auto_start (SipnatNatPolicy *policy,
                              const char      *local_address)
{
  SipnatNatProbeTargets targets = { 0 };
  GCancellable *cancellable;
  GWeakRef *weak;

  g_return_if_fail (SIPNAT_IS_NAT_POLICY (policy));

  if (!sipnat_nat_policy_get_keepalive_auto (policy) ||
      sipnat_nat_policy_get_stun_server (policy) == NULL ||
      g_object_get_data (G_OBJECT (policy), STATE_KEY) != NULL)
    return;

  cancellable = g_cancellable_new ();
  g_object_set_data_full (G_OBJECT (policy), STATE_KEY, cancellable, cancel_and_unref);

  targets.stun_server = sipnat_nat_policy_get_stun_server (policy);
  targets.stun_port = sipnat_nat_policy_get_stun_server_port (policy);
  targets.local_address = local_address;
  targets.lifetime_only = TRUE;

  weak = g_new0 (GWeakRef, 1);
  g_weak_ref_init (weak, policy);
  _sipnat_nat_probe_async (&targets, cancellable, on_measured, weak);
}
