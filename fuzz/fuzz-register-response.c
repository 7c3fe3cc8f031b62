/* fuzz-register-response.c: a registration fed arbitrary answers
 *
 * A registration sends its REGISTER (to the discard port: nothing
 * answers) and then gets the input as the answer to it, parsed by
 * Sofia as a SIP response, and the same answer again as the answer to a
 * keep-alive. Every outcome must leave the registration consistent and
 * the endpoint closable; what the application hears of is delivered.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "sipnat-error.h"
#include "sipnat-registration-impl-private.h"
#include "fuzz-common.h"

static gboolean
flag_cb (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

static void
closed_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      data)
{
  sipnat_endpoint_close_finish (SIPNAT_ENDPOINT (source), result, NULL);
  *(gboolean *) data = TRUE;
}

/* Lets everything queued run, a little while at most. */
static void
run_briefly (guint ms)
{
  gboolean done = FALSE;
  GSource *timeout = g_timeout_source_new (ms);

  g_source_set_callback (timeout, flag_cb, &done, NULL);
  g_source_attach (timeout, NULL);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
  g_source_destroy (timeout);
  g_source_unref (timeout);
}

static void
feed (SipnatRegistration *reg,
      nua_event_t         event,
      const sip_t        *sip)
{
  g_autofree char *phrase = g_utf8_make_valid (sip->sip_status->st_phrase ?
                                               sip->sip_status->st_phrase : "", -1);
  SipnatSipEvent ev = {
    .event = event,
    .status = sip->sip_status->st_status,
    .phrase = phrase,   /* as the stack hands it on */
    .nh = reg->nh,
    .sip = sip,
    .from_network = TRUE,
  };

  if (event == nua_r_register)
    _sipnat_registration_handle_event (&reg->owner, &ev);
  else if (reg->flow != NULL)
    _sipnat_registration_flow_answered (reg, &ev);
}

static void
check_consistent (SipnatRegistration *reg)
{
  const SipnatBinding *public = sipnat_registration_get_public_binding (reg);
  const char *reason = sipnat_registration_get_state_reason (reg);

  g_assert_cmpint (sipnat_registration_get_state (reg), <=, SIPNAT_REGISTRATION_STATE_UNREGISTERED);
  /* Strings reach GI bindings: valid UTF-8, whatever the server sent. */
  if (reason != NULL)
    g_assert_true (g_utf8_validate (reason, -1, NULL));
  if (public != NULL)
    g_assert_nonnull (sipnat_binding_get_host (public));
  if (sipnat_registration_get_error (reg) != NULL)
    {
      g_assert_true (sipnat_registration_get_error (reg)->domain == SIPNAT_ERROR);
      g_assert_true (g_utf8_validate (sipnat_registration_get_error (reg)->message, -1, NULL));
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SipnatEndpoint) endpoint = NULL;
  SipnatRegistration *reg;
  msg_t *msg;
  sip_t *sip;
  gboolean closed = FALSE;

  fuzz_init_once ();

  msg = msg_make (sip_default_mclass (), 0, data, size);
  sip = msg ? sip_object (msg) : NULL;
  if (sip == NULL || sip->sip_status == NULL)
    {
      msg_destroy (msg);
      return 0;
    }

  endpoint = sipnat_endpoint_new ("127.0.0.1", 0, NULL, &error);
  g_assert_no_error (error);
  sipnat_endpoint_set_close_timeout (endpoint, 100);
  reg = sipnat_endpoint_add_registration (endpoint, "127.0.0.1:9", "alice");
  sipnat_registration_set_password (reg, "pw");
  sipnat_registration_set_reg_match_received_rport (reg, TRUE);
  sipnat_registration_register_async (reg, NULL, NULL, NULL);

  feed (reg, nua_r_register, sip);
  check_consistent (reg);
  feed (reg, nua_r_options, sip);
  check_consistent (reg);
  run_briefly (5);
  check_consistent (reg);

  sipnat_endpoint_close_async (endpoint, NULL, closed_cb, &closed);
  while (!closed)
    g_main_context_iteration (NULL, TRUE);
  g_clear_object (&endpoint);
  run_briefly (20);   /* the stack shuts down in the background */

  msg_destroy (msg);
  return 0;
}
