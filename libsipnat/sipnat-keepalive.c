/* sipnat-keepalive.c: keep a registration's NAT binding open
 *
 * Every interval, an OPTIONS with Max-Forwards 0 goes to the registrar on
 * the registration's own transport, so it leaves by the same NAT binding
 * as the REGISTERs. The first proxy answers it itself (483 Too Many
 * Hops), and the Via of that answer carries received/rport: a changed
 * binding is seen at the next keep-alive, not at the next REGISTER.
 *
 * (CRLF and STUN keep-alives would be smaller, but Sofia-SIP gives no way
 * to send them on its SIP socket, and they do not tell the binding.)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "sipnat-debug-private.h"
#include "sipnat-keepalive-private.h"

struct _SipnatKeepalive
{
  GMainContext *context;
  SipnatKeepaliveFunc func;
  gpointer data;

  nua_handle_t *nh;
  char *registrar_url;
  guint interval_s;
  GSource *timer;
  gboolean in_flight;
};

SipnatKeepalive *
_sipnat_keepalive_new (GMainContext        *context,
                       SipnatKeepaliveFunc  func,
                       gpointer             data)
{
  SipnatKeepalive *self = g_new0 (SipnatKeepalive, 1);

  self->context = g_main_context_ref (context);
  self->func = func;
  self->data = data;
  return self;
}

void
_sipnat_keepalive_free (SipnatKeepalive *self)
{
  if (self == NULL)
    return;

  _sipnat_keepalive_stop (self);
  g_main_context_unref (self->context);
  g_free (self);
}

static void start_timer (SipnatKeepalive *self);

static void
send_options (SipnatKeepalive *self)
{
  if (self->nh == NULL || self->in_flight)
    return;

  SIPNAT_NOTE (NAT, "keep-alive OPTIONS to %s", self->registrar_url);
  self->in_flight = TRUE;
  nua_options (self->nh,
               NUTAG_URL (self->registrar_url),
               SIPTAG_MAX_FORWARDS_STR ("0"),
               TAG_END ());
}

static gboolean
tick_cb (gpointer data)
{
  SipnatKeepalive *self = data;

  send_options (self);
  start_timer (self);   /* a fresh random interval; this source is gone */
  return G_SOURCE_REMOVE;
}

static void
stop_timer (SipnatKeepalive *self)
{
  if (self->timer != NULL)
    g_source_destroy (self->timer);
  g_clear_pointer (&self->timer, g_source_unref);
}

/* RFC 5626 §4.4.1: each interval is drawn between 80 % and 100 % of the
 * configured one, so that many flows do not send in bursts. */
static void
start_timer (SipnatKeepalive *self)
{
  guint ms = self->interval_s * 1000;

  stop_timer (self);
  self->timer = g_timeout_source_new (g_random_int_range (ms * 4 / 5, ms + 1));
  g_source_set_callback (self->timer, tick_cb, self, NULL);
  g_source_attach (self->timer, self->context);
}

/*
 * _sipnat_keepalive_start:
 * @nua: the stack
 * @hmagic: the registration, which routes the answers back here
 * @registrar_url: where the registration's REGISTERs go
 * @aor: the address of record (From and To)
 * @interval_s: seconds between keep-alives; 0 stops them
 *
 * (Re)starts keep-alives; the first goes out after one interval. With an
 * interval of 0 nothing is sent by itself, but _sipnat_keepalive_probe()
 * still works.
 */
void
_sipnat_keepalive_start (SipnatKeepalive *self,
                         nua_t           *nua,
                         nua_hmagic_t    *hmagic,
                         const char      *registrar_url,
                         const char      *aor,
                         guint            interval_s)
{
  _sipnat_keepalive_stop (self);

  if (nua == NULL)
    return;

  self->interval_s = interval_s;
  self->registrar_url = g_strdup (registrar_url);
  self->nh = nua_handle (nua, hmagic,
                         SIPTAG_TO_STR (aor),
                         SIPTAG_FROM_STR (aor),
                         NUTAG_MEDIA_ENABLE (0),
                         /* Keep-alives go out often: no more headers than
                          * they need. */
                         SIPTAG_ALLOW_STR ("OPTIONS"),
                         SIPTAG_SUPPORTED_STR (""),
                         TAG_END ());
  if (interval_s > 0)
    start_timer (self);
}

void
_sipnat_keepalive_stop (SipnatKeepalive *self)
{
  stop_timer (self);

  if (self->nh != NULL)
    {
      nua_handle_bind (self->nh, NULL);
      nua_handle_destroy (g_steal_pointer (&self->nh));
    }

  g_clear_pointer (&self->registrar_url, g_free);
  self->in_flight = FALSE;
}

gboolean
_sipnat_keepalive_is_running (SipnatKeepalive *self)
{
  return self->nh != NULL;
}

/* A keep-alive now (to confirm a binding), and the next one an interval
 * later. */
void
_sipnat_keepalive_probe (SipnatKeepalive *self)
{
  if (self->nh == NULL)
    return;

  send_options (self);
  if (self->interval_s > 0)
    start_timer (self);
}

gboolean
_sipnat_keepalive_owns (SipnatKeepalive *self,
                        nua_handle_t    *nh)
{
  return self->nh != NULL && self->nh == nh;
}

void
_sipnat_keepalive_handle_response (SipnatKeepalive *self,
                                   int              status,
                                   const char      *phrase,
                                   const sip_t     *sip)
{
  if (status < 200)
    return;

  self->in_flight = FALSE;
  SIPNAT_NOTE (NAT, "keep-alive answered: %d %s", status, phrase);
  self->func (self->data, status, phrase, sip);
}
