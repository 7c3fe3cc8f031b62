/* sipnat-probe.c: `sipnat probe`, what kind of NAT am I behind
 *
 *   sipnat probe --config FILE [--json] [--lifetime]
 *
 * Runs sipnat_endpoint_probe_nat_async() with the first proxy of the
 * configuration (its registrar and STUN server) and prints the report:
 * readable lines, or one `nat-report` JSON object (doc/sipnat.1).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <glib-unix.h>

#include "sipnat-tool.h"

typedef struct {
  App *app;
  SipnatNatReport *report;
  GError *error;
  GCancellable *cancellable;
} Probe;

static const char *
check_text (SipnatNatCheck check)
{
  switch (check)
    {
    case SIPNAT_NAT_CHECK_YES:
      return "yes";
    case SIPNAT_NAT_CHECK_NO:
      return "no";
    case SIPNAT_NAT_CHECK_UNKNOWN:
    default:
      return "unknown";
    }
}

/* JSON: true, false or null. */
static void
event_check (Event          *ev,
             const char     *key,
             SipnatNatCheck  check)
{
  if (check == SIPNAT_NAT_CHECK_UNKNOWN)
    event_string (ev, key, NULL);
  else
    event_bool (ev, key, check == SIPNAT_NAT_CHECK_YES);
}

static char *
advice_nicks (SipnatNatAdvice advice)
{
  GFlagsClass *klass = g_type_class_ref (SIPNAT_TYPE_NAT_ADVICE);
  GString *nicks = g_string_new (NULL);

  for (guint i = 0; i < klass->n_values; i++)
    {
      if (klass->values[i].value == 0 || (advice & klass->values[i].value) == 0)
        continue;
      if (nicks->len > 0)
        g_string_append_c (nicks, ',');
      g_string_append (nicks, klass->values[i].value_nick);
    }
  g_type_class_unref (klass);
  return g_string_free (nicks, FALSE);
}

static char *
public_address (SipnatNatReport *report)
{
  guint port = 0;
  const char *host = sipnat_nat_report_get_public_address (report, &port);

  if (host == NULL)
    return NULL;
  if (port == 0)
    return g_strdup (host);
  return g_strdup_printf (strchr (host, ':') ? "[%s]:%u" : "%s:%u", host, port);
}

static void
print_json (App             *app,
            SipnatNatReport *report)
{
  Event ev = event_begin (app, "nat-report", NULL);
  g_autofree char *address = public_address (report);
  g_autofree char *advice = advice_nicks (sipnat_nat_report_get_advice (report));

  event_string (&ev, "mapping",
                enum_nick (SIPNAT_TYPE_NAT_BEHAVIOUR, sipnat_nat_report_get_mapping (report)));
  event_string (&ev, "filtering",
                enum_nick (SIPNAT_TYPE_NAT_BEHAVIOUR, sipnat_nat_report_get_filtering (report)));
  event_check (&ev, "nat", sipnat_nat_report_get_nat (report));
  event_check (&ev, "hairpinning", sipnat_nat_report_get_hairpinning (report));
  event_number_or_null (&ev, "binding-lifetime", sipnat_nat_report_get_binding_lifetime (report));
  event_check (&ev, "udp", sipnat_nat_report_get_udp (report));
  event_check (&ev, "tcp", sipnat_nat_report_get_tcp (report));
  event_check (&ev, "fragments", sipnat_nat_report_get_fragments (report));
  event_string (&ev, "public-address", address);
  event_string (&ev, "advice", advice);
  event_string (&ev, "summary", sipnat_nat_report_get_summary (report));
  event_print (&ev);
}

static void
print_text (SipnatNatReport *report)
{
  g_autofree char *address = public_address (report);
  gint lifetime = sipnat_nat_report_get_binding_lifetime (report);
  const char *advice = sipnat_nat_report_get_advice_text (report);
  g_auto(GStrv) lines = g_strsplit (advice, "\n", -1);

  g_print ("%s\n\n", sipnat_nat_report_get_summary (report));
  g_print ("  mapping           %s\n",
           enum_nick (SIPNAT_TYPE_NAT_BEHAVIOUR, sipnat_nat_report_get_mapping (report)));
  g_print ("  filtering         %s\n",
           enum_nick (SIPNAT_TYPE_NAT_BEHAVIOUR, sipnat_nat_report_get_filtering (report)));
  g_print ("  behind a NAT      %s\n", check_text (sipnat_nat_report_get_nat (report)));
  g_print ("  hairpinning       %s\n", check_text (sipnat_nat_report_get_hairpinning (report)));
  g_print ("  UDP to registrar  %s\n", check_text (sipnat_nat_report_get_udp (report)));
  g_print ("  TCP to registrar  %s\n", check_text (sipnat_nat_report_get_tcp (report)));
  g_print ("  IP fragments      %s\n", check_text (sipnat_nat_report_get_fragments (report)));
  if (lifetime >= 0)
    g_print ("  binding lifetime  %d s\n", lifetime);
  else
    g_print ("  binding lifetime  not measured\n");
  g_print ("  public address    %s\n", address != NULL ? address : "unknown");
  if (*advice != '\0')
    {
      g_print ("\nAdvice:\n");
      for (guint i = 0; lines[i] != NULL; i++)
        g_print ("  %s\n", lines[i]);
    }
}

static void
probed_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      data)
{
  Probe *probe = data;

  probe->report = sipnat_endpoint_probe_nat_finish (SIPNAT_ENDPOINT (source), result,
                                                    &probe->error);
  g_main_loop_quit (probe->app->loop);
}

static gboolean
sigint_cb (gpointer data)
{
  Probe *probe = data;

  g_cancellable_cancel (probe->cancellable);
  return G_SOURCE_CONTINUE;
}

static void
closed_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      data)
{
  App *app = data;

  sipnat_endpoint_close_finish (SIPNAT_ENDPOINT (source), result, NULL);
  g_main_loop_quit (app->loop);
}

static int
probe_run (App        *app,
           const char *config,
           gboolean    lifetime)
{
  g_autoptr(GError) error = NULL;
  Probe probe = { app, NULL, NULL, NULL };
  guint sigint, sigterm;
  int status = 0;

  app->endpoint = sipnat_endpoint_new_from_file (config, NULL, &error);
  if (app->endpoint == NULL)
    {
      g_printerr ("sipnat: %s\n", error->message);
      return g_error_matches (error, SIPNAT_ERROR, SIPNAT_ERROR_CONFIG) ? EXIT_USAGE : EXIT_FAILED;
    }

  app->loop = g_main_loop_new (NULL, FALSE);
  probe.cancellable = g_cancellable_new ();
  sigint = g_unix_signal_add (SIGINT, sigint_cb, &probe);
  sigterm = g_unix_signal_add (SIGTERM, sigint_cb, &probe);

  sipnat_endpoint_probe_nat_async (app->endpoint, NULL,
                                   lifetime ? SIPNAT_NAT_PROBE_BINDING_LIFETIME : 0,
                                   probe.cancellable, probed_cb, &probe);
  g_main_loop_run (app->loop);

  if (probe.report != NULL)
    {
      if (app->json)
        print_json (app, probe.report);
      else
        print_text (probe.report);
      sipnat_nat_report_unref (probe.report);
    }
  else
    {
      g_printerr ("sipnat probe: %s\n", probe.error->message);
      status = g_error_matches (probe.error, SIPNAT_ERROR, SIPNAT_ERROR_CONFIG) ?
               EXIT_USAGE : EXIT_FAILED;
      g_clear_error (&probe.error);
    }

  /* Nothing is registered: closing is quick. */
  sipnat_endpoint_close_async (app->endpoint, NULL, closed_cb, app);
  g_main_loop_run (app->loop);

  g_source_remove (sigint);
  g_source_remove (sigterm);
  g_clear_object (&probe.cancellable);
  g_clear_object (&app->endpoint);
  g_main_loop_unref (app->loop);
  return status;
}

int
command_probe (int    argc,
               char **argv)
{
  g_autofree char *config = NULL;
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  App app = { 0 };
  gboolean lifetime = FALSE;
  GOptionEntry entries[] = {
    { "config", 'c', 0, G_OPTION_ARG_FILENAME, &config,
      "Configuration file (key file or SipEndpoint.config)", "FILE" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &app.json, "Print the report as one JSON object", NULL },
    { "lifetime", 0, 0, G_OPTION_ARG_NONE, &lifetime,
      "Also measure the NAT's UDP binding lifetime (takes minutes)", NULL },
    { NULL }
  };

  g_set_prgname ("sipnat probe");
  context = g_option_context_new ("- what kind of NAT is this host behind");
  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_set_description (context,
    "Uses the registrar and the STUN server of the first proxy of the\n"
    "configuration. Exit status: 0 when the probe ran (whatever it found),\n"
    "1 otherwise, 2 for a usage or configuration error. See sipnat(1).");
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("sipnat probe: %s\n", error->message);
      return EXIT_USAGE;
    }
  if (argc > 1)
    {
      g_printerr ("sipnat probe: unexpected argument “%s”\n", argv[1]);
      return EXIT_USAGE;
    }
  if (config == NULL)
    {
      g_printerr ("sipnat probe: --config FILE is required\n");
      return EXIT_USAGE;
    }

  return probe_run (&app, config, lifetime);
}
