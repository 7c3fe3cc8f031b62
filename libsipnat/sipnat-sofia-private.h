/* sipnat-sofia-private.h: Sofia-SIP headers and cleanup functions
 *
 * Only the library's .c files include this; public headers never do.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>

/* nua's magic pointers are our objects. */
#define NUA_MAGIC_T  struct _SipnatStack
#define NUA_HMAGIC_T struct _SipnatRegistration
#define SU_ROOT_MAGIC_T struct _SipnatStack

#include <sofia-sip/nua.h>
#include <sofia-sip/nua_tag.h>
#include <sofia-sip/nta_tag.h>
#include <sofia-sip/sip.h>
#include <sofia-sip/sip_header.h>
#include <sofia-sip/sip_status.h>
#include <sofia-sip/su_glib.h>
#include <sofia-sip/su_tag_io.h>
#include <sofia-sip/tport_tag.h>
#include <sofia-sip/url.h>

G_BEGIN_DECLS

/* nta marks the responses it makes up itself (timeouts, transport errors)
 * with this message flag (nta_internal.h, not installed). */
#define SIPNAT_NTA_INTERNAL_MSG (1 << 15)

static inline gboolean
_sipnat_sip_is_from_network (const sip_t *sip)
{
  return sip != NULL && !(sip->sip_flags & SIPNAT_NTA_INTERNAL_MSG);
}

static inline void
_sipnat_su_home_unref (su_home_t *home)
{
  su_home_unref (home);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (su_home_t, _sipnat_su_home_unref)

G_END_DECLS
