// fake_table.h - a Table for lookupd tests that records every key asked and
// answers from a fixed map, failing with a Retry error for chosen keys.
#pragma once

#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "core/table/table.h"

namespace lookupd::test {

class RecordingTable final : public core::table::Table {
 public:
  RecordingTable(std::map<std::string, std::string> answers, std::set<std::string> fail = {},
                 std::vector<std::string>* log = nullptr, std::string tag = "")
      : answers_(std::move(answers)), fail_(std::move(fail)), log_(log), tag_(std::move(tag)) {}

  core::table::LookupResult lookup(std::string_view key) override {
    std::lock_guard lock(mu_);
    std::string k(key);
    asked_.push_back(k);
    if (log_) log_->push_back(tag_ + k);
    if (fail_.count(k)) return core::retry_error("fake: database down");
    auto it = answers_.find(k);
    if (it == answers_.end()) return core::table::not_found();
    return core::table::found(it->second);
  }
  std::vector<std::string> asked() {
    std::lock_guard lock(mu_);
    return asked_;
  }
  void set_fail(std::set<std::string> fail) {
    std::lock_guard lock(mu_);
    fail_ = std::move(fail);
  }
  void set_answers(std::map<std::string, std::string> answers) {
    std::lock_guard lock(mu_);
    answers_ = std::move(answers);
  }

 private:
  std::mutex mu_;
  std::map<std::string, std::string> answers_;
  std::set<std::string> fail_;
  std::vector<std::string>* log_;
  std::string tag_;
  std::vector<std::string> asked_;
};

}  // namespace lookupd::test
