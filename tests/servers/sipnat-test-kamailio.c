/* sipnat-test-kamailio.c: a real Kamailio registrar for tests in other languages
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The binding tests (Python, GJS, Vala) get their registrar from this
 * program; it wraps tests/sipnat-test-registrar.c.
 *
 *   sipnat-test-kamailio [--auth] [--min-expires N] [--max-expires N] [--listen ADDRESS]
 *
 * Starts Kamailio on a free port (127.0.0.1 by default) and prints one line
 *
 *   PORT <n>
 *
 * on stdout, or `SKIP <reason>` and exits 77 when Kamailio is not installed,
 * or `ERROR <reason>` and exits 1 when it cannot start. Then it reads
 * commands, one a line, on stdin and answers each with one line:
 *
 *   contacts USER   ->  CONTACTS <uri> <uri>...   (the unexpired contacts)
 *   count           ->  COUNT <n>                 (REGISTERs received so far)
 *   pid             ->  PID <n>                   (Kamailio's main process)
 *   anything else   ->  ERROR unknown command ...
 *
 * When stdin reaches EOF (the test closed it, or died) or on SIGTERM/SIGINT/
 * SIGHUP, it stops Kamailio by its PID and exits 0. Should this program be
 * killed outright, Kamailio still goes: it gets SIGTERM as a parent-death
 * signal (see child_setup() in sipnat-test-registrar.c).
 *
 * The environment variables of sipnat-test-registrar.h apply
 * (SIPNAT_SOURCE_ROOT, SIPNAT_KAMAILIO, SIPNAT_KAMCMD, SIPNAT_TEST_VERBOSE).
 */

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <glib-unix.h>
#include <gio/gio.h>

#include "sipnat-test-registrar.h"

#define EXIT_SKIP 77

typedef struct {
  SipnatTestRegistrar *registrar;
  GMainLoop           *loop;
  guint                stdin_id;
} Helper;

/* Prints one answer line and flushes it: the reader waits for it. */
static void
reply (const char *format,
       ...) G_GNUC_PRINTF (1, 2);

static void
reply (const char *format,
       ...)
{
  va_list ap;

  va_start (ap, format);
  vfprintf (stdout, format, ap);
  va_end (ap);
  fputc ('\n', stdout);
  fflush (stdout);
}

static void
handle_command (Helper *helper,
                char   *line)
{
  g_auto(GStrv) words = NULL;

  g_strstrip (line);
  if (*line == '\0')
    return;

  words = g_strsplit_set (line, " \t", -1);

  if (g_str_equal (words[0], "contacts") && words[1] != NULL && *words[1] != '\0')
    {
      g_auto(GStrv) contacts = sipnat_test_registrar_get_contacts (helper->registrar, words[1]);
      g_autoptr(GString) answer = g_string_new ("CONTACTS");

      for (guint i = 0; contacts[i] != NULL; i++)
        g_string_append_printf (answer, " %s", contacts[i]);
      reply ("%s", answer->str);
    }
  else if (g_str_equal (words[0], "count"))
    {
      reply ("COUNT %u", sipnat_test_registrar_count_registers (helper->registrar));
    }
  else if (g_str_equal (words[0], "pid"))
    {
      reply ("PID %d", (int) sipnat_test_registrar_get_pid (helper->registrar));
    }
  else
    {
      reply ("ERROR unknown command: %s (try: contacts USER, count, pid)", line);
    }
}

static gboolean
stdin_cb (GIOChannel   *channel,
          GIOCondition  condition,
          gpointer      user_data)
{
  Helper *helper = user_data;

  for (;;)
    {
      g_autofree char *line = NULL;
      g_autoptr(GError) error = NULL;
      GIOStatus status;

      status = g_io_channel_read_line (channel, &line, NULL, NULL, &error);
      switch (status)
        {
        case G_IO_STATUS_NORMAL:
          handle_command (helper, line);
          /* More lines may already be buffered in the channel. */
          if ((g_io_channel_get_buffer_condition (channel) & G_IO_IN) == 0)
            return G_SOURCE_CONTINUE;
          break;

        case G_IO_STATUS_AGAIN:
          return G_SOURCE_CONTINUE;

        case G_IO_STATUS_ERROR:
          g_printerr ("sipnat-test-kamailio: reading stdin: %s\n", error->message);
          G_GNUC_FALLTHROUGH;
        case G_IO_STATUS_EOF:
        default:
          g_main_loop_quit (helper->loop);
          helper->stdin_id = 0;
          return G_SOURCE_REMOVE;
        }
    }
}

static gboolean
signal_cb (gpointer user_data)
{
  Helper *helper = user_data;

  g_main_loop_quit (helper->loop);
  return G_SOURCE_CONTINUE;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GIOChannel) channel = NULL;
  g_autofree char *listen = NULL;
  SipnatTestRegistrarOptions options = { 0 };
  gboolean auth = FALSE;
  int min_expires = 0;
  int max_expires = 0;
  Helper helper = { 0 };
  guint signal_ids[3];
  const GOptionEntry entries[] = {
    { "auth", 0, 0, G_OPTION_ARG_NONE, &auth,
      "Digest auth for REGISTER (alice/alicepw, bob/bobpw, carol/carolpw)", NULL },
    { "min-expires", 0, 0, G_OPTION_ARG_INT, &min_expires,
      "Smaller Expires get 423 Interval Too Brief (default 10)", "N" },
    { "max-expires", 0, 0, G_OPTION_ARG_INT, &max_expires,
      "Larger Expires are lowered to this (default 3600)", "N" },
    { "listen", 0, 0, G_OPTION_ARG_STRING, &listen,
      "The IP address to listen on (default 127.0.0.1)", "ADDRESS" },
    G_OPTION_ENTRY_NULL
  };

  /* A test that went away must not kill us before Kamailio is stopped. */
  signal (SIGPIPE, SIG_IGN);

  context = g_option_context_new ("- run a Kamailio registrar for the libsipnat tests");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("sipnat-test-kamailio: %s\n", error->message);
      return EXIT_FAILURE;
    }
  if (min_expires < 0 || max_expires < 0)
    {
      g_printerr ("sipnat-test-kamailio: --min-expires and --max-expires must be >= 0\n");
      return EXIT_FAILURE;
    }

  options.listen_address = listen;
  options.auth = auth;
  options.min_expires = (guint) min_expires;
  options.max_expires = (guint) max_expires;

  helper.registrar = sipnat_test_registrar_start (&options, &error);
  if (helper.registrar == NULL)
    {
      char *newline;

      /* One line only: the reader parses the first line. */
      while ((newline = strchr (error->message, '\n')) != NULL)
        *newline = ' ';
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
        {
          reply ("SKIP %s", error->message);
          return EXIT_SKIP;
        }
      reply ("ERROR %s", error->message);
      return EXIT_FAILURE;
    }

  helper.loop = g_main_loop_new (NULL, FALSE);
  signal_ids[0] = g_unix_signal_add (SIGTERM, signal_cb, &helper);
  signal_ids[1] = g_unix_signal_add (SIGINT, signal_cb, &helper);
  signal_ids[2] = g_unix_signal_add (SIGHUP, signal_cb, &helper);

  channel = g_io_channel_unix_new (STDIN_FILENO);
  g_io_channel_set_encoding (channel, NULL, NULL);
  /* A partial line must not block the loop (and the signal handlers). */
  g_io_channel_set_flags (channel, G_IO_FLAG_NONBLOCK, NULL);
  helper.stdin_id = g_io_add_watch (channel, G_IO_IN | G_IO_HUP | G_IO_ERR, stdin_cb, &helper);

  reply ("PORT %u", (guint) sipnat_test_registrar_get_port (helper.registrar));

  g_main_loop_run (helper.loop);

  if (helper.stdin_id != 0)
    g_source_remove (helper.stdin_id);
  for (guint i = 0; i < G_N_ELEMENTS (signal_ids); i++)
    g_source_remove (signal_ids[i]);
  g_clear_pointer (&helper.registrar, sipnat_test_registrar_stop);
  g_main_loop_unref (helper.loop);

  return EXIT_SUCCESS;
}
