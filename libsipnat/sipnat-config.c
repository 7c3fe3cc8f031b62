/* sipnat-config.c: the configuration reader
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "sipnat-config-private.h"
#include "sipnat-error.h"
#include "sipnat-sip-syntax-private.h"

/*
 * The product addresses settings as `domain.section[.subsection].setting`
 * (`proxies.proxy0.nat.ice_enabled`). Two file formats carry them:
 *
 * - a key file whose groups are `domain.section[.subsection]` and whose keys
 *   are the product's setting names:
 *
 *     [proxies.proxy0]
 *     reg_timeout = 60
 *     [proxies.proxy0.nat]
 *     ice_enabled = 1
 *
 *   Lines starting with `#` or `;` are comments. Whitespace around groups,
 *   keys and values is removed; values are taken verbatim otherwise (no
 *   quoting, no escapes, no comments after a value, so a password may hold
 *   `#` or `;`). A key that appears twice yields two settings in file order:
 *   applied in order, the later one wins.
 *
 * - the product's XML `SipEndpoint.config`: a `Basic` container of
 *   `<Connectivity user= server= protocol=/>` lines (the Nth one gives
 *   `proxies.proxyN.user`, `.server` and `.transport`) and a `Genesys`
 *   container of `<domain name=><section name=>[<section name=>]<setting
 *   name= value=/>`. Unknown elements and attributes are ignored.
 *
 * Both readers return every setting with its line so that whoever applies
 * them can point at the culprit. Errors are %SIPNAT_ERROR_CONFIG and start
 * with `FILE:LINE: `.
 */

#define UTF8_BOM "\xEF\xBB\xBF"

void
_sipnat_setting_free (SipnatSetting *s)
{
  if (s == NULL)
    return;

  g_free (s->key);
  g_free (s->value);
  g_free (s);
}

static GPtrArray *
settings_new (void)
{
  return g_ptr_array_new_with_free_func ((GDestroyNotify) _sipnat_setting_free);
}

/* Takes @key and @value. */
static void
settings_add (GPtrArray *settings,
              char      *key,
              char      *value,
              guint      line)
{
  SipnatSetting *s = g_new0 (SipnatSetting, 1);

  s->key = key;
  s->value = value;
  s->line = line;
  g_ptr_array_add (settings, s);
}

static const char *
display_origin (const char *origin)
{
  return origin != NULL ? origin : "<data>";
}

/* A value as an error may show it: never a password, never a line break
 * or invalid UTF-8. */
char *
_sipnat_config_display_value (const char *setting_name,
                              const char *value)
{
  if (strstr (setting_name, "password") != NULL)
    return g_strdup ("(hidden)");

  return _sipnat_text_for_message (value);
}

G_GNUC_PRINTF (4, 5)
static void
set_error_at (GError     **error,
              const char  *origin,
              guint        line,
              const char  *format,
              ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  g_set_error (error, SIPNAT_ERROR, SIPNAT_ERROR_CONFIG, "%s:%u: %s", origin, line, message);
}

static const char *
skip_bom (const char *data,
          gsize       len)
{
  if (len >= 3 && memcmp (data, UTF8_BOM, 3) == 0)
    return data + 3;

  return data;
}

static gboolean
check_utf8 (const char  *data,
            gsize        len,
            const char  *origin,
            GError     **error)
{
  const char *bad = NULL;
  guint line = 1;

  if (g_utf8_validate_len (data, len, &bad))
    return TRUE;

  for (const char *p = data; p < bad; p++)
    {
      if (*p == '\n')
        line++;
    }

  if (*bad == '\0')
    set_error_at (error, origin, line, _("Unexpected NUL byte; this is not a text file"));
  else
    set_error_at (error, origin, line, _("Invalid UTF-8; save the file as UTF-8"));

  return FALSE;
}

/* What both forms do first: a NULL @data is empty, a negative @len
 * means NUL-terminated, @origin is named for messages, and the text must
 * be UTF-8. */
static gboolean
open_input (const char **data,
            gssize      *len,
            const char **origin,
            GError     **error)
{
  if (*data == NULL)
    *data = "";
  if (*len < 0)
    *len = strlen (*data);
  *origin = display_origin (*origin);

  return check_utf8 (*data, *len, *origin, error);
}

static guint
count_segments (const char *key)
{
  guint n = 1;

  for (const char *p = key; *p != '\0'; p++)
    {
      if (*p == '.')
        n++;
    }

  return n;
}

/*
 * _sipnat_config_normalize_key:
 * @key: a key such as `proxies:proxy0:reg_timeout` or `proxies.proxy0.reg_timeout`
 * @error: return location for a #GError
 *
 * Colons and dots both separate the parts of a key; this returns the dotted
 * form. Empty parts and parts holding spaces or control characters are
 * errors.
 *
 * Returns: (transfer full): the normalised key, or %NULL with a
 *   %SIPNAT_ERROR_CONFIG error
 */
char *
_sipnat_config_normalize_key (const char  *key,
                              GError     **error)
{
  g_autoptr(GString) out = NULL;
  gboolean segment_empty = TRUE;

  g_return_val_if_fail (key != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (*key == '\0')
    {
      g_set_error_literal (error, SIPNAT_ERROR, SIPNAT_ERROR_CONFIG, _("Empty key"));
      return NULL;
    }

  out = g_string_sized_new (strlen (key));

  for (const char *p = key; *p != '\0'; p++)
    {
      if (*p == '.' || *p == ':')
        {
          if (segment_empty)
            break;

          g_string_append_c (out, '.');
          segment_empty = TRUE;
        }
      else if (!g_ascii_isgraph (*p))
        {
          /* "password hunter2 = x": the key holds what may be a password. */
          if (strstr (key, "password") != NULL)
            g_set_error_literal (error, SIPNAT_ERROR, SIPNAT_ERROR_CONFIG,
                                 _("Invalid key: it contains a space, a control character or "
                                   "a non-ASCII character (the key is not shown: it names a "
                                   "password)"));
          else
            {
              g_autofree char *shown = _sipnat_text_for_message (key);

              g_set_error (error, SIPNAT_ERROR, SIPNAT_ERROR_CONFIG,
                           _("Invalid key “%s”: it contains a space, a control character or "
                             "a non-ASCII character"), shown);
            }
          return NULL;
        }
      else
        {
          g_string_append_c (out, *p);
          segment_empty = FALSE;
        }
    }

  if (segment_empty)
    {
      g_autofree char *shown = _sipnat_text_for_message (key);

      g_set_error (error, SIPNAT_ERROR, SIPNAT_ERROR_CONFIG,
                   _("Invalid key “%s”: empty part between separators"), shown);
      return NULL;
    }

  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* Normalises @key for a setting on @line; the error names file and line. */
static char *
normalize_key_at (const char  *key,
                  const char  *origin,
                  guint        line,
                  GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  char *normalized;

  normalized = _sipnat_config_normalize_key (key, &local_error);
  if (normalized == NULL)
    set_error_at (error, origin, line, "%s", local_error->message);

  return normalized;
}

/* Key file */

/*
 * _sipnat_config_read_key_file_data:
 * @data: the file's contents
 * @len: the length of @data, or -1 if it is nul-terminated
 * @origin: (nullable): the file name, for messages
 * @error: return location for a #GError
 *
 * Parses the key-file form of the configuration (see the top of this file).
 *
 * Returns: (transfer full) (element-type SipnatSetting): the settings in file
 *   order, or %NULL with a %SIPNAT_ERROR_CONFIG error
 */
GPtrArray *
_sipnat_config_read_key_file_data (const char  *data,
                                   gssize       len,
                                   const char  *origin,
                                   GError     **error)
{
  g_autoptr(GPtrArray) settings = NULL;
  g_autofree char *group = NULL;
  const char *p;
  const char *end;
  guint line_no = 0;

  g_return_val_if_fail (data != NULL || len == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!open_input (&data, &len, &origin, error))
    return NULL;

  settings = settings_new ();
  end = data + len;
  p = skip_bom (data, len);

  while (p < end)
    {
      const char *eol = memchr (p, '\n', end - p);
      g_autofree char *line = NULL;
      char *text;
      char *eq;
      char *key;
      char *value;
      g_autofree char *full_key = NULL;
      char *normalized;

      if (eol == NULL)
        eol = end;

      line = g_strndup (p, eol - p);
      p = eol < end ? eol + 1 : end;
      line_no++;

      text = g_strstrip (line);

      if (*text == '\0' || *text == '#' || *text == ';')
        continue;

      if (*text == '[')
        {
          gsize n = strlen (text);
          char *name;

          if (n < 2 || text[n - 1] != ']')
            {
              set_error_at (error, origin, line_no,
                            _("Unterminated group header: a group is written “[domain.section]” "
                              "with nothing after the “]”"));
              return NULL;
            }

          text[n - 1] = '\0';
          g_strstrip (text + 1);
          if (text[1] == '\0')
            {
              set_error_at (error, origin, line_no, _("Empty group name “[]”"));
              return NULL;
            }

          name = normalize_key_at (text + 1, origin, line_no, error);
          if (name == NULL)
            return NULL;

          g_free (group);
          group = name;

          if (count_segments (group) < 2)
            {
              set_error_at (error, origin, line_no,
                            _("Group “%s” is not of the form “[domain.section]”, "
                              "e.g. “[proxies.proxy0]”"), group);
              return NULL;
            }

          continue;
        }

      eq = strchr (text, '=');
      if (eq == NULL)
        {
          /* The line is not shown: it might be a password. */
          set_error_at (error, origin, line_no,
                        _("Expected “[group]”, “key = value” or a comment starting with “#”"));
          return NULL;
        }

      *eq = '\0';
      key = g_strstrip (text);
      value = g_strstrip (eq + 1);

      if (*key == '\0')
        {
          set_error_at (error, origin, line_no, _("Missing setting name before “=”"));
          return NULL;
        }

      if (group == NULL)
        {
          g_autofree char *shown = _sipnat_text_for_message (key);

          set_error_at (error, origin, line_no,
                        _("Setting “%s” comes before any group; put a group such as "
                          "“[proxies.proxy0]” above it"), shown);
          return NULL;
        }

      full_key = g_strconcat (group, ".", key, NULL);
      normalized = normalize_key_at (full_key, origin, line_no, error);
      if (normalized == NULL)
        return NULL;

      settings_add (settings, normalized, g_strdup (value), line_no);
    }

  return g_steal_pointer (&settings);
}

/* XML */

typedef enum {
  XML_OTHER,    /* the root element, or a container that is neither Basic nor Genesys */
  XML_IGNORED,  /* an unknown element: everything inside it is ignored */
  XML_BASIC,
  XML_GENESYS,
  XML_DOMAIN,
  XML_SECTION,
} XmlState;

typedef struct {
  XmlState state;
  char *prefix;   /* the key so far inside a domain or section */
} XmlFrame;

typedef struct {
  const char *origin;
  GPtrArray *settings;
  GArray *stack;   /* of XmlFrame, one per open element */
  guint n_connectivity;
  guint line;      /* the line being parsed */
} XmlParser;

static void
xml_frame_clear (gpointer data)
{
  XmlFrame *frame = data;

  g_clear_pointer (&frame->prefix, g_free);
}

static gboolean
xml_is (const char *name,
        const char *expected)
{
  return name != NULL && g_ascii_strcasecmp (name, expected) == 0;
}

static const char *
xml_attribute (const char **names,
               const char **values,
               const char  *name)
{
  for (guint i = 0; names[i] != NULL; i++)
    {
      if (xml_is (names[i], name))
        return values[i];
    }

  return NULL;
}

static char *
xml_strip (const char *value)
{
  return g_strstrip (g_strdup (value != NULL ? value : ""));
}

/* The `name` attribute of a domain, section or setting: required. */
static char *
xml_name (XmlParser   *parser,
          const char  *element_name,
          const char **names,
          const char **values,
          guint        line,
          GError     **error)
{
  g_autofree char *name = xml_strip (xml_attribute (names, values, "name"));

  if (*name == '\0')
    {
      set_error_at (error, parser->origin, line,
                    _("<%s> without a “name” attribute"), element_name);
      return NULL;
    }

  return g_steal_pointer (&name);
}

/* The Nth <Connectivity user= server= protocol=/> is proxies.proxyN. */
static void
xml_add_connectivity (XmlParser   *parser,
                      const char **names,
                      const char **values,
                      guint        line)
{
  guint index = parser->n_connectivity++;
  const char *user = xml_attribute (names, values, "user");
  const char *server = xml_attribute (names, values, "server");
  const char *protocol = xml_attribute (names, values, "protocol");

  if (user != NULL)
    settings_add (parser->settings, g_strdup_printf ("proxies.proxy%u.user", index),
                  xml_strip (user), line);
  if (server != NULL)
    settings_add (parser->settings, g_strdup_printf ("proxies.proxy%u.server", index),
                  xml_strip (server), line);
  if (protocol != NULL)
    {
      g_autofree char *stripped = xml_strip (protocol);

      settings_add (parser->settings, g_strdup_printf ("proxies.proxy%u.transport", index),
                    g_ascii_strdown (stripped, -1), line);
    }
}

static void
xml_start_element (GMarkupParseContext  *context,
                   const char           *element_name,
                   const char          **attribute_names,
                   const char          **attribute_values,
                   gpointer              user_data,
                   GError              **error)
{
  XmlParser *parser = user_data;
  XmlFrame frame = { XML_IGNORED, NULL };
  XmlState parent = XML_OTHER;
  const char *parent_prefix = NULL;
  guint line = parser->line;

  if (parser->stack->len > 0)
    {
      XmlFrame *top = &g_array_index (parser->stack, XmlFrame, parser->stack->len - 1);

      parent = top->state;
      parent_prefix = top->prefix;
    }

  switch (parent)
    {
    case XML_OTHER:
      if (xml_is (element_name, "Container"))
        {
          const char *name = xml_attribute (attribute_names, attribute_values, "name");

          if (xml_is (name, "Basic"))
            frame.state = XML_BASIC;
          else if (xml_is (name, "Genesys"))
            frame.state = XML_GENESYS;
          else
            frame.state = XML_OTHER;
        }
      else if (parser->stack->len == 0)
        {
          frame.state = XML_OTHER;
        }
      break;

    case XML_BASIC:
      if (xml_is (element_name, "Connectivity"))
        xml_add_connectivity (parser, attribute_names, attribute_values, line);
      break;

    case XML_GENESYS:
      if (xml_is (element_name, "domain"))
        {
          frame.prefix = xml_name (parser, element_name, attribute_names, attribute_values,
                                   line, error);
          if (frame.prefix == NULL)
            return;

          frame.state = XML_DOMAIN;
        }
      break;

    case XML_DOMAIN:
    case XML_SECTION:
      if (xml_is (element_name, "section"))
        {
          g_autofree char *name = xml_name (parser, element_name, attribute_names,
                                            attribute_values, line, error);

          if (name == NULL)
            return;

          frame.state = XML_SECTION;
          frame.prefix = g_strconcat (parent_prefix, ".", name, NULL);
        }
      else if (xml_is (element_name, "setting"))
        {
          g_autofree char *name = xml_name (parser, element_name, attribute_names,
                                            attribute_values, line, error);
          g_autofree char *key = NULL;
          char *normalized;

          if (name == NULL)
            return;

          if (parent == XML_DOMAIN)
            {
              g_autofree char *shown = _sipnat_text_for_message (name);

              set_error_at (error, parser->origin, line,
                            _("Setting “%s” is not inside a <section>"), shown);
              return;
            }

          key = g_strconcat (parent_prefix, ".", name, NULL);
          normalized = normalize_key_at (key, parser->origin, line, error);
          if (normalized == NULL)
            return;

          settings_add (parser->settings, normalized,
                        xml_strip (xml_attribute (attribute_names, attribute_values, "value")),
                        line);
        }
      break;

    case XML_IGNORED:
    default:
      break;
    }

  g_array_append_val (parser->stack, frame);
}

static void
xml_end_element (GMarkupParseContext  *context,
                 const char           *element_name,
                 gpointer              user_data,
                 GError              **error)
{
  XmlParser *parser = user_data;

  if (parser->stack->len > 0)
    g_array_set_size (parser->stack, parser->stack->len - 1);
}

/* GMarkup's messages quote the text where parsing stopped: an entity
 * name, the character after an unquoted "=", or the rest of a value whose
 * quote was closed too early, which may be a piece of a password. So the
 * message is ours and says only where and what kind of mistake it is. */
static void
xml_set_markup_error (GError              **error,
                      GMarkupParseContext  *context,
                      const XmlParser      *parser,
                      const GError         *markup_error,
                      gboolean              at_end)
{
  int markup_line = 0;
  int column = 0;

  g_markup_parse_context_get_position (context, &markup_line, &column);

  if (g_error_matches (markup_error, G_MARKUP_ERROR, G_MARKUP_ERROR_EMPTY))
    set_error_at (error, parser->origin, MAX (markup_line, 1),
                  _("Invalid XML: the document is empty"));
  else if (at_end)
    set_error_at (error, parser->origin, MAX (markup_line, 1),
                  _("Invalid XML: the document ends inside a tag or before every element "
                    "is closed"));
  else
    /* The data is fed one line at a time: the mistake is on the line
     * being fed, although GMarkup may already count the next one. */
    set_error_at (error, parser->origin, parser->line,
                  _("Invalid XML: check that tags are closed in the order they were "
                    "opened, that attribute values are in double quotes, and that “&”, "
                    "“<” and “\"” inside a value are written “&amp;”, “&lt;” and "
                    "“&quot;”"));
}

/*
 * _sipnat_config_read_xml_data:
 * @data: the file's contents
 * @len: the length of @data, or -1 if it is nul-terminated
 * @origin: (nullable): the file name, for messages
 * @error: return location for a #GError
 *
 * Parses the product's XML form of the configuration (`SipEndpoint.config`,
 * see the top of this file).
 *
 * Returns: (transfer full) (element-type SipnatSetting): the settings in file
 *   order, or %NULL with a %SIPNAT_ERROR_CONFIG error
 */
GPtrArray *
_sipnat_config_read_xml_data (const char  *data,
                              gssize       len,
                              const char  *origin,
                              GError     **error)
{
  static const GMarkupParser markup_parser = {
    .start_element = xml_start_element,
    .end_element = xml_end_element,
  };
  g_autoptr(GMarkupParseContext) context = NULL;
  g_autoptr(GPtrArray) settings = NULL;
  g_autoptr(GArray) stack = NULL;
  g_autoptr(GError) local_error = NULL;
  XmlParser parser = { 0 };
  gboolean ok = TRUE;
  const char *p;
  const char *end;

  g_return_val_if_fail (data != NULL || len == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!open_input (&data, &len, &origin, error))
    return NULL;

  settings = settings_new ();
  stack = g_array_new (FALSE, TRUE, sizeof (XmlFrame));
  g_array_set_clear_func (stack, xml_frame_clear);

  parser.origin = origin;
  parser.settings = settings;
  parser.stack = stack;

  context = g_markup_parse_context_new (&markup_parser, G_MARKUP_DEFAULT_FLAGS, &parser, NULL);

  /* GMarkup's position in a callback is not reliably on the element's line
   * (it may already be past the next newline), so the data is fed one line
   * at a time: an element's settings get the line on which its start tag
   * ends, which is its line unless the tag spans several lines. */
  end = data + len;
  p = skip_bom (data, len);
  while (ok && p < end)
    {
      const char *eol = memchr (p, '\n', end - p);
      const char *next = eol != NULL ? eol + 1 : end;

      parser.line++;
      ok = g_markup_parse_context_parse (context, p, next - p, &local_error);
      p = next;
    }

  if (!ok || !g_markup_parse_context_end_parse (context, &local_error))
    {
      if (local_error->domain == SIPNAT_ERROR)
        g_propagate_error (error, g_steal_pointer (&local_error));
      else
        xml_set_markup_error (error, context, &parser, local_error, ok);
      return NULL;
    }

  return g_steal_pointer (&settings);
}

/*
 * _sipnat_config_read_data:
 * @data: the file's contents
 * @len: the length of @data, or -1 if it is nul-terminated
 * @origin: (nullable): the file name, for messages
 * @error: return location for a #GError
 *
 * Parses a configuration in either form: XML if the first character that is
 * not white space is `<`, a key file otherwise.
 *
 * Returns: (transfer full) (element-type SipnatSetting): the settings in file
 *   order, or %NULL with a %SIPNAT_ERROR_CONFIG error
 */
GPtrArray *
_sipnat_config_read_data (const char  *data,
                          gssize       len,
                          const char  *origin,
                          GError     **error)
{
  const char *p;
  const char *end;

  g_return_val_if_fail (data != NULL || len == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (data == NULL)
    data = "";
  if (len < 0)
    len = strlen (data);

  end = data + len;
  for (p = skip_bom (data, len); p < end && g_ascii_isspace (*p); p++)
    ;

  if (p < end && *p == '<')
    return _sipnat_config_read_xml_data (data, len, origin, error);

  return _sipnat_config_read_key_file_data (data, len, origin, error);
}

/*
 * _sipnat_config_read_file:
 * @path: a file in either form
 * @error: return location for a #GError
 *
 * Reads a configuration file; see _sipnat_config_read_data().
 *
 * Returns: (transfer full) (element-type SipnatSetting): the settings in file
 *   order, or %NULL with a %SIPNAT_ERROR_CONFIG error
 */
GPtrArray *
_sipnat_config_read_file (const char  *path,
                          GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autofree char *contents = NULL;
  g_autofree char *display = NULL;
  gsize len = 0;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  display = g_filename_display_name (path);

  if (!g_file_get_contents (path, &contents, &len, &local_error))
    {
      g_set_error (error, SIPNAT_ERROR, SIPNAT_ERROR_CONFIG,
                   _("Cannot read configuration file “%s”: %s"), display, local_error->message);
      return NULL;
    }

  return _sipnat_config_read_data (contents, len, display, error);
}
