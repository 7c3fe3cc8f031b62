/* fuzz-common.h: what every fuzz target shares
 *
 * Each target defines LLVMFuzzerTestOneInput(). Built with clang and
 * -fsanitize=fuzzer (meson -Dfuzzing=true) it is a libFuzzer target;
 * built with fuzz-replay.c it is a plain program that runs the same
 * function over files, which the test suite does over fuzz/corpus/.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <stdint.h>
#include <stdlib.h>

#include <glib.h>

int LLVMFuzzerTestOneInput (const uint8_t *data,
                            size_t         size);

/* Logs are dropped, which keeps the fuzzer fast, but a critical or an
 * error is a bug that input can reach: abort, so the fuzzer reports it. */
static inline GLogWriterOutput
fuzz_log_writer (GLogLevelFlags   log_level,
                 const GLogField *fields,
                 gsize            n_fields,
                 gpointer         user_data)
{
  if ((log_level & (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_ERROR)) != 0)
    {
      g_log_writer_standard_streams (log_level, fields, n_fields, user_data);
      abort ();
    }

  return G_LOG_WRITER_HANDLED;
}

static inline void
fuzz_init_once (void)
{
  static gboolean done;

  if (done)
    return;
  done = TRUE;

  g_log_set_writer_func (fuzz_log_writer, NULL, NULL);
}

/* An error from the configuration code: SIPNAT_ERROR_CONFIG with a one-line
 * valid UTF-8 message. */
#define fuzz_assert_config_error(error) \
  G_STMT_START { \
    g_assert_nonnull (error); \
    g_assert_true ((error)->domain == SIPNAT_ERROR); \
    g_assert_cmpint ((error)->code, ==, SIPNAT_ERROR_CONFIG); \
    g_assert_true (g_utf8_validate ((error)->message, -1, NULL)); \
    for (const char *_c = (error)->message; *_c != '\0'; _c++) \
      g_assert_cmpint ((guchar) *_c, >=, 0x20); \
  } G_STMT_END
