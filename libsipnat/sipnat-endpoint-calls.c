/* sipnat-endpoint-calls.c: the calls of an endpoint
 *
 * The endpoint holds every call that has not ended, so that an incoming
 * call lives while it rings even if the application keeps no reference,
 * and so that closing the endpoint or removing a registration hangs up
 * its calls first.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <glib/gi18n-lib.h>

#include "sipnat-call-private.h"
#include "sipnat-endpoint-impl-private.h"
#include "sipnat-registration-impl-private.h"

void
_sipnat_endpoint_add_call (SipnatEndpoint *self,
                           SipnatCall     *call)
{
  g_ptr_array_add (self->calls, g_object_ref (call));
}

void
_sipnat_endpoint_forget_call (SipnatEndpoint *self,
                              SipnatCall     *call)
{
  g_ptr_array_remove (self->calls, call);
}

/* Hangs up the calls of @registration, or all of them. */
void
_sipnat_endpoint_terminate_calls (SipnatEndpoint     *self,
                                  SipnatRegistration *registration,
                                  const char         *reason)
{
  g_autoptr(GPtrArray) calls = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint i = 0; i < self->calls->len; i++)
    g_ptr_array_add (calls, g_object_ref (self->calls->pdata[i]));
  for (guint i = 0; i < calls->len; i++)
    {
      SipnatCall *call = calls->pdata[i];

      if (registration == NULL || sipnat_call_get_registration (call) == registration)
        _sipnat_call_terminate (call, reason);
    }
}

static gboolean
contact_matches (SipnatRegistration *reg,
                 const url_t        *url)
{
  const SipnatBinding *binding = reg->contact_binding;

  if (binding == NULL || url->url_host == NULL)
    return FALSE;

  return g_ascii_strcasecmp (binding->host, url->url_host) == 0 &&
         binding->port == (url->url_port ? (guint) g_ascii_strtoull (url->url_port, NULL, 10)
                                          : 5060);
}

/* The registration an incoming request is for: the one whose user is the
 * Request-URI's (the registrar put our Contact there), preferring the one
 * whose Contact it is; else the one whose user is in To. */
SipnatRegistration *
_sipnat_endpoint_registration_for_request (SipnatEndpoint *self,
                                           const sip_t    *sip)
{
  const url_t *rq = sip->sip_request ? sip->sip_request->rq_url : NULL;
  const url_t *to = sip->sip_to ? sip->sip_to->a_url : NULL;
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->registrations));
  SipnatRegistration *by_user = NULL;
  SipnatRegistration *by_to = NULL;

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(SipnatRegistration) reg =
        g_list_model_get_item (G_LIST_MODEL (self->registrations), i);

      if (reg->user == NULL || reg->detached)
        continue;
      if (rq != NULL && g_strcmp0 (rq->url_user, reg->user) == 0)
        {
          if (contact_matches (reg, rq))
            return reg;
          by_user = by_user ? by_user : reg;
        }
      if (to != NULL && g_strcmp0 (to->url_user, reg->user) == 0)
        by_to = by_to ? by_to : reg;
    }

  return by_user ? by_user : by_to;
}
