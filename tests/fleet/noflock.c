/* An LD_PRELOAD shim that turns flock() into a no-op that reports success, as on file systems
 * mounted without working flock (some Lustre and GPFS setups): every caller believes it holds the
 * lock. The fleet tests run replicas under it to prove the cache stays correct without locks. */
#include <sys/file.h>

int flock(int fd, int operation) {
  (void)fd;
  (void)operation;
  return 0;
}
