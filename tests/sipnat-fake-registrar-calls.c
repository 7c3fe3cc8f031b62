/* sipnat-fake-registrar-calls.c: the fake registrar's own requests
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The fake as a caller (one call: INVITE, CANCEL, BYE, re-INVITE, with
 * the ACKs), as the remote party hanging up a call it answered, and the
 * responses it receives.
 */

#include <string.h>

#include "sipnat-fake-registrar-private.h"

void
fake_dialog_clear (Dialog *d)
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
  fake_registrar_send_udp (self, to, text);
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
void
fake_registrar_handle_response (SipnatFakeRegistrar *self,
                                Message             *response,
                                const char          *data,
                                gsize                len)
{
  Dialog *d = &self->dialog;
  const char *cseq = fake_message_get (response, "cseq");
  const char *call_id = fake_message_get (response, "call-id");
  const char *contact = fake_message_get (response, "contact");
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
  d->to = g_strdup (fake_message_get (response, "to"));
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

  fake_dialog_clear (d);
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
  g_autoptr(Message) m = fake_message_parse (raw, strlen (raw));
  const char *cseq;

  if (m == NULL || m->method != NULL || (status != 0 && m->status != status))
    return FALSE;
  if (method == NULL)
    return TRUE;

  cseq = fake_message_get (m, "cseq");
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
      g_autoptr(Message) m = fake_message_parse (raw, strlen (raw));

      if (m != NULL && m->status >= 200 && is_response_to (raw, 0, method))
        return m->status;
    }
  return 0;
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

  invite = fake_message_parse (self->answered_invite, strlen (self->answered_invite));
  g_return_if_fail (invite != NULL);
  call_id = fake_message_get (invite, "call-id");
  branch = new_branch (self);
  target = contact_uri (fake_message_get (invite, "contact") ? fake_message_get (invite, "contact") : "");

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
                          target, self->port, branch, fake_message_get (invite, "to"),
                          g_str_hash (call_id ? call_id : ""), fake_message_get (invite, "from"),
                          call_id ? call_id : "");
  fake_registrar_send_udp (self, self->answered_source, text);
}
