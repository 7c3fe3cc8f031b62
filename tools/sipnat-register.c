/* sipnat-register.c: the run every command shares, and `sipnat register`
 *
 *   sipnat register --config FILE [--json] [--for SECONDS]
 *
 * Registers every proxy of a configuration file, stays running (the
 * registrations are refreshed, OPTIONS are answered) and prints one line
 * per event on stdout; logs go to stderr. At the end (after --for
 * seconds, on SIGINT or SIGTERM, or when a registration fails) it
 * unregisters and closes the endpoint, giving up after a few seconds.
 *
 * Exit status: 0 when every registration was registered at the end and
 * removed cleanly, 1 otherwise, 2 for a usage or configuration error.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <glib-unix.h>

#include "sipnat-tool.h"

static const char *
state_nick (SipnatRegistration *reg)
{
  return enum_nick (SIPNAT_TYPE_REGISTRATION_STATE, sipnat_registration_get_state (reg));
}

static gboolean
is_registered (SipnatRegistration *reg)
{
  SipnatRegistrationState state = sipnat_registration_get_state (reg);

  return state == SIPNAT_REGISTRATION_STATE_REGISTERED ||
         state == SIPNAT_REGISTRATION_STATE_STANDALONE;
}

static GListModel *
registrations (App *app)
{
  return sipnat_endpoint_get_registrations (app->endpoint);
}

/* ---------------------------------------------------------------------- */
/* Reports                                                                */

/* An error about @reg; @fatal ones also go to stderr and fail the run. */
static void
report_error (App                *app,
              SipnatRegistration *reg,
              const GError       *error,
              gboolean            fatal)
{
  const char *message = error ? error->message : sipnat_registration_get_state_reason (reg);
  Event ev = event_begin (app, "error", reg);

  event_string (&ev, "message", message);
  event_string (&ev, "code", error_code (error));
  event_bool (&ev, "fatal", fatal);
  event_print (&ev);

  if (fatal)
    {
      g_printerr ("sipnat: %s: %s\n", sipnat_registration_get_name (reg), message);
      app->status = EXIT_FAILED;
    }
}

/* Fails the run for every registration that is not registered now. */
static void
report_not_registered (App *app)
{
  GListModel *list = registrations (app);

  for (guint i = 0; i < g_list_model_get_n_items (list); i++)
    {
      g_autoptr(SipnatRegistration) reg = g_list_model_get_item (list, i);
      const GError *error = sipnat_registration_get_error (reg);
      const char *reason = error ? error->message : sipnat_registration_get_state_reason (reg);
      Event ev;

      if (is_registered (reg))
        continue;

      ev = event_begin (app, "not-registered", reg);
      event_string (&ev, "state", state_nick (reg));
      event_string (&ev, "reason", reason);
      event_print (&ev);

      g_printerr ("sipnat: %s: not registered (%s%s%s)\n", sipnat_registration_get_name (reg),
                  state_nick (reg), reason ? ": " : "", reason ? reason : "");
      app->status = EXIT_FAILED;
    }
}

/* An error about the endpoint as a whole; it fails the run. */
static void
report_endpoint_error (App        *app,
                       const char *message,
                       const char *code)
{
  Event ev = event_begin (app, "error", NULL);

  event_string (&ev, "message", message);
  event_string (&ev, "code", code);
  event_bool (&ev, "fatal", TRUE);
  event_print (&ev);

  g_printerr ("sipnat: %s\n", message);
  app->status = EXIT_FAILED;
}

/* The registrar may still hold the binding of @reg. */
static void
report_not_removed (App                *app,
                    SipnatRegistration *reg,
                    const char         *reason)
{
  Event ev = event_begin (app, "not-removed", reg);

  event_string (&ev, "state", state_nick (reg));
  event_string (&ev, "reason", reason);
  event_print (&ev);

  g_printerr ("sipnat: %s: may still be registered: %s\n",
              sipnat_registration_get_name (reg), reason);
  app->status = EXIT_FAILED;
}

/* ---------------------------------------------------------------------- */
/* Ending: unregister everything, close, and give up after a deadline     */

static void
quit (App *app)
{
  Event ev = event_begin (app, "closed", NULL);

  event_number (&ev, "exit-status", app->status);
  event_print (&ev);

  g_clear_handle_id (&app->deadline_id, g_source_remove);
  g_main_loop_quit (app->loop);
}

static void
close_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      data)
{
  App *app = data;
  g_autoptr(GError) error = NULL;

  if (!sipnat_endpoint_close_finish (SIPNAT_ENDPOINT (source), result, &error))
    report_endpoint_error (app, error->message, error_code (error));

  quit (app);
}

static void
unregistered_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      data)
{
  App *app = data;
  SipnatRegistration *reg = SIPNAT_REGISTRATION (source);
  g_autoptr(GError) error = NULL;

  if (!sipnat_registration_unregister_finish (reg, result, &error))
    report_not_removed (app, reg, error->message);

  g_ptr_array_remove (app->unregistering, reg);
  if (app->unregistering->len == 0)
    sipnat_endpoint_close_async (app->endpoint, NULL, close_cb, app);
}

/* The deadline passed or a second signal came (@when says which):
 * report what is left and stop waiting. */
static void
give_up (App        *app,
         const char *when)
{
  g_autofree char *reason = g_strdup_printf ("no answer to the un-REGISTER %s", when);
  g_autofree char *message = g_strdup_printf ("the endpoint did not close %s", when);

  for (guint i = 0; i < app->unregistering->len; i++)
    report_not_removed (app, g_ptr_array_index (app->unregistering, i), reason);

  if (app->unregistering->len == 0)
    report_endpoint_error (app, message, NULL);

  quit (app);
}

static gboolean
deadline_cb (gpointer data)
{
  App *app = data;
  g_autofree char *when = g_strdup_printf ("within %d s", CLOSE_DEADLINE_SECONDS);

  app->deadline_id = 0;
  give_up (app, when);
  return G_SOURCE_REMOVE;
}

void
end_run (App *app)
{
  GListModel *list = registrations (app);
  guint n = g_list_model_get_n_items (list);

  if (app->ending)
    return;

  app->ending = TRUE;
  if (app->command && app->command->ending)
    app->command->ending (app);
  app->deadline_id = g_timeout_add (CLOSE_DEADLINE_SECONDS * 1000, deadline_cb, app);

  for (guint i = 0; i < n; i++)
    g_ptr_array_add (app->unregistering, g_list_model_get_item (list, i));

  for (guint i = 0; i < n; i++)
    sipnat_registration_unregister_async (g_ptr_array_index (app->unregistering, i), NULL,
                                          unregistered_cb, app);

  if (n == 0)
    sipnat_endpoint_close_async (app->endpoint, NULL, close_cb, app);
}

static void
on_signal (App        *app,
           const char *name)
{
  Event ev = event_begin (app, "signal", NULL);

  event_string (&ev, "signal", name);
  event_print (&ev);

  if (app->ending)
    {
      give_up (app, "before a second signal");
      return;
    }

  report_not_registered (app);
  end_run (app);
}

static gboolean
sigint_cb (gpointer data)
{
  on_signal (data, "SIGINT");
  return G_SOURCE_CONTINUE;
}

static gboolean
sigterm_cb (gpointer data)
{
  on_signal (data, "SIGTERM");
  return G_SOURCE_CONTINUE;
}

static gboolean
time_up_cb (gpointer data)
{
  App *app = data;
  Event ev = event_begin (app, "time-up", NULL);

  event_number (&ev, "seconds", app->seconds);
  event_print (&ev);

  report_not_registered (app);
  end_run (app);
  return G_SOURCE_REMOVE;
}

/* ---------------------------------------------------------------------- */
/* Registration events                                                    */

static void
check_all_registered (App *app)
{
  GListModel *list = registrations (app);
  guint n = g_list_model_get_n_items (list);
  gboolean all = TRUE;
  Event ev;

  for (guint i = 0; i < n && all; i++)
    {
      g_autoptr(SipnatRegistration) reg = g_list_model_get_item (list, i);

      all = is_registered (reg);
    }

  if (all == app->all_registered)
    return;

  app->all_registered = all;
  if (!all || app->ending)
    return;

  ev = event_begin (app, "registered-all", NULL);
  event_number (&ev, "registrations", n);
  event_print (&ev);

  if (!app->was_registered)
    {
      app->was_registered = TRUE;
      if (app->command && app->command->registered_all)
        app->command->registered_all (app);
    }
}

static void
state_changed_cb (SipnatRegistration *reg,
                  GParamSpec         *pspec,
                  App                *app)
{
  SipnatRegistrationState state = sipnat_registration_get_state (reg);
  Event ev = event_begin (app, "state", reg);

  event_string (&ev, "state", state_nick (reg));
  event_string (&ev, "reason", sipnat_registration_get_state_reason (reg));
  event_print (&ev);

  if (state == SIPNAT_REGISTRATION_STATE_RETRYING)
    report_error (app, reg, sipnat_registration_get_error (reg), FALSE);

  if (state == SIPNAT_REGISTRATION_STATE_FAILED && !app->ending)
    {
      report_error (app, reg, sipnat_registration_get_error (reg), TRUE);
      end_run (app);
    }

  check_all_registered (app);
}

static void
binding_changed_cb (SipnatRegistration  *reg,
                    const SipnatBinding *old_binding,
                    const SipnatBinding *new_binding,
                    App                 *app)
{
  g_autofree char *old_text = old_binding ? sipnat_binding_to_string (old_binding) : NULL;
  g_autofree char *new_text = sipnat_binding_to_string (new_binding);
  Event ev = event_begin (app, "public-binding-changed", reg);

  event_string (&ev, "old", old_text);
  event_string (&ev, "new", new_text);
  event_print (&ev);
}

static void
nat_detected_cb (SipnatRegistration *reg,
                 GParamSpec         *pspec,
                 App                *app)
{
  Event ev = event_begin (app, "nat-detected", reg);

  event_bool (&ev, "nat-detected", sipnat_registration_get_nat_detected (reg));
  event_print (&ev);
}

static void
contact_changed_cb (SipnatRegistration *reg,
                    GParamSpec         *pspec,
                    App                *app)
{
  Event ev = event_begin (app, "contact", reg);

  event_string (&ev, "uri", sipnat_registration_get_contact (reg));
  event_print (&ev);
}

static void
network_changed_cb (SipnatEndpoint *endpoint,
                    gboolean        available,
                    App            *app)
{
  Event ev = event_begin (app, "network-changed", NULL);

  event_bool (&ev, "available", available);
  event_print (&ev);
}

/* A register_async that fails without a state change to report it
 * (retrying and failed are reported by state_changed_cb). */
static void
registered_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      data)
{
  App *app = data;
  SipnatRegistration *reg = SIPNAT_REGISTRATION (source);
  SipnatRegistrationState state = sipnat_registration_get_state (reg);
  g_autoptr(GError) error = NULL;

  if (sipnat_registration_register_finish (reg, result, &error) || app->ending ||
      state == SIPNAT_REGISTRATION_STATE_RETRYING || state == SIPNAT_REGISTRATION_STATE_FAILED)
    return;

  report_error (app, reg, error, TRUE);
  end_run (app);
}

static void
stop_registrations (App *app)
{
  GListModel *list = registrations (app);

  g_signal_handlers_disconnect_by_data (app->endpoint, app);
  for (guint i = 0; i < g_list_model_get_n_items (list); i++)
    {
      g_autoptr(SipnatRegistration) reg = g_list_model_get_item (list, i);

      g_signal_handlers_disconnect_by_data (reg, app);
    }
}

static void
start_registrations (App *app)
{
  GListModel *list = registrations (app);

  for (guint i = 0; i < g_list_model_get_n_items (list); i++)
    {
      g_autoptr(SipnatRegistration) reg = g_list_model_get_item (list, i);

      g_signal_connect (reg, "notify::state", G_CALLBACK (state_changed_cb), app);
      g_signal_connect (reg, "notify::nat-detected", G_CALLBACK (nat_detected_cb), app);
      g_signal_connect (reg, "notify::contact", G_CALLBACK (contact_changed_cb), app);
      g_signal_connect (reg, "public-binding-changed", G_CALLBACK (binding_changed_cb), app);
      sipnat_registration_register_async (reg, NULL, registered_cb, app);
    }
}

/* ---------------------------------------------------------------------- */
/* Commands                                                               */

int
run (App        *app,
     const char *config)
{
  g_autoptr(GError) error = NULL;
  Event ev;

  app->endpoint = sipnat_endpoint_new_from_file (config, NULL, &error);
  if (app->endpoint == NULL)
    {
      g_printerr ("sipnat: %s\n", error->message);
      /* a configuration problem (the file included) or a run-time failure */
      return g_error_matches (error, SIPNAT_ERROR, SIPNAT_ERROR_CONFIG) ? EXIT_USAGE : EXIT_FAILED;
    }

  if (g_list_model_get_n_items (registrations (app)) == 0)
    {
      g_printerr ("sipnat: %s: no registration: the file has no proxy section\n", config);
      return EXIT_USAGE;
    }

  if (app->command && app->command->setup)
    {
      int status = app->command->setup (app);

      if (status != 0)
        {
          g_clear_object (&app->endpoint);
          return status;
        }
    }

  ev = event_begin (app, "started", NULL);
  event_string (&ev, "local-address", sipnat_endpoint_get_local_address (app->endpoint));
  event_number (&ev, "local-port", sipnat_endpoint_get_local_port (app->endpoint));
  event_number (&ev, "registrations", g_list_model_get_n_items (registrations (app)));
  event_print (&ev);

  app->loop = g_main_loop_new (NULL, FALSE);
  app->unregistering = g_ptr_array_new_with_free_func (g_object_unref);
  g_unix_signal_add (SIGINT, sigint_cb, app);
  g_unix_signal_add (SIGTERM, sigterm_cb, app);
  if (app->seconds > 0)
    g_timeout_add_seconds (app->seconds, time_up_cb, app);

  g_signal_connect (app->endpoint, "network-changed", G_CALLBACK (network_changed_cb), app);
  start_registrations (app);
  g_main_loop_run (app->loop);

  if (app->command && app->command->teardown)
    app->command->teardown (app);

  /* Past the deadline, pending operations keep their own references;
   * nothing runs them any more, and what the endpoint's disposal tells
   * (state changes of registrations still unregistering) is not for us. */
  g_clear_pointer (&app->unregistering, g_ptr_array_unref);
  stop_registrations (app);
  g_clear_object (&app->endpoint);
  g_main_loop_unref (app->loop);
  return app->status;
}

int
command_register (int    argc,
                  char **argv)
{
  g_autofree char *config = NULL;
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  App app = { 0 };
  GOptionEntry entries[] = {
    { "config", 'c', 0, G_OPTION_ARG_FILENAME, &config,
      "Configuration file (key file or SipEndpoint.config)", "FILE" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &app.json, "Print events as JSON lines", NULL },
    { "for", 0, 0, G_OPTION_ARG_INT, &app.seconds,
      "Unregister and exit after SECONDS (0, the default: run until a signal)", "SECONDS" },
    { NULL }
  };

  g_set_prgname ("sipnat register");
  context = g_option_context_new ("- register every proxy of a configuration");
  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_set_description (context,
    "Exit status: 0 when every registration was registered at the end\n"
    "and removed cleanly, 1 otherwise, 2 for a usage or configuration\n"
    "error. See sipnat(1).");
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("sipnat register: %s\n", error->message);
      return EXIT_USAGE;
    }
  if (argc > 1)
    {
      g_printerr ("sipnat register: unexpected argument “%s”\n", argv[1]);
      return EXIT_USAGE;
    }
  if (config == NULL)
    {
      g_printerr ("sipnat register: --config FILE is required\n");
      return EXIT_USAGE;
    }
  if (app.seconds < 0)
    {
      g_printerr ("sipnat register: --for must be 0 or more seconds, not %d\n", app.seconds);
      return EXIT_USAGE;
    }

  return run (&app, config);
}

