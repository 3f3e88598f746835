// privilege.h - give up root after the listeners are bound, as Postfix
// daemons do (never serve a client as root).
//
// drop_privileges(USER): initgroups, setgid, setuid to USER, then verify
// that root cannot be regained. Already running as USER is fine; any other
// non-root start is an error. Errors are Config errors. Call once, before
// worker threads exist is not required (Linux glibc setuid applies to all
// threads of the process).
#pragma once

#include <string>

#include "core/base/result.h"

namespace core::server {

Status drop_privileges(const std::string& user);

}  // namespace core::server
