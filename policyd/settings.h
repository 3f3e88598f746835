// settings.h - policyd's own parameters (one ParamSpec table) and their values.
//
// The relay and sender-login checks' parameters are here too; other checks
// bring their own table (checks.cc gathers them). load_settings() reads a
// loaded Config; errors are Config errors naming the parameter. Plain
// values, no sharing.
#pragma once

#include <chrono>
#include <span>
#include <string>
#include <vector>

#include "core/base/result.h"
#include "core/config/config.h"

namespace policyd {

extern const std::span<const core::config::ParamSpec> kParams;

struct Settings {
  std::vector<std::string> listen;            // policyd_listen
  std::chrono::seconds cache_ttl{10};         // policyd_cache_ttl: found answers; 0 = no cache
  std::chrono::seconds negative_ttl{5};       // policyd_negative_ttl: "not found" answers
  size_t cache_size = 100000;                 // policyd_cache_size: entries per table list
};

core::Result<Settings> load_settings(const core::config::Config& config);

}  // namespace policyd
