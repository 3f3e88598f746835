/* skip_dir_fsync.c - DIAGNOSTIC ONLY, never for real mail: an LD_PRELOAD shim
 * that turns fsync(2) on a directory into a no-op, so bench/stack/run.py can
 * show what vdelivery's fsync of new/ (after the link) costs against
 * virtual(8), which fsyncs only the file. Built by run.py for the
 * "nodirsync" variant. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <sys/stat.h>
#include <unistd.h>

int fsync(int fd) {
  static int (*real_fsync)(int);
  struct stat st;
  if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) return 0;
  if (!real_fsync) real_fsync = (int (*)(int))dlsym(RTLD_NEXT, "fsync");
  return real_fsync(fd);
}
