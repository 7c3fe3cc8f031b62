/* sipnat-events.c: one line per event on stdout, as text or as a JSON
 * object. Every event name and member printed by the program is
 * documented in doc/sipnat.1 (tests/test-tool.sh checks it).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "sipnat-tool.h"

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

static void
event_null (Event *ev)
{
  g_string_append (ev->line, ev->json ? "null" : "(none)");
}

/* A NULL value prints as null (JSON) or (none). */
void
event_string (Event      *ev,
              const char *key,
              const char *value)
{
  event_key (ev, key);
  if (value == NULL)
    event_null (ev);
  else if (ev->json)
    {
      g_string_append_c (ev->line, '"');
      append_escaped (ev->line, value);
      g_string_append_c (ev->line, '"');
    }
  else
    append_escaped (ev->line, value);
}

void
event_number (Event      *ev,
              const char *key,
              gint64      value)
{
  event_key (ev, key);
  g_string_append_printf (ev->line, "%" G_GINT64_FORMAT, value);
}

/* A negative @value (the library's "not yet") prints as null. */
void
event_number_or_null (Event      *ev,
                      const char *key,
                      gint64      value)
{
  if (value >= 0)
    {
      event_number (ev, key, value);
      return;
    }

  event_key (ev, key);
  event_null (ev);
}

void
event_bool (Event      *ev,
            const char *key,
            gboolean    value)
{
  event_key (ev, key);
  g_string_append (ev->line, value ? "true" : "false");
}

/* Starts the line of event @name; @reg (nullable) is the registration it
 * is about. */
Event
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
void
event_print (Event *ev)
{
  if (ev->json)
    g_string_append_c (ev->line, '}');
  g_string_append_c (ev->line, '\n');
  fputs (ev->line->str, stdout);
  fflush (stdout);
  g_string_free (ev->line, TRUE);
}

const char *
enum_nick (GType type,
           int   value)
{
  GEnumClass *klass = g_type_class_ref (type);
  GEnumValue *v = g_enum_get_value (klass, value);

  g_type_class_unref (klass);
  return v ? v->value_nick : NULL;
}

/* The nick of a SipnatError code (auth-failed, timeout...), or NULL. */
const char *
error_code (const GError *error)
{
  if (error == NULL || error->domain != SIPNAT_ERROR)
    return NULL;

  return enum_nick (SIPNAT_TYPE_ERROR, error->code);
}
