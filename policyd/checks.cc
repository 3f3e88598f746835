// checks.cc - the registered checks, one row each, in the order they run.
#include "policyd/checks.h"

#include <array>

#include "policyd/quota_check.h"
#include "policyd/rate_limit.h"
#include "policyd/relay_check.h"
#include "policyd/sender_login_check.h"
#include "policyd/settings.h"

namespace policyd {
namespace {

// The relay and sender-login parameters live in settings.cc (kParams).
const std::array kChecks = {
    CheckSpec{"relay", {}, make_relay_check},
    CheckSpec{"sender_login", {}, make_sender_login_check},
    CheckSpec{"quota", kQuotaParams, make_quota_check},
    CheckSpec{"rate", kRateParams, make_rate_limit},
};

}  // namespace

std::span<const CheckSpec> check_specs() { return kChecks; }

std::vector<core::config::ParamSpec> all_params() {
  std::vector<core::config::ParamSpec> out(kParams.begin(), kParams.end());
  for (const auto& spec : kChecks)
    for (const auto& p : spec.params) {
      bool dup = false;  // shared names (mailbox_base, ...) may appear in several tables
      for (const auto& q : out) dup = dup || q.name == p.name;
      if (!dup) out.push_back(p);
    }
  return out;
}

// build_checks - every factory; nullptr = switched off by its parameters.
core::Result<CheckList> build_checks(const CheckContext& ctx) {
  CheckList checks;
  for (const auto& spec : kChecks) {
    auto check = spec.make(ctx);
    if (!check) return check.error();
    if (*check) checks.push_back(std::move(*check));
  }
  return checks;
}

}  // namespace policyd
