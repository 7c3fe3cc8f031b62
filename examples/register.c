/* register.c: register with a SIP registrar and watch the public binding
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 *   register SERVER USER PASSWORD [LOCAL_ADDRESS]
 *
 * e.g. `register sip.example.net alice secret` or
 * `register 127.0.0.1:5060 alice alicepw 127.0.0.1`.
 *
 * Registers USER at SERVER (host[:port], UDP), prints every state change
 * and every change of the public binding (where the registrar sees us:
 * behind a NAT that is the NAT's address and port), keeps the registration
 * refreshed, and on Ctrl-C (or SIGTERM) unregisters, closes the endpoint
 * and exits. Exits 1 if registration fails.
 *
 * Build against the installed library:
 *   cc register.c -o register $(pkg-config --cflags --libs libsipnat-1)
 */

#include <glib-unix.h>
#include <locale.h>
#include <signal.h>
#include <sipnat.h>

typedef struct {
  GMainLoop          *loop;
  SipnatEndpoint     *endpoint;
  SipnatRegistration *registration;    /* owned by the endpoint */
  gboolean            closing;
  int                 status;
} App;

/* The endpoint is closed: unregistration (if any) is over. */
static void
close_done_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  App *app = user_data;
  g_autoptr(GError) error = NULL;

  if (!sipnat_endpoint_close_finish (SIPNAT_ENDPOINT (source), result, &error))
    g_printerr ("close: %s\n", error->message);
  else
    g_print ("closed\n");
  g_main_loop_quit (app->loop);
}

/* Unregisters every registration of the endpoint, then stops it. The
 * endpoint must always be closed before it is dropped. */
static void
close_endpoint (App *app)
{
  if (app->closing)
    return;
  app->closing = TRUE;
  g_print ("closing...\n");
  sipnat_endpoint_close_async (app->endpoint, NULL, close_done_cb, app);
}

static gboolean
quit_signal_cb (gpointer user_data)
{
  App *app = user_data;

  if (app->closing)
    {
      /* A second Ctrl-C: stop waiting for the registrar. */
      g_main_loop_quit (app->loop);
    }
  else
    {
      close_endpoint (app);
    }
  return G_SOURCE_CONTINUE;
}

/* notify::state: the registration moved through its life cycle. */
static void
state_changed_cb (SipnatRegistration *reg,
                  GParamSpec         *pspec,
                  App                *app)
{
  g_autoptr(GEnumClass) states = g_type_class_ref (SIPNAT_TYPE_REGISTRATION_STATE);
  GEnumValue *state = g_enum_get_value (states, sipnat_registration_get_state (reg));
  const char *reason = sipnat_registration_get_state_reason (reg);

  /* value_nick: "registering", "registered", "failed", ... */
  g_print ("state: %s%s%s%s\n", state->value_nick,
           reason != NULL ? " (" : "", reason != NULL ? reason : "", reason != NULL ? ")" : "");
}

/* The address and port the registrar sees us at changed (old is NULL the
 * first time). Behind a NAT this is the NAT's public side; after a NAT
 * rebinding this is how the application hears of it. */
static void
public_binding_changed_cb (SipnatRegistration  *reg,
                           const SipnatBinding *old_binding,
                           const SipnatBinding *new_binding,
                           App                 *app)
{
  g_autofree char *old_text = old_binding != NULL ? sipnat_binding_to_string (old_binding)
                                                  : g_strdup ("(none)");
  g_autofree char *new_text = sipnat_binding_to_string (new_binding);

  g_print ("public binding: %s → %s%s\n", old_text, new_text,
           sipnat_registration_get_nat_detected (reg) ? " (behind a NAT)" : "");
}

static void
register_done_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  App *app = user_data;
  g_autoptr(GError) error = NULL;

  if (!sipnat_registration_register_finish (SIPNAT_REGISTRATION (source), result, &error))
    {
      /* error->domain is SIPNAT_ERROR; e.g. SIPNAT_ERROR_AUTH_FAILED for a
       * wrong password, SIPNAT_ERROR_TIMEOUT when nobody answers. */
      g_printerr ("registration failed: %s\n", error->message);
      app->status = 1;
      close_endpoint (app);
      return;
    }

  g_print ("registered as %s; press Ctrl-C to unregister\n",
           sipnat_registration_get_contact (app->registration));
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  App app = { 0 };
  guint sigint_id, sigterm_id;

  /* g_print() converts to the locale's charset (the arrow below). */
  setlocale (LC_ALL, "");

  if (argc < 4 || argc > 5)
    {
      g_printerr ("usage: %s SERVER USER PASSWORD [LOCAL_ADDRESS]\n", argv[0]);
      return argc == 2 && g_str_equal (argv[1], "--help") ? 0 : 2;
    }

  /* The endpoint: the SIP stack, bound to a local address (NULL: all IPv4
   * interfaces) and an ephemeral port (0), on the default main context. */
  app.endpoint = sipnat_endpoint_new (argc == 5 ? argv[4] : NULL, 0, NULL, &error);
  if (app.endpoint == NULL)
    {
      g_printerr ("cannot create the endpoint: %s\n", error->message);
      return 1;
    }
  g_print ("local port: %u\n", sipnat_endpoint_get_local_port (app.endpoint));

  /* One registration: user@server, authenticated with the password. */
  app.registration = sipnat_endpoint_add_registration (app.endpoint, argv[1], argv[2]);
  sipnat_registration_set_password (app.registration, argv[3]);
  g_signal_connect (app.registration, "notify::state", G_CALLBACK (state_changed_cb), &app);
  g_signal_connect (app.registration, "public-binding-changed",
                    G_CALLBACK (public_binding_changed_cb), &app);

  app.loop = g_main_loop_new (NULL, FALSE);
  sigint_id = g_unix_signal_add (SIGINT, quit_signal_cb, &app);
  sigterm_id = g_unix_signal_add (SIGTERM, quit_signal_cb, &app);

  sipnat_registration_register_async (app.registration, NULL, register_done_cb, &app);
  g_main_loop_run (app.loop);

  g_source_remove (sigint_id);
  g_source_remove (sigterm_id);
  g_object_unref (app.endpoint);
  g_main_loop_unref (app.loop);
  return app.status;
}
