/* sipnat-fake-registrar-message.c: the fake registrar's SIP parser
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Requests and responses as text: start line, headers (compact forms,
 * folding), lists and parameters, and framing in a stream. No sockets.
 */

#include <string.h>

#include "sipnat-fake-registrar-private.h"

void
fake_message_free (Message *m)
{
  g_free (m->method);
  g_ptr_array_unref (m->names);
  g_ptr_array_unref (m->values);
  g_free (m);
}

static const char *
canonical_name (const char *name)
{
  static const struct {
    const char *compact;
    const char *full;
  } compact_forms[] = {
    { "v", "via" },
    { "m", "contact" },
    { "f", "from" },
    { "t", "to" },
    { "i", "call-id" },
    { "l", "content-length" },
    { "c", "content-type" },
    { "e", "content-encoding" },
    { "k", "supported" },
    { "s", "subject" },
    { "o", "event" },
    { "u", "allow-events" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (compact_forms); i++)
    if (g_ascii_strcasecmp (name, compact_forms[i].compact) == 0)
      return compact_forms[i].full;

  return NULL;
}

static char *
strndup_trimmed (const char *start,
                 const char *end)
{
  while (start < end && g_ascii_isspace (*start))
    start++;
  while (end > start && g_ascii_isspace (end[-1]))
    end--;

  return g_strndup (start, end - start);
}

/* Finds the blank line ending the head: returns the length of the head
 * (its last line break included) and sets @separator to the length of the
 * blank line, or returns -1 */
static gssize
find_head_end (const char *data,
               gsize       len,
               gsize      *separator)
{
  for (gsize i = 0; i + 1 < len; i++)
    {
      if (data[i] != '\n')
        continue;
      if (data[i + 1] == '\n')
        {
          *separator = 1;
          return i + 1;
        }
      if (i + 2 < len && data[i + 1] == '\r' && data[i + 2] == '\n')
        {
          *separator = 2;
          return i + 1;
        }
    }

  return -1;
}

/* Parses the start line and headers of a request or a response (method
 * NULL, status set); NULL for something that is not SIP */
Message *
fake_message_parse (const char *data,
                    gsize       len)
{
  g_autoptr(Message) m = NULL;
  g_auto(GStrv) lines = NULL;
  g_auto(GStrv) start_line = NULL;
  g_autofree char *head = NULL;
  gsize separator = 0;
  gssize head_end;

  while (len > 0 && (*data == '\r' || *data == '\n'))
    {
      data++;
      len--;
    }

  head_end = find_head_end (data, len, &separator);
  head = g_strndup (data, head_end >= 0 ? (gsize) head_end : len);
  lines = g_strsplit (head, "\n", -1);
  if (lines[0] == NULL)
    return NULL;

  g_strchomp (lines[0]);
  start_line = g_strsplit (lines[0], " ", 3);
  if (g_strv_length (start_line) == 3 && strcmp (start_line[0], "SIP/2.0") == 0
      && strlen (start_line[1]) == 3 && g_ascii_isdigit (start_line[1][0])
      && g_ascii_isdigit (start_line[1][1]) && g_ascii_isdigit (start_line[1][2]))
    {
      m = g_new0 (Message, 1);
      m->status = (guint) g_ascii_strtoull (start_line[1], NULL, 10);
    }
  else if (g_strv_length (start_line) != 3 || !g_str_has_prefix (start_line[2], "SIP/2.0")
           || g_str_has_prefix (start_line[0], "SIP/") || *start_line[0] == '\0')
    return NULL;
  else
    {
      m = g_new0 (Message, 1);
      m->method = g_strdup (start_line[0]);
    }
  m->names = g_ptr_array_new_with_free_func (g_free);
  m->values = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 1; lines[i] != NULL; i++)
    {
      char *line = lines[i];
      const char *colon;
      const char *full;
      g_autofree char *name = NULL;

      g_strchomp (line);
      if (*line == '\0')
        continue;

      if ((*line == ' ' || *line == '\t') && m->values->len > 0)
        {
          /* A folded line continues the previous header */
          char **last = (char **) &m->values->pdata[m->values->len - 1];
          char *joined = g_strconcat (*last, " ", g_strstrip (line), NULL);

          g_free (*last);
          *last = joined;
          continue;
        }

      colon = strchr (line, ':');
      if (colon == NULL)
        continue;

      name = strndup_trimmed (line, colon);
      full = canonical_name (name);
      g_ptr_array_add (m->names, full != NULL ? g_strdup (full) : g_ascii_strdown (name, -1));
      g_ptr_array_add (m->values, strndup_trimmed (colon + 1, line + strlen (line)));
    }

  return g_steal_pointer (&m);
}

const char *
fake_message_get (Message    *m,
                  const char *name)
{
  for (guint i = 0; i < m->names->len; i++)
    if (strcmp (m->names->pdata[i], name) == 0)
      return m->values->pdata[i];

  return NULL;
}

/* Adds the trimmed text from @start to @end to @out, unless it is empty
 * and @keep_empty is FALSE. */
static void
add_item (GPtrArray  *out,
          const char *start,
          const char *end,
          gboolean    keep_empty)
{
  char *item = strndup_trimmed (start, end);

  if (keep_empty || *item != '\0')
    g_ptr_array_add (out, item);
  else
    g_free (item);
}

/* Splits @value at each @separator outside quotes and, with @mind_angles,
 * outside <>; adds the trimmed items to @out. */
static void
split_outside_quotes (const char *value,
                      char        separator,
                      gboolean    mind_angles,
                      gboolean    keep_empty,
                      GPtrArray  *out)
{
  const char *start = value;
  gboolean quoted = FALSE;
  int angle = 0;
  const char *p;

  for (p = value; *p != '\0'; p++)
    {
      if (quoted)
        {
          if (*p == '\\' && p[1] != '\0')
            p++;
          else if (*p == '"')
            quoted = FALSE;
        }
      else if (*p == '"')
        quoted = TRUE;
      else if (mind_angles && *p == '<')
        angle++;
      else if (mind_angles && *p == '>' && angle > 0)
        angle--;
      else if (*p == separator && angle == 0)
        {
          add_item (out, start, p, keep_empty);
          start = p + 1;
        }
    }
  add_item (out, start, p, keep_empty);
}

/* All the values of a list header, in order */
GPtrArray *
fake_message_get_list (Message    *m,
                       const char *name)
{
  GPtrArray *out = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < m->names->len; i++)
    if (strcmp (m->names->pdata[i], name) == 0)
      split_outside_quotes (m->values->pdata[i], ',', TRUE, FALSE, out);

  return out;
}

/* Splits ";"-separated parameters outside quotes; the first element is
 * what precedes the first ';' */
GPtrArray *
fake_split_params (const char *value)
{
  GPtrArray *out = g_ptr_array_new_with_free_func (g_free);

  split_outside_quotes (value, ';', FALSE, TRUE, out);
  return out;
}

gboolean
fake_param_is (const char *param,
               const char *name)
{
  gsize n = strlen (name);

  return g_ascii_strncasecmp (param, name, n) == 0
         && (param[n] == '\0' || param[n] == '=' || g_ascii_isspace (param[n]));
}

/* The header parameters of a From/To/Contact value: after the '>' of a
 * name-addr, or after the URI of an addr-spec */
const char *
fake_header_params (const char *value)
{
  const char *gt = strrchr (value, '>');

  if (gt != NULL)
    return gt + 1;

  return value;
}

/* The value of a parameter in a ";"-separated list, or NULL; "" if it has
 * no value */
char *
fake_find_param (const char *params,
                 const char *name)
{
  g_autoptr(GPtrArray) parts = fake_split_params (params);

  for (guint i = 1; i < parts->len; i++)
    {
      const char *param = parts->pdata[i];
      const char *eq;

      if (!fake_param_is (param, name))
        continue;
      eq = strchr (param, '=');

      return eq != NULL ? strndup_trimmed (eq + 1, param + strlen (param)) : g_strdup ("");
    }

  return NULL;
}

/* Frames a message in a stream: the length of the whole message if it is
 * all there, 0 if more is needed */
gsize
fake_stream_message_length (const char *data,
                            gsize       len)
{
  g_autofree char *head = NULL;
  g_auto(GStrv) lines = NULL;
  gsize separator = 0;
  gssize head_end = find_head_end (data, len, &separator);
  guint64 content_length = 0;

  if (head_end < 0)
    return 0;

  head = g_strndup (data, head_end);
  lines = g_strsplit (head, "\n", -1);
  for (guint i = 1; lines[i] != NULL; i++)
    {
      const char *colon = strchr (lines[i], ':');
      g_autofree char *name = NULL;

      if (colon == NULL || *lines[i] == ' ' || *lines[i] == '\t')
        continue;
      name = strndup_trimmed (lines[i], colon);
      if (g_ascii_strcasecmp (name, "content-length") == 0 || g_ascii_strcasecmp (name, "l") == 0)
        content_length = g_ascii_strtoull (colon + 1, NULL, 10);
    }

  if (content_length > MAX_STREAM_BUFFER)
    content_length = MAX_STREAM_BUFFER;
  if (head_end + separator + content_length > len)
    return 0;

  return head_end + separator + content_length;
}
