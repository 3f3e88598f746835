// privilege.cc - setgroups/setgid/setuid to the configured user.
#include "core/server/privilege.h"

#include <fmt/format.h>
#include <grp.h>
#include <pwd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace core::server {

// drop_privileges - switch to USER for good and prove it.
Status drop_privileges(const std::string& user) {
  passwd* pw = getpwnam(user.c_str());
  if (pw == nullptr) return config_error(fmt::format("user {}: no such user", user));
  uid_t uid = pw->pw_uid;
  gid_t gid = pw->pw_gid;
  if (uid == 0) return config_error(fmt::format("user {}: refusing to run as a uid 0 user", user));
  if (geteuid() != 0) {
    if (getuid() == uid && geteuid() == uid) return ok_status();
    return config_error(fmt::format("cannot switch to user {}: not started as root", user));
  }
  if (initgroups(user.c_str(), gid) != 0)
    return config_error(fmt::format("initgroups {}: {}", user, std::strerror(errno)));
  if (setgid(gid) != 0) return config_error(fmt::format("setgid {}: {}", gid, std::strerror(errno)));
  if (setuid(uid) != 0) return config_error(fmt::format("setuid {}: {}", uid, std::strerror(errno)));
  if (setuid(0) == 0 || getuid() != uid || geteuid() != uid || getgid() != gid || getegid() != gid)
    return config_error(fmt::format("user {}: privileges were not dropped completely", user));
  return ok_status();
}

}  // namespace core::server
