/* sipnat-fake-registrar-answers.c: what the fake registrar answers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The queue of scripted responses (sipnat_fake_registrar_push() and the
 * like), the response built for a request, and the fake as the remote
 * party of a call: an INVITE tracked until its final answer, a CANCEL
 * that terminates it.
 */

#include <string.h>

#include "sipnat-fake-registrar-private.h"

void
fake_scripted_free (Scripted *s)
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
  g_autoptr(GPtrArray) parts = fake_split_params (via);
  GString *out = g_string_new (parts->pdata[0]);
  gboolean rport_done = FALSE;

  for (guint i = 1; i < parts->len; i++)
    {
      const char *param = parts->pdata[i];

      if (fake_param_is (param, "received"))
        continue;
      if (fake_param_is (param, "rport"))
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
  g_autoptr(GPtrArray) contacts = fake_message_get_list (request, "contact");
  const char *expires_header = fake_message_get (request, "expires");
  guint64 expires = expires_header != NULL ? g_ascii_strtoull (expires_header, NULL, 10) : 3600;

  for (guint i = 0; i < contacts->len; i++)
    {
      const char *contact = contacts->pdata[i];
      g_autofree char *own = NULL;

      if (strcmp (contact, "*") == 0)
        continue;

      own = fake_find_param (fake_header_params (contact), "expires");
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
  g_autoptr(GPtrArray) vias = fake_message_get_list (request, "via");
  GString *out = g_string_new (NULL);
  const char *to = fake_message_get (request, "to");
  const char *header;

  g_string_append_printf (out, "SIP/2.0 %u %s\r\n", script->status,
                          script->reason != NULL ? script->reason : standard_reason (script->status));

  for (guint i = 0; i < vias->len; i++)
    {
      if (i == 0 && script->via_override != NULL)
        {
          g_autofree char *branch = fake_find_param (vias->pdata[0], "branch");
          g_autoptr(GString) via = g_string_new (script->via_override);

          /* ${branch}: the request's branch, so that the client can match
           * the response to its transaction. */
          g_string_replace (via, "${branch}", branch ? branch : "", 0);
          if (via->len > 0)
            g_string_append_printf (out, "Via: %s\r\n", via->str);
        }
      else if (i == 0)
        {
          g_autofree char *asked = fake_find_param (vias->pdata[0], "rport");
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

  if ((header = fake_message_get (request, "from")) != NULL)
    g_string_append_printf (out, "From: %s\r\n", header);
  if (to != NULL)
    {
      g_autofree char *tag = fake_find_param (fake_header_params (to), "tag");

      if (tag == NULL && script->status > 100 && strcmp (request->method, "INVITE") == 0)
        /* One tag per call: its 180 and its 200 are in one dialog. */
        g_string_append_printf (out, "To: %s;tag=fake%x\r\n", to,
                                g_str_hash (fake_message_get (request, "call-id") ?
                                            fake_message_get (request, "call-id") : ""));
      else if (tag == NULL && script->status > 100)
        g_string_append_printf (out, "To: %s;tag=fake%x%x\r\n", to, ++self->tag_serial,
                                g_random_int ());
      else
        g_string_append_printf (out, "To: %s\r\n", to);
    }
  if ((header = fake_message_get (request, "call-id")) != NULL)
    g_string_append_printf (out, "Call-ID: %s\r\n", header);
  if ((header = fake_message_get (request, "cseq")) != NULL)
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
  invite = fake_message_parse (self->pending_invite, strlen (self->pending_invite));
  if (invite == NULL || g_strcmp0 (fake_message_get (invite, "call-id"),
                                   fake_message_get (cancel, "call-id")) != 0)
    return;

  {
    GInetSocketAddress *inet = G_INET_SOCKET_ADDRESS (self->pending_source);
    g_autofree char *host =
      g_inet_address_to_string (g_inet_socket_address_get_address (inet));

    response = build_response (self, invite, &terminated, host,
                               g_inet_socket_address_get_port (inet));
  }
  fake_registrar_send_udp (self, self->pending_source, response);
  g_clear_pointer (&self->pending_invite, g_free);
  g_clear_object (&self->pending_source);
}

/* Answers a request (ACK excepted): the first response queued for its
 * method, else the default one; NULL for none */
char *
fake_registrar_answer (SipnatFakeRegistrar *self,
                       Message             *request,
                       const char          *data,
                       gsize                len,
                       GSocketAddress      *source)
{
  g_autofree char *source_host = NULL;
  Scripted default_script = { 0 };
  Scripted *queued = NULL;
  const Scripted *script;
  char *response = NULL;
  guint16 source_port = 0;

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
    fake_scripted_free (queued);

  return response;
}

/* ------------------------------------------------------------------ */
/* Scripting                                                           */

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

void
sipnat_fake_registrar_push_times (SipnatFakeRegistrar      *self,
                                  const char               *method,
                                  const SipnatFakeResponse *response,
                                  guint                     times)
{
  for (guint i = 0; i < times; i++)
    sipnat_fake_registrar_push_for (self, method ? method : "REGISTER", response);
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
