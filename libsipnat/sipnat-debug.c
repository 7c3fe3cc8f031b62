/* sipnat-debug.c: debug topics and Sofia-SIP's logs in GLib logging
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <glib/gi18n-lib.h>
#include <sofia-sip/su_log.h>
#include <string.h>

#include "sipnat-debug-private.h"

static const GDebugKey debug_keys[] = {
  { "sip", SIPNAT_DEBUG_SIP },
  { "nat", SIPNAT_DEBUG_NAT },
  { "registration", SIPNAT_DEBUG_REGISTRATION },
  { "sofia", SIPNAT_DEBUG_SOFIA },
  { "config", SIPNAT_DEBUG_CONFIG },
};

static GString *sofia_line;

/* Sofia logs in pieces; one GLib message per complete line. Everything
 * runs on the thread of the endpoint's main context, but several
 * endpoints may live in several threads: keep the buffer under a lock. */
static void
sofia_logger (void       *stream,
              const char *fmt,
              va_list     ap)
{
  static GMutex lock;
  char *newline;

  g_mutex_lock (&lock);

  g_string_append_vprintf (sofia_line, fmt, ap);
  while ((newline = strchr (sofia_line->str, '\n')) != NULL)
    {
      gsize len = newline - sofia_line->str;

      if (len > 0)
        g_debug ("[SOFIA] %.*s", (int) len, sofia_line->str);
      g_string_erase (sofia_line, 0, len + 1);
    }

  g_mutex_unlock (&lock);
}

/*
 * _sipnat_debug_init:
 *
 * Reads SIPNAT_DEBUG once, routes Sofia-SIP's own log into GLib logging
 * at debug level (all of it with the "sofia" topic, otherwise Sofia's
 * default level, errors only), and sets up gettext.
 *
 * Returns: the enabled topics
 */
guint
_sipnat_debug_init (void)
{
  static gsize initialised = 0;
  static guint flags = 0;

  if (g_once_init_enter (&initialised))
    {
      flags = g_parse_debug_string (g_getenv ("SIPNAT_DEBUG"),
                                    debug_keys, G_N_ELEMENTS (debug_keys));
      sofia_line = g_string_new (NULL);
      su_log_redirect (su_log_default, sofia_logger, NULL);
      if (flags & SIPNAT_DEBUG_SOFIA)
        su_log_set_level (su_log_default, 9);

      bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
      bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");

      g_once_init_leave (&initialised, 1);
    }

  return flags;
}
