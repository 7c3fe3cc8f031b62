/* sipnat-call.c: `sipnat call` and `sipnat answer`
 *
 *   sipnat call URI --config FILE [--json] [--for SECONDS] [--audio DEVICE]
 *   sipnat answer --config FILE [--json] [--for SECONDS] [--audio DEVICE]
 *
 * Both register every proxy of the configuration (the run of
 * sipnat-register.c), then place a call from the first registration to
 * URI, or answer every incoming call (one at a time; a call coming in
 * while another exists is rejected with 486 Busy Here). The call's media
 * bin gets a live test tone and its audio goes to a fakesink, or both go
 * to a sound device (--audio). Events: call-state on every state change,
 * selected-pair when the media path changes, media-stats every second
 * while a call exists and once at its end, call-error when it fails.
 *
 * `call` hangs up --for SECONDS (default 10) after the call became active
 * and ends the run when its call ends; `answer` runs --for SECONDS in
 * total (default: until a signal). Exit status: 0 when a call was active
 * (and the end was clean, as for `register`), 1 otherwise, 2 for a usage
 * or configuration error (a malformed URI included).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "sipnat-tool.h"

#define DEFAULT_CALL_SECONDS 10
/* --for in milliseconds fits a guint */
#define MAX_SECONDS (G_MAXINT / 1000)

typedef struct {
  const char *name;          /* "call" or "answer", for messages */
  char *target;              /* call: the URI; answer: NULL */
  char *audio;               /* "test", "auto" or a PulseAudio device */
  int active_seconds;        /* call: hang up this long after active */
  SipnatCall *call;          /* the current call */
  GstElement *pipeline;      /* around the current call's media bin */
  guint stats_id;
  guint hangup_id;
  gboolean was_active;       /* some call became active */
  guint calls;               /* calls taken (answered or placed) */
} Calls;

static Calls *
calls_of (App *app)
{
  return app->command_data;
}

/* ---------------------------------------------------------------------- */
/* Audio: a test tone and a fakesink, or a sound device                    */

static gboolean
audio_is_test (const char *audio)
{
  return g_str_equal (audio, "test");
}

static const char *
audio_source_factory (const char *audio)
{
  if (audio_is_test (audio))
    return "audiotestsrc";
  return g_str_equal (audio, "auto") ? "autoaudiosrc" : "pulsesrc";
}

static const char *
audio_sink_factory (const char *audio)
{
  if (audio_is_test (audio))
    return "fakesink";
  return g_str_equal (audio, "auto") ? "autoaudiosink" : "pulsesink";
}

static GstElement *
make_audio_element (const char *factory,
                    const char *audio)
{
  GstElement *element = gst_element_factory_make (factory, NULL);

  if (audio_is_test (audio) && g_str_equal (factory, "audiotestsrc"))
    g_object_set (element, "is-live", TRUE, NULL);
  else if (audio_is_test (audio))
    g_object_set (element, "sync", FALSE, NULL);
  else if (!g_str_equal (audio, "auto"))
    g_object_set (element, "device", audio, NULL);
  return element;
}

/* source → convert → resample → media bin → convert → resample → sink:
 * the media bin packs 20 ms packets itself. */
static void
start_media (Calls *calls)
{
  GstElement *media = sipnat_call_get_media (calls->call);
  GstElement *src = make_audio_element (audio_source_factory (calls->audio), calls->audio);
  GstElement *sink = make_audio_element (audio_sink_factory (calls->audio), calls->audio);
  GstElement *convert_in = gst_element_factory_make ("audioconvert", NULL);
  GstElement *resample_in = gst_element_factory_make ("audioresample", NULL);
  GstElement *convert_out = gst_element_factory_make ("audioconvert", NULL);
  GstElement *resample_out = gst_element_factory_make ("audioresample", NULL);

  calls->pipeline = gst_pipeline_new (NULL);
  gst_bin_add_many (GST_BIN (calls->pipeline), src, convert_in, resample_in, media,
                    convert_out, resample_out, sink, NULL);
  if (!gst_element_link_many (src, convert_in, resample_in, media, convert_out,
                              resample_out, sink, NULL))
    g_warning ("sipnat: cannot link the audio elements to the call's media");
  if (gst_element_set_state (calls->pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE)
    g_warning ("sipnat: the audio (%s) does not start", calls->audio);
}

/* Whether the elements --audio needs are installed, and a device opens
 * (reaches READY); says what is wrong. */
static gboolean
check_audio (Calls *calls)
{
  const char *needed[] = { "audioconvert", "audioresample" };
  const char *ends[] = {
    audio_source_factory (calls->audio), audio_sink_factory (calls->audio),
  };

  for (guint i = 0; i < G_N_ELEMENTS (needed); i++)
    {
      g_autoptr(GstElementFactory) factory = gst_element_factory_find (needed[i]);

      if (factory == NULL)
        {
          g_printerr ("sipnat %s: the GStreamer element %s is not installed\n",
                      calls->name, needed[i]);
          return FALSE;
        }
    }

  for (guint i = 0; i < G_N_ELEMENTS (ends); i++)
    {
      g_autoptr(GstElementFactory) factory = gst_element_factory_find (ends[i]);
      g_autoptr(GstElement) element = NULL;
      GstStateChangeReturn ret;

      if (factory == NULL)
        {
          g_printerr ("sipnat %s: --audio %s needs the GStreamer element %s, "
                      "which is not installed\n", calls->name, calls->audio, ends[i]);
          return FALSE;
        }
      element = gst_object_ref_sink (make_audio_element (ends[i], calls->audio));
      ret = gst_element_set_state (element, GST_STATE_READY);
      gst_element_set_state (element, GST_STATE_NULL);
      if (ret == GST_STATE_CHANGE_FAILURE)
        {
          g_printerr ("sipnat %s: --audio %s: %s cannot open the device\n",
                      calls->name, calls->audio, ends[i]);
          return FALSE;
        }
    }
  return TRUE;
}

static void
stop_media (Calls *calls)
{
  if (calls->pipeline == NULL)
    return;

  gst_element_set_state (calls->pipeline, GST_STATE_NULL);
  g_clear_object (&calls->pipeline);
}

/* ---------------------------------------------------------------------- */
/* Events about the call                                                  */

static void
report_call_state (App        *app,
                   SipnatCall *call)
{
  Event ev = event_begin (app, "call-state", sipnat_call_get_registration (call));
  guint status_code = sipnat_call_get_status_code (call);

  event_string (&ev, "state", enum_nick (SIPNAT_TYPE_CALL_STATE, sipnat_call_get_state (call)));
  event_string (&ev, "reason", sipnat_call_get_state_reason (call));
  event_number_or_null (&ev, "status-code", status_code ? (gint64) status_code : -1);
  event_string (&ev, "remote-uri", sipnat_call_get_remote_uri (call));
  event_print (&ev);
}

static void
report_stats (App        *app,
              SipnatCall *call)
{
  g_autoptr(SipnatCallStats) stats = sipnat_call_get_stats (call);
  Event ev = event_begin (app, "media-stats", sipnat_call_get_registration (call));

  event_number (&ev, "rtp-sent", sipnat_call_stats_get_rtp_packets_sent (stats));
  event_number (&ev, "rtp-received", sipnat_call_stats_get_rtp_packets_received (stats));
  event_number (&ev, "bytes-sent", sipnat_call_stats_get_rtp_bytes_sent (stats));
  event_number (&ev, "bytes-received", sipnat_call_stats_get_rtp_bytes_received (stats));
  event_number_or_null (&ev, "connect-time-ms", sipnat_call_stats_get_connect_time (stats));
  event_number_or_null (&ev, "first-rtp-ms", sipnat_call_stats_get_first_rtp_time (stats));
  event_print (&ev);
}

static void
report_call_error (App          *app,
                   SipnatCall   *call,
                   const GError *error)
{
  Event ev = event_begin (app, "call-error", sipnat_call_get_registration (call));

  event_string (&ev, "code", error_code (error));
  event_string (&ev, "message", error->message);
  event_print (&ev);

  g_printerr ("sipnat %s: %s\n", calls_of (app)->name, error->message);
}

static void
pair_changed_cb (SipnatCall                *call,
                 const SipnatCandidatePair *pair,
                 App                       *app)
{
  Event ev = event_begin (app, "selected-pair", sipnat_call_get_registration (call));

  event_string (&ev, "local-type",
                sipnat_candidate_type_to_string (sipnat_candidate_pair_get_local_type (pair)));
  event_string (&ev, "remote-type",
                sipnat_candidate_type_to_string (sipnat_candidate_pair_get_remote_type (pair)));
  event_string (&ev, "local-address", sipnat_candidate_pair_get_local_address (pair));
  event_string (&ev, "remote-address", sipnat_candidate_pair_get_remote_address (pair));
  event_string (&ev, "transport",
                sipnat_media_transport_to_string (sipnat_candidate_pair_get_transport (pair)));
  event_string (&ev, "relay-server", sipnat_candidate_pair_get_relay_server (pair));
  event_print (&ev);
}

static gboolean
stats_cb (gpointer data)
{
  App *app = data;

  report_stats (app, calls_of (app)->call);
  return G_SOURCE_CONTINUE;
}

/* ---------------------------------------------------------------------- */
/* The call's life                                                        */

/* The call ended: its last counters, then it is let go of. `call` ends
 * the run with its call; `answer` waits for the next one. */
static void
call_ended (App *app)
{
  Calls *calls = calls_of (app);
  g_autoptr(SipnatCall) call = g_steal_pointer (&calls->call);
  const GError *error = sipnat_call_get_error (call);

  g_clear_handle_id (&calls->stats_id, g_source_remove);
  g_clear_handle_id (&calls->hangup_id, g_source_remove);
  g_signal_handlers_disconnect_by_data (call, app);
  report_stats (app, call);
  if (error != NULL)
    report_call_error (app, call, error);
  stop_media (calls);

  if (calls->target != NULL)
    end_run (app);
}

static gboolean
hangup_cb (gpointer data)
{
  App *app = data;
  Calls *calls = calls_of (app);
  Event ev = event_begin (app, "time-up", NULL);

  calls->hangup_id = 0;
  event_number (&ev, "seconds", calls->active_seconds);
  event_print (&ev);

  sipnat_call_hangup (calls->call);
  return G_SOURCE_REMOVE;
}

static void
call_state_cb (SipnatCall *call,
               GParamSpec *pspec,
               App        *app)
{
  Calls *calls = calls_of (app);
  SipnatCallState state = sipnat_call_get_state (call);

  report_call_state (app, call);

  if (state == SIPNAT_CALL_STATE_ACTIVE && !calls->was_active)
    calls->was_active = TRUE;
  if (state == SIPNAT_CALL_STATE_ACTIVE && calls->target != NULL && calls->hangup_id == 0)
    calls->hangup_id = g_timeout_add (calls->active_seconds * 1000u, hangup_cb, app);
  if (state == SIPNAT_CALL_STATE_ENDED)
    call_ended (app);
}

/* Makes @call the current call: its events, its media and a timer for
 * its counters. */
static void
take_call (App        *app,
           SipnatCall *call)
{
  Calls *calls = calls_of (app);

  calls->call = g_object_ref (call);
  calls->calls++;
  g_signal_connect (call, "notify::state", G_CALLBACK (call_state_cb), app);
  g_signal_connect (call, "selected-pair-changed", G_CALLBACK (pair_changed_cb), app);
  if (sipnat_call_get_state (call) != SIPNAT_CALL_STATE_IDLE)
    report_call_state (app, call);
  start_media (calls);
  calls->stats_id = g_timeout_add (1000, stats_cb, app);
}

/* Dial and answer fail by ending the call, reported by call_ended; this
 * catches a failure that would leave the call up. */
static void
connected_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      data)
{
  SipnatCall *call = SIPNAT_CALL (source);
  g_autoptr(GError) error = NULL;
  gboolean ok = sipnat_call_get_direction (call) == SIPNAT_CALL_DIRECTION_OUTGOING
                ? sipnat_call_dial_finish (call, result, &error)
                : sipnat_call_answer_finish (call, result, &error);

  if (!ok && sipnat_call_get_state (call) != SIPNAT_CALL_STATE_ENDED)
    {
      g_warning ("sipnat: the call failed without ending: %s", error->message);
      sipnat_call_hangup (call);
    }
}

static void
incoming_call_cb (SipnatEndpoint *endpoint,
                  SipnatCall     *call,
                  App            *app)
{
  Calls *calls = calls_of (app);

  if (calls->call != NULL || app->ending)
    {
      g_message ("sipnat answer: busy: rejecting the call from %s",
                 sipnat_call_get_remote_uri (call));
      sipnat_call_reject (call, 486);
      return;
    }

  take_call (app, call);
  sipnat_call_answer_async (call, NULL, connected_cb, app);
}

/* ---------------------------------------------------------------------- */
/* Hooks into the run                                                     */

/* (transfer none): the endpoint keeps it */
static SipnatRegistration *
first_registration (App *app)
{
  SipnatRegistration *reg =
    g_list_model_get_item (sipnat_endpoint_get_registrations (app->endpoint), 0);

  g_object_unref (reg);
  return reg;
}

static int
setup (App *app)
{
  Calls *calls = calls_of (app);
  g_autoptr(GError) error = NULL;

  if (calls->target == NULL)
    {
      g_signal_connect (app->endpoint, "incoming-call", G_CALLBACK (incoming_call_cb), app);
      return 0;
    }

  /* Created now, dialled once registered: a malformed URI is a usage
   * error found before any traffic. */
  calls->call = sipnat_registration_create_call (first_registration (app), calls->target, &error);
  if (calls->call == NULL)
    {
      g_printerr ("sipnat call: %s\n", error->message);
      return g_error_matches (error, SIPNAT_ERROR, SIPNAT_ERROR_CONFIG) ? EXIT_USAGE : EXIT_FAILED;
    }
  return 0;
}

/* `call` dials the call made by setup (the run calls this only while it
 * is not ending). */
static void
registered_all (App *app)
{
  Calls *calls = calls_of (app);
  g_autoptr(SipnatCall) call = NULL;

  if (calls->target == NULL)
    return;

  call = g_steal_pointer (&calls->call);
  take_call (app, call);
  sipnat_call_dial_async (call, NULL, connected_cb, app);
}

/* Hang up what is left, and tell whether a call was active. */
static void
ending (App *app)
{
  Calls *calls = calls_of (app);

  if (calls->call != NULL)
    sipnat_call_hangup (calls->call);

  if (calls->was_active)
    return;

  app->status = EXIT_FAILED;
  if (calls->calls == 0 && calls->target == NULL)
    g_printerr ("sipnat answer: no call\n");
  else
    g_printerr ("sipnat %s: no call became active\n", calls->name);
}

static void
teardown (App *app)
{
  Calls *calls = calls_of (app);

  g_clear_handle_id (&calls->stats_id, g_source_remove);
  g_clear_handle_id (&calls->hangup_id, g_source_remove);
  if (calls->call != NULL)
    g_signal_handlers_disconnect_by_data (calls->call, app);
  stop_media (calls);
  g_clear_object (&calls->call);
}

static const Command call_command = { setup, registered_all, ending, teardown };

/* ---------------------------------------------------------------------- */
/* Command lines                                                          */

static int
command_calls (int         argc,
               char      **argv,
               const char *name)
{
  g_autofree char *config = NULL;
  g_autofree char *prgname = g_strdup_printf ("sipnat %s", name);
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  gboolean outgoing = g_str_equal (name, "call");
  Calls calls = { .name = name, .active_seconds = outgoing ? DEFAULT_CALL_SECONDS : 0 };
  App app = { .command = &call_command, .command_data = &calls };
  int status;
  GOptionEntry entries[] = {
    { "config", 'c', 0, G_OPTION_ARG_FILENAME, &config,
      "Configuration file (key file or SipEndpoint.config)", "FILE" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &app.json, "Print events as JSON lines", NULL },
    { "for", 0, 0, G_OPTION_ARG_INT, &calls.active_seconds,
      outgoing ? "Hang up SECONDS after the call became active (default 10)"
               : "Hang up and exit after SECONDS in all (0, the default: run until a signal)",
      "SECONDS" },
    { "audio", 0, 0, G_OPTION_ARG_STRING, &calls.audio,
      "“test” (a tone, the default), “auto” or a PulseAudio device name", "DEVICE" },
    { NULL }
  };

  g_set_prgname (prgname);
  context = g_option_context_new (outgoing ? "URI - call URI with a test tone"
                                           : "- answer every incoming call with a test tone");
  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_set_description (context,
    "Exit status: 0 when a call was active, 1 otherwise, 2 for a usage\n"
    "or configuration error. See sipnat(1).");
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("%s: %s\n", prgname, error->message);
      return EXIT_USAGE;
    }
  if (outgoing && argc < 2)
    {
      g_printerr ("sipnat call: the URI to call is required\n");
      return EXIT_USAGE;
    }
  if (argc > (outgoing ? 2 : 1))
    {
      g_printerr ("%s: unexpected argument “%s”\n", prgname, argv[outgoing ? 2 : 1]);
      return EXIT_USAGE;
    }
  if (config == NULL)
    {
      g_printerr ("%s: --config FILE is required\n", prgname);
      return EXIT_USAGE;
    }
  if (calls.active_seconds < 0 || calls.active_seconds > MAX_SECONDS)
    {
      g_printerr ("%s: --for must be 0 to %d seconds, not %d\n", prgname, MAX_SECONDS,
                  calls.active_seconds);
      return EXIT_USAGE;
    }
  if (calls.audio == NULL)
    calls.audio = g_strdup ("test");
  gst_init (NULL, NULL);
  if (*calls.audio == '\0' || !check_audio (&calls))
    {
      if (*calls.audio == '\0')
        g_printerr ("%s: --audio needs a device name, “test” or “auto”\n", prgname);
      g_free (calls.audio);
      return EXIT_USAGE;
    }

  if (outgoing)
    calls.target = g_strdup (argv[1]);
  else
    app.seconds = calls.active_seconds;

  status = run (&app, config);
  g_free (calls.target);
  g_free (calls.audio);
  return status;
}

int
command_call (int    argc,
              char **argv)
{
  return command_calls (argc, argv, "call");
}

int
command_answer (int    argc,
                char **argv)
{
  return command_calls (argc, argv, "answer");
}
