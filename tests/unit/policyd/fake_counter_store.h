// fake_counter_store.h - an in-memory policyd::CounterStore for unit tests.
// Same arithmetic as the SQL in rate_counter.cc (one row per login, a newer
// window restarts the counts); can be told to fail; records every call.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "policyd/rate_counter.h"

namespace vmk_test {

class FakeCounterStore final : public policyd::CounterStore {
 public:
  struct Row {
    long long window = 0, messages = 0, recipients = 0;
  };
  core::Result<policyd::RateUsage> add(std::string_view login, long long window, long long recipients) override {
    calls.push_back("add " + std::string(login));
    if (fail) return core::retry_error("fake: server gone");
    Row& r = rows[std::string(login)];
    if (r.window != window) r = Row{window, 0, 0};
    r.messages += 1;
    r.recipients += recipients;
    return policyd::RateUsage{r.messages, r.recipients};
  }
  core::Status undo(std::string_view login, long long window, long long recipients) override {
    calls.push_back("undo " + std::string(login));
    if (fail_undo) return core::retry_error("fake: undo failed");
    Row& r = rows[std::string(login)];
    if (r.window == window) {
      r.messages = std::max(0LL, r.messages - 1);
      r.recipients = std::max(0LL, r.recipients - recipients);
    }
    return core::ok_status();
  }

  std::map<std::string, Row> rows;
  std::vector<std::string> calls;
  bool fail = false, fail_undo = false;
};

}  // namespace vmk_test
