// checks.h - the list of policyd's checks: where a check is registered.
//
// Adding a check = its files plus ONE row in checks.cc kChecks: its name,
// its parameter table and its factory. The rows run in table order for
// every request (pipeline.h gives the rules: the first REJECT/DEFER/HOLD
// wins, OK is kept while the later checks still run). A factory returns
// nullptr when its parameters switch it off, and a Config error when they
// are wrong (startup or reload then fails with that message).
//
// Loop thread only (startup and SIGHUP).
#pragma once

#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "core/base/result.h"
#include "core/config/config.h"
#include "policyd/check.h"
#include "policyd/pipeline.h"

namespace policyd {

struct CheckSpec {
  std::string_view name;
  std::span<const core::config::ParamSpec> params;  // the check's own parameters (may be empty)
  core::Result<std::unique_ptr<Check>> (*make)(const CheckContext& ctx);
};

// check_specs - every registered check, in the order they run.
std::span<const CheckSpec> check_specs();
// all_params - policyd's own parameters and every check's.
std::vector<core::config::ParamSpec> all_params();
// build_checks - the enabled checks for CTX, in order.
core::Result<CheckList> build_checks(const CheckContext& ctx);

}  // namespace policyd
