/* sipnat.c: the sipnat command-line program
 *
 *   sipnat register --config FILE [--json] [--for SECONDS]
 *   sipnat call URI --config FILE [--json] [--for SECONDS] [--audio DEVICE]
 *   sipnat answer --config FILE [--json] [--for SECONDS] [--audio DEVICE]
 *   sipnat probe --config FILE [--json]
 *
 * One file per command (sipnat-register.c, sipnat-call.c), the event
 * printer in sipnat-events.c; sipnat-tool.h says what they share.
 * doc/sipnat.1 describes the options and every event; keep it in step.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <locale.h>

#include "sipnat-tool.h"

static void
usage (FILE *out)
{
  fputs ("Usage: sipnat COMMAND [OPTION…]\n"
         "       sipnat --help | --version\n"
         "\n"
         "Commands:\n"
         "  register   Register every proxy of a configuration file and stay registered\n"
         "  call       Register, call a URI with a test tone, hang up after a while\n"
         "  answer     Register and answer every incoming call with a test tone\n"
         "  probe      Tell what kind of NAT this host is behind\n"
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
  if (g_str_equal (argv[1], "call"))
    return command_call (argc - 1, argv + 1);
  if (g_str_equal (argv[1], "answer"))
    return command_answer (argc - 1, argv + 1);
  if (g_str_equal (argv[1], "probe"))
    return command_probe (argc - 1, argv + 1);

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
