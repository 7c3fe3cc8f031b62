/* sipnat-binding-tracker.c: when to follow a changed public binding
 *
 * What other SIP stacks got wrong, and this guards against:
 *
 * - A response whose received/rport differ from the Contact is not trusted
 *   at once: the change must be seen again in a second, fresh response (a
 *   probe sent right away, at most one every 5 s). A firewall that flaps
 *   the port once, or a load-balanced registrar whose nodes see different
 *   ports, then costs nothing.
 * - No flip-flop: going back to the Contact of before the last rewrite
 *   waits for the next cycle (half the registration expiry), so registrars
 *   that disagree with each other cannot start a REGISTER loop. A binding
 *   never seen before (a real rebinding) is followed at once.
 * - A NAT ALG that rewrites `received` to a private address while the
 *   registrar and the Contact are public is ignored: re-registering with a
 *   private Contact would make the endpoint unreachable.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <gio/gio.h>

#include "sipnat-binding-tracker-private.h"

/* At most one confirmation probe in this time: answers that disagree
 * with each other must not start a probe storm. */
#define CONFIRM_WINDOW_US (5 * G_USEC_PER_SEC)

struct _SipnatBindingTracker
{
  SipnatBinding *pending;     /* seen once, awaiting confirmation */
  SipnatBinding *previous;    /* the Contact before the last rewrite */
  gint64 last_confirm_us;
  gboolean confirmed_once;
  gint64 cycle_us;
  gint64 last_rewrite_us;
  gboolean rewrote;
};

SipnatBindingTracker *
_sipnat_binding_tracker_new (void)
{
  SipnatBindingTracker *self = g_new0 (SipnatBindingTracker, 1);

  self->cycle_us = 30 * G_USEC_PER_SEC;
  return self;
}

void
_sipnat_binding_tracker_free (SipnatBindingTracker *self)
{
  if (self == NULL)
    return;

  sipnat_binding_free (self->pending);
  sipnat_binding_free (self->previous);
  g_free (self);
}

/* A new registration: forget everything. */
void
_sipnat_binding_tracker_reset (SipnatBindingTracker *self)
{
  g_clear_pointer (&self->pending, sipnat_binding_free);
  g_clear_pointer (&self->previous, sipnat_binding_free);
  self->rewrote = FALSE;
  self->confirmed_once = FALSE;
}

void
_sipnat_binding_tracker_set_cycle (SipnatBindingTracker *self,
                                   gint64                cycle_us)
{
  self->cycle_us = cycle_us;
}

/*
 * _sipnat_address_is_private:
 * @host: an IP address or host name
 *
 * Returns: %TRUE for addresses that are not reachable from the Internet:
 *   RFC 1918, shared (RFC 6598), loopback, link-local, IPv6 unique-local
 */
gboolean
_sipnat_address_is_private (const char *host)
{
  g_autoptr(GInetAddress) address = g_inet_address_new_from_string (host);
  const guint8 *bytes;

  if (address == NULL)
    return FALSE;   /* a host name: cannot tell */

  if (g_inet_address_get_is_loopback (address) ||
      g_inet_address_get_is_link_local (address) ||
      g_inet_address_get_is_site_local (address))
    return TRUE;

  bytes = g_inet_address_to_bytes (address);
  if (g_inet_address_get_family (address) == G_SOCKET_FAMILY_IPV4)
    return bytes[0] == 100 && (bytes[1] & 0xc0) == 64;     /* 100.64.0.0/10 */

  return (bytes[0] & 0xfe) == 0xfc;                          /* fc00::/7 */
}

static gboolean
is_alg_rewrite (const SipnatBinding *observed,
                const SipnatBinding *contact,
                const char          *registrar_host)
{
  if (!_sipnat_address_is_private (observed->host) ||
      _sipnat_address_is_private (contact->host))
    return FALSE;

  /* A private registrar may well see us at a private address. */
  return registrar_host == NULL || !_sipnat_address_is_private (registrar_host);
}

/*
 * _sipnat_binding_tracker_observe:
 * @observed: the public binding of a fresh response (2xx or keep-alive)
 * @contact: the binding the Contact advertises
 * @registrar_host: (nullable): the registrar's address, if known
 * @now_us: the monotonic time
 *
 * Returns: what to do about the Contact
 */
SipnatBindingAction
_sipnat_binding_tracker_observe (SipnatBindingTracker *self,
                                 const SipnatBinding  *observed,
                                 const SipnatBinding  *contact,
                                 const char           *registrar_host,
                                 gint64                now_us)
{
  if (sipnat_binding_equal (observed, contact))
    {
      /* All agree again: the next change may be probed at once. */
      g_clear_pointer (&self->pending, sipnat_binding_free);
      self->confirmed_once = FALSE;
      return SIPNAT_BINDING_ACTION_NONE;
    }

  if (is_alg_rewrite (observed, contact, registrar_host))
    return SIPNAT_BINDING_ACTION_NONE;

  if (!sipnat_binding_equal (self->pending, observed))
    {
      sipnat_binding_free (self->pending);
      self->pending = sipnat_binding_copy (observed);

      /* Without a probe, the next keep-alive or refresh confirms. */
      if (self->confirmed_once && now_us - self->last_confirm_us < CONFIRM_WINDOW_US)
        return SIPNAT_BINDING_ACTION_NONE;

      self->confirmed_once = TRUE;
      self->last_confirm_us = now_us;
      return SIPNAT_BINDING_ACTION_CONFIRM;
    }

  if (self->rewrote && now_us - self->last_rewrite_us < self->cycle_us &&
      sipnat_binding_equal (observed, self->previous))
    return SIPNAT_BINDING_ACTION_DEFER;

  return SIPNAT_BINDING_ACTION_REWRITE;
}

/* The Contact, which was @old_contact, now follows the pending binding. */
void
_sipnat_binding_tracker_rewrote (SipnatBindingTracker *self,
                                 const SipnatBinding  *old_contact,
                                 gint64                now_us)
{
  sipnat_binding_free (self->previous);
  self->previous = sipnat_binding_copy (old_contact);
  g_clear_pointer (&self->pending, sipnat_binding_free);
  self->rewrote = TRUE;
  self->last_rewrite_us = now_us;
}
