/* sipnat.c: the sipnat command-line program
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
 * doc/sipnat.1 describes the options and every event; keep it in step.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <glib-unix.h>
#include <locale.h>
#include <sipnat.h>
#include <stdio.h>

/* How long the unregistration and close may take before we give up. */
#define CLOSE_DEADLINE_SECONDS 4

#define EXIT_FAILED 1
#define EXIT_USAGE 2

typedef struct {
  GMainLoop *loop;
  SipnatEndpoint *endpoint;
  gboolean json;
  int seconds;
  gboolean all_registered;   /* every registration is registered now */
  gboolean ending;
  GPtrArray *unregistering;  /* registrations whose un-REGISTER is pending */
  guint deadline_id;
  int status;
} App;

/* ---------------------------------------------------------------------- */
/* Output: one line per event on stdout, as text or as a JSON object      */

typedef struct {
  gboolean json;
  GString *line;
} Event;

/* Appends @s as valid UTF-8 with the characters JSON needs escaped
 * (and the control characters, so that an event stays on one line). */
static void
append_escaped (GString    *out,
                const char *s)
{
  g_autofree char *valid = g_utf8_make_valid (s, -1);

  for (const char *p = valid; *p; p++)
    {
      guchar c = *p;

      switch (c)
        {
        case '"': g_string_append (out, "\\\""); break;
        case '\\': g_string_append (out, "\\\\"); break;
        case '\n': g_string_append (out, "\\n"); break;
        case '\r': g_string_append (out, "\\r"); break;
        case '\t': g_string_append (out, "\\t"); break;
        default:
          if (c < 0x20 || c == 0x7f)
            g_string_append_printf (out, "\\u%04x", c);
          else
            g_string_append_c (out, c);
        }
    }
}

static void
event_key (Event      *ev,
           const char *key)
{
  if (ev->json)
    g_string_append_printf (ev->line, ",\"%s\":", key);
  else
    g_string_append_printf (ev->line, " %s=", key);
}

/* A NULL value prints as null (JSON) or (none). */
static void
event_string (Event      *ev,
              const char *key,
              const char *value)
{
  event_key (ev, key);
  if (value == NULL)
    g_string_append (ev->line, ev->json ? "null" : "(none)");
  else if (ev->json)
    {
      g_string_append_c (ev->line, '"');
      append_escaped (ev->line, value);
      g_string_append_c (ev->line, '"');
    }
  else
    append_escaped (ev->line, value);
}

static void
event_number (Event      *ev,
              const char *key,
              gint64      value)
{
  event_key (ev, key);
  g_string_append_printf (ev->line, "%" G_GINT64_FORMAT, value);
}

static void
event_bool (Event      *ev,
            const char *key,
            gboolean    value)
{
  event_key (ev, key);
  g_string_append (ev->line, value ? "true" : "false");
}

/* Starts the line of event @name; @reg (nullable) is the registration it
 * is about. Every event name passed here is documented in doc/sipnat.1
 * (tests/test-tool.sh checks it). */
static Event
event_begin (App                *app,
             const char         *name,
             SipnatRegistration *reg)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *time = g_date_time_format (now, "%Y-%m-%dT%H:%M:%S.%fZ");
  Event ev = { app->json, g_string_new (NULL) };

  if (!app->json)
    {
      g_string_append_printf (ev.line, "%s %-7s %s", time,
                              reg ? sipnat_registration_get_name (reg) : "-", name);
      return ev;
    }

  g_string_append_printf (ev.line, "{\"time\":\"%s\"", time);
  event_string (&ev, "event", name);
  if (reg != NULL)
    event_string (&ev, "registration", sipnat_registration_get_name (reg));
  return ev;
}

/* Prints the line on stdout as UTF-8 (g_print would convert it to the
 * locale's character set) and frees it. */
static void
event_print (Event *ev)
{
  if (ev->json)
    g_string_append_c (ev->line, '}');
  g_string_append_c (ev->line, '\n');
  fputs (ev->line->str, stdout);
  fflush (stdout);
  g_string_free (ev->line, TRUE);
}

static const char *
enum_nick (GType type,
           int   value)
{
  GEnumClass *klass = g_type_class_ref (type);
  GEnumValue *v = g_enum_get_value (klass, value);

  g_type_class_unref (klass);
  return v ? v->value_nick : NULL;
}

static const char *
state_nick (SipnatRegistration *reg)
{
  return enum_nick (SIPNAT_TYPE_REGISTRATION_STATE, sipnat_registration_get_state (reg));
}

/* The nick of a SipnatError code (auth-failed, timeout...), or NULL. */
static const char *
error_code (const GError *error)
{
  if (error == NULL || error->domain != SIPNAT_ERROR)
    return NULL;

  return enum_nick (SIPNAT_TYPE_ERROR, error->code);
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

static void
end_run (App *app)
{
  GListModel *list = registrations (app);
  guint n = g_list_model_get_n_items (list);

  if (app->ending)
    return;

  app->ending = TRUE;
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

static int
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

  start_registrations (app);
  g_main_loop_run (app->loop);

  /* Past the deadline, pending operations keep their own references;
   * nothing runs them any more. */
  g_clear_pointer (&app->unregistering, g_ptr_array_unref);
  g_clear_object (&app->endpoint);
  g_main_loop_unref (app->loop);
  return app->status;
}

static int
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

static void
usage (FILE *out)
{
  fputs ("Usage: sipnat COMMAND [OPTION…]\n"
         "       sipnat --help | --version\n"
         "\n"
         "Commands:\n"
         "  register   Register every proxy of a configuration file and stay registered\n"
         "\n"
         "Run “sipnat COMMAND --help” for the options of a command. See sipnat(1).\n",
         out);
}

int
main (int    argc,
      char **argv)
{
  setlocale (LC_ALL, "");

  /* stdout holds only the events: every log line goes to stderr. */
  g_log_writer_default_set_use_stderr (TRUE);

  if (argc < 2)
    {
      usage (stderr);
      return EXIT_USAGE;
    }

  if (g_str_equal (argv[1], "register"))
    return command_register (argc - 1, argv + 1);

  if (g_str_equal (argv[1], "--help") || g_str_equal (argv[1], "-h") ||
      g_str_equal (argv[1], "help"))
    {
      usage (stdout);
      return 0;
    }

  if (g_str_equal (argv[1], "--version"))
    {
      g_print ("sipnat %u.%u.%u\n", sipnat_get_major_version (),
               sipnat_get_minor_version (), sipnat_get_micro_version ());
      return 0;
    }

  g_printerr ("sipnat: unknown command “%s”\n", argv[1]);
  usage (stderr);
  return EXIT_USAGE;
}
