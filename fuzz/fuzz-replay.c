/* fuzz-replay.c: runs a fuzz target over files, without libFuzzer
 *
 * Usage: replay-TARGET FILE-OR-DIRECTORY...
 * Every file given, and every file in every directory given, is passed to
 * LLVMFuzzerTestOneInput() once. A crash or a failed assertion fails the
 * run; the name of the input is printed first.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <stdio.h>
#include <string.h>

#include "fuzz-common.h"

static gboolean
replay_file (const char *path,
             guint      *n)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  gsize len = 0;

  if (!g_file_get_contents (path, &contents, &len, &error))
    {
      fprintf (stderr, "%s\n", error->message);
      return FALSE;
    }

  printf ("# %s\n", path);
  fflush (stdout);
  LLVMFuzzerTestOneInput ((const uint8_t *) contents, len);
  (*n)++;
  return TRUE;
}

static int
compare_paths (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

static gboolean
replay_directory (const char *path,
                  guint      *n)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GDir) dir = g_dir_open (path, 0, &error);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  if (dir == NULL)
    {
      fprintf (stderr, "%s\n", error->message);
      return FALSE;
    }

  while ((name = g_dir_read_name (dir)) != NULL)
    g_ptr_array_add (names, g_build_filename (path, name, NULL));

  /* The same order on every run. */
  g_ptr_array_sort (names, compare_paths);

  for (guint i = 0; i < names->len; i++)
    {
      if (!replay_file (g_ptr_array_index (names, i), n))
        return FALSE;
    }

  return TRUE;
}

int
main (int argc, char *argv[])
{
  guint n = 0;

  if (argc < 2)
    {
      fprintf (stderr, "Usage: %s FILE-OR-DIRECTORY...\n", argv[0]);
      return 2;
    }

  for (int i = 1; i < argc; i++)
    {
      gboolean ok = g_file_test (argv[i], G_FILE_TEST_IS_DIR) ?
                    replay_directory (argv[i], &n) : replay_file (argv[i], &n);

      if (!ok)
        return 1;
    }

  if (n == 0)
    {
      fprintf (stderr, "%s: no input to replay\n", argv[0]);
      return 1;
    }

  printf ("# %u inputs replayed\n", n);
  return 0;
}
