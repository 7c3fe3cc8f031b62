/* call.c: place (or answer) an audio call through NATs and count the audio
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 *   call CONFIG URI [SECONDS]       call URI
 *   call CONFIG --answer [SECONDS]  answer the first incoming call
 *
 * CONFIG is a libsipnat configuration file (examples/sipnat.conf): its
 * proxy0 section registers, its nat section chooses ICE, STUN and TURN.
 * A test tone (audiotestsrc) goes through the call's media bin; after
 * SECONDS (default 10) of an active call it hangs up and prints the media
 * path and the RTP packet counts. Exits 0 when the call was active and
 * audio arrived, 1 otherwise.
 *
 * Build against the installed library:
 *   cc call.c -o call $(pkg-config --cflags --libs libsipnat-1)
 */

#include <locale.h>
#include <sipnat.h>
#include <stdlib.h>

typedef struct {
  GMainLoop *loop;
  SipnatEndpoint *endpoint;
  SipnatRegistration *registration;   /* owned by the endpoint */
  SipnatCall *call;
  GstElement *pipeline;
  const char *target;                 /* NULL: answer */
  guint seconds;
  gboolean was_active;
  int status;
} App;

/* The call's media is a bin: raw audio in on "sink", decoded audio out on
 * "src". Link it before dialling or answering. */
static void
start_media (App *app)
{
  GstElement *src = gst_element_factory_make ("audiotestsrc", NULL);
  GstElement *sink = gst_element_factory_make ("fakesink", NULL);
  GstElement *media = sipnat_call_get_media (app->call);

  g_object_set (src, "is-live", TRUE, NULL);
  g_object_set (sink, "sync", FALSE, NULL);
  app->pipeline = gst_pipeline_new (NULL);
  gst_bin_add_many (GST_BIN (app->pipeline), src, media, sink, NULL);
  gst_element_link_many (src, media, sink, NULL);
  gst_element_set_state (app->pipeline, GST_STATE_PLAYING);
}

static void
print_pair (const SipnatCandidatePair *pair)
{
  g_print ("media path: %s %s <-> %s %s over %s\n",
           sipnat_candidate_type_to_string (sipnat_candidate_pair_get_local_type (pair)),
           sipnat_candidate_pair_get_local_address (pair),
           sipnat_candidate_type_to_string (sipnat_candidate_pair_get_remote_type (pair)),
           sipnat_candidate_pair_get_remote_address (pair),
           sipnat_media_transport_to_string (sipnat_candidate_pair_get_transport (pair)));
}

static void
pair_changed_cb (SipnatCall          *call,
                 SipnatCandidatePair *pair,
                 gpointer             user_data)
{
  print_pair (pair);
}

static void
closed_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  App *app = user_data;

  sipnat_endpoint_close_finish (SIPNAT_ENDPOINT (source), result, NULL);
  g_main_loop_quit (app->loop);
}

static void
finish (App *app)
{
  g_autoptr(SipnatCallStats) stats = sipnat_call_get_stats (app->call);
  guint64 received = sipnat_call_stats_get_rtp_packets_received (stats);

  g_print ("sent %" G_GUINT64_FORMAT " RTP packets, received %" G_GUINT64_FORMAT "; "
           "media connected %" G_GINT64_FORMAT " ms after the answer\n",
           sipnat_call_stats_get_rtp_packets_sent (stats), received,
           sipnat_call_stats_get_connect_time (stats));
  if (app->was_active && received > 0)
    app->status = EXIT_SUCCESS;

  gst_element_set_state (app->pipeline, GST_STATE_NULL);
  sipnat_endpoint_close_async (app->endpoint, NULL, closed_cb, app);
}

static gboolean
hang_up_cb (gpointer user_data)
{
  App *app = user_data;

  sipnat_call_hangup (app->call);
  return G_SOURCE_REMOVE;
}

static void
state_cb (SipnatCall *call,
          GParamSpec *pspec,
          App        *app)
{
  SipnatCallState state = sipnat_call_get_state (call);
  g_autoptr(GEnumClass) states = g_type_class_ref (SIPNAT_TYPE_CALL_STATE);
  const char *name = g_enum_get_value (states, state)->value_nick;
  const char *reason = sipnat_call_get_state_reason (call);

  g_print ("call: %s%s%s%s\n", name, reason ? " (" : "", reason ? reason : "", reason ? ")" : "");
  if (state == SIPNAT_CALL_STATE_ACTIVE && !app->was_active)
    {
      app->was_active = TRUE;
      g_timeout_add_seconds (app->seconds, hang_up_cb, app);
    }
  else if (state == SIPNAT_CALL_STATE_ENDED)
    finish (app);
}

static void
watch (App        *app,
       SipnatCall *call)
{
  app->call = g_object_ref (call);
  g_signal_connect (call, "notify::state", G_CALLBACK (state_cb), app);
  g_signal_connect (call, "selected-pair-changed", G_CALLBACK (pair_changed_cb), app);
  start_media (app);
}

static void
connected_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  SipnatCall *call = SIPNAT_CALL (source);
  g_autoptr(GError) error = NULL;
  gboolean ok = sipnat_call_get_direction (call) == SIPNAT_CALL_DIRECTION_OUTGOING
                ? sipnat_call_dial_finish (call, result, &error)
                : sipnat_call_answer_finish (call, result, &error);

  if (!ok)
    g_printerr ("call failed: %s\n", error->message);
}

static void
incoming_call_cb (SipnatEndpoint *endpoint,
                  SipnatCall     *call,
                  App            *app)
{
  if (app->call != NULL)
    {
      sipnat_call_reject (call, 486);
      return;
    }

  g_print ("incoming call from %s\n", sipnat_call_get_remote_uri (call));
  watch (app, call);
  sipnat_call_answer_async (call, NULL, connected_cb, app);
}

static void
registered_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  App *app = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(SipnatCall) call = NULL;

  if (!sipnat_endpoint_register_all_finish (app->endpoint, result, &error))
    {
      g_printerr ("registration failed: %s\n", error->message);
      g_main_loop_quit (app->loop);
      return;
    }
  if (app->target == NULL)
    {
      g_print ("waiting for a call\n");
      return;
    }

  call = sipnat_registration_create_call (app->registration, app->target, &error);
  if (call == NULL)
    {
      g_printerr ("%s\n", error->message);
      g_main_loop_quit (app->loop);
      return;
    }
  watch (app, call);
  sipnat_call_dial_async (call, NULL, connected_cb, app);
}

int
main (int   argc,
      char *argv[])
{
  App app = { .status = EXIT_FAILURE, .seconds = 10 };
  g_autoptr(GError) error = NULL;

  setlocale (LC_ALL, "");
  gst_init (&argc, &argv);
  if (argc < 3 || argc > 4)
    {
      g_printerr ("usage: %s CONFIG (URI | --answer) [SECONDS]\n", argv[0]);
      return 2;
    }
  app.target = g_str_equal (argv[2], "--answer") ? NULL : argv[2];
  if (argc == 4)
    app.seconds = (guint) g_ascii_strtoull (argv[3], NULL, 10);

  app.endpoint = sipnat_endpoint_new_from_file (argv[1], NULL, &error);
  if (app.endpoint == NULL)
    {
      g_printerr ("cannot create the endpoint: %s\n", error->message);
      return EXIT_FAILURE;
    }
  app.registration = g_list_model_get_item (sipnat_endpoint_get_registrations (app.endpoint), 0);
  if (app.registration == NULL)
    {
      g_printerr ("%s: no proxy0 section\n", argv[1]);
      return EXIT_FAILURE;
    }
  g_object_unref (app.registration);   /* the endpoint keeps it */
  g_signal_connect (app.endpoint, "incoming-call", G_CALLBACK (incoming_call_cb), &app);

  app.loop = g_main_loop_new (NULL, FALSE);
  sipnat_endpoint_register_all_async (app.endpoint, NULL, registered_cb, &app);
  g_main_loop_run (app.loop);

  g_clear_object (&app.pipeline);
  g_clear_object (&app.call);
  g_clear_object (&app.endpoint);
  g_main_loop_unref (app.loop);
  return app.status;
}
