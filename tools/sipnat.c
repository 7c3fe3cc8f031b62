/* sipnat.c: the sipnat command-line program
 *
 *   sipnat register --config FILE [--json] [--for SECONDS]
 *
 * Registers every proxy of a configuration file, stays running (the
 * registrations are refreshed, OPTIONS are answered), prints one line per
 * event, and unregisters cleanly on SIGINT or SIGTERM or after --for
 * seconds. Exits 0 after a clean run, 1 with the error on stderr when
 * registration fails.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <glib-unix.h>
#include <locale.h>
#include <sipnat.h>
#include <stdarg.h>

typedef struct {
  GMainLoop *loop;
  SipnatEndpoint *endpoint;
  gboolean json;
  gboolean closing;
  int status;
} App;

/* ---------------------------------------------------------------------- */
/* Output: one line per event, as text or as a JSON object                */

static void
append_json_string (GString    *out,
                    const char *s)
{
  g_string_append_c (out, '"');
  for (const char *p = s; *p; p++)
    {
      switch (*p)
        {
        case '"': g_string_append (out, "\\\""); break;
        case '\\': g_string_append (out, "\\\\"); break;
        case '\n': g_string_append (out, "\\n"); break;
        case '\r': g_string_append (out, "\\r"); break;
        case '\t': g_string_append (out, "\\t"); break;
        default:
          if ((guchar) *p < 0x20)
            g_string_append_printf (out, "\\u%04x", (guchar) *p);
          else
            g_string_append_c (out, *p);
        }
    }
  g_string_append_c (out, '"');
}

static void
append_field (App        *app,
              GString    *line,
              const char *key,
              const char *value)
{
  if (!app->json)
    {
      g_string_append_printf (line, " %s=%s", key, value ? value : "(none)");
      return;
    }

  g_string_append_c (line, ',');
  append_json_string (line, key);
  g_string_append_c (line, ':');
  if (value != NULL)
    append_json_string (line, value);
  else
    g_string_append (line, "null");
}

/* Prints an event; the variable arguments are key, value pairs ending
 * with NULL. A NULL value prints as null (JSON) or (none). */
static void
print_event (App        *app,
             const char *event,
             const char *registration,
             ...)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *time = g_date_time_format (now, "%Y-%m-%dT%H:%M:%S.%fZ");
  g_autoptr(GString) line = g_string_new (NULL);
  const char *key;
  va_list ap;

  if (app->json)
    {
      g_string_append (line, "{\"time\":");
      append_json_string (line, time);
      append_field (app, line, "event", event);
      if (registration != NULL)
        append_field (app, line, "registration", registration);
    }
  else
    g_string_append_printf (line, "%s %-7s %s", time, registration ? registration : "-", event);

  va_start (ap, registration);
  while ((key = va_arg (ap, const char *)) != NULL)
    append_field (app, line, key, va_arg (ap, const char *));
  va_end (ap);

  if (app->json)
    g_string_append_c (line, '}');

  g_print ("%s\n", line->str);
}

static const char *
enum_nick (GType type,
           int   value)
{
  GEnumClass *klass = g_type_class_ref (type);
  GEnumValue *v = g_enum_get_value (klass, value);

  g_type_class_unref (klass);
  return v ? v->value_nick : "?";
}

/* ---------------------------------------------------------------------- */
/* Registration events                                                    */

static void
state_changed_cb (SipnatRegistration *reg,
                  GParamSpec         *pspec,
                  App                *app)
{
  print_event (app, "state", sipnat_registration_get_name (reg),
               "state", enum_nick (SIPNAT_TYPE_REGISTRATION_STATE, sipnat_registration_get_state (reg)),
               "reason", sipnat_registration_get_state_reason (reg),
               NULL);
}

static void
binding_changed_cb (SipnatRegistration  *reg,
                    const SipnatBinding *old_binding,
                    const SipnatBinding *new_binding,
                    App                 *app)
{
  g_autofree char *old_text = old_binding ? sipnat_binding_to_string (old_binding) : NULL;
  g_autofree char *new_text = sipnat_binding_to_string (new_binding);

  print_event (app, "public-binding-changed", sipnat_registration_get_name (reg),
               "old", old_text, "new", new_text, NULL);
}

static void
nat_detected_cb (SipnatRegistration *reg,
                 GParamSpec         *pspec,
                 App                *app)
{
  print_event (app, "nat-detected", sipnat_registration_get_name (reg),
               "value", sipnat_registration_get_nat_detected (reg) ? "yes" : "no", NULL);
}

static void
contact_changed_cb (SipnatRegistration *reg,
                    GParamSpec         *pspec,
                    App                *app)
{
  print_event (app, "contact", sipnat_registration_get_name (reg),
               "uri", sipnat_registration_get_contact (reg), NULL);
}

static void
watch_registrations (App *app)
{
  GListModel *list = sipnat_endpoint_get_registrations (app->endpoint);
  guint n = g_list_model_get_n_items (list);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(SipnatRegistration) reg = g_list_model_get_item (list, i);

      g_signal_connect (reg, "notify::state", G_CALLBACK (state_changed_cb), app);
      g_signal_connect (reg, "notify::nat-detected", G_CALLBACK (nat_detected_cb), app);
      g_signal_connect (reg, "notify::contact", G_CALLBACK (contact_changed_cb), app);
      g_signal_connect (reg, "public-binding-changed", G_CALLBACK (binding_changed_cb), app);
    }
}

/* ---------------------------------------------------------------------- */
/* Life cycle                                                             */

static void
close_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      data)
{
  App *app = data;
  g_autoptr(GError) error = NULL;

  if (!sipnat_endpoint_close_finish (SIPNAT_ENDPOINT (source), result, &error))
    g_printerr ("sipnat: %s\n", error->message);

  print_event (app, "closed", NULL, NULL);
  g_main_loop_quit (app->loop);
}

static void
start_close (App *app)
{
  if (app->closing)
    return;

  app->closing = TRUE;
  sipnat_endpoint_close_async (app->endpoint, NULL, close_cb, app);
}

static gboolean
signal_cb (gpointer data)
{
  App *app = data;

  print_event (app, "signal", NULL, NULL);
  start_close (app);
  return G_SOURCE_CONTINUE;
}

static gboolean
time_up_cb (gpointer data)
{
  start_close (data);
  return G_SOURCE_REMOVE;
}

static gboolean
any_retrying (App *app)
{
  GListModel *list = sipnat_endpoint_get_registrations (app->endpoint);
  guint n = g_list_model_get_n_items (list);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(SipnatRegistration) reg = g_list_model_get_item (list, i);

      if (sipnat_registration_get_state (reg) == SIPNAT_REGISTRATION_STATE_RETRYING)
        return TRUE;
    }

  return FALSE;
}

static void
registered_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      data)
{
  App *app = data;
  g_autoptr(GError) error = NULL;

  if (sipnat_endpoint_register_all_finish (SIPNAT_ENDPOINT (source), result, &error))
    {
      print_event (app, "registered-all", NULL, NULL);
      return;
    }

  print_event (app, "error", NULL, "message", error->message, NULL);
  if (any_retrying (app))
    return;   /* reg_interval: it keeps trying */

  g_printerr ("sipnat: %s\n", error->message);
  app->status = 1;
  start_close (app);
}

static int
command_register (int    argc,
                  char **argv)
{
  g_autofree char *config = NULL;
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  App app = { 0 };
  int seconds = 0;
  GOptionEntry entries[] = {
    { "config", 'c', 0, G_OPTION_ARG_FILENAME, &config, "Configuration file (key file or SipEndpoint.config)", "FILE" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &app.json, "Print events as JSON lines", NULL },
    { "for", 0, 0, G_OPTION_ARG_INT, &seconds, "Unregister and exit after SECONDS", "SECONDS" },
    { NULL }
  };

  context = g_option_context_new ("- register every proxy of a configuration");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("sipnat register: %s\n", error->message);
      return 2;
    }
  if (config == NULL)
    {
      g_printerr ("sipnat register: --config FILE is required\n");
      return 2;
    }

  app.endpoint = sipnat_endpoint_new_from_file (config, NULL, &error);
  if (app.endpoint == NULL)
    {
      g_printerr ("sipnat: %s\n", error->message);
      return 1;
    }

  {
    g_autofree char *port = g_strdup_printf ("%u", sipnat_endpoint_get_local_port (app.endpoint));
    print_event (&app, "started", NULL,
                 "local-address", sipnat_endpoint_get_local_address (app.endpoint),
                 "local-port", port, NULL);
  }

  app.loop = g_main_loop_new (NULL, FALSE);
  g_unix_signal_add (SIGINT, signal_cb, &app);
  g_unix_signal_add (SIGTERM, signal_cb, &app);
  if (seconds > 0)
    g_timeout_add_seconds (seconds, time_up_cb, &app);

  watch_registrations (&app);
  sipnat_endpoint_register_all_async (app.endpoint, NULL, registered_cb, &app);

  g_main_loop_run (app.loop);

  g_clear_object (&app.endpoint);
  g_main_loop_unref (app.loop);
  return app.status;
}

static void
usage (void)
{
  g_printerr ("Usage: sipnat register --config FILE [--json] [--for SECONDS]\n");
}

int
main (int    argc,
      char **argv)
{
  setlocale (LC_ALL, "");

  if (argc < 2)
    {
      usage ();
      return 2;
    }

  if (g_str_equal (argv[1], "register"))
    return command_register (argc - 1, argv + 1);

  if (g_str_equal (argv[1], "--version"))
    {
      g_print ("sipnat %u.%u.%u\n", sipnat_get_major_version (),
               sipnat_get_minor_version (), sipnat_get_micro_version ());
      return 0;
    }

  usage ();
  return 2;
}
