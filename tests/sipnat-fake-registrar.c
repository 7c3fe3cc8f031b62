/* sipnat-fake-registrar.c: a scriptable fake SIP registrar for unit tests
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <string.h>

#include "sipnat-fake-registrar.h"

#define MAX_DATAGRAM 65536
#define MAX_STREAM_BUFFER (1024 * 1024)
#define BIND_ATTEMPTS 20

/* A response waiting in the queue, owning its strings */
typedef struct {
  char *method;
  guint status;
  char *reason;
  char *received;
  char *rport;
  char *via_override;
  char *extra_headers;
  gboolean echo_contact;
  char *body;
  char *content_type;
} Scripted;

/* One accepted TCP connection */
typedef struct {
  SipnatFakeRegistrar *registrar;
  GSocket *socket;
  GSource *source;
  GByteArray *buffer;
} Connection;

/* A parsed request: header names are canonical and lower case */
typedef struct {
  char *method;       /* NULL for a response */
  guint status;       /* of a response */
  GPtrArray *names;
  GPtrArray *values;
} Message;

/* The one call the fake places (sipnat_fake_registrar_send_invite()) */
typedef struct {
  char *call_id;
  char *from_tag;
  char *request_uri;
  char *invite_branch;
  char *to;                /* the To of the last final answer, with its tag */
  char *remote_target;     /* the Contact of the 2xx */
  guint invite_cseq;
  guint cseq;
  guint16 port;
} Dialog;

struct _SipnatFakeRegistrar {
  GMainContext *context;
  GSocket *udp;
  GSource *udp_source;
  GSocket *tcp;
  GSource *tcp_source;
  GList *connections;
  guint16 port;

  GQueue queue;
  GPtrArray *requests;
  GHashTable *counts;
  GPtrArray *register_contacts;   /* of GStrv, one per REGISTER */
  char *nonce;
  guint tag_serial;
  gboolean no_pongs;
  SipnatFakeStunMode stun_mode;
  char *stun_host;
  guint16 stun_port;

  char *recv_buffer;

  /* The fake as the remote party of calls */
  char *pending_invite;          /* the last INVITE not answered finally */
  GSocketAddress *pending_source;
  char *answered_invite;         /* the last INVITE answered 2xx */
  GSocketAddress *answered_source;
  GPtrArray *responses;          /* raw responses received */
  Dialog dialog;
  guint branch_serial;
};

static void
scripted_free (Scripted *s)
{
  g_free (s->method);
  g_free (s->reason);
  g_free (s->received);
  g_free (s->rport);
  g_free (s->via_override);
  g_free (s->extra_headers);
  g_free (s->body);
  g_free (s->content_type);
  g_free (s);
}

static Scripted *
scripted_new (const char               *method,
              const SipnatFakeResponse *response)
{
  Scripted *s = g_new0 (Scripted, 1);

  s->method = g_strdup (method);
  s->status = response->status;
  s->reason = g_strdup (response->reason);
  s->received = g_strdup (response->received);
  s->rport = g_strdup (response->rport);
  s->via_override = g_strdup (response->via_override);
  s->extra_headers = g_strdup (response->extra_headers);
  s->echo_contact = response->echo_contact;
  s->body = g_strdup (response->body);
  s->content_type = g_strdup (response->content_type);

  return s;
}

/* ------------------------------------------------------------------ */
/* Parsing                                                             */

static void
message_free (Message *m)
{
  g_free (m->method);
  g_ptr_array_unref (m->names);
  g_ptr_array_unref (m->values);
  g_free (m);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Message, message_free)

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
static Message *
message_parse (const char *data,
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

static const char *
message_get (Message    *m,
             const char *name)
{
  for (guint i = 0; i < m->names->len; i++)
    if (strcmp (m->names->pdata[i], name) == 0)
      return m->values->pdata[i];

  return NULL;
}

/* Splits a comma-separated header value, minding quotes and <> */
static void
split_list (const char *value,
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
      else if (*p == '<')
        angle++;
      else if (*p == '>' && angle > 0)
        angle--;
      else if (*p == ',' && angle == 0)
        {
          char *item = strndup_trimmed (start, p);

          if (*item != '\0')
            g_ptr_array_add (out, item);
          else
            g_free (item);
          start = p + 1;
        }
    }

  {
    char *item = strndup_trimmed (start, p);

    if (*item != '\0')
      g_ptr_array_add (out, item);
    else
      g_free (item);
  }
}

/* All the values of a list header, in order */
static GPtrArray *
message_get_list (Message    *m,
                  const char *name)
{
  GPtrArray *out = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < m->names->len; i++)
    if (strcmp (m->names->pdata[i], name) == 0)
      split_list (m->values->pdata[i], out);

  return out;
}

/* Splits ";"-separated parameters outside quotes; the first element is
 * what precedes the first ';' */
static GPtrArray *
split_params (const char *value)
{
  GPtrArray *out = g_ptr_array_new_with_free_func (g_free);
  const char *start = value;
  gboolean quoted = FALSE;
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
      else if (*p == ';')
        {
          g_ptr_array_add (out, strndup_trimmed (start, p));
          start = p + 1;
        }
    }
  g_ptr_array_add (out, strndup_trimmed (start, p));

  return out;
}

static gboolean
param_is (const char *param,
          const char *name)
{
  gsize n = strlen (name);

  return g_ascii_strncasecmp (param, name, n) == 0
         && (param[n] == '\0' || param[n] == '=' || g_ascii_isspace (param[n]));
}

/* The header parameters of a From/To/Contact value: after the '>' of a
 * name-addr, or after the URI of an addr-spec */
static const char *
header_params (const char *value)
{
  const char *gt = strrchr (value, '>');

  if (gt != NULL)
    return gt + 1;

  return value;
}

/* The value of a parameter in a ";"-separated list, or NULL; "" if it has
 * no value */
static char *
find_param (const char *params,
            const char *name)
{
  g_autoptr(GPtrArray) parts = split_params (params);

  for (guint i = 1; i < parts->len; i++)
    {
      const char *param = parts->pdata[i];
      const char *eq;

      if (!param_is (param, name))
        continue;
      eq = strchr (param, '=');

      return eq != NULL ? strndup_trimmed (eq + 1, param + strlen (param)) : g_strdup ("");
    }

  return NULL;
}

/* Frames a message in a stream: the length of the whole message if it is
 * all there, 0 if more is needed */
static gsize
stream_message_length (const char *data,
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

/* ------------------------------------------------------------------ */
/* Responses                                                           */

static const char *
standard_reason (guint status)
{
  switch (status)
    {
    case 100: return "Trying";
    case 180: return "Ringing";
    case 183: return "Session Progress";
    case 200: return "OK";
    case 202: return "Accepted";
    case 301: return "Moved Permanently";
    case 302: return "Moved Temporarily";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 407: return "Proxy Authentication Required";
    case 408: return "Request Timeout";
    case 420: return "Bad Extension";
    case 423: return "Interval Too Brief";
    case 480: return "Temporarily Unavailable";
    case 481: return "Call/Transaction Does Not Exist";
    case 482: return "Loop Detected";
    case 483: return "Too Many Hops";
    case 486: return "Busy Here";
    case 487: return "Request Terminated";
    case 488: return "Not Acceptable Here";
    case 500: return "Server Internal Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Server Time-out";
    case 505: return "Version Not Supported";
    case 513: return "Message Too Large";
    case 600: return "Busy Everywhere";
    case 603: return "Decline";
    case 606: return "Not Acceptable";
    default: return "Unknown";
    }
}

/* The top Via with received and rport set (NULL leaves them out) */
static char *
rewrite_via (const char *via,
             const char *received,
             const char *rport)
{
  g_autoptr(GPtrArray) parts = split_params (via);
  GString *out = g_string_new (parts->pdata[0]);
  gboolean rport_done = FALSE;

  for (guint i = 1; i < parts->len; i++)
    {
      const char *param = parts->pdata[i];

      if (param_is (param, "received"))
        continue;
      if (param_is (param, "rport"))
        {
          if (rport != NULL && !rport_done)
            g_string_append_printf (out, ";rport=%s", rport);
          rport_done = TRUE;
          continue;
        }
      g_string_append_printf (out, ";%s", param);
    }

  if (rport != NULL && !rport_done)
    g_string_append_printf (out, ";rport=%s", rport);
  if (received != NULL)
    g_string_append_printf (out, ";received=%s", received);

  return g_string_free (out, FALSE);
}

static void
append_contacts (GString *out,
                 Message *request)
{
  g_autoptr(GPtrArray) contacts = message_get_list (request, "contact");
  const char *expires_header = message_get (request, "expires");
  guint64 expires = expires_header != NULL ? g_ascii_strtoull (expires_header, NULL, 10) : 3600;

  for (guint i = 0; i < contacts->len; i++)
    {
      const char *contact = contacts->pdata[i];
      g_autofree char *own = NULL;

      if (strcmp (contact, "*") == 0)
        continue;

      own = find_param (header_params (contact), "expires");
      if (own != NULL)
        {
          if (g_ascii_strtoull (own, NULL, 10) != 0)
            g_string_append_printf (out, "Contact: %s\r\n", contact);
        }
      else if (expires != 0)
        {
          g_string_append_printf (out, "Contact: %s;expires=%" G_GUINT64_FORMAT "\r\n",
                                  contact, expires);
        }
    }
}

static char *
build_response (SipnatFakeRegistrar *self,
                Message             *request,
                const Scripted      *script,
                const char          *source_host,
                guint16              source_port)
{
  g_autoptr(GPtrArray) vias = message_get_list (request, "via");
  GString *out = g_string_new (NULL);
  const char *to = message_get (request, "to");
  const char *header;

  g_string_append_printf (out, "SIP/2.0 %u %s\r\n", script->status,
                          script->reason != NULL ? script->reason : standard_reason (script->status));

  for (guint i = 0; i < vias->len; i++)
    {
      if (i == 0 && script->via_override != NULL)
        {
          g_autofree char *branch = find_param (vias->pdata[0], "branch");
          g_autoptr(GString) via = g_string_new (script->via_override);

          /* ${branch}: the request's branch, so that the client can match
           * the response to its transaction. */
          g_string_replace (via, "${branch}", branch ? branch : "", 0);
          if (via->len > 0)
            g_string_append_printf (out, "Via: %s\r\n", via->str);
        }
      else if (i == 0)
        {
          g_autofree char *asked = find_param (vias->pdata[0], "rport");
          g_autofree char *real_port = g_strdup_printf ("%u", source_port);
          const char *received = script->received != NULL ? script->received : source_host;
          const char *rport = script->rport != NULL ? script->rport
                              : asked != NULL ? real_port : NULL;
          g_autofree char *top = NULL;

          if (received != NULL && *received == '\0')
            received = NULL;
          if (rport != NULL && *rport == '\0')
            rport = NULL;
          top = rewrite_via (vias->pdata[0], received, rport);
          g_string_append_printf (out, "Via: %s\r\n", top);
        }
      else
        {
          g_string_append_printf (out, "Via: %s\r\n", (const char *) vias->pdata[i]);
        }
    }

  if ((header = message_get (request, "from")) != NULL)
    g_string_append_printf (out, "From: %s\r\n", header);
  if (to != NULL)
    {
      g_autofree char *tag = find_param (header_params (to), "tag");

      if (tag == NULL && script->status > 100 && strcmp (request->method, "INVITE") == 0)
        /* One tag per call: its 180 and its 200 are in one dialog. */
        g_string_append_printf (out, "To: %s;tag=fake%x\r\n", to,
                                g_str_hash (message_get (request, "call-id") ?
                                            message_get (request, "call-id") : ""));
      else if (tag == NULL && script->status > 100)
        g_string_append_printf (out, "To: %s;tag=fake%x%x\r\n", to, ++self->tag_serial,
                                g_random_int ());
      else
        g_string_append_printf (out, "To: %s\r\n", to);
    }
  if ((header = message_get (request, "call-id")) != NULL)
    g_string_append_printf (out, "Call-ID: %s\r\n", header);
  if ((header = message_get (request, "cseq")) != NULL)
    g_string_append_printf (out, "CSeq: %s\r\n", header);

  if (script->echo_contact)
    append_contacts (out, request);
  if (script->extra_headers != NULL)
    g_string_append (out, script->extra_headers);
  /* Answering an INVITE, the fake is the remote party: in-dialog
   * requests come to it. */
  if (strcmp (request->method, "INVITE") == 0 && script->status > 100 && script->status < 300
      && (script->extra_headers == NULL || strstr (script->extra_headers, "Contact:") == NULL))
    g_string_append_printf (out, "Contact: <sip:fake@127.0.0.1:%u>\r\n", self->port);

  g_string_append (out, "Server: sipnat-fake-registrar\r\n");
  if (script->body != NULL)
    g_string_append_printf (out, "Content-Type: %s\r\n"
                                 "Content-Length: %" G_GSIZE_FORMAT "\r\n"
                                 "\r\n%s",
                            script->content_type ? script->content_type : "application/sdp",
                            strlen (script->body), script->body);
  else
    g_string_append (out, "Content-Length: 0\r\n"
                          "\r\n");

  return g_string_free (out, FALSE);
}

static void dialog_clear (Dialog *d);
static void handle_response (SipnatFakeRegistrar *self,
                             Message             *response,
                             const char          *data,
                             gsize                len);

static void
send_udp (SipnatFakeRegistrar *self,
          GSocketAddress      *to,
          const char          *data)
{
  g_autoptr(GError) error = NULL;

  if (g_socket_send_to (self->udp, to, data, strlen (data), NULL, &error) < 0)
    g_debug ("fake registrar: UDP send failed: %s", error->message);
}

/* An INVITE not answered finally yet (a 1xx or nothing) can be CANCELled:
 * remember it */
static void
track_invite (SipnatFakeRegistrar *self,
              Message             *request,
              const char          *data,
              gsize                len,
              GSocketAddress      *source,
              guint                status)
{
  if (strcmp (request->method, "INVITE") != 0)
    return;

  g_clear_pointer (&self->pending_invite, g_free);
  g_clear_object (&self->pending_source);
  if (status >= 200 && status < 300)
    {
      g_free (self->answered_invite);
      g_clear_object (&self->answered_source);
      self->answered_invite = g_strndup (data, len);
      self->answered_source = g_object_ref (source);
    }
  if (status >= 200)
    return;

  self->pending_invite = g_strndup (data, len);
  self->pending_source = g_object_ref (source);
}

/* A CANCEL accepted: the INVITE it cancels gets its 487 (UDP only) */
static void
terminate_pending_invite (SipnatFakeRegistrar *self,
                          Message             *cancel)
{
  g_autoptr(Message) invite = NULL;
  g_autofree char *response = NULL;
  Scripted terminated = { .status = 487 };

  if (self->pending_invite == NULL || !G_IS_INET_SOCKET_ADDRESS (self->pending_source))
    return;
  invite = message_parse (self->pending_invite, strlen (self->pending_invite));
  if (invite == NULL || g_strcmp0 (message_get (invite, "call-id"),
                                   message_get (cancel, "call-id")) != 0)
    return;

  {
    GInetSocketAddress *inet = G_INET_SOCKET_ADDRESS (self->pending_source);
    g_autofree char *host =
      g_inet_address_to_string (g_inet_socket_address_get_address (inet));

    response = build_response (self, invite, &terminated, host,
                               g_inet_socket_address_get_port (inet));
  }
  send_udp (self, self->pending_source, response);
  g_clear_pointer (&self->pending_invite, g_free);
  g_clear_object (&self->pending_source);
}

/* Records a request and builds its answer: NULL for none */
static char *
handle_message (SipnatFakeRegistrar *self,
                const char          *data,
                gsize                len,
                GSocketAddress      *source)
{
  g_autoptr(Message) request = message_parse (data, len);
  g_autofree char *source_host = NULL;
  Scripted default_script = { 0 };
  Scripted *queued = NULL;
  const Scripted *script;
  char *response = NULL;
  guint16 source_port = 0;
  guint count;

  if (request == NULL)
    {
      g_debug ("fake registrar: ignoring %" G_GSIZE_FORMAT " bytes that are not SIP", len);
      return NULL;
    }
  if (request->method == NULL)
    {
      handle_response (self, request, data, len);
      return NULL;
    }

  g_ptr_array_add (self->requests, g_strndup (data, len));
  count = GPOINTER_TO_UINT (g_hash_table_lookup (self->counts, request->method));
  g_hash_table_insert (self->counts, g_strdup (request->method), GUINT_TO_POINTER (count + 1));

  if (strcmp (request->method, "REGISTER") == 0)
    {
      g_autoptr(GPtrArray) contacts = message_get_list (request, "contact");

      g_ptr_array_add (contacts, NULL);
      g_ptr_array_add (self->register_contacts, g_ptr_array_free (g_steal_pointer (&contacts), FALSE));
    }

  if (strcmp (request->method, "ACK") == 0)
    return NULL;

  for (GList *l = self->queue.head; l != NULL; l = l->next)
    {
      Scripted *s = l->data;

      if (strcmp (s->method, request->method) == 0)
        {
          queued = s;
          g_queue_delete_link (&self->queue, l);
          break;
        }
    }

  if (queued == NULL)
    {
      default_script.status = 200;
      default_script.echo_contact = strcmp (request->method, "REGISTER") == 0;
    }

  if (G_IS_INET_SOCKET_ADDRESS (source))
    {
      GInetSocketAddress *inet = G_INET_SOCKET_ADDRESS (source);

      source_host = g_inet_address_to_string (g_inet_socket_address_get_address (inet));
      source_port = g_inet_socket_address_get_port (inet);
    }

  script = queued != NULL ? queued : &default_script;
  if (script->status != 0)
    response = build_response (self, request, script, source_host, source_port);
  track_invite (self, request, data, len, source, script->status);
  if (strcmp (request->method, "CANCEL") == 0 && script->status >= 200 && script->status < 300)
    terminate_pending_invite (self, request);

  if (queued != NULL)
    scripted_free (queued);

  return response;
}

/* ------------------------------------------------------------------ */
/* UDP                                                                 */

/* A STUN Binding success answer (RFC 5389 §15.2): the 20-byte header
 * with the request's transaction id, and one XOR-MAPPED-ADDRESS (IPv4). */
static void
handle_stun (SipnatFakeRegistrar *self,
             GSocket             *socket,
             const guint8        *request,
             gssize               len,
             GSocketAddress      *source)
{
  static const guint8 cookie[4] = { 0x21, 0x12, 0xa4, 0x42 };
  GInetSocketAddress *inet = G_INET_SOCKET_ADDRESS (source);
  g_autoptr(GInetAddress) host = NULL;
  guint8 answer[32] = { 0x01, 0x01, 0x00, 12 };
  const guint8 *bytes;
  guint16 port;
  guint count = sipnat_fake_registrar_count (self, SIPNAT_FAKE_REGISTRAR_STUN);

  g_hash_table_insert (self->counts, g_strdup (SIPNAT_FAKE_REGISTRAR_STUN),
                       GUINT_TO_POINTER (count + 1));
  if (self->stun_mode == SIPNAT_FAKE_STUN_IGNORE || request[0] != 0x00 || request[1] != 0x01)
    return;

  host = self->stun_host != NULL ? g_inet_address_new_from_string (self->stun_host)
                                 : g_object_ref (g_inet_socket_address_get_address (inet));
  port = self->stun_port != 0 ? self->stun_port : g_inet_socket_address_get_port (inet);
  if (host == NULL || g_inet_address_get_family (host) != G_SOCKET_FAMILY_IPV4)
    return;
  bytes = g_inet_address_to_bytes (host);

  memcpy (answer + 4, request + 4, 16);          /* cookie and transaction id */
  if (self->stun_mode == SIPNAT_FAKE_STUN_WRONG_ID)
    answer[19] ^= 0xff;
  answer[20] = 0x00; answer[21] = 0x20;           /* XOR-MAPPED-ADDRESS */
  answer[22] = 0x00; answer[23] = 8;
  answer[24] = 0x00; answer[25] = 0x01;           /* IPv4 */
  answer[26] = (guint8) ((port >> 8) ^ cookie[0]);
  answer[27] = (guint8) ((port & 0xff) ^ cookie[1]);
  for (guint i = 0; i < 4; i++)
    answer[28 + i] = bytes[i] ^ cookie[i];

  if (g_socket_send_to (socket, source, (const char *) answer, sizeof answer, NULL, NULL) < 0)
    g_debug ("fake registrar: STUN send failed");
}

static gboolean
udp_readable_cb (GSocket      *socket,
                 GIOCondition  condition,
                 gpointer      user_data)
{
  SipnatFakeRegistrar *self = user_data;

  for (;;)
    {
      g_autoptr(GSocketAddress) source = NULL;
      g_autoptr(GError) error = NULL;
      g_autofree char *response = NULL;
      gssize len;

      len = g_socket_receive_from (socket, &source, self->recv_buffer, MAX_DATAGRAM, NULL, &error);
      if (len < 0)
        {
          if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
            g_debug ("fake registrar: UDP receive failed: %s", error->message);
          break;
        }

      {
        gboolean blank = TRUE;

        for (gssize i = 0; i < len && blank; i++)
          blank = g_ascii_isspace (self->recv_buffer[i]);
        if (blank)
          {
            guint count = sipnat_fake_registrar_count (self, SIPNAT_FAKE_REGISTRAR_KEEPALIVE);

            g_hash_table_insert (self->counts, g_strdup (SIPNAT_FAKE_REGISTRAR_KEEPALIVE),
                                 GUINT_TO_POINTER (count + 1));
            continue;
          }
      }

      if (len >= 20 && ((guint8) self->recv_buffer[0] & 0xc0) == 0)
        {
          handle_stun (self, socket, (const guint8 *) self->recv_buffer, len, source);
          continue;
        }

      response = handle_message (self, self->recv_buffer, len, source);
      if (response != NULL
          && g_socket_send_to (socket, source, response, strlen (response), NULL, &error) < 0)
        g_debug ("fake registrar: UDP send failed: %s", error->message);
    }

  return G_SOURCE_CONTINUE;
}

/* ------------------------------------------------------------------ */
/* TCP                                                                 */

static void
connection_free (Connection *conn)
{
  g_source_destroy (conn->source);
  g_source_unref (conn->source);
  g_socket_close (conn->socket, NULL);
  g_object_unref (conn->socket);
  g_byte_array_unref (conn->buffer);
  g_free (conn);
}

static void
connection_close (Connection *conn)
{
  SipnatFakeRegistrar *self = conn->registrar;

  self->connections = g_list_remove (self->connections, conn);
  connection_free (conn);
}

static gboolean
connection_send (Connection *conn,
                 const char *data,
                 gsize       len)
{
  while (len > 0)
    {
      g_autoptr(GError) error = NULL;
      gssize sent = g_socket_send_with_blocking (conn->socket, data, len, TRUE, NULL, &error);

      if (sent < 0)
        {
          g_debug ("fake registrar: TCP send failed: %s", error->message);
          return FALSE;
        }
      data += sent;
      len -= sent;
    }

  return TRUE;
}

/* Handles the complete messages in the buffer; FALSE to close */
static gboolean
connection_process (Connection *conn)
{
  SipnatFakeRegistrar *self = conn->registrar;
  GByteArray *buf = conn->buffer;

  for (;;)
    {
      g_autoptr(GSocketAddress) source = NULL;
      g_autofree char *response = NULL;
      gsize skip = 0;
      gsize len;

      /* A double CRLF is a keep-alive ping, answered with a single CRLF */
      if (buf->len >= 4 && memcmp (buf->data, "\r\n\r\n", 4) == 0)
        {
          guint count = sipnat_fake_registrar_count (self, SIPNAT_FAKE_REGISTRAR_KEEPALIVE);

          g_hash_table_insert (self->counts, g_strdup (SIPNAT_FAKE_REGISTRAR_KEEPALIVE),
                               GUINT_TO_POINTER (count + 1));
          g_byte_array_remove_range (buf, 0, 4);
          if (!self->no_pongs && !connection_send (conn, "\r\n", 2))
            return FALSE;
          continue;
        }

      while (skip < buf->len && (buf->data[skip] == '\r' || buf->data[skip] == '\n'))
        skip++;
      if (skip == buf->len)
        return TRUE;  /* perhaps half a ping */
      g_byte_array_remove_range (buf, 0, skip);

      len = stream_message_length ((const char *) buf->data, buf->len);
      if (len == 0)
        return buf->len <= MAX_STREAM_BUFFER;

      source = g_socket_get_remote_address (conn->socket, NULL);
      response = handle_message (self, (const char *) buf->data, len, source);
      g_byte_array_remove_range (buf, 0, len);
      if (response != NULL && !connection_send (conn, response, strlen (response)))
        return FALSE;
    }
}

static gboolean
connection_readable_cb (GSocket      *socket,
                        GIOCondition  condition,
                        gpointer      user_data)
{
  Connection *conn = user_data;
  SipnatFakeRegistrar *self = conn->registrar;
  gboolean closed = FALSE;

  for (;;)
    {
      g_autoptr(GError) error = NULL;
      gssize len = g_socket_receive_with_blocking (socket, self->recv_buffer, MAX_DATAGRAM,
                                                   FALSE, NULL, &error);

      if (len < 0 && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        break;
      if (len <= 0)
        {
          closed = TRUE;
          break;
        }
      g_byte_array_append (conn->buffer, (const guint8 *) self->recv_buffer, len);
    }

  /* Messages that came just before the peer closed are still answered */
  if (!connection_process (conn) || closed)
    {
      connection_close (conn);
      return G_SOURCE_REMOVE;
    }

  return G_SOURCE_CONTINUE;
}

static gboolean
tcp_acceptable_cb (GSocket      *socket,
                   GIOCondition  condition,
                   gpointer      user_data)
{
  SipnatFakeRegistrar *self = user_data;

  for (;;)
    {
      g_autoptr(GError) error = NULL;
      GSocket *accepted = g_socket_accept (socket, NULL, &error);
      Connection *conn;

      if (accepted == NULL)
        {
          if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
            g_debug ("fake registrar: TCP accept failed: %s", error->message);
          break;
        }

      conn = g_new0 (Connection, 1);
      conn->registrar = self;
      conn->socket = accepted;
      conn->buffer = g_byte_array_new ();
      conn->source = g_socket_create_source (accepted, G_IO_IN | G_IO_HUP | G_IO_ERR, NULL);
      g_source_set_callback (conn->source, G_SOURCE_FUNC (connection_readable_cb), conn, NULL);
      g_source_attach (conn->source, self->context);
      self->connections = g_list_prepend (self->connections, conn);
    }

  return G_SOURCE_CONTINUE;
}

/* ------------------------------------------------------------------ */
/* Setup                                                               */

/* Binds UDP on an ephemeral port then TCP on the same one */
static gboolean
bind_sockets (SipnatFakeRegistrar  *self,
              GError              **error)
{
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);

  for (guint attempt = 0; attempt < BIND_ATTEMPTS; attempt++)
    {
      g_autoptr(GSocket) udp = NULL;
      g_autoptr(GSocket) tcp = NULL;
      g_autoptr(GSocketAddress) any = g_inet_socket_address_new (loopback, 0);
      g_autoptr(GSocketAddress) local = NULL;
      g_autoptr(GSocketAddress) same = NULL;
      g_autoptr(GError) local_error = NULL;
      guint16 port;

      udp = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP,
                          error);
      if (udp == NULL || !g_socket_bind (udp, any, FALSE, error))
        return FALSE;
      local = g_socket_get_local_address (udp, error);
      if (local == NULL)
        return FALSE;
      port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local));

      tcp = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
                          error);
      if (tcp == NULL)
        return FALSE;
      same = g_inet_socket_address_new (loopback, port);
      if (!g_socket_bind (tcp, same, TRUE, &local_error) || !g_socket_listen (tcp, &local_error))
        {
          if (attempt + 1 == BIND_ATTEMPTS)
            {
              g_propagate_error (error, g_steal_pointer (&local_error));
              return FALSE;
            }
          continue;  /* the TCP port is taken: try another one */
        }

      g_socket_set_blocking (udp, FALSE);
      g_socket_set_blocking (tcp, FALSE);
      self->udp = g_steal_pointer (&udp);
      self->tcp = g_steal_pointer (&tcp);
      self->port = port;
      return TRUE;
    }

  g_return_val_if_reached (FALSE);
}

/**
 * sipnat_fake_registrar_new:
 * @error: return location for an error
 *
 * Starts a fake registrar on 127.0.0.1, UDP and TCP on the same
 * ephemeral port, attached to the thread-default main context.
 *
 * Returns: (transfer full): the fake, or %NULL with @error set
 */
SipnatFakeRegistrar *
sipnat_fake_registrar_new (GError **error)
{
  g_autoptr(SipnatFakeRegistrar) self = g_new0 (SipnatFakeRegistrar, 1);

  self->context = g_main_context_ref_thread_default ();
  g_queue_init (&self->queue);
  self->requests = g_ptr_array_new_with_free_func (g_free);
  self->register_contacts = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
  self->counts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->recv_buffer = g_malloc (MAX_DATAGRAM);
  self->responses = g_ptr_array_new_with_free_func (g_free);

  if (!bind_sockets (self, error))
    return NULL;

  self->udp_source = g_socket_create_source (self->udp, G_IO_IN, NULL);
  g_source_set_callback (self->udp_source, G_SOURCE_FUNC (udp_readable_cb), self, NULL);
  g_source_attach (self->udp_source, self->context);

  self->tcp_source = g_socket_create_source (self->tcp, G_IO_IN, NULL);
  g_source_set_callback (self->tcp_source, G_SOURCE_FUNC (tcp_acceptable_cb), self, NULL);
  g_source_attach (self->tcp_source, self->context);

  return g_steal_pointer (&self);
}

/**
 * sipnat_fake_registrar_free:
 * @self: (nullable): a fake registrar
 *
 * Stops the fake, closing its sockets and its TCP connections.
 */
void
sipnat_fake_registrar_free (SipnatFakeRegistrar *self)
{
  if (self == NULL)
    return;

  g_list_free_full (g_steal_pointer (&self->connections), (GDestroyNotify) connection_free);
  if (self->udp_source != NULL)
    {
      g_source_destroy (self->udp_source);
      g_source_unref (self->udp_source);
    }
  sipnat_fake_registrar_close_tcp (self);
  if (self->udp != NULL)
    {
      g_socket_close (self->udp, NULL);
      g_object_unref (self->udp);
    }

  g_queue_clear_full (&self->queue, (GDestroyNotify) scripted_free);
  g_ptr_array_unref (self->requests);
  g_hash_table_unref (self->counts);
  g_ptr_array_unref (self->register_contacts);
  g_free (self->nonce);
  g_free (self->recv_buffer);
  g_free (self->stun_host);
  g_free (self->pending_invite);
  g_clear_object (&self->pending_source);
  g_free (self->answered_invite);
  g_clear_object (&self->answered_source);
  g_ptr_array_unref (self->responses);
  dialog_clear (&self->dialog);
  g_main_context_unref (self->context);
  g_free (self);
}

/**
 * sipnat_fake_registrar_get_port:
 * @self: a fake registrar
 *
 * Returns: the port it listens on, on 127.0.0.1, for both UDP and TCP
 */
guint16
sipnat_fake_registrar_get_port (SipnatFakeRegistrar *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->port;
}

/**
 * sipnat_fake_registrar_push_for:
 * @self: a fake registrar
 * @method: the request method it answers, e.g. "OPTIONS" (case-sensitive)
 * @response: the response; its strings are copied
 *
 * Queues a response for the next request of @method that finds no earlier
 * response queued for it.
 */
void
sipnat_fake_registrar_push_for (SipnatFakeRegistrar      *self,
                                const char               *method,
                                const SipnatFakeResponse *response)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (method != NULL);
  g_return_if_fail (response != NULL);

  g_queue_push_tail (&self->queue, scripted_new (method, response));
}

/**
 * sipnat_fake_registrar_push:
 * @self: a fake registrar
 * @response: the response; its strings are copied
 *
 * Queues a response for the next REGISTER.
 */
void
sipnat_fake_registrar_push (SipnatFakeRegistrar      *self,
                            const SipnatFakeResponse *response)
{
  sipnat_fake_registrar_push_for (self, "REGISTER", response);
}

/**
 * sipnat_fake_registrar_push_challenge:
 * @self: a fake registrar
 * @received: (nullable): as #SipnatFakeResponse.received
 * @rport: (nullable): as #SipnatFakeResponse.rport
 *
 * Queues a 401 for the next REGISTER with a Digest challenge for the realm
 * "fake" and a fresh nonce (see sipnat_fake_registrar_get_nonce()). The
 * fake checks no credentials: what answers the authorised request is the
 * next queued response or the default 200.
 */
void
sipnat_fake_registrar_push_challenge (SipnatFakeRegistrar *self,
                                      const char          *received,
                                      const char          *rport)
{
  g_autofree char *challenge = NULL;
  SipnatFakeResponse response = {
    .status = 401,
    .received = received,
    .rport = rport,
  };

  g_return_if_fail (self != NULL);

  g_free (self->nonce);
  self->nonce = g_strdup_printf ("%08x%08x%08x%08x", g_random_int (), g_random_int (),
                                 g_random_int (), g_random_int ());
  challenge = g_strdup_printf ("WWW-Authenticate: Digest realm=\"fake\", nonce=\"%s\", "
                               "algorithm=MD5, qop=\"auth\"\r\n", self->nonce);
  response.extra_headers = challenge;
  sipnat_fake_registrar_push (self, &response);
}

/**
 * sipnat_fake_registrar_get_nonce:
 * @self: a fake registrar
 *
 * Returns: (nullable): the nonce of the last challenge pushed
 */
const char *
sipnat_fake_registrar_get_nonce (SipnatFakeRegistrar *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->nonce;
}

/**
 * sipnat_fake_registrar_get_queued:
 * @self: a fake registrar
 *
 * Returns: how many queued responses are still unused
 */
guint
sipnat_fake_registrar_get_queued (SipnatFakeRegistrar *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->queue.length;
}

/**
 * sipnat_fake_registrar_count:
 * @self: a fake registrar
 * @method: (nullable): a method, e.g. "REGISTER", or
 *   %SIPNAT_FAKE_REGISTRAR_KEEPALIVE; %NULL for all requests
 *
 * Returns: how many requests of @method were received
 */
guint
sipnat_fake_registrar_count (SipnatFakeRegistrar *self,
                             const char          *method)
{
  g_return_val_if_fail (self != NULL, 0);

  if (method == NULL)
    return self->requests->len;

  return GPOINTER_TO_UINT (g_hash_table_lookup (self->counts, method));
}

/**
 * sipnat_fake_registrar_get_requests:
 * @self: a fake registrar
 *
 * Returns: (transfer none) (element-type utf8): every request received, raw,
 *   oldest first
 */
GPtrArray *
sipnat_fake_registrar_get_requests (SipnatFakeRegistrar *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->requests;
}

/**
 * sipnat_fake_registrar_get_last_request:
 * @self: a fake registrar
 *
 * Returns: (nullable): the last request received, raw
 */
const char *
sipnat_fake_registrar_get_last_request (SipnatFakeRegistrar *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  if (self->requests->len == 0)
    return NULL;

  return self->requests->pdata[self->requests->len - 1];
}

/**
 * sipnat_fake_registrar_get_last_contacts:
 * @self: a fake registrar
 *
 * Returns: (transfer full): the Contact values of the last REGISTER, in
 *   order, one per element whether they came in one header or several;
 *   empty if there was none or no REGISTER yet
 */
char **
sipnat_fake_registrar_get_last_contacts (SipnatFakeRegistrar *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  if (self->register_contacts->len == 0)
    return g_new0 (char *, 1);

  return g_strdupv (g_ptr_array_index (self->register_contacts,
                                       self->register_contacts->len - 1));
}

/**
 * sipnat_fake_registrar_get_contacts:
 * @self: a fake registrar
 * @n: which REGISTER, from 0
 *
 * Returns: (transfer full): the Contact values of the @n-th REGISTER, as
 *   sipnat_fake_registrar_get_last_contacts() gives them; empty if there
 *   was no such REGISTER
 */
char **
sipnat_fake_registrar_get_contacts (SipnatFakeRegistrar *self,
                                    guint                n)
{
  g_return_val_if_fail (self != NULL, NULL);

  if (n >= self->register_contacts->len)
    return g_new0 (char *, 1);

  return g_strdupv (g_ptr_array_index (self->register_contacts, n));
}

static gboolean
wait_timeout_cb (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

gboolean
sipnat_fake_registrar_wait (SipnatFakeRegistrar *self,
                            const char          *method,
                            guint                count,
                            guint                timeout_ms)
{
  gboolean timed_out = FALSE;
  GSource *timeout = g_timeout_source_new (timeout_ms);

  g_source_set_callback (timeout, wait_timeout_cb, &timed_out, NULL);
  g_source_attach (timeout, g_main_context_get_thread_default ());

  while (sipnat_fake_registrar_count (self, method) < count && !timed_out)
    g_main_context_iteration (g_main_context_get_thread_default (), TRUE);

  g_source_destroy (timeout);
  g_source_unref (timeout);
  return sipnat_fake_registrar_count (self, method) >= count;
}

void
sipnat_fake_registrar_set_pongs (SipnatFakeRegistrar *self,
                                 gboolean             answer)
{
  self->no_pongs = !answer;
}

void
sipnat_fake_registrar_set_stun (SipnatFakeRegistrar *self,
                                SipnatFakeStunMode   mode,
                                const char          *mapped_host,
                                guint16              mapped_port)
{
  self->stun_mode = mode;
  g_free (self->stun_host);
  self->stun_host = g_strdup (mapped_host);
  self->stun_port = mapped_port;
}

char *
sipnat_fake_registrar_dup_server (SipnatFakeRegistrar *self)
{
  return g_strdup_printf ("127.0.0.1:%u", self->port);
}

void
sipnat_fake_registrar_close_tcp (SipnatFakeRegistrar *self)
{
  if (self->tcp_source != NULL)
    g_source_destroy (self->tcp_source);
  g_clear_pointer (&self->tcp_source, g_source_unref);

  if (self->tcp != NULL)
    g_socket_close (self->tcp, NULL);
  g_clear_object (&self->tcp);
}

void
sipnat_fake_registrar_push_times (SipnatFakeRegistrar      *self,
                                  const char               *method,
                                  const SipnatFakeResponse *response,
                                  guint                     times)
{
  for (guint i = 0; i < times; i++)
    sipnat_fake_registrar_push_for (self, method ? method : "REGISTER", response);
}

/* ------------------------------------------------------------------ */
/* The fake as a caller                                                */

static void
dialog_clear (Dialog *d)
{
  g_free (d->call_id);
  g_free (d->from_tag);
  g_free (d->request_uri);
  g_free (d->invite_branch);
  g_free (d->to);
  g_free (d->remote_target);
  memset (d, 0, sizeof *d);
}

static char *
new_branch (SipnatFakeRegistrar *self)
{
  return g_strdup_printf ("z9hG4bK-fake-%u-%08x", ++self->branch_serial, g_random_int ());
}

static GSocketAddress *
dialog_address (SipnatFakeRegistrar *self)
{
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);

  return g_inet_socket_address_new (loopback, self->dialog.port);
}

/* Sends a request of the dialog; @to NULL for the To without a tag */
static void
send_request (SipnatFakeRegistrar *self,
              const char          *method,
              const char          *uri,
              const char          *branch,
              guint                cseq,
              const char          *content_type,
              const char          *body)
{
  Dialog *d = &self->dialog;
  g_autoptr(GSocketAddress) to = dialog_address (self);
  GString *out = g_string_new (NULL);
  g_autofree char *text = NULL;

  g_string_append_printf (out, "%s %s SIP/2.0\r\n"
                               "Via: SIP/2.0/UDP 127.0.0.1:%u;branch=%s;rport\r\n"
                               "Max-Forwards: 70\r\n"
                               "From: <sip:" SIPNAT_FAKE_REGISTRAR_CALLER "@127.0.0.1:%u>;tag=%s\r\n",
                          method, uri, self->port, branch, self->port, d->from_tag);
  if (d->to != NULL)
    g_string_append_printf (out, "To: %s\r\n", d->to);
  else
    g_string_append_printf (out, "To: <%s>\r\n", d->request_uri);
  g_string_append_printf (out, "Call-ID: %s\r\n"
                               "CSeq: %u %s\r\n"
                               "Contact: <sip:" SIPNAT_FAKE_REGISTRAR_CALLER "@127.0.0.1:%u>\r\n"
                               "User-Agent: sipnat-fake-registrar\r\n",
                          d->call_id, cseq, method, self->port);
  if (body != NULL)
    g_string_append_printf (out, "Content-Type: %s\r\n"
                                 "Content-Length: %" G_GSIZE_FORMAT "\r\n\r\n%s",
                            content_type ? content_type : "application/sdp", strlen (body), body);
  else
    g_string_append (out, "Content-Length: 0\r\n\r\n");

  text = g_string_free (out, FALSE);
  send_udp (self, to, text);
}

/* The ACK of a final answer to our INVITE: in its transaction for a
 * failure, a new one to the remote target for a 2xx */
static void
send_ack (SipnatFakeRegistrar *self,
          guint                status)
{
  Dialog *d = &self->dialog;

  if (status >= 300)
    send_request (self, "ACK", d->request_uri, d->invite_branch, d->invite_cseq, NULL, NULL);
  else
    {
      g_autofree char *branch = new_branch (self);

      send_request (self, "ACK", d->remote_target ? d->remote_target : d->request_uri, branch,
                    d->invite_cseq, NULL, NULL);
    }
}

static char *
contact_uri (const char *contact)
{
  const char *lt = strchr (contact, '<');
  const char *gt = lt ? strchr (lt, '>') : NULL;

  if (lt != NULL && gt != NULL)
    return g_strndup (lt + 1, gt - lt - 1);
  return g_strdup (contact);
}

/* Records a response; the final answer to our INVITE is ACKed */
static void
handle_response (SipnatFakeRegistrar *self,
                 Message             *response,
                 const char          *data,
                 gsize                len)
{
  Dialog *d = &self->dialog;
  const char *cseq = message_get (response, "cseq");
  const char *call_id = message_get (response, "call-id");
  const char *contact = message_get (response, "contact");
  g_autofree char *cseq_method = NULL;
  guint cseq_number = 0;

  g_ptr_array_add (self->responses, g_strndup (data, len));
  if (cseq == NULL || d->call_id == NULL || g_strcmp0 (call_id, d->call_id) != 0)
    return;

  cseq_number = (guint) g_ascii_strtoull (cseq, NULL, 10);
  cseq_method = g_strdup (strchr (cseq, ' ') ? g_strstrip (strchr (cseq, ' ') + 1) : "");
  if (strcmp (cseq_method, "INVITE") != 0 || cseq_number != d->invite_cseq
      || response->status < 200)
    return;

  g_free (d->to);
  d->to = g_strdup (message_get (response, "to"));
  if (response->status < 300 && contact != NULL)
    {
      g_free (d->remote_target);
      d->remote_target = contact_uri (contact);
    }
  send_ack (self, response->status);
}

void
sipnat_fake_registrar_send_invite (SipnatFakeRegistrar *self,
                                   guint16              port,
                                   const char          *user,
                                   const char          *content_type,
                                   const char          *body)
{
  Dialog *d = &self->dialog;

  g_return_if_fail (self != NULL);
  g_return_if_fail (port != 0 && user != NULL);

  dialog_clear (d);
  d->port = port;
  d->call_id = g_strdup_printf ("fake-call-%08x%08x@127.0.0.1", g_random_int (), g_random_int ());
  d->from_tag = g_strdup_printf ("fakefrom%08x", g_random_int ());
  d->request_uri = g_strdup_printf ("sip:%s@127.0.0.1:%u", user, port);
  d->invite_branch = new_branch (self);
  d->cseq = d->invite_cseq = 1;
  send_request (self, "INVITE", d->request_uri, d->invite_branch, d->cseq, content_type, body);
}

void
sipnat_fake_registrar_send_cancel (SipnatFakeRegistrar *self)
{
  Dialog *d = &self->dialog;

  g_return_if_fail (self != NULL && d->call_id != NULL);

  /* The CANCEL is in the INVITE's transaction: same branch, same CSeq
   * number, the To of the INVITE. */
  {
    g_autofree char *to = g_steal_pointer (&d->to);

    send_request (self, "CANCEL", d->request_uri, d->invite_branch, d->invite_cseq, NULL, NULL);
    d->to = g_steal_pointer (&to);
  }
}

void
sipnat_fake_registrar_send_bye (SipnatFakeRegistrar *self)
{
  Dialog *d = &self->dialog;
  g_autofree char *branch = NULL;

  g_return_if_fail (self != NULL && d->call_id != NULL && d->to != NULL);

  branch = new_branch (self);
  send_request (self, "BYE", d->remote_target ? d->remote_target : d->request_uri, branch,
                ++d->cseq, NULL, NULL);
}

void
sipnat_fake_registrar_send_reinvite (SipnatFakeRegistrar *self,
                                     const char          *body)
{
  Dialog *d = &self->dialog;

  g_return_if_fail (self != NULL && d->call_id != NULL && d->to != NULL);

  g_free (d->invite_branch);
  d->invite_branch = new_branch (self);
  d->invite_cseq = ++d->cseq;
  send_request (self, "INVITE", d->remote_target ? d->remote_target : d->request_uri,
                d->invite_branch, d->cseq, NULL, body);
}

static gboolean
is_response_to (const char *raw,
                guint       status,
                const char *method)
{
  g_autoptr(Message) m = message_parse (raw, strlen (raw));
  const char *cseq;

  if (m == NULL || m->method != NULL || (status != 0 && m->status != status))
    return FALSE;
  if (method == NULL)
    return TRUE;

  cseq = message_get (m, "cseq");
  cseq = cseq ? strchr (cseq, ' ') : NULL;
  return cseq != NULL && strcmp (cseq + 1, method) == 0;
}

guint
sipnat_fake_registrar_count_responses (SipnatFakeRegistrar *self,
                                       guint                status,
                                       const char          *method)
{
  guint n = 0;

  g_return_val_if_fail (self != NULL, 0);

  for (guint i = 0; i < self->responses->len; i++)
    if (is_response_to (self->responses->pdata[i], status, method))
      n++;
  return n;
}

const char *
sipnat_fake_registrar_get_last_response (SipnatFakeRegistrar *self,
                                         guint                status,
                                         const char          *method)
{
  g_return_val_if_fail (self != NULL, NULL);

  for (guint i = self->responses->len; i > 0; i--)
    if (is_response_to (self->responses->pdata[i - 1], status, method))
      return self->responses->pdata[i - 1];
  return NULL;
}

/* The status of the last final response to @method (0: none yet) */
guint
sipnat_fake_registrar_get_final_status (SipnatFakeRegistrar *self,
                                        const char          *method)
{
  g_return_val_if_fail (self != NULL, 0);

  for (guint i = self->responses->len; i > 0; i--)
    {
      const char *raw = self->responses->pdata[i - 1];
      g_autoptr(Message) m = message_parse (raw, strlen (raw));

      if (m != NULL && m->status >= 200 && is_response_to (raw, 0, method))
        return m->status;
    }
  return 0;
}

void
sipnat_fake_registrar_push_challenge_for (SipnatFakeRegistrar *self,
                                          const char          *method,
                                          guint                status)
{
  g_autofree char *challenge = NULL;
  SipnatFakeResponse response = { .status = status };

  g_return_if_fail (self != NULL);
  g_return_if_fail (status == 401 || status == 407);

  g_free (self->nonce);
  self->nonce = g_strdup_printf ("%08x%08x%08x%08x", g_random_int (), g_random_int (),
                                 g_random_int (), g_random_int ());
  challenge = g_strdup_printf ("%s: Digest realm=\"fake\", nonce=\"%s\", algorithm=MD5, "
                               "qop=\"auth\"\r\n",
                               status == 401 ? "WWW-Authenticate" : "Proxy-Authenticate",
                               self->nonce);
  response.extra_headers = challenge;
  sipnat_fake_registrar_push_for (self, method, &response);
}

void
sipnat_fake_registrar_hang_up_answered (SipnatFakeRegistrar *self)
{
  g_autoptr(Message) invite = NULL;
  g_autofree char *branch = NULL;
  g_autofree char *target = NULL;
  g_autofree char *text = NULL;
  const char *call_id;

  g_return_if_fail (self != NULL && self->answered_invite != NULL);

  invite = message_parse (self->answered_invite, strlen (self->answered_invite));
  g_return_if_fail (invite != NULL);
  call_id = message_get (invite, "call-id");
  branch = new_branch (self);
  target = contact_uri (message_get (invite, "contact") ? message_get (invite, "contact") : "");

  /* The fake's side of the dialog: its To tag is the one it answered
   * with (build_response), From and To swap. */
  text = g_strdup_printf ("BYE %s SIP/2.0\r\n"
                          "Via: SIP/2.0/UDP 127.0.0.1:%u;branch=%s;rport\r\n"
                          "Max-Forwards: 70\r\n"
                          "From: %s;tag=fake%x\r\n"
                          "To: %s\r\n"
                          "Call-ID: %s\r\n"
                          "CSeq: 1 BYE\r\n"
                          "Content-Length: 0\r\n\r\n",
                          target, self->port, branch, message_get (invite, "to"),
                          g_str_hash (call_id ? call_id : ""), message_get (invite, "from"),
                          call_id ? call_id : "");
  send_udp (self, self->answered_source, text);
}
